"""Verify a hand-written formula against a target: a verdict, a counterexample, a diagnosis.

:func:`verify` reads the claim (:mod:`derive.read.claims`), derives the target
(:mod:`derive.derivation`) and compares the two:

1. **exactly** — for a concrete N, every entry of the claim minus SymPy's derivative,
   written as a rational function of ``e_m = exp(z_m)``, the labels and the probabilities,
   must cancel to zero; first as stated, then under the target's assumptions
   (``Σ_k y_k = 1``). For a symbolic N, both are reduced by the rules of
   the one strategy (:func:`derive.calculus.strategy.normal_form`); equal normal forms
   prove the claim for every N;
2. **numerically**, always, as a second witness: both sides at seeded random points.

This module reads the claim and chooses the way to decide; each way is a module of its
own: :mod:`derive.verdicts.at_n` (a concrete N), :mod:`derive.verdicts.every_n` (a symbolic
N), :mod:`derive.verdicts.large_n` (from :data:`EXACT_FROM` classes on).

Three verdicts, never a guess: ``holds`` (proved, the claim defined as written:
:mod:`derive.check.definedness`), ``fails`` (an exact proof of a nonzero difference, or a
counterexample whose two values interval arithmetic proves different:
:mod:`derive.check.intervals`), ``undetermined`` (neither, e.g. a symbolic claim that the rules
cannot reduce but that holds at every concrete N tried).  An undefined claim is an
:class:`~derive.errors.UndefinedClaim`.  A failing claim gets a diagnosis of the usual mistakes: a flipped
sign, a constant factor, a transposition, the right entries in the wrong places, only the
diagonal or only the off-diagonal right, only the entry of the target class right, the
wrong shape.

>>> v = verify("S_i*(1 - S_j)", against="softmax-jacobian", classes=3)
>>> v.verdict, v.diagnosis
('fails', 'your formula matches the diagonal (i = j) but not the off-diagonal entries')
"""

from __future__ import annotations

import re

from collections.abc import Callable

import numpy as np
import sympy as sp

from ..derivation import derivation
from ..errors import InputError
from ..read.claims import ALIASES
from ..read.left_side import read_written
# The three ways to decide: at a concrete N, for every N, at a large N.
from .at_n import ATOL, NUMERIC_POINTS, RTOL, diagonal_only, read_for, replaced, verdict_at
from .diagnoses import diagnose_values
from .every_n import SYMBOLIC_TRIAL_SIZES, verdict_for_every_n
from .isolated import PythonFunction, is_user_code
from .large_n import verdict_at_scale
from .verdict import Counterexample, Verdict

__all__ = ["Verdict", "Counterexample", "verify", "diagnose_values", "NUMERIC_POINTS",
           "SYMBOLIC_TRIAL_SIZES", "EXACT_FROM", "RTOL", "ATOL"]

# From this N on, a concrete claim is decided by derive.check.exact (every entry, exactly, in
# microseconds) instead of sp.diff and SymPy's zero test per entry (milliseconds); a
# failure is then diagnosed at DIAGNOSIS_SIZE.
EXACT_FROM = 9


