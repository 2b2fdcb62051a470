"""Exact verification at a concrete N, every entry, fast enough for N in the hundreds.

SymPy's own way — ``sp.diff`` of every entry and SymPy's zero test — costs milliseconds
per entry (:mod:`derive.derivation` keeps it as an independent cross-check at small N).
This module decides the same question — does a formula in index notation
equal the derivative of the concrete construction, entry by entry, exactly? — with two
ideas that make each entry cost microseconds:

1. **Atoms.**  Every value is a Laurent polynomial with rational coefficients in *atoms*:
   the variables (``z_3``, ``y_5``, ``T``), the exponentials of monomials
   (``e_3 = exp(z_3)``; ``exp(z_3/T)``; ``exp(−z_3) = e_3⁻¹``), and one atom for each sum
   that is divided by (``s = e_1 + … + e_N``) or whose logarithm is taken.  A softmax output
   is the two-term monomial ``e_i s⁻¹``, not a quotient of N-term polynomials.
2. **Mechanical differentiation by the chain rule, node by node.**  The construction for N
   classes (:attr:`Problem.function`, sums written out) is differentiated with respect to
   each entry of the variable, every node by its rule (sum, product, power,
   ``d exp(u) = exp(u) du``, ``d log u = du/u`` through products and powers), with the
   derivative of every shared node — the denominator ``s`` — computed once per variable.

A difference that is the zero polynomial in the atoms is zero for every value of the
variables (the atoms are functions of them), so the test is sound.  When it is not zero
at once, the stated assumptions are applied (``y_N = 1 − Σ_{k<N} y_k``), then every sum
atom is replaced by its definition (``s = Σ_k e_k``, denominators cleared) and the test
repeated: a difference that survives is a nonzero polynomial in independent exponentials
and labels — the formula is wrong at that entry.

>>> from derive.functions import S, i, j, y
>>> check = check_exactly("softmax-jacobian", 40, S[i] * (sp.KroneckerDelta(i, j) - S[j]))
>>> check.passed, check.entries, check.by_atoms
(True, 1600, 1600)
>>> check_exactly("softmax-cross-entropy-grad", 40, S[j] - y[j]).by_assumptions
40
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from .. import progress
from ..catalog import get_target
from ..errors import InputError
from ..sizes import (BATCH, INPUTS, MAX_BATCH, MAX_EXACT_CLASSES, MAX_EXACT_ENTRIES, MAX_INPUTS,
                     validate_size)
from .evaluator import Evaluator
from .intervals import enclosure
from .polynomials import Unsupported, _add

__all__ = ["ExactCheck", "check_exactly", "compare", "representatives", "instance",
           "general_options", "check_steps_exactly", "Comparison", "MAX_EXACT_CLASSES",
           "MAX_EXACT_ENTRIES"]


# --- the check -------------------------------------------------------------------------


@dataclass(frozen=True)
class ExactCheck:
    """The result of :func:`check_exactly`.

    Attributes:
        target, classes: what was checked, for N = ``classes``.
        entries: the entries compared, every one of the derivative.
        by_atoms: entries whose difference was the zero polynomial in the atoms at once.
        by_expansion: entries that needed the sums written out in the exponentials.
        by_assumptions: entries that hold only under the stated assumptions (Σ_k y_k = 1).
        differing: the entries (index values) where the formula is not the derivative.
        assumptions: the assumptions used, by name.
    """

    target: str
    classes: int
    entries: int
    by_atoms: int
    by_assumptions: int
    by_expansion: int
    differing: tuple[tuple[int, ...], ...] = ()
    assumptions: tuple[str, ...] = ()
    covered: int = 0   # with representative entries: every entry, by symmetry

    @property
    def passed(self) -> bool:
        return not self.differing

    def describe(self) -> str:
        """One line: ``exact at N = 256: 65536 of 65536 entries equal …``."""
        equal = self.entries - len(self.differing)
        how = [f"{self.by_atoms} at once"]
        if self.by_expansion:
            how.append(f"{self.by_expansion} with the sums written out")
        if self.by_assumptions:
            how.append(f"{self.by_assumptions} under {', '.join(self.assumptions)}")
        text = (f"exact at N = {self.classes}: {equal} of {self.entries} entries equal "
                f"to the chain-rule derivative ({'; '.join(how)})")
        if self.covered and not self.differing:
            text += (f"; one for each pattern of equal indices, so all {self.covered} by "
                     "the symmetry of the construction under relabelling the classes")
        if self.differing:
            text += f"; differs at {_describe_keys(self.differing)}"
        return text


def _describe_keys(keys) -> str:
    shown = ", ".join("(" + ", ".join(map(str, k)) + ")" for k in keys[:3])
    return shown + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")


def check_exactly(target: str, classes: int, claim: sp.Expr,
                  **options: str | int | None) -> ExactCheck:
    """Compare ``claim`` with the derivative of the concrete construction for ``classes``
    classes, every entry, exactly.

    (The derived result itself is confirmed this way by every concrete-N derivation:
    ``derivation(target, N).exact``.)

    Args:
        target: a catalog name.
        classes: N, from the target's minimum to :data:`MAX_EXACT_CLASSES`.
        claim: a formula in the target's index notation (``S[i]*(KroneckerDelta(i, j) -
            S[j])``), with ``N`` (and a layer's ``D``, a batch's ``m``) as symbols or
            numbers.
        options: the layer and batch options, as for :func:`derive.derivation.derivation`
            (``inputs`` and ``batch`` default to 3 and 2 here too).

    Returns:
        An :class:`ExactCheck`.

    Raises:
        InputError: ``classes`` or a size out of range.
        Unsupported: a node the evaluator has no rule for (the caller may fall back to
            ``sp.diff`` and SymPy's zero test).

    >>> from derive.functions import S, i, j
    >>> check_exactly("softmax-jacobian", 50, S[i] * (1 - S[j])).differing[:2]
    ((1, 2), (1, 3))
    """
    _symbolic, problem, sizes = instance(target, classes, **options)
    return compare(problem, classes, claim.subs(sizes), get_target(target).name).check


def instance(target: str, n: int, **options):
    """The problem for every N and for ``n`` classes, and the sizes that turn one into the
    other.

    Returns ``(symbolic, problem, sizes)``: ``symbolic`` is built for the symbol N (and
    the symbols D, m where the target has an input or batch size that is not given),
    ``problem`` for ``n`` classes (D = 3, m = 2 unless given), and ``sizes`` substitutes
    N, D, m by those values, so a formula read for ``symbolic`` applies to ``problem``.
    """
    from ..catalog import OPTIONS
    found = get_target(target)
    if isinstance(n, bool) or not isinstance(n, int) \
            or not found.min_classes <= n <= MAX_EXACT_CLASSES:
        raise InputError(f"the number of classes for an exact check must be an integer "
                         f"from {found.min_classes} to {MAX_EXACT_CLASSES}, got {n!r}")
    if not found.symbolic:
        raise InputError(f"{found.name} has no symbolic form to check at N = {n}")
    given = {key: value for key, value in options.items() if value is not None}
    classes = sp.Symbol("N", integer=True, positive=True)
    general = {k: v for k, v in given.items() if k not in ("inputs", "batch")}
    concrete = dict(general)
    sizes = {classes: n}
    for option, symbol, maximum in (("inputs", INPUTS, MAX_INPUTS), ("batch", BATCH, MAX_BATCH)):
        if option in found.options:
            size = validate_size(given.get(option), option, maximum) or OPTIONS[option]
            general[option], concrete[option], sizes[symbol] = symbol, size, size
    symbolic = found.build(classes, **general)
    problem = found.build(n, **concrete)
    entries = len(problem.output_keys()) * len(problem.keys(problem.wrt_indices))
    if entries > MAX_EXACT_ENTRIES:
        raise InputError(f"the derivative at N = {n} has {entries} entries; at most "
                         f"{MAX_EXACT_ENTRIES} are checked exactly (use a symbolic N)")
    return symbolic, problem, sizes


def general_options(symbolic) -> dict:
    """The options of a problem for every N, as :func:`derivation` takes them (the
    sizes D and m symbolic by leaving them out)."""
    return {k: v for k, v in symbolic.options if k not in ("inputs", "batch")}


@contextmanager
def _cycles_uncollected():
    """Python's cycle collector off for a block, and back as it was after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class Comparison:
    """An :class:`ExactCheck` with what produced it, to evaluate entries afterwards
    (a counterexample): the evaluator and both sides, written out."""

    check: ExactCheck
    evaluator: Evaluator
    derivative: sp.Expr
    claim: sp.Expr

    def enclosures(self, key: tuple[int, ...], leaves: dict, prec: int) -> tuple:
        """The derivative and the claim at the entry ``key``, each an interval that
        contains its exact value at the point ``leaves`` (exact rationals)."""
        problem = self.evaluator.problem
        env = dict(zip(problem.indices, key))
        variable = self.evaluator.leaf(str(problem.wrt), key[len(key) -
                                                            len(problem.wrt_indices):])
        derivative = self.evaluator.derivative(self.derivative, env, variable)
        return (enclosure(self.evaluator, derivative, leaves, prec),
                enclosure(self.evaluator, self.evaluator.value(self.claim, env), leaves, prec))


def representatives(problem) -> list[tuple[int, ...]]:
    """One entry for every pattern of equal and unequal indices (per extent: classes,
    inputs, examples): ``(1, 1)`` and ``(1, 2)`` for a Jacobian, ``(1,)`` for a gradient.

    Every construction of the catalog is unchanged by relabelling the classes (and the
    inputs, and the examples), and so is an index form that names no entry by number;
    the difference of two such forms at any entry is then the difference at the entry
    with its pattern, its inputs relabelled — zero there exactly when zero here.  So an
    exact check at these entries is one at every entry.

    >>> from derive.catalog import get_target
    >>> representatives(get_target("softmax-jacobian").problem(512))
    [(1, 1), (1, 2)]
    """
    keys: list[tuple[int, ...]] = [()]
    for index in problem.indices:
        extent = problem.range_of(index)
        size = int(problem.extent(extent))
        grown = []
        for key in keys:
            same = [v for v, other in zip(key, problem.indices)
                    if problem.range_of(other) == extent]
            fresh = next((v for v in range(1, size + 1) if v not in same), None)
            grown += [key + (v,) for v in sorted(set(same))]
            if fresh is not None:
                grown.append(key + (fresh,))
        keys = grown
    return sorted(keys)


def compare(problem, n: int, claim: sp.Expr, target: str = "",
            keys: list[tuple[int, ...]] | None = None) -> Comparison:
    """Compare ``claim`` (index notation, sizes concrete) with the derivative of
    ``problem``'s construction at every entry (or at ``keys`` only: see
    :func:`representatives`); see :func:`check_exactly`."""
    from .concrete import Concrete
    evaluator = Evaluator(problem, n)
    construction = _written_out(problem.function, problem, n)
    claimed = Concrete(problem, n).written_out(claim, evaluated=False)
    assumptions = problem.assumptions
    rows = problem.output_keys()
    columns = problem.keys(problem.wrt_indices)
    if keys is not None:   # the entries asked for, in the same order
        width = len(rows[0])
        rows = sorted({key[:width] for key in keys})
        columns = sorted({key[width:] for key in keys})
        wanted = set(keys)
    family = str(problem.wrt)
    by_atoms = by_assumptions = by_expansion = 0
    differing = []
    # Row by row: one reverse sweep gives the derivative of the row's output with respect
    # to every entry of the variable (Evaluator.gradient); a construction it has no rule
    # for is differentiated forward, column by column, where the derivative of every
    # shared node is computed once per variable.
    width = len(problem.indices) - len(problem.wrt_indices)
    outputs, indices = problem.indices[:width], problem.indices
    inputs = indices[width:]
    variables = {column: evaluator.leaf(family, column) for column in columns}

    def backward(row):   # the row's derivatives, or None: forward for every row
        try:
            return evaluator.gradient(construction, dict(zip(outputs, row)), family)
        except (Unsupported, KeyError):
            return None

    def tally(how: str, key: tuple) -> None:
        nonlocal by_atoms, by_expansion, by_assumptions
        if how == "atoms":
            by_atoms += 1
        elif how == "expansion":
            by_expansion += 1
        elif how == "assumptions":
            by_assumptions += 1
        else:
            differing.append(key)

    claim_at = evaluator.entrywise(claimed)

    def decide(derivative: dict, claimed: dict) -> str:
        if derivative == claimed:   # most entries of a true claim: no difference to test
            return "atoms"
        return evaluator.decide_shared(_add(derivative, claimed, -1), assumptions)

    # Each entry makes a few small dicts and tuples that reference counting frees; the
    # cycle collector, triggered by their number, would re-scan every memoised value
    # again and again (a fifth of the time at N = 1024).
    with _cycles_uncollected():
        first = backward(rows[0]) if rows else None
        if first is not None:
            for row in progress.counted(rows, f"exact check at N = {n}, row by row"):
                gradient = first if row == rows[0] else backward(row)   # one row held at a time
                env = dict(zip(outputs, row))   # the column's indices set entry by entry
                for column in columns:
                    if keys is not None and row + column not in wanted:
                        continue
                    env.update(zip(inputs, column))
                    derivative = gradient.get(variables[column], {}) if gradient is not None \
                        else evaluator.derivative(construction, env, variables[column])
                    outcome = decide(derivative, claim_at(env))
                    if outcome != "atoms" or keys is not None:
                        tally(outcome, row + column)
                    else:   # the commonest outcome, counted without building the key
                        by_atoms += 1
        else:
            for column in progress.counted(columns, f"exact check at N = {n}, column by column"):
                for row in rows:
                    if keys is not None and row + column not in wanted:
                        continue
                    env = dict(zip(indices, row + column))
                    derivative = evaluator.derivative(construction, env, variables[column])
                    tally(decide(derivative, claim_at(env)), row + column)
    differing.sort()   # in the order of the indices (output first), as everywhere else
    entries = len(rows) * len(columns) if keys is None else len(wanted)
    covered = 0 if keys is None else \
        len(problem.output_keys()) * len(problem.keys(problem.wrt_indices))
    check = ExactCheck(target, n, entries,
                       by_atoms, by_assumptions, by_expansion, tuple(differing),
                       tuple(a.text.split(" (")[0] for a in assumptions), covered)
    return Comparison(check, evaluator, construction, claimed)


def check_steps_exactly(problem, n: int, steps) -> list[tuple[int, tuple]]:
    """Each step's right side (index notation, sizes concrete) against the chain-rule
    derivative, on every entry of its case, under its own assumptions only.

    Returns, per step, ``(entries compared, the entries where it differs)``.  Used for
    the steps of a symbolic-N derivation at N = 1, 2, 3, which the rules have proved for
    every N: this confirms them exactly at concrete N, independently of the rules.
    """
    from .concrete import Concrete
    evaluator = Evaluator(problem, n)
    construction = _written_out(problem.function, problem, n)
    concrete = Concrete(problem, n)
    # A step's own derivatives (∂L/∂W_ij of the definition, ∂z_k/∂W_ij of the chain rule)
    # by the evaluator's chain rule: SymPy's diff of the written-out layer is far slower.
    claims = [concrete.written_out(step.rhs, derivatives=False, evaluated=False)
              for step in steps]
    rows = problem.output_keys()
    counts = [0] * len(steps)
    differing: list[list] = [[] for _ in steps]
    family = str(problem.wrt)
    for column in problem.keys(problem.wrt_indices):   # one variable at a time (memo)
        variable = evaluator.leaf(family, column)
        for row in rows:
            key = row + column
            env = dict(zip(problem.indices, key))
            derivative = evaluator.derivative(construction, env, variable)
            for number, (step, claimed) in enumerate(zip(steps, claims)):
                if step.case is not None:
                    p, q, equal = step.case
                    if (env[p] == env[q]) != equal:
                        continue
                counts[number] += 1
                difference = _add(derivative, evaluator.value(claimed, env), -1)
                if evaluator.decide(difference, step.assumes or ()) == "differs":
                    differing[number].append(key)
    return [(count, tuple(sorted(keys))) for count, keys in zip(counts, differing)]


@lru_cache(maxsize=16)
def _written_out(function: sp.Expr, problem, n: int) -> sp.Expr:
    """The construction with its sums written out for ``n`` classes; σ as exponentials."""
    from ..functions import expand_sums, sigmoid
    e = function.rewrite(sigmoid, sp.exp) if function.has(sigmoid) else function
    if not e.has(sp.Sum):
        return e
    # Unevaluated: the evaluator reads the tree node by node (Kronecker deltas included),
    # and SymPy's own evaluation of log(exp(z_k)/Σ_m …) asks assumptions of every
    # N-term sum it is built from — seconds at N = 512, for nothing used here.
    with sp.evaluate(False):
        return expand_sums(e)
