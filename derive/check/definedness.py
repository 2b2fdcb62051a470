"""Where a claim has no value — decided on the claim as written, before any simplification
could remove a divisor or a logarithm.

The readers record a condition for every division, logarithm and root they build
(:mod:`derive.conditions`).  :func:`check_defined` decides each one for a concrete
problem; :func:`check_defined_for_every_n` for a symbolic N, at the sizes where a
difference can show.  For every condition:

1. **At every entry that can differ.**  The construction is symmetric under renaming the
   classes (and the inputs, and the examples), so an index letter only needs the values
   written in the claim (``S_1``), the values of the other letters, and one value of its
   own; a letter used as a number (``(j − 4)``) takes every value in its range, as does
   every index a ``Σ`` binds.
2. **As a function of the inputs, exactly.**  Zero identically (derive.check.exact's zero test,
   then SymPy's ``cancel``), or zero under the target's assumptions (``Σ_k y_k − 1``):
   undefined.  A rational function whose numerator and denominator each have terms of one
   sign in quantities that are positive (``e_m = exp(z_m)``, probabilities ``S_m``, the
   temperature ``T``) is never 0 and has that sign: defined.
3. **At points**, when 2. decides nothing: seeded sample points (labels anywhere on
   the hyperplane Σ_k y_k = 1 under that assumption, negative entries included) and the
   corners of the domain (one-hot labels, zero logits), each value enclosed in an interval
   (:mod:`derive.check.intervals`).  A value proved negative (under a logarithm or a root),
   exactly 0 (a divisor, a logarithm), or of both signs at two points (a divisor: 0 or
   undefined somewhere between them, by continuity) makes the claim undefined there.

Undefined anywhere it is asked about is :class:`UndefinedClaim`, an ``InputError`` that
says where (exit status 2 from the CLI).  A condition that neither 2. nor 3. decides is
reported in :attr:`Definedness.open`: a claim that holds wherever it has a value is then
*undetermined*, not *holds* (:mod:`derive.verdicts.verify`).

>>> from derive.catalog import get_target
>>> from derive.read.claims import claim_for
>>> problem = get_target("softmax-cross-entropy-grad").problem(4)
>>> claim = claim_for("(S_j - y_j)(1 - Σ_k S_k)/(1 - Σ_k S_k)", problem)
>>> claim.expr                                     # SymPy cancelled it while building
S[j] - y[j]
>>> check_defined(claim.conditions, problem, 4)    # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
UndefinedClaim: the claim is undefined at N = 4: a division by zero (the divisor 1 − Σ_k S_k is 0 for every input)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import sympy as sp

from ..conditions import unpack, written_form
from ..errors import TooLarge, UndefinedClaim
from .intervals import NoValue, TooBig, sign

if TYPE_CHECKING:   # annotations only: the catalog is imported where it is used
    from ..catalog import Problem, Target

__all__ = ["Definedness", "UndefinedClaim", "check_defined", "check_defined_for_every_n",
           "trial_sizes", "MAX_ASSIGNMENTS", "POINTS"]

# The most index values one condition is decided at (a letter used as a number takes
# every value in 1..N: (i − j)/(i − j) at N = 512 is 262,144 of them).
MAX_ASSIGNMENTS = 300_000
POINTS = 24           # random sample points per condition, besides the corners
_EXPANDED_TERMS = 20_000   # the largest expansion the sign proof writes out

# Each kind of condition: what it needs, what its operand is called, and what it is when
# the operand is 0 or negative (None: allowed).
_NEEDS = {"nonzero": "≠ 0", "positive": "> 0", "nonnegative": "≥ 0", "power+": "≥ 0",
          "power-": "> 0"}
_OPERAND = {"nonzero": "the divisor", "positive": "the argument of the logarithm",
            "nonnegative": "the argument of the square root", "power+": "the base of the power",
            "power-": "the base of the power"}
_AT_ZERO = {"nonzero": "a division by zero", "positive": "the logarithm of 0",
            "nonnegative": None, "power+": None,
            "power-": "a negative fractional power of 0 (a division by zero)"}
_NEGATIVE = {"nonzero": None, "positive": "the logarithm of a negative number",
             "nonnegative": "the square root of a negative number",
             "power+": "a fractional power of a negative number",
             "power-": "a fractional power of a negative number"}


@dataclass(frozen=True)
class Definedness:
    """What :func:`check_defined` established.

    Attributes:
        decided: how many (condition, index values) pairs were proved defined for every
            input; ``decided_assumed`` under the target's assumptions.
        open: the conditions not proved to have a value for every input, in words
            (``"the divisor y_j + 2 ≠ 0 at N = 4, j = 1"``): no point tried showed
            otherwise, but that is not a proof.
        open_assumed: the same under the target's assumptions (labels on the simplex).
        undefined: where the claim has no value for some input that the assumptions
            exclude (``log Σ_k y_k`` with Σ_k y_k ≤ 0): it can hold under the assumptions
            only.  (Undefined where the assumptions hold is :class:`UndefinedClaim`.)
        sizes: the sizes N it was decided at (one for a concrete N).
        other_sizes: the other sizes it was decided at, by name (``(("D", (1, 2, 3)),)``).
    """

    decided: int = 0
    decided_assumed: int = 0
    open: tuple[str, ...] = ()
    open_assumed: tuple[str, ...] = ()
    undefined: str | None = None
    sizes: tuple[int, ...] = ()
    other_sizes: tuple[tuple[str, tuple[int, ...]], ...] = ()

    def describe(self, assumed: bool = False) -> str:
        """One line for the verdict's methods (``assumed``: for a verdict under the
        target's assumptions)."""
        open_ = self.open_assumed if assumed else self.open
        if not (self.decided_assumed if assumed else self.decided) and not open_:
            return ""
        at = "".join(f"{'; ' if n else ' at '}{name} = {', '.join(map(str, values))}"
                     for n, (name, values) in enumerate(
                         [("N", self.sizes)] * bool(self.sizes) + list(self.other_sizes)))
        text = f"defined: every divisor, logarithm and root as written, checked{at}"
        if open_:
            text += (f"; not proved for every input: {'; '.join(open_[:3])}"
                     + (f" and {len(open_) - 3} more" if len(open_) > 3 else ""))
        return text


