"""A claim's verdict at a concrete N: every entry compared exactly with SymPy's derivative
(first as stated, then under the target's assumptions), a numeric witness, and for a claim
that fails a counterexample proved by interval arithmetic and a diagnosis of the mistake.

>>> from derive.verdicts.verify import verify
>>> verify("S_i*(δ_ij - S_j)", against="softmax-jacobian", classes=3).verdict
'holds'
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from ..calculus import mechanical_matrix
from ..check.concrete import Concrete
from ..check.definedness import UndefinedClaim, check_defined
from ..check.intervals import NoValue, TooBig, separated
from ..check.numeric import SCALARS, lambdify_entries
from ..check.sampling import Sampler
from ..derivation import concrete_options, sizes_of
from .diagnoses import diagnose_values, diagonal_message
from ..errors import InputError
from ..read.claims import Claim, ShapeError, claim_for, claim_from_sympy
from .verdict import Counterexample, Verdict

__all__ = ["verdict_at", "held_where_defined", "read_for", "replaced", "reversed_sums", "diagonal_only",
           "NUMERIC_POINTS", "RTOL", "ATOL"]

NUMERIC_POINTS = 200
RTOL, ATOL = 1e-9, 1e-12          # the numeric witness: rounding-level agreement


def replaced(v: Verdict, **changes) -> Verdict:
    """``v`` with ``changes`` (a verdict is frozen)."""
    from dataclasses import replace
    return replace(v, **changes)


def read_for(claim, source, problem, lhs_letters) -> Claim | str:
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


def _replace_claim(claim: Claim, text: str) -> Claim:
    from dataclasses import replace
    return replace(claim, text=text)


def _keys(problem, n: int) -> list[tuple[int, ...]]:
    return problem.keys(problem.indices)


def _row(key, problem) -> tuple[int, int]:
    """Position in the mechanical matrix of the entry with these index values."""
    from ..check.step_checks import _row as position
    return position(key, problem)


def verdict_at(base: Verdict, d, claim: Claim, n: int, seed: int) -> Verdict:
    """The verdict on ``claim`` at ``n`` classes (``d``'s N, or a concrete N at which a
    claim about every N is tried): exactly on every entry, as stated and under the
    assumptions, with the numeric witness; a failure gets its counterexample and diagnosis."""
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
        return held_where_defined(replaced(base, verdict="holds", methods=(
            exact, _numeric(problem, n, mechanical, expr, seed, ()))), defined, assumes)
    if assumes:
        equal = {k: _same(concrete(mechanical[_row(k, problem)], k, assumes),
                          concrete(expr, k, assumes)) for k in differing}
        if all(equal[k] is True for k in differing):
            return held_where_defined(replaced(base, verdict="holds", assumptions=assumes, methods=(
                exact + ", under " + "; ".join(a.text.split(" (")[0] for a in assumes),
                _numeric(problem, n, mechanical, expr, seed, assumes))), defined, assumes)
    proved = [k for k in differing if equal[k] is False]
    return _failure(base, problem, n, mechanical, expr, claim, differing, proved, seed)


def reversed_sums(claim: Claim, problem, lowest: int) -> list[int]:
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


def held_where_defined(verdict: Verdict, defined, assumptions=()) -> Verdict:
    """A claim equal to the derivative wherever it has a value holds — where it is proved
    to have one.  Undefined for some input that the target's ``assumptions`` exclude, it
    holds under them only; not proved to have a value everywhere, it is undetermined."""
    assumed = bool(verdict.assumptions)
    notes = verdict.notes
    if defined.undefined:   # the assumptions exclude where it has no value
        verdict = replaced(verdict, assumptions=assumptions)
        assumed = True
        notes += (f"without the assumption the claim is undefined {defined.undefined}",)
    line = defined.describe(assumed)
    methods = verdict.methods + ((line,) if line else ())
    open_ = defined.open_assumed if assumed else defined.open
    if not open_:
        return replaced(verdict, methods=methods, notes=notes)
    return replaced(verdict, verdict="undetermined", methods=methods, notes=notes + (
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
        return replaced(base, verdict="undetermined", methods=(
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
    diagnosis = _named(base.target, problem, n, expr, keys) or \
        _diagnose(problem, n, truth, claimed, keys, mechanical, expr, seed, sampler)
    return replaced(base, verdict="fails", methods=methods, counterexample=counterexample,
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


def _named(target: str, problem, n, expr, keys) -> str | None:
    """A named mistake (:mod:`derive.verdicts.mistakes`) that the claim is, exactly at
    every entry (under the target's assumptions)."""
    from .mistakes import named_mistakes
    concrete, assumes = Concrete(problem, n), problem.assumptions
    for mistake, says in named_mistakes(target, problem):
        if all(_same(concrete(expr, key, assumes), concrete(mistake, key, assumes)) is True
               for key in keys):
            return says
    return None


def diagonal_only(claim, d) -> str | None:
    """For a Jacobian, a claim with one free index that is its diagonal: ``S_i(1 − S_i)``
    for ``S_i(δ_ij − S_j)``, decided exactly at every i (at N = 3 and 4 for every N)."""
    problem = d.problem
    if not isinstance(claim, str) or problem.output_index is None or \
            not problem.name.has(problem.output_index) or len(problem.wrt_indices) != 1:
        return None
    from ..read import parse
    from ..read.claim_reader import Reader
    from ..read.shapes import index_letters
    sizes = (d.classes,) if isinstance(d.classes, int) else (3, 4)
    if not isinstance(d.classes, int):   # decided at two sizes: said only of a claim free of N
        try:
            written = Reader(problem).read(parse.parse(claim)).expr
        except InputError:
            return None
        if written.has(sp.Sum) or written.free_symbols & (problem.size_symbols | {d.classes}):
            return None
    for n in sizes:
        concrete_problem = problem if n == d.classes else \
            d.target.build(n, **concrete_options(problem))
        try:
            value = Reader(concrete_problem).read(parse.parse(claim))
        except InputError:
            return None
        letters = index_letters(value.expr) - concrete_problem.size_symbols
        if value.shape != "scalar" or len(letters) != 1:
            return None

        expr = value.expr.xreplace({letters.pop(): problem.output_index})
        mechanical, concrete = mechanical_matrix(concrete_problem, n), Concrete(concrete_problem, n)
        for k in range(1, n + 1):
            key = (k, k)
            if _same(concrete(expr, key), concrete(mechanical[_row(key, concrete_problem)],
                                                   key)) is not True:
                return None
    return diagonal_message(d.result, problem.output_index, problem.wrt_index)


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
