"""A claim's verdict at a large N (from :data:`derive.verdicts.verify.EXACT_FROM`): read for
every N, compared at N with the chain-rule derivative of the construction on every entry by
:mod:`derive.check.exact`; a failure diagnosed at a small N and shown by a counterexample at
N itself.

>>> from derive.verdicts.verify import verify
>>> verify("S_i*(δ_ij - S_j)", against="softmax-jacobian", classes=64).verdict
'holds'
"""

from __future__ import annotations


import numpy as np
import sympy as sp

from ..check.definedness import UndefinedClaim, check_defined
from ..check.numeric import SCALARS, softmax
from ..derivation import derivation
from ..sizes import MAX_DIFF_CLASSES
from .verdict import Counterexample, Verdict
from .at_n import NUMERIC_POINTS, held_where_defined, read_for, replaced, verdict_at
from .every_n import diagnosis_for_every_n, proved_for_every_n

__all__ = ["verdict_at_scale", "DIAGNOSIS_SIZE"]

# A failure at a large N is diagnosed at this N.
DIAGNOSIS_SIZE = 4
_SCALE_POINTS = 10   # points tried for a counterexample at scale (half with small logits)


def verdict_at_scale(claim, source, against, n: int, seed: int, notes, lhs_letters,
                     options) -> Verdict | None:
    """From N = :data:`derive.verdicts.verify.EXACT_FROM` on: the claim, read for every N,
    is compared at ``n`` with the chain-rule derivative of the construction, every entry,
    by :mod:`derive.check.exact` (microseconds per entry instead of SymPy's milliseconds).

    ``None`` when the claim has a node that module has no rule for (a root) and N is small
    enough for SymPy (:data:`~derive.sizes.MAX_DIFF_CLASSES`): the caller decides then."""
    from dataclasses import replace

    from ..check.exact import compare, general_options, instance
    from ..check.polynomials import Undefined, Unsupported
    symbolic, problem, sizes = instance(against, n, **options)
    d = derivation(against, "N", check=False, steps=False, **general_options(symbolic))
    base = Verdict("fails", d.target.name, n, None, d.result.subs(sizes),
                   d.general.subs(sizes), d.lhs, notes=notes, sizes=tuple(problem.sizes))
    understood = read_for(claim, source, d.problem, lhs_letters)
    if isinstance(understood, str):
        return replaced(base, diagnosis=understood,
                        methods=("shape: the claim cannot have the target's shape",))
    base = replaced(base, claim=understood)
    from ..read.claims import _check_entry   # S_200 at N = 100: not an entry (read for every N)
    _check_entry(replace(understood, expr=sp.Tuple(understood.expr,
                                                   *understood.conditions).subs(sizes)), problem)
    defined = check_defined([c.subs(sizes) for c in understood.conditions], problem, n,
                            seed=seed)
    proved = proved_for_every_n(d, understood, sizes)
    if proved is not None:   # an instance of the proof: no entry needs writing out
        assumes, method = proved
        return held_where_defined(replaced(
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
        return replaced(base, verdict="undetermined", methods=(
            f"exact: not decided at N = {n}: {error}; try N ≤ {MAX_DIFF_CLASSES}, where "
            "SymPy decides",))
    check = comparison.check
    if check.passed:
        return held_where_defined(replaced(
            base, verdict="holds",
            methods=(check.describe(), *_numeric_at_scale(understood.expr.subs(sizes),
                                                          d, problem, n, seed)),
            assumptions=problem.assumptions if check.by_assumptions else ()), defined,
            problem.assumptions)
    counterexample = _counterexample_at_scale(comparison, problem, n, seed)
    if counterexample is None and not comparison.evaluator.independent():
        return replaced(base, verdict="undetermined", methods=(
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
        return replaced(base, methods=(check.describe(), *proof),
                        counterexample=counterexample,
                        notes=base.notes + (f"no diagnosis: the claim names index {named}, "
                                            f"beyond N = {DIAGNOSIS_SIZE} where diagnoses "
                                            "are made",))
    small = verdict_at(base, d, understood, DIAGNOSIS_SIZE, seed)
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

        diagnosis = diagnosis_for_every_n(base, d, understood, DIAGNOSIS_SIZE, small, seed,
                                           at_this_n)
        more = (f"the diagnosis is made at N = {DIAGNOSIS_SIZE} and "
                f"{DIAGNOSIS_SIZE + 1}, where the claim fails too"
                + (f", and confirmed exactly at N = {n}" if not diagnosis.startswith(
                    ("at ", "no common")) else ""),)
    elif small.verdict == "holds":
        more = (f"at N = {DIAGNOSIS_SIZE} the claim holds: the mistake shows only at larger N",)
    return replaced(base, methods=(check.describe(), *proof), counterexample=counterexample,
                    diagnosis=diagnosis, notes=base.notes + more)


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
