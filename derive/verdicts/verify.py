"""Verify a hand-written formula against a target: a verdict, a counterexample, a diagnosis.

:func:`verify` reads the claim (:mod:`derive.read.claims`), derives the target
(:mod:`derive.derivation`) and compares the two:

1. **exactly** — for a concrete N, every entry of the claim minus SymPy's derivative,
   written as a rational function of ``e_m = exp(z_m)``, the labels and the probabilities,
   must cancel to zero; first as stated, then under the target's assumptions
   (``Σ_k y_k = 1``). For a symbolic N, both are reduced by the rules of
   :mod:`derive.calculus.proof`; equal normal forms prove the claim for every N;
2. **numerically**, always, as a second witness: both sides at seeded random points.

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

from collections.abc import Callable

import numpy as np
import sympy as sp

from ..calculus import mechanical_matrix
from ..calculus.proof import reduce, same_normal_form
from ..check.concrete import Concrete
from ..check.definedness import (UndefinedClaim, check_defined, check_defined_for_every_n,
                                 smallest_size)
from ..check.intervals import NoValue, TooBig, separated
from ..check.numeric import SCALARS, lambdify_entries, softmax
from ..check.sampling import Sampler
from ..derivation import concrete_options, derivation, sizes_of
from .diagnoses import across_sizes, diagnose_values
from ..errors import InputError, RewriteError
from .isolated import PythonFunction, is_user_code
from ..read.claims import (ALIASES, Claim, ShapeError, check_summed_entries, claim_for,
                           claim_from_sympy)
from ..read.parse_latex import looks_like_latex, read_latex
from ..sizes import MAX_DIFF_CLASSES
from .verdict import Counterexample, Verdict

__all__ = ["Verdict", "Counterexample", "verify", "diagnose_values", "NUMERIC_POINTS",
           "SYMBOLIC_TRIAL_SIZES", "EXACT_FROM"]

NUMERIC_POINTS = 200
RTOL, ATOL = 1e-9, 1e-12          # the numeric witness: rounding-level agreement
SYMBOLIC_TRIAL_SIZES = (2, 3, 4, 5)  # where a symbolic claim the rules cannot prove is tried
# From this N on, a concrete claim is decided by derive.check.exact (every entry, exactly, in
# microseconds) instead of sp.diff and SymPy's zero test per entry (milliseconds); a
# failure is then diagnosed at DIAGNOSIS_SIZE.
EXACT_FROM = 9
DIAGNOSIS_SIZE = 4
_SCALE_POINTS = 10   # points tried for a counterexample at scale (half with small logits)


def verify(claim: str | sp.Basic | Callable | PythonFunction, against: str | None = None,
           classes: int | str | sp.Symbol = 3, *, seed: int = 0,
           latex: bool | None = None, time_limit: float | None = None,
           of: str | None = None, assume: tuple[str, ...] = (),
           **options: str | int | None) -> Verdict:
    """Does ``claim`` equal the derivative ``against`` for ``classes`` classes?

    Args:
        claim: the formula as text (index, vector or matrix notation; see
            ``docs/notation.md``), as LaTeX (``S_i(\\delta_{ij} - S_j)``, optionally with a
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
                               assume=tuple(assume), seed=seed, seconds=time_limit)
        return verify_definition(claim, of, options.get("wrt"), classes,
                                 assume=tuple(assume), seed=seed)
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
    if isinstance(claim, str) and (latex or (latex is None and looks_like_latex(claim))):
        read = read_latex(claim)
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
        found = _at_scale(claim, source, against, classes, seed, notes, lhs_letters, options)
        if found is not None:
            return found
    d = derivation(against, classes, check=False, steps=False, **options)
    base = Verdict("fails", d.target.name, d.classes, None, d.result, d.general, d.lhs,
                   notes=notes, sizes=_sizes(d), minimum=d.target.min_classes)
    understood = _understood(claim, source, d.problem, lhs_letters)
    if isinstance(understood, str):
        return _replace(base, diagnosis=understood,
                        methods=("shape: the claim cannot have the target's shape",))
    base = _replace(base, claim=understood)
    if d.symbolic:
        return _symbolic(base, d, understood, seed)
    return _concrete(base, d, understood, d.classes, seed)


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


def _understood(claim, source, problem, lhs_letters) -> Claim | str:
    """The claim read for ``problem``, or the shape mismatch in words."""
    try:
        understood = (claim_from_sympy(claim, problem) if isinstance(claim, sp.Basic)
                      else claim_for(claim, problem, lhs_letters))
    except RecursionError:
        raise InputError("the claim is nested too deeply to read") from None
    except ShapeError as error:
        return f"shape mismatch: {error}"
    if source is not claim:   # LaTeX: show what was typed
        understood = _replace_claim(understood, source)
    return understood