def check_defined(conditions: Sequence[sp.Basic], problem: Problem, n: int, *,
                  seed: int = 0, label: str | None = None,
                  written: Sequence[sp.Basic] | None = None) -> Definedness:
    """Decide every condition of a claim for ``problem`` at ``n`` classes (sizes concrete).

    Args:
        conditions: :attr:`derive.read.claims.Claim.conditions`, sizes substituted.
        problem: the concrete problem (the target built for ``n``).
        label: how the size is named in messages (``"N = 5"``); default ``N = n``.
        written: the conditions as the claim wrote them (sizes still symbols), for the
            messages; default ``conditions``.

    Raises:
        UndefinedClaim: where the claim has no value (under the target's assumptions, if
            it has any: what only the assumptions exclude is :attr:`Definedness.undefined`).
    """
    from .concrete import Concrete
    concrete = Concrete(problem, n)
    label = label or f"N = {n}"
    decided, decided_assumed, open_, open_assumed, undefined = 0, 0, [], [], None
    under = "; ".join(a.text.split(" (")[0] for a in problem.assumptions)
    for condition, shown in dict.fromkeys(zip(conditions, written or conditions)):
        kind, expr, binders = unpack(condition)
        if kind == "entry":   # decided where the claim was read (claims._check_entry)
            continue
        form = written_form(unpack(shown)[1], classes=(
            problem.classes if written is None else None))   # None: the symbol N
        said: set = set()
        for env in _assignments(expr, binders, problem, n):
            entry = sp.sympify(expr.xreplace({s: sp.Integer(v) for s, v in env.items()}))
            general, assumed = _decide(kind, entry, problem, n, concrete, seed)
            where = _where(label, env)
            if isinstance(assumed, _Undefined):
                # Said under the assumptions when that is where it was established.
                scope = f" under {under}" if assumed is not general else ""
                raise UndefinedClaim(f"the claim is undefined at {where}{scope}: "
                                     f"{assumed.what} ({_OPERAND[kind]} {form} "
                                     f"{assumed.detail})")
            text = f"{_OPERAND[kind]} {form} {_NEEDS[kind]} at {where}"
            if isinstance(general, _Undefined):
                undefined = undefined or (f"at {where}: {general.what} ({_OPERAND[kind]} "
                                          f"{form} {general.detail})")
            elif not general and "general" not in said:   # said once per condition
                said.add("general")
                open_.append(text)
            if not assumed and "assumed" not in said:
                said.add("assumed")
                open_assumed.append(text)
            decided += general is True
            decided_assumed += assumed is True
    return Definedness(decided, decided_assumed, tuple(open_), tuple(open_assumed), undefined,
                       (n,))