def verify(claim: str | sp.Basic | Callable | PythonFunction, against: str | None = None,
           classes: int | str | sp.Symbol = 3, *, seed: int = 0,
           latex: bool | None = None, time_limit: float | None = None,
           of: str | None = None, assume: tuple[str, ...] = (),
           **options: str | int | None) -> Verdict:
    """Does ``claim`` equal the derivative ``against`` for ``classes`` classes?

    Args:
        claim: the formula as text (index, vector or matrix notation; see
            ``derive notation``), as LaTeX (``S_i(\\delta_{ij} - S_j)``, optionally with a
            left side ``\\frac{\\partial L}{\\partial z_j} = …``), a SymPy expression in
            index notation (``S[i]``, ``KroneckerDelta(i, j)``, with ``IndexedBase`` families
            named S, p, y, z), or a NumPy function of the target's variables (checked
            numerically, see :mod:`derive.verdicts.gradcheck`), given as a function or as a
            :class:`~derive.verdicts.isolated.PythonFunction` (a file's function, imported only
            where it is called).  A function is only ever called in a worker process of
            its own, 4 GiB of memory, its results handed back as plain arrays and
            compared here (:mod:`derive.verdicts.isolated`).
        against: a target name (``derive list``); may be left out for LaTeX with a left
            side that names the derivative.
        classes: N, or a letter / ``"symbolic"`` to decide for every N.
        seed: the seed of the random points.
        latex: read ``claim`` as LaTeX (``None``: when it looks like LaTeX).
        time_limit: seconds of wall-clock time: the check runs in a forked worker with
            this limit and 4 GiB of memory (:func:`derive.bounded.run_bounded`), for
            claims from strangers; a function that does not return within it is an
            InputError. ``None`` (the default): a formula is checked in this process,
            unbounded; a function has no time limit (it still runs in its worker).
        of: instead of a target, a function you define, ``"L = …"``, with ``wrt=`` its
            variable and ``assume=`` the hypotheses the result may use
            (:mod:`derive.verdicts.defined`); the claim is then a formula in text.
        options: for the layer and batch targets, ``inputs``, ``wrt``, ``convention``,
            ``batch``, ``reduction``, as for :func:`derive.derivation.derivation`.

    Raises:
        ParseError, InputError: a claim that cannot be read or has unknown symbols, or a
            left side that is not the target's derivative.
        TooLarge: with a ``time_limit``, work that passed it or the memory limit.
        InputError: also, for a function: one that raises, exits, hangs past the time
            limit, or returns what is not real numbers; a file that cannot be imported.
    """
    if of is not None:
        if against is not None:
            raise InputError("give a target (against=) or a definition (of=), not both")
        if set(options) - {"wrt", "inputs"}:
            raise InputError(f"{', '.join(sorted(set(options) - {'wrt', 'inputs'}))}: options "
                             "of the catalogue targets, not of a definition")
        classes, seed, latex, time_limit = _arguments(classes, seed, latex, time_limit, None)
        if is_user_code(claim):   # numeric evidence, the function in its own worker
            from .defined_code import check_definition_callable
            return check_definition_callable(claim, of, options.get("wrt"), classes,
                                             assume=tuple(assume),
                                             inputs=options.get("inputs") or 3, seed=seed,
                                             time_limit=time_limit)
        from .defined import verify_definition
        if time_limit is not None:
            from ..bounded import run_bounded
            return run_bounded(verify_definition, claim, of, options.get("wrt"), classes,
                               assume=tuple(assume), seed=seed, latex=latex,
                               seconds=time_limit)
        return verify_definition(claim, of, options.get("wrt"), classes,
                                 assume=tuple(assume), seed=seed, latex=latex)
    if assume:
        raise InputError("assume= goes with a definition (of=…); a target states its own "
                         "assumptions")
    classes, seed, latex, time_limit = _arguments(classes, seed, latex, time_limit, against)
    options = {key: int(value) if isinstance(value, np.integer) else value
               for key, value in options.items()}   # inputs=np.int64(3) is 3
    if time_limit is not None and not is_user_code(claim):   # code: bounded in gradcheck
        from ..bounded import run_bounded
        return run_bounded(verify, claim, against, classes, seed=seed, latex=latex,
                           seconds=time_limit, **options)
    notes: tuple[str, ...] = ()
    source = claim
    lhs_letters = None
    if isinstance(claim, str):   # LaTeX or text, with the derivative on the left or not
        read = read_written(claim, latex)
        claim = read.text
        against, notes = _target_for(read.lhs, read.text, against)
        lhs_letters = _lhs_letters(read.lhs)
        if read.lhs is not None and read.lhs[1].split("_")[0] in ("W", "x", "b"):
            # ∂L/∂x_j names the layer's variable: it is the --wrt of the target.
            variable = read.lhs[1].split("_")[0]
            if options.get("wrt") not in (None, variable):
                raise InputError(f"the left side is a derivative with respect to {variable} "
                                 f"but --wrt is {options['wrt']}")
            options["wrt"] = variable
    if against is None:
        raise InputError("say which derivative the claim is: --against TARGET (see "
                         "`derive list`), or a LaTeX left side such as "
                         "\\frac{\\partial L}{\\partial z_j} = …")
    if is_user_code(claim):   # called only in a worker process of its own
        from .gradcheck import check_callable
        return check_callable(claim, against, classes, seed=seed, time_limit=time_limit,
                              **options)
    if isinstance(classes, int) and not isinstance(classes, bool) and classes >= EXACT_FROM:
        found = verdict_at_scale(claim, source, against, classes, seed, notes, lhs_letters, options)
        if found is not None:
            return found
    d = derivation(against, classes, check=False, steps=False, **options)
    base = Verdict("fails", d.target.name, d.classes, None, d.result, d.general, d.lhs,
                   notes=notes, sizes=sizes_of_verdict(d), minimum=d.target.min_classes)
    understood = read_for(claim, source, d.problem, lhs_letters)
    if isinstance(understood, str):
        understood = diagonal_only(claim, d) or understood
        return replaced(base, diagnosis=understood,
                        methods=("shape: the claim cannot have the target's shape",))
    base = replaced(base, claim=understood)
    if d.symbolic:
        return verdict_for_every_n(base, d, understood, seed)
    return verdict_at(base, d, understood, d.classes, seed)