def _at_scale(claim, source, against, n: int, seed: int, notes, lhs_letters,
              options) -> Verdict | None:
    """From N = :data:`EXACT_FROM` on: the claim, read for every N, is compared at ``n``
    with the chain-rule derivative of the construction, every entry, by
    :mod:`derive.check.exact` (microseconds per entry instead of SymPy's milliseconds).

    ``None`` when the claim has a node that module has no rule for (a root) and N is small
    enough for SymPy (:data:`~derive.sizes.MAX_DIFF_CLASSES`): the caller decides then."""
    from dataclasses import replace

    from ..check.exact import compare, general_options, instance
    from ..check.polynomials import Undefined, Unsupported
    symbolic, problem, sizes = instance(against, n, **options)
    d = derivation(against, "N", check=False, steps=False, **general_options(symbolic))
    base = Verdict("fails", d.target.name, n, None, d.result.subs(sizes),
                   d.general.subs(sizes), d.lhs, notes=notes, sizes=tuple(problem.sizes))
    understood = _understood(claim, source, d.problem, lhs_letters)
    if isinstance(understood, str):
        return _replace(base, diagnosis=understood,
                        methods=("shape: the claim cannot have the target's shape",))
    base = _replace(base, claim=understood)
    from ..read.claims import _check_entry   # S_200 at N = 100: not an entry (read for every N)
    _check_entry(replace(understood, expr=sp.Tuple(understood.expr,
                                                   *understood.conditions).subs(sizes)), problem)
    defined = check_defined([c.subs(sizes) for c in understood.conditions], problem, n,
                            seed=seed)
    proved = _proved_for_every_n(d, understood, sizes)
    if proved is not None:   # an instance of the proof: no entry needs writing out
        assumes, method = proved
        return _held(_replace(
            base, verdict="holds", assumptions=assumes,
            methods=(method, *_numeric_at_scale(understood.expr.subs(sizes), d, problem, n,
                                                seed))), defined, problem.assumptions)
    try:
        comparison = compare(problem, n, understood.expr.subs(sizes), d.target.name)
    except Undefined as error:
        raise UndefinedClaim(f"the claim is undefined at N = {n}: {error}") from None
    except Unsupported as error:
        if n <= MAX_DIFF_CLASSES:
            return None
        return _replace(base, verdict="undetermined", methods=(
            f"exact: not decided at N = {n}: {error}; try N ≤ {MAX_DIFF_CLASSES}, where "
            "SymPy decides",))
    check = comparison.check
    if check.passed:
        return _held(_replace(
            base, verdict="holds",
            methods=(check.describe(), *_numeric_at_scale(understood.expr.subs(sizes),
                                                          d, problem, n, seed)),
            assumptions=problem.assumptions if check.by_assumptions else ()), defined,
            problem.assumptions)
    counterexample = _counterexample_at_scale(comparison, problem, n, seed)
    if counterexample is None and not comparison.evaluator.independent():
        return _replace(base, verdict="undetermined", methods=(
            check.describe() + " — not a proof here: the difference has logarithms (or "
            "exponentials of fractions), whose atoms may be related",
            f"intervals: no point among {_SCALE_POINTS} where the two values are proved "
            "different"))
    # The usual mistakes are recognised from values at a small N, where SymPy is quick,
    # and stand for this N only if the next N gives the same one (a factor 1/4 at N = 4
    # that is 1/5 at N = 5 is 1/N).
    # With the user's D and m (a symbolic derivation would try D = 2, m = 2).
    fixed = {k: v for k, v in problem.options if k in ("inputs", "batch")}
    if fixed:
        d = derivation(against, "N", check=False, steps=False,
                       **general_options(symbolic), **fixed)
        understood = replace(understood, expr=understood.expr.xreplace(
            {symbol: value for symbol, value in sizes.items() if symbol != symbolic.classes}))
    proof = () if counterexample is not None else (
        "the difference is a nonzero polynomial in independent quantities (exponentials "
        "of the logits, labels): a proof that it is not 0 for every input; no sample "
        f"point among {_SCALE_POINTS} gave both values within reach",)
    named = max((int(i) for a in understood.expr.atoms(sp.Indexed) for i in a.indices
                 if i.is_Integer), default=0)
    if named > DIAGNOSIS_SIZE:   # S_7 is no entry at N = 4, where the diagnoses are made
        return _replace(base, methods=(check.describe(), *proof),
                        counterexample=counterexample,
                        notes=base.notes + (f"no diagnosis: the claim names index {named}, "
                                            f"beyond N = {DIAGNOSIS_SIZE} where diagnoses "
                                            "are made",))
    small = _concrete(base, d, understood, DIAGNOSIS_SIZE, seed)
    diagnosis, more = None, ()
    if small.verdict == "fails" and small.diagnosis is not None:
        claimed = understood.expr.subs(sizes)

        def at_this_n(relation) -> bool:   # C = c·E at every entry at this N, exactly
            if relation[0] != "factor":
                return False
            factor = relation[1].xreplace({s: n for s in relation[1].free_symbols
                                           if s.name == str(d.classes)})
            try:
                return factor != 0 and compare(problem, n, claimed / factor).check.passed
            except Unsupported:
                return False

        diagnosis = _diagnosis_for_every_n(base, d, understood, DIAGNOSIS_SIZE, small, seed,
                                           at_this_n)
        more = (f"the diagnosis is made at N = {DIAGNOSIS_SIZE} and "
                f"{DIAGNOSIS_SIZE + 1}, where the claim fails too"
                + (f", and confirmed exactly at N = {n}" if not diagnosis.startswith(
                    ("at ", "no common")) else ""),)
    elif small.verdict == "holds":
        more = (f"at N = {DIAGNOSIS_SIZE} the claim holds: the mistake shows only at larger N",)
    return _replace(base, methods=(check.describe(), *proof), counterexample=counterexample,
                    diagnosis=diagnosis, notes=base.notes + more)