def trial_sizes(conditions: Sequence[sp.Basic], target: Target, symbolic: Problem) -> list[dict]:
    """The sizes at which a claim for every N is decided: N from the target's minimum
    up three more, every number the claim names (``S_6`` exists from N = 6), and every
    size at which a divisor or argument in the sizes and indices vanishes (``N² − 144``
    at N = 12, ``N − j − 10`` at N = 11); a symbolic input size D and batch size m from 1
    to 3 and the same.  Each as the substitution ``{N: 5, D: 2}``."""
    from ..sizes import MAX_EXACT_CLASSES
    numbers = sorted({int(a) for c in conditions for a in c.atoms(sp.Integer)
                      if 1 <= a <= MAX_EXACT_CLASSES})
    extents = {"N": symbolic.classes}
    for option, extent in (("inputs", "D"), ("batch", "m")):
        if isinstance(size := dict(symbolic.options).get(option), sp.Symbol):
            extents[extent] = size
    sizes = {}
    for extent, symbol in extents.items():
        low, high = ((target.min_classes, MAX_EXACT_CLASSES) if extent == "N" else (1, 32))
        low = max(low, smallest_size(conditions, symbolic, extent))   # S_7: N ≥ 7
        named = {a for a in numbers if low <= a <= high}
        zeros = {r for c in conditions for r in _zeros_in(c, symbol, extent, symbolic, numbers)
                 if low <= r <= high}
        sizes[symbol] = sorted({*range(low, low + (4 if extent == "N" else 3)), *named,
                                *(a + 1 for a in named if a < high), *zeros})
    symbols = list(sizes)
    return [dict(zip(symbols, values)) for values in itertools.product(*sizes.values())]


def smallest_size(expressions, problem, extent: str = "N") -> int:
    """The smallest size of ``extent`` at which every entry the expressions write with a
    number exists (``S_7``: N ≥ 7; ``Y_{3,j}``: m ≥ 3); 1 when they write none."""
    return max((int(a) for e in expressions for x in e.atoms(sp.Indexed)
                for a, where in zip(x.indices, problem.shape(str(x.base)))
                if a.is_Integer and where == extent), default=1)


def _zeros_in(condition: sp.Basic, size: sp.Symbol, extent: str, problem,
              numbers) -> set[int]:
    """Sizes near which a factor of the condition's operand that involves only sizes and
    index letters changes sign or vanishes: its real roots in the size (``N² − 144``: 12;
    ``21/2 − N``: 10 and 11), and in an index letter of this extent, which needs a size at
    least as large (``j² − j − 110``: j = 11, so N = 11); the other letters at 1, 2, 3 or
    a number the claim names."""
    _, expr, _ = unpack(condition)
    try:
        factors = [f for f, _ in sp.factor_list(sp.together(expr))[1]]
    except (sp.PolynomialError, ValueError):
        return set()
    found: set[int] = set()
    for factor in factors:
        if factor.atoms(sp.Indexed, sp.Function, sp.Sum) or not factor.free_symbols:
            continue
        unknowns = [s for s in factor.free_symbols
                    if s == size or (s.is_integer and _extent_of(s, expr, problem) == extent
                                     and s != problem.classes)]
        for unknown in unknowns:
            others = sorted(factor.free_symbols - {unknown}, key=str)
            values = sorted({1, 2, 3, *numbers})[:8]
            for assignment in itertools.islice(itertools.product(values, repeat=len(others)),
                                               64):
                equation = factor.xreplace(dict(zip(others, map(sp.Integer, assignment))))
                found |= _around_roots(equation, unknown)
    return found


def _around_roots(equation: sp.Expr, unknown: sp.Symbol) -> set[int]:
    """The integers at and beside the real roots of a polynomial equation in one unknown."""
    try:
        roots = sp.Poly(equation, unknown).real_roots()
    except (sp.PolynomialError, sp.polys.polyerrors.GeneratorsNeeded, NotImplementedError):
        return set()
    out: set[int] = set()
    for root in roots:
        value = float(root)
        if abs(value) < 10**6:
            out |= {math.floor(value), math.ceil(value), math.ceil(value) + 1}
    return out