def _arguments(classes, seed, latex, time_limit, against):
    """The arguments of :func:`verify` as it uses them, or an InputError that names the
    one of the wrong type: NumPy's integers are integers (``np.int64(4)`` classes), a
    bool is not a number, a seed is 0 … 2⁶⁴ − 1."""
    import numbers
    if against is not None and not isinstance(against, str):
        raise InputError(f"against must be a target name (see `derive list`), got "
                         f"{type(against).__name__}")

    def integer(value):
        if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
            return int(value)
        return None

    if integer(classes) is not None:
        classes = integer(classes)
    elif not isinstance(classes, (str, sp.Symbol)):
        raise InputError(f"classes must be a number of classes (an integer) or a letter "
                         f"such as 'N' for every N, got {classes!r}"[:200])
    if integer(seed) is None or not 0 <= integer(seed) < 2**64:
        raise InputError(f"seed must be an integer from 0 to 2**64 - 1, got {seed!r}"[:200])
    if latex is not None and not isinstance(latex, (bool, np.bool_)):
        raise InputError(f"latex must be True, False or None, got {latex!r}"[:200])
    if time_limit is not None:
        from ..bounded import checked_seconds
        time_limit = checked_seconds(time_limit)
    return classes, integer(seed), None if latex is None else bool(latex), time_limit


def sizes_of_verdict(d) -> tuple[tuple[str, object], ...]:
    """The sizes besides N that a verdict is about (a layer's D, a batch's m)."""
    return tuple((name, size) for name, size in d.problem.sizes)


def _lhs_letters(lhs) -> tuple[str, ...] | None:
    """``("log S_j", "z_i")`` → ``("j", "i")``; ``("L", "z_k")`` → ``("k",)``."""
    if lhs is None:
        return None
    letters = []
    # ∂²L/∂z_i∂z_j: the variables, "z_i z_j", give the row's letter and the column's.
    sides = (lhs[0], *lhs[1].split(" ")) if " " in lhs[1] else lhs
    for side in sides[1:] if " " in lhs[1] else sides:
        _, _, sub = side.rpartition("_")
        sub = sub.replace(",", "")   # W_{i,j}
        letters.append(sub if "_" in side and 1 <= len(sub) <= 3 and sub.isalpha() else "")
    if not letters[-1]:
        return None   # ∂L/∂z: vector notation, nothing to rename
    # One letter per index, the output's first: ∂S_t/∂W_ij gives ("t", "i", "j").
    return tuple(letter for side in letters for letter in side)