def _proved_for_every_n(d, claim: Claim, sizes: dict) -> tuple[tuple, str] | None:
    """The rules' proof that ``claim`` equals the derivative for every N (and D, m), when
    they find one and it speaks for the sizes given: ``(assumptions used, method)``.

    The proof is an identity in the letters N, D, m, so it holds at ``sizes`` — provided
    every sum of the claim runs over a range there (SymPy's convention for a reversed
    range, Σ_{k=4}^{2} = −Σ_{k=3}^{3}, is not what the claim wrote) and the claim names
    no entry past them (checked by the caller).  ``None``: no such proof; the claim is
    then compared entry by entry.
    """
    lengths = [(high - low + 1).subs(sizes) for e in (claim.expr, *claim.conditions)
               for s in e.atoms(sp.Sum) for _, low, high in s.limits]
    if any(not (length.is_Integer and length >= 0) for length in lengths):
        return None
    assumes = _by_the_rules_alike(d, claim)
    if assumes is None:
        return None
    lowest = max(d.target.min_classes, smallest_size((claim.expr, *claim.conditions),
                                                     d.problem))
    at = ", ".join(f"{symbol} = {value}" for symbol, value in sizes.items())
    return assumes, (f"proof for all {d.classes} ≥ {lowest}: the claim and the derivative of the definition "
                     f"reduce to the same normal form by the rules of derive.calculus.proof — so at "
                     f"{at}, without writing out its entries")


def _by_the_rules_alike(d, claim: Claim) -> tuple | None:
    """The assumptions under which the claim and the derivative of ``d`` (symbolic N)
    reduce to the same normal form by the rules — none first, then the target's — or
    ``None`` when they do not (or the claim is not in the softmax outputs)."""
    problem = d.problem
    for assumes in ((), problem.assumptions) if problem.assumptions else ((),):
        try:
            left = reduce(claim.expr, problem, assumptions=assumes).expr
        except RewriteError:   # z_j − y_j: not in the softmax outputs; concrete N decides
            return None
        right = reduce(d.mechanical[0, 0], problem, assumptions=assumes).expr
        if same_normal_form(left, right):
            return assumes
    return None


def _numeric_at_scale(expr, d, problem, n: int, seed: int) -> tuple[str, ...]:
    """The numeric witness beside the exact check: the claim, vectorised over points,
    against directional central differences of the stable float64 implementation."""
    from ..errors import DeriveError
    from ..check.vectorised import check_expression
    try:
        report = check_expression(expr, d.target.name, n, points=NUMERIC_POINTS, seed=seed,
                                  **dict(problem.options))
    except DeriveError as error:   # a form the vectorised evaluation does not take
        return (f"numeric: not run ({error})",)
    except RecursionError:
        return ("numeric: not run (the claim is nested too deeply to evaluate)",)
    return (f"numeric: {report.points} points (seed {seed}, {report.extreme_points} with "
            f"extreme logits), the claim along a random direction against central "
            f"differences of the stable float64 function, max rel error "
            f"{report.max_rel_error:.1e}" + ("" if report.passed else " — over tolerance"),)