def check_defined_for_every_n(conditions: Sequence[sp.Basic], target: Target,
                              symbolic: Problem, *, seed: int = 0) -> Definedness:
    """:func:`check_defined` for a claim about every N: at each of :func:`trial_sizes`
    (a claim undefined at one N is undefined as a claim for every N).

    Raises:
        UndefinedClaim: where the claim has no value, with the size.
    """
    if not conditions:
        return Definedness()
    found: list[Definedness] = []
    options = dict(symbolic.options)
    tried = trial_sizes(conditions, target, symbolic)
    for values in tried:
        n = values[symbolic.classes]
        concrete_options = {**options, **{k: values[v] for k, v in options.items()
                                          if isinstance(v, sp.Symbol) and v in values}}
        problem = target.build(n, **concrete_options)
        label = ", ".join(f"{symbol} = {value}" for symbol, value in values.items())
        found.append(check_defined([c.subs(values) for c in conditions], problem, n,
                                   seed=seed, label=label, written=conditions))
    return Definedness(sum(f.decided for f in found), sum(f.decided_assumed for f in found),
                       tuple(dict.fromkeys(o for f in found for o in f.open)),
                       tuple(dict.fromkeys(o for f in found for o in f.open_assumed)),
                       next((f.undefined for f in found if f.undefined), None),
                       tuple(sorted({n for f in found for n in f.sizes})),
                       tuple((str(symbol), tuple(sorted({values[symbol] for values in tried})))
                             for symbol in (tried[0] if tried else {})
                             if symbol != symbolic.classes))


# --- index values ------------------------------------------------------------------------

def _assignments(expr: sp.Expr, binders, problem, n: int):
    """The index values at which the condition can differ (see the module docstring)."""
    free = sorted((s for s in expr.free_symbols if s in problem.indices), key=str)
    bound = [b for b, _, _ in binders]
    ranges = {s: range(1, int(problem.extent(problem.range_of(s))) + 1) for s in free}
    for b, low, high in binders:
        ranges[b] = range(int(low), int(high) + 1)
    if any(not r for r in ranges.values()):
        return   # an empty sum binds nothing
    letters = [*free, *bound]
    arithmetic = _used_as_numbers(expr, letters)
    if _partial_sums(expr, problem):   # Σ_{k=1}^{N−1} tells class N from the others
        arithmetic = letters
    extents = {s: _extent_of(s, expr, problem) for s in letters}
    written = _written_numbers(expr, problem)
    count = math.prod(len(ranges[s]) for s in arithmetic) if arithmetic else 1
    if count > MAX_ASSIGNMENTS:
        raise TooLarge(f"too large to decide where the claim is defined: its indices take "
                       f"{count} combinations of values (at most {MAX_ASSIGNMENTS})")
    symmetric = [s for s in letters if s not in arithmetic]
    for values in itertools.product(*(ranges[s] for s in arithmetic)):
        env = dict(zip(arithmetic, values))
        yield from _representatives(symmetric, env, ranges, extents, written)


def _representatives(letters, env: dict, ranges, extents, written):
    """Each letter: a number written for its extent, another letter's value, or a fresh
    value (the smallest in its range that is neither)."""
    if not letters:
        yield dict(env)
        return
    first, rest = letters[0], letters[1:]
    extent = extents[first]
    taken = {v for s, v in env.items() if extents[s] == extent} | written.get(extent, set())
    choices = sorted(v for v in taken if v in ranges[first])
    fresh = next((v for v in ranges[first] if v not in taken), None)
    for value in choices + ([fresh] if fresh is not None else []):
        yield from _representatives(rest, {**env, first: value}, ranges, extents, written)


def _partial_sums(expr: sp.Expr, problem) -> bool:
    """Whether a sum inside runs over less than its whole extent: then the classes are
    not interchangeable, and every index takes every value."""
    extents = {problem.extent(e) for e in ("N", *(name for name, _ in problem.sizes))}
    return any(not (low == 1 and high in extents)
               for s in expr.atoms(sp.Sum) for _, low, high in s.limits)