# The derivative a LaTeX left side names: (numerator family, variable family) → targets.
_LEFT_SIDES = {
    ("S", "z"): ("softmax-jacobian",),
    ("log S", "z"): ("log-softmax-jacobian",),
    ("L", "S"): ("cross-entropy-grad",),
    ("L", "z"): ("softmax-cross-entropy-grad", "sparse-softmax-cross-entropy-grad",
                 "sigmoid-binary-cross-entropy-grad"),
    ("S", "W"): ("linear-softmax-jacobian",),
    ("S", "b"): ("linear-softmax-jacobian",),
    ("L", "W"): ("linear-softmax-cross-entropy-grad",),
    ("L", "x"): ("linear-softmax-cross-entropy-grad",),
    ("L", "b"): ("linear-softmax-cross-entropy-grad",),
    ("L", "Z"): ("batch-softmax-cross-entropy-grad",),
    ("L", "z z"): ("softmax-cross-entropy-hessian",),
}


def _own_left_sides(target) -> set[tuple[str, str]]:
    """The left sides a target's own results print, as (quantity, variable) families:
    ``("S", "z")`` for ∂S_i/∂z_j, ``("L", "z z")`` for ∂²L/∂z_i∂z_j (one per --wrt)."""
    problem = target.problem(3)
    name = problem.name
    if isinstance(name, sp.Derivative):   # a second derivative: ∂²L/∂z_i∂z_j
        return {(str(name.expr), f"{name.variables[0].base} {problem.wrt}")}
    quantity = (f"log {name.args[0].base}" if isinstance(name, sp.log)
                else str(getattr(name, "base", name)))
    return {(quantity, variable) for variable in target.wrt_choices or (str(problem.wrt),)}


def _target_for(lhs, text: str, against: str | None) -> tuple[str | None, tuple[str, ...]]:
    """Check a left side against the target, or choose the target from it (a label, J =,
    names no derivative)."""
    if lhs is None or not lhs[0]:
        return against, ()
    top, variable = lhs

    def family(name: str) -> str:
        log = name.startswith("log ")
        base = name[4:] if log else name
        base = base.split("_")[0]
        base = ALIASES.get(base, base)
        return ("log " if log else "") + base

    key = (family(top), " ".join(v.split("_")[0] for v in variable.split(" ")))
    shown = "∂²" + top + "/∂" + "∂".join(variable.split(" ")) if " " in variable else \
        f"∂{top}/∂{variable}"
    candidates = _LEFT_SIDES.get(key, ())
    if against is not None:
        from ..catalog import get_target
        name = get_target(against).name
        if name not in candidates and key not in _own_left_sides(get_target(against)):
            raise InputError(f"the left side {shown} is not the derivative of "
                             f"{name}; leave out --against to choose the target from it")
        return name, ()
    if len(candidates) > 1:   # ∂L/∂z: σ tells the binary loss, the labels dense from sparse
        # The class c, standing alone (e_c, [j = c], delta(c, j), onehot(c)) or in δ_jc.
        sparse = bool(re.search(r"(?<![A-Za-z])c(?![A-Za-z])", text)) or \
            "_jc" in text or "_cj" in text
        candidates = (candidates[2:] if "sigmoid" in text or "σ" in text else
                      candidates[1:2] if sparse else candidates[:1])
    if not candidates:
        raise InputError(f"no target is the derivative {shown}; give --against "
                         "TARGET (see `derive list`)")
    return candidates[0], (f"the target {candidates[0]} was chosen from the left side "
                           f"{shown}",)