def _counterexample_at_scale(comparison, problem, n: int, seed: int):
    """A differing entry's two values at a seeded random point, proved different: each
    enclosed in an interval from the exact decimal inputs (:mod:`derive.check.intervals`), the
    intervals disjoint.  Points whose values pass any representable size are skipped."""
    from ..check.intervals import PRECISIONS, TooBig
    rng = np.random.default_rng(seed)
    keys = comparison.check.differing
    key = min(keys, key=lambda k: (len(set(k)) < len(k), k))   # off-diagonal first
    for attempt in range(_SCALE_POINTS):
        arrays = _point_at_scale(comparison.evaluator, problem, rng,
                                 scale=1.0 if attempt < _SCALE_POINTS // 2 else 0.1)
        leaves = {}
        for (family, indices) in comparison.evaluator.leaves:
            value = arrays[family][tuple(a - 1 for a in indices)] if indices \
                else arrays[family]
            leaves[(family, indices)] = sp.Rational(repr(float(value)))
        _labels_sum_to_one(leaves, problem, n)
        for prec in PRECISIONS:
            try:
                expected, claimed = comparison.enclosures(key, leaves, prec)
            except TooBig:
                break
            except ArithmeticError:   # a divisor or logarithm near 0: more precision
                continue
            if expected.b < claimed.a or claimed.b < expected.a:
                values = tuple(0.0 if box.a <= 0 <= box.b else float(box.mid)
                               for box in (expected, claimed, claimed - expected))
                if not all(np.isfinite(values)):
                    break
                shown = {name: (value.tolist() if isinstance(value, np.ndarray)
                                else float(value))
                         for name, value in arrays.items() if name in problem.inputs}
                indices = tuple(str(x) for x in problem.indices)
                return Counterexample(key, indices, shown, values[0], values[1], n, values[2])
    return None


def _labels_sum_to_one(leaves: dict, problem, n: int) -> None:
    """Under Σ_k y_k = 1 the last label is one minus the others, exactly (its float64
    value is off by a rounding, enough for a false counterexample)."""
    names = {a.name for a in problem.assumptions}
    rows = [("y", ())] if "labels-sum-to-one" in names else []
    if "rows-sum-to-one" in names:
        rows += [("Y", (row,)) for row in range(1, problem.extent("m") + 1)]
    for family, row in rows:
        keys = [(family, row + (k,)) for k in range(1, n + 1)]
        if all(key in leaves for key in keys):
            leaves[keys[-1]] = 1 - sum(leaves[key] for key in keys[:-1])


def _point_at_scale(evaluator, problem, rng, scale: float = 1.0) -> dict:
    """Values for every leaf family: logits normal (σ = 2), labels on the simplex (rows of
    Y too) under the target's assumption, probabilities a softmax, T and ε uniform in
    their ranges (``SCALARS``), a layer's W, x, b normal; rounded to two decimals.  A
    ``scale`` below 1 shrinks the normal draws: where exp(exp(z)) overflows at ordinary
    logits, small ones give values within reach."""
    found = {family for family, _ in evaluator.leaves}
    # In the order of the target's inputs, so that the seed gives the same point each run.
    families = [f for f in problem.inputs if f in found] + sorted(found - set(problem.inputs))
    arrays = {}
    for family in families:
        shape = problem.size_of(family) if family in ("z", "y", "S", "W", "x", "b", "Z", "Y") \
            else ()
        if family in ("y", "Y") and problem.assumptions:
            rows = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1] or None).round(2)
            rows[..., -1] = 1.0 - rows[..., :-1].sum(axis=-1)
            arrays[family] = rows
        elif family == "S":
            arrays[family] = softmax(rng.normal(0.0, 1.0, size=shape).round(2)[None])[0]
        elif family in SCALARS:
            low, high = SCALARS[family]
            arrays[family] = np.float64(rng.uniform(low, high)).round(2)
        else:
            sigma = (2.0 if family in ("z", "Z") else 1.0) * scale
            arrays[family] = rng.normal(0.0, sigma, size=shape).round(2)
    return arrays


def _sizes(d) -> tuple[tuple[str, object], ...]:
    """The sizes besides N that a verdict is about (a layer's D, a batch's m)."""
    return tuple((name, size) for name, size in d.problem.sizes)


def _lhs_letters(lhs) -> tuple[str, ...] | None:
    """``("log S_j", "z_i")`` → ``("j", "i")``; ``("L", "z_k")`` → ``("k",)``."""
    if lhs is None:
        return None
    letters = []
    for side in lhs:
        _, _, sub = side.rpartition("_")
        sub = sub.replace(",", "")   # W_{i,j}
        letters.append(sub if "_" in side and 1 <= len(sub) <= 2 and sub.isalpha() else "")
    if not letters[-1]:
        return None   # ∂L/∂z: vector notation, nothing to rename
    # One letter per index, the output's first: ∂S_t/∂W_ij gives ("t", "i", "j").
    return tuple(letter for side in letters for letter in side)


def _replace_claim(claim: Claim, text: str) -> Claim:
    from dataclasses import replace
    return replace(claim, text=text)


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
}


def _target_for(lhs, text: str, against: str | None) -> tuple[str | None, tuple[str, ...]]:
    """Check a LaTeX left side against the target, or choose the target from it."""
    if lhs is None:
        return against, ()
    top, variable = lhs

    def family(name: str) -> str:
        log = name.startswith("log ")
        base = name[4:] if log else name
        base = base.split("_")[0]
        base = ALIASES.get(base, base)
        return ("log " if log else "") + base

    key = (family(top), variable.split("_")[0])
    candidates = _LEFT_SIDES.get(key, ())
    if against is not None:
        from ..catalog import get_target
        name = get_target(against).name
        if name not in candidates:
            raise InputError(f"the left side ∂{top}/∂{variable} is not the derivative of "
                             f"{name}; leave out --against to choose the target from it")
        return name, ()
    if len(candidates) > 1:   # ∂L/∂z: σ tells the binary loss, the labels dense from sparse
        sparse = ("e_c" in text or "c)" in text or "_jc" in text or "_cj" in text)
        candidates = (candidates[2:] if "sigmoid" in text or "σ" in text else
                      candidates[1:2] if sparse else candidates[:1])
    if not candidates:
        raise InputError(f"no target is the derivative ∂{top}/∂{variable}; give --against "
                         "TARGET (see `derive list`)")
    return candidates[0], (f"the target {candidates[0]} was chosen from the left side "
                           f"∂{top}/∂{variable}",)