def _used_as_numbers(expr: sp.Expr, letters) -> list:
    """Letters that stand outside a subscript or a Kronecker delta, as in ``(j − 4)``."""
    hidden = expr.replace(lambda e: isinstance(e, (sp.Indexed, sp.KroneckerDelta)),
                          lambda e: sp.Symbol("_subscripted"))
    return [s for s in letters if s in hidden.free_symbols]


def _extent_of(letter, expr: sp.Expr, problem) -> str:
    """The extent a letter runs over: its target index's, or the position it stands in."""
    if letter in problem.indices:
        return problem.range_of(letter)
    for atom in expr.atoms(sp.Indexed):
        for index, extent in zip(atom.indices, problem.shape(str(atom.base))):
            if index == letter:
                return extent
    return "N"


def _written_numbers(expr: sp.Expr, problem) -> dict[str, set]:
    """The integers written as subscripts, by extent; those compared in a δ count for
    every extent."""
    out: dict[str, set] = {}
    for atom in expr.atoms(sp.Indexed):
        for index, extent in zip(atom.indices, problem.shape(str(atom.base))):
            if index.is_Integer:
                out.setdefault(extent, set()).add(int(index))
    for delta in expr.atoms(sp.KroneckerDelta):
        for a in delta.args:
            if a.is_Integer:
                for extent in ("N", "D", "m"):
                    out.setdefault(extent, set()).add(int(a))
    return out


def _where(label: str, env: dict) -> str:
    return ", ".join([label, *(f"{s} = {v}" for s, v in env.items())])


# --- one condition at one entry ------------------------------------------------------------

@dataclass(frozen=True)
class _Undefined:
    what: str
    detail: str


def _decide(kind: str, entry: sp.Expr, problem, n: int, concrete, seed: int) -> tuple:
    """``(for every input, under the assumptions)``: each ``True`` (proved defined),
    ``False`` (not decided) or :class:`_Undefined`.  Without assumptions both are the
    same decision."""
    entry = sp.sympify(entry.xreplace({s: sp.Integer(v) for s, v in problem.parameters}))
    key = (1,) * len(problem.indices)   # the entry has no free index left
    value = sp.sympify(concrete(entry, key, ()))   # sums written out, S as the softmax
    general = _decide_in(kind, value, problem, n, seed, ())
    if not problem.assumptions:
        return general, general
    if isinstance(general, _Undefined) and general.detail.endswith("for every input"):
        return general, general   # 0 (or < 0) identically is so under the assumptions too
    assumed_value = sp.sympify(concrete(entry, key, problem.assumptions))
    assumed = True if general is True else \
        _decide_in(kind, assumed_value, problem, n, seed, problem.assumptions)
    return general, assumed


def _decide_in(kind: str, value: sp.Expr, problem, n: int, seed: int, assumptions):
    """One domain: every input (no ``assumptions``), or the inputs they allow."""
    if _AT_ZERO[kind] and _identically_zero(value):
        return _Undefined(_AT_ZERO[kind], "is 0 for every input")
    everywhere = _sign_everywhere(value)
    if everywhere == 1 or (everywhere == -1 and not _NEGATIVE[kind]):
        return True
    if everywhere == -1:
        return _Undefined(_NEGATIVE[kind], "is negative for every input")
    return _at_points(kind, value, problem, n, seed, assumptions)


def _identically_zero(value: sp.Expr) -> bool:
    from .evaluator import zero_test
    if value == 0:
        return True
    decided = zero_test(value)
    if decided is not None:
        return decided
    try:
        return sp.cancel(sp.together(value)) == 0
    except (sp.PolynomialError, TypeError):
        return False


def _sign_everywhere(value: sp.Expr) -> int | None:
    """``1`` or ``-1`` when ``value`` has that sign for every input: a quotient whose
    numerator and denominator are sums of terms of one sign each, every term a positive
    number times powers of positive quantities; ``None`` otherwise."""
    if value.is_Number:
        return None if value == 0 else (1 if value > 0 else -1)
    if _expanded_size(value) > _EXPANDED_TERMS:
        return None
    numerator, denominator = sp.fraction(sp.together(value))
    top, bottom = _sign_of_sum(numerator), _sign_of_sum(denominator)
    return top * bottom if top and bottom else None