def _replace(v: Verdict, **changes) -> Verdict:
    from dataclasses import replace
    return replace(v, **changes)


def _keys(problem, n: int) -> list[tuple[int, ...]]:
    return problem.keys(problem.indices)


def _row(key, problem) -> tuple[int, int]:
    """Position in the mechanical matrix of the entry with these index values."""
    from ..check.step_checks import _row as position
    return position(key, problem)


def _concrete(base: Verdict, d, claim: Claim, n: int, seed: int) -> Verdict:
    if n == d.classes:
        problem, expr, conditions = d.problem, claim.expr, claim.conditions
    else:   # a symbolic claim tried at a concrete N (and D)
        sizes = sizes_of(d.problem, n)
        problem = d.target.build(n, **concrete_options(d.problem))
        expr = claim.expr.subs(sizes)
        conditions = tuple(c.subs(sizes) for c in claim.conditions)
    # As written, before SymPy's cancellations could hide a divisor: undefined is exit 2.
    defined = check_defined(conditions, problem, n, seed=seed)
    mechanical = mechanical_matrix(problem, n)
    concrete = Concrete(problem, n)
    keys = _keys(problem, n)
    assumes = problem.assumptions
    _check_defined_at(concrete, expr, keys, n, assumes)
    equal = {k: _same(concrete(mechanical[_row(k, problem)], k), concrete(expr, k))
             for k in keys}
    differing = [k for k in keys if equal[k] is not True]
    exact = f"exact: {len(keys)} entries, rational-function zero test" + (
        " in the exponentials of Z" if problem.batch else
        " in e_m = exp(z_m), z = W x + b" if problem.convention == "Wx" else
        " in e_m = exp(z_m), z = Wᵀ x + b" if problem.convention == "WTx" else
        (" in e_m = exp(z_m/T)" if problem.temperature is not None else " in e_m = exp(z_m)")
        if problem.softmax_of is not None else "")
    if not differing:
        return _held(_replace(base, verdict="holds", methods=(
            exact, _numeric(problem, n, mechanical, expr, seed, ()))), defined, assumes)
    if assumes:
        equal = {k: _same(concrete(mechanical[_row(k, problem)], k, assumes),
                          concrete(expr, k, assumes)) for k in differing}
        if all(equal[k] is True for k in differing):
            return _held(_replace(base, verdict="holds", assumptions=assumes, methods=(
                exact + ", under " + "; ".join(a.text.split(" (")[0] for a in assumes),
                _numeric(problem, n, mechanical, expr, seed, assumes))), defined, assumes)
    proved = [k for k in differing if equal[k] is False]
    return _failure(base, problem, n, mechanical, expr, claim, differing, proved, seed)


def _reversed_sums(claim: Claim, problem, lowest: int) -> list[int]:
    """The sizes N (from ``lowest``, the next 64) at which a sum of the claim runs over
    an empty range written backwards (``Σ_{k=4}^N`` at N = 2)."""
    limits = [(low, high) for e in (claim.expr, *claim.conditions)
              for s in e.atoms(sp.Sum) for _, low, high in s.limits]
    others = {size: value for size, value in sizes_of(problem, lowest).items()
              if size != problem.classes}

    def reversed_at(n: int, low, high) -> bool:
        length = (high - low + 1).subs({**others, problem.classes: n})
        # A limit that names another index (Σ_l Σ_{k=l}^N) has no single length here;
        # the concrete sizes write it out index by index.
        return bool(length.is_number and length < 0)

    return [n for n in range(lowest, lowest + 64)
            if any(reversed_at(n, low, high) for low, high in limits)]


def _held(verdict: Verdict, defined, assumptions=()) -> Verdict:
    """A claim equal to the derivative wherever it has a value holds — where it is proved
    to have one.  Undefined for some input that the target's ``assumptions`` exclude, it
    holds under them only; not proved to have a value everywhere, it is undetermined."""
    assumed = bool(verdict.assumptions)
    notes = verdict.notes
    if defined.undefined:   # the assumptions exclude where it has no value
        verdict = _replace(verdict, assumptions=assumptions)
        assumed = True
        notes += (f"without the assumption the claim is undefined {defined.undefined}",)
    line = defined.describe(assumed)
    methods = verdict.methods + ((line,) if line else ())
    open_ = defined.open_assumed if assumed else defined.open
    if not open_:
        return _replace(verdict, methods=methods, notes=notes)
    return _replace(verdict, verdict="undetermined", methods=methods, notes=notes + (
        "it equals the derivative wherever it has a value, but that it has one for every "
        "input is not proved (" + "; ".join(open_[:2]) + "): no point tried showed "
        "otherwise",))


def _check_defined_at(concrete, expr, keys, n: int, assumes) -> None:
    """Refuse a claim that divides by 0 or takes log 0 at an entry, for every input
    (``1/(Σ_k S_k − 1)``) or under the target's assumptions (``1/(Σ_k y_k − 1)``): it has
    no value to compare, and a cancelled 0/0 must not make it hold."""
    checked: set = set()

    def zero_inside(entry: sp.Expr) -> str | None:
        if entry.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            return "a division by zero"
        for node in sp.preorder_traversal(entry):
            if node.is_Pow and node.exp.is_negative:
                inside, what = node.base, "a division by zero"
            elif isinstance(node, sp.log):
                inside, what = node.args[0], "the logarithm of 0"
            else:
                continue
            if inside not in checked:
                checked.add(inside)
                if sp.cancel(sp.together(inside)) == 0:
                    return what
        return None

    for key in keys:
        for under in ((), assumes) if assumes else ((),):
            what = zero_inside(concrete(expr, key, under))
            if what is not None:
                where = f" under {'; '.join(a.text.split(' (')[0] for a in under)}" \
                    if under else ""
                at = f" at the entry ({', '.join(map(str, key))})" if key else ""
                raise UndefinedClaim(f"the claim is undefined at N = {n}{at}{where}: {what}")


def _same(a: sp.Expr, b: sp.Expr) -> bool | None:
    """Equal as functions: ``True`` and ``False`` are proofs, ``None`` is neither.

    derive.check.exact's zero test decides where it can (microseconds; SymPy's cancel takes
    seconds on (e_1/s)^8 at N = 4) — a ``False`` from it is a nonzero polynomial in
    independent atoms; else SymPy's ``cancel``, whose 0 is a proof and whose nonzero
    result is not (``log(e_1/s) − log e_1 + log s`` does not cancel)."""
    from ..check.evaluator import zero_test
    decided = zero_test(a - b)
    if decided is not None:
        return decided
    return True if sp.cancel(sp.together(a - b)) == 0 else None


def _evaluate(problem, n, entries_by_key, sampler: Sampler, assumes) -> np.ndarray:
    """Both sides' entries at the sample points: shape (points, entries)."""
    concrete = Concrete(problem, n)
    entries = [concrete(e, k, assumes) for k, e in entries_by_key]
    symbols = sorted(set().union(*(e.free_symbols for e in entries)), key=str)
    if not symbols:
        return np.tile(np.array([float(e) for e in entries]), (NUMERIC_POINTS, 1))
    return lambdify_entries(entries, symbols)(*sampler.arrays(symbols))


def _numeric(problem, n, mechanical, expr, seed, assumes) -> str:
    keys = _keys(problem, n)
    sampler = Sampler(problem, n, seed, assumes)
    truth = _evaluate(problem, n, [(k, mechanical[_row(k, problem)]) for k in keys], sampler, assumes)
    claim = _evaluate(problem, n, [(k, expr) for k in keys], sampler, assumes)
    ok = np.isfinite(truth) & np.isfinite(claim)
    with np.errstate(all="ignore"):
        rel = np.where(ok, np.abs(truth - claim) / np.maximum(1.0, np.abs(truth)), 0.0)
    return (f"numeric: {NUMERIC_POINTS} points (seed {seed}), max rel error "
            f"{float(rel.max(initial=0.0)):.1e}")


def _failure(base, problem, n, mechanical, expr, claim, differing, proved, seed) -> Verdict:
    """Not shown equal at ``differing`` entries (``proved``: shown different exactly): a
    counterexample proved by intervals makes it fail, and so does an exact proof; with
    neither, the verdict is undetermined."""
    assumes = problem.assumptions
    sampler = Sampler(problem, n, seed, assumes)
    keys = _keys(problem, n)
    truth = _evaluate(problem, n, [(k, mechanical[_row(k, problem)]) for k in keys], sampler, assumes)
    claimed = _evaluate(problem, n, [(k, expr) for k in keys], sampler, assumes)
    counterexample = _counterexample(problem, n, mechanical, expr, differing, sampler, truth,
                                     claimed, keys)
    if counterexample is None and not proved:
        # The difference does not cancel (log, sqrt, … of the inputs), yet no point shows
        # a difference that intervals prove: no proof either way.
        return _replace(base, verdict="undetermined", methods=(
            f"exact: the difference at {len(differing)} of {len(keys)} entries is not shown "
            "to be 0 (it has logarithms or roots, which the zero test does not decide)",
            f"intervals: no point among {sampler.points} where the two values are proved "
            "different"))
    if proved:
        methods = (f"exact: {len(proved)} of {len(keys)} entries differ (rational-function "
                   "zero test: a proof)",)
    else:
        methods = (f"intervals: the two values proved different at the point shown "
                   f"(exact inputs, interval arithmetic); {len(differing)} of {len(keys)} "
                   "entries not shown equal exactly",)
    if counterexample is None:
        methods += (f"no sample point among {sampler.points} gave both values within reach "
                    "of interval arithmetic, so no counterexample is shown",)
    diagnosis = _diagnose(problem, n, truth, claimed, keys, mechanical, expr, seed, sampler)
    return _replace(base, verdict="fails", methods=methods, counterexample=counterexample,
                    diagnosis=diagnosis)