def _sign_of_sum(part: sp.Expr) -> int | None:
    if _expanded_size(part) > _EXPANDED_TERMS:
        return None
    signs = set()
    for term in sp.Add.make_args(sp.expand(part)):
        coefficient, factors = term.as_coeff_mul()
        if coefficient == 0 or not all(_positive(f) for f in factors):
            return None
        signs.add(1 if coefficient > 0 else -1)
    return signs.pop() if len(signs) == 1 else None


def _positive(factor: sp.Expr) -> bool:
    """Positive for every input: exp of anything real, e_m = exp(z_m), a probability
    S_m, the temperature T, π and e, and their real powers."""
    if factor.is_Number:
        return bool(factor > 0)
    if factor in (sp.E, sp.pi) or isinstance(factor, sp.exp):
        return True
    if factor.is_Symbol:
        return bool(factor.is_positive) or factor.name == "T" or factor.name.startswith("S_")
    if factor.is_Pow:
        return _positive(factor.base) and factor.exp.is_real is not False
    return False


def _expanded_size(expr: sp.Expr) -> int:
    """An upper bound of the number of terms of ``expand(expr)``, without expanding."""
    if expr.is_Add:
        return sum(_expanded_size(a) for a in expr.args)
    if expr.is_Mul:
        return math.prod(_expanded_size(a) for a in expr.args)
    if expr.is_Pow and expr.exp.is_Integer and expr.base.is_Add:
        terms, power = _expanded_size(expr.base), abs(int(expr.exp))
        return math.comb(terms + power - 1, power) if power < 64 else 10**9
    return 1


def _at_points(kind: str, value: sp.Expr, problem, n: int, seed: int, assumptions):
    """The value at sample points and corners (labels on the simplex under the
    ``assumptions``, free otherwise): a proof of undefinedness, or ``False``."""
    from .sampling import Sampler
    sampler = Sampler(problem, n, seed + 1, assumptions, points=POINTS + 4, spread=True)
    rows = _with_corners(sampler, problem, n, assumptions)
    symbols = sorted(value.free_symbols, key=str)
    seen: dict[int, int] = {}
    for row in rows:
        values = {s: sampler.closed(s, row) for s in symbols}
        try:
            found = sign(value, values)
        except (TooBig, NoValue):   # past any representable value, or its own operand
            continue                # undefined (a condition of its own says so)
        if found is None:   # maybe exactly 0 (a one-hot label): decided in rationals
            exact = value.xreplace(values) if _AT_ZERO[kind] else None
            if exact is not None and exact.is_Number and exact == 0:
                return _Undefined(_AT_ZERO[kind], _at("is 0", sampler, row, problem))
            continue
        seen.setdefault(found, row)
    if not _NEGATIVE[kind] and len(seen) == 2:   # a divisor of both signs: 0 between
        return _Undefined(_AT_ZERO[kind], "takes both signs: " + _at(
            "positive", sampler, seen[1], problem) + "; " + _at(
            "negative", sampler, seen[-1], problem) + " — so the claim has no value "
            "somewhere between them")
    if _NEGATIVE[kind] and -1 in seen:
        return _Undefined(_NEGATIVE[kind], _at("is negative", sampler, seen[-1], problem))
    return False


def _with_corners(sampler, problem, n: int, assumptions) -> list[int]:
    """Rows of the sampler, the first ones made corners of the domain: one-hot labels
    (every class up to four), zero logits, zero labels where labels are free."""
    corners = 0
    if "y" in problem.inputs or problem.batch:
        for c in range(min(n, 4)):
            onehot = np.zeros(n)
            onehot[c] = 1.0
            if problem.batch:
                sampler.matrices["Y"][corners] = onehot
            else:
                sampler.y[corners] = onehot
            corners += 1
        if not assumptions and not problem.batch:
            sampler.y[corners] = 0.0
            corners += 1
    sampler.z[corners] = 0.0
    if "Z" in sampler.matrices:
        sampler.matrices["Z"][corners] = 0.0
    return list(range(sampler.points))


def _at(what: str, sampler, row: int, problem) -> str:
    point = sampler.point(row, problem.inputs)
    shown = "; ".join(f"{name}={_short(v)}" for name, v in point.items())
    return f"{what} at {shown}"


def _short(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_short(x) for x in v) + "]"
    return f"{v:.6g}"