def _counterexample(problem, n, mechanical, expr, differing, sampler, truth, claimed, keys):
    """The first differing entry at the first point where the two values are proved
    different: their exact values at the point (the decimal inputs, exponentials as
    ``exp`` of them) enclosed in intervals that do not meet (:mod:`derive.check.intervals`), so
    that rounding can never make a false "fails".  Points with the largest finite gap
    first, then the others (a gap that overflows float64 may still be finite exactly)."""
    assumes = problem.assumptions
    concrete = Concrete(problem, n)
    # Prefer an off-diagonal entry of a Jacobian: the usual mistakes show there.
    ordered = sorted(differing, key=lambda k: (len(set(k)) < len(k), k))
    tries = 0
    for key in ordered[:8]:
        column = keys.index(key)
        with np.errstate(all="ignore"):
            gap = np.abs(truth[:, column] - claimed[:, column])
        finite = np.isfinite(gap)
        by_gap = [int(r) for r in np.argsort(-np.where(finite, gap, -1.0))[:int(finite.sum())]]
        rows = by_gap[:6] + [int(r) for r in np.flatnonzero(~finite)[:4]]
        left = concrete(mechanical[_row(key, problem)], key, assumes)
        right = concrete(expr, key, assumes)
        for row in rows:
            tries += 1
            if tries > 40:
                return None
            values = {s: sampler.closed(s, row) for s in left.free_symbols | right.free_symbols}
            try:
                found = separated(left, right, values)
            except (TooBig, NoValue):   # past any representable value, or no value here
                continue
            if found is not None and all(np.isfinite(found)):
                indices = [str(x) for x in problem.indices]
                return Counterexample(key, tuple(indices), sampler.point(row, problem.inputs),
                                      found[0], found[1], n, found[2])
    return None


def _diagnose(problem, n, truth, claimed, keys, mechanical, expr, seed, sampler) -> str:
    """The usual mistakes, recognised from the values at the sample points."""
    ok = np.isfinite(truth).all(axis=1) & np.isfinite(claimed).all(axis=1)
    scalars = {name: sampler.scalars[name][ok] for name in SCALARS if name in problem.inputs}
    if problem.smoothing is not None:
        scalars["y"] = sampler.y[ok]
    diagnosis = diagnose_values(problem, n, truth[ok], claimed[ok], scalars)
    if (diagnosis.startswith("no common") and "y" in problem.inputs and len(keys[0]) == 1
            and problem.convention is None):
        return _only_target_class(problem, n, mechanical, expr) or diagnosis
    return _exactly(diagnosis, problem, n, mechanical, expr, keys)


def _exactly(diagnosis: str, problem, n, mechanical, expr, keys) -> str:
    """The diagnosis if the relation it names holds exactly at every entry (it was read
    off values at points: a claim 10⁻³⁰·z_1 away from half the derivative looks like
    half of it there); else what was seen, said as such."""
    relation = getattr(diagnosis, "relation", ())
    if not relation:
        return diagnosis
    concrete, assumes = Concrete(problem, n), problem.assumptions   # where it is compared

    def equal(key, truth_key, factor=1) -> bool:
        return _same(concrete(expr, key, assumes), factor * concrete(
            mechanical[_row(truth_key, problem)], truth_key, assumes)) is True

    kind = relation[0]
    if kind == "factor":
        confirmed = all(equal(key, key, relation[1]) for key in keys)
    elif kind == "transpose":
        confirmed = all(equal(key, key[::-1]) for key in keys)
    else:   # matches on the diagonal only (True) or off it only (False)
        confirmed = all(equal(key, key) for key in keys if (key[0] == key[1]) == relation[1])
    if confirmed:
        return diagnosis
    return ("no common mistake holds exactly: at the sample points it looks as if "
            f"{diagnosis[0].lower()}{diagnosis[1:]}, but not at every input")


def _only_target_class(problem, n, mechanical, expr) -> str | None:
    """With one-hot labels y = e_c, does the claim equal the derivative at j = c only?
    Decided exactly, for every logit (not at sample points, where a claim wrong only for
    negative logits can look right): equal at j = c for every c, and shown different at
    some other entry."""
    concrete = Concrete(problem, n)
    keys = _keys(problem, n)
    at_target, elsewhere = True, False
    for c in range(1, n + 1):
        onehot = {sp.Symbol(f"y_{m}"): sp.Integer(int(m == c)) for m in range(1, n + 1)}
        for key in keys:
            same = _same(concrete(mechanical[_row(key, problem)], key).xreplace(onehot),
                         concrete(expr, key).xreplace(onehot))
            if key[-1] == c:
                at_target = at_target and same is True
            elif same is False:
                elsewhere = True
        if not at_target:
            return None
    if at_target and elsewhere:
        return ("with one-hot labels your formula holds only at the target class (j = c): "
                f"it is right for ∂L/∂{problem.wrt}_c but not for the other classes")
    return None


def _diagnosis_for_every_n(base, d, claim, n: int, found: Verdict, seed: int,
                           confirm=None) -> str | None:
    """The diagnosis at one N, for the sizes the verdict is about: the next N must give
    the same one (or a factor 1/2, 1/3 that reads 1/N: :func:`derive.verdicts.diagnoses.
    across_sizes`), and ``confirm`` (the relation it names → proved for those sizes) must
    prove it; otherwise it is said for the two sizes where it was made."""
    if found.diagnosis is None or found.verdict != "fails":
        return found.diagnosis
    try:
        other = _concrete(base, d, claim, n + 1, seed)
    except ValueError:
        return found.diagnosis
    combined = across_sizes(found.diagnosis, other.diagnosis, n, str(d.classes))
    if combined.startswith("no common"):
        return combined
    relation = getattr(combined, "relation", ())
    if confirm is not None and relation and confirm(relation):
        return combined
    return f"at {d.classes} = {n} and {n + 1}: {combined} (not proved for the other sizes)"


def _by_the_rules(d, claim):
    """``confirm`` for a claim about every N: the claim reduces by the rules to the
    derivative times the factor (the letter of N in it read as N)."""
    def confirm(relation) -> bool:
        if relation[0] != "factor":
            return False
        factor = relation[1].xreplace({s: d.problem.classes for s in relation[1].free_symbols
                                       if s.name == str(d.classes)})
        try:
            for assumes in ((), d.problem.assumptions):
                left = reduce(claim.expr, d.problem, assumptions=assumes).expr
                right = reduce(factor * d.mechanical[0, 0], d.problem, assumptions=assumes).expr
                if same_normal_form(left, right):
                    return True
        except RewriteError:
            return False
        return False
    return confirm


def _symbolic(base: Verdict, d, claim: Claim, seed: int) -> Verdict:
    problem = d.problem
    check_summed_entries((claim.expr, *claim.conditions), problem, every_size=True)
    # An entry the claim names (S_6) exists from that N on: the claim is about those N.
    named = smallest_size((claim.expr, *claim.conditions), problem)
    lowest = max(d.target.min_classes, named)
    if lowest > d.target.min_classes:
        base = _replace(base, minimum=lowest, notes=base.notes + (
            f"the claim names the entry {named}, which exists from {d.classes} = {named} "
            "on: it is decided for those sizes",))
    # As written, at the sizes where a zero divisor can show: undefined is exit 2.
    defined = check_defined_for_every_n(claim.conditions, d.target, problem, seed=seed)
    # Where a sum's range is empty the rules would follow SymPy's convention for
    # reversed limits (Σ_{k=4}^{2} 1 = −1); the claim as written sums nothing there.
    for n in _reversed_sums(claim, problem, lowest)[:3]:
        found = _concrete(base, d, claim, n, seed)
        if found.verdict != "holds":
            return _replace(found, classes=d.classes, notes=found.notes + (
                f"decided at {d.classes} = {n}, where a sum of the claim has an empty range",))
    assumes = _by_the_rules_alike(d, claim)
    if assumes is not None:
        return _held(_replace(base, verdict="holds", assumptions=assumes, methods=(
            f"proof for all {d.classes} ≥ {lowest}: the claim and the derivative of the definition "
            "reduce to the same normal form by the rules of derive.calculus.proof",)), defined,
            problem.assumptions)
    # Not proved: try concrete N; a difference there is a real counterexample.
    sizes = sorted({*SYMBOLIC_TRIAL_SIZES, *((lowest, lowest + 1) if named > 1 else ())})
    sizes = [n for n in sizes if lowest <= n <= MAX_DIFF_CLASSES]
    tried, undecided = [], []
    for n in sizes:
        concrete = _concrete(base, d, claim, n, seed)
        tried.append(n)
        if concrete.verdict == "fails":
            return _replace(concrete, classes=d.classes,
                            diagnosis=_diagnosis_for_every_n(base, d, claim, n, concrete, seed,
                                                             _by_the_rules(d, claim)),
                            notes=base.notes + (f"decided at {d.classes} = {n}: the rules do "
                                                f"not reduce the claim for every {d.classes}",))
        if concrete.verdict == "undetermined":
            undecided.append(n)
    held = [n for n in tried if n not in undecided]
    said = []
    if held:
        said.append(f"it holds exactly at {d.classes} = {', '.join(map(str, held))}")
    if undecided:
        said.append(f"it is undetermined at {d.classes} = {', '.join(map(str, undecided))}")
    if not tried:
        said.append(f"no size up to {MAX_DIFF_CLASSES} was tried (the claim names the entry "
                    f"{named})")
    return _replace(base, verdict="undetermined", methods=(
        f"the rules do not reduce the claim to the derivative's normal form for every "
        f"{d.classes}; " + "; ".join(said),))
