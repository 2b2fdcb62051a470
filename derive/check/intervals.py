"""Rigorous enclosures of a formula's value at a point: interval arithmetic, so that a
counterexample or a sign is a proof and never an artefact of rounding.

Rounding two equal things separately can manufacture a difference: ``log e^z − z`` at 30
digits is about 10⁻³⁰, not 0, and a factor 10²⁰ in front of it makes that a "failure".
Here every value is an interval (``mpmath.iv``) guaranteed to contain the exact value; two
values differ at a point only when their intervals are disjoint, and a number is negative
only when its whole interval is.  When an interval straddles the answer the precision is
raised (:data:`PRECISIONS`); when the highest precision does not separate them the answer
is ``None`` — no claim either way.

Inputs are exact (rationals such as the decimals ``z = 1.23`` of a sample point, and
closed forms such as ``exp(1.23)``); the expression is a SymPy tree of the notation's
nodes.  Magnitudes are bounded: an ``exp`` of more than :data:`MAX_EXPONENT` is
:class:`TooBig` (``exp(exp(exp(10)))`` has no representable value), and the caller looks
at another point.

>>> import sympy as sp
>>> z = sp.Rational(123, 100)
>>> difference = 10**20 * (sp.log(sp.exp(z) + 1) - z - sp.log(1 + sp.exp(-z)))
>>> sign(difference, {}) is None     # zero: never separated from 0, at any precision
True
>>> sign(sp.Rational(1, 10**25), {})
1
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import sympy as sp
from mpmath import iv

__all__ = ["enclose", "enclosure", "sign", "separated", "TooBig", "NoValue", "PRECISIONS",
           "MAX_EXPONENT"]

# Bits of working precision, tried in turn until an interval decides.
PRECISIONS = (80, 160, 320, 640)
# exp(x) is enclosed for x up to 10^5 (e^(10^5) ≈ 10^43429); beyond, exp(exp(x)) would
# need an exponent of millions of digits: not evaluated (the caller tries another point).
MAX_EXPONENT = 10**5


class TooBig(ArithmeticError):
    """A value too large to enclose (an exponential of more than :data:`MAX_EXPONENT`)."""


class NoValue(ArithmeticError):
    """The expression has no real value at the point, proved by its intervals: a
    division by a number that is exactly 0, a logarithm of a number whose whole interval
    is ≤ 0, a square root of a negative number.  ``what`` says which, in words."""

    def __init__(self, what: str, node: sp.Basic):
        super().__init__(what)
        self.what, self.node = what, node


class _Straddles(ArithmeticError):
    """An interval that contains the point where an operation is undefined (a divisor
    around 0, a logarithm's argument around 0): more precision may decide."""


def enclose(expr: sp.Basic, values: dict, prec: int = PRECISIONS[0]):
    """An interval (``mpmath.iv.mpf``) that contains the exact value of ``expr`` with the
    symbols given their exact ``values`` (SymPy numbers or closed forms).

    Raises:
        TooBig: a value past the magnitude bound.
        NoValue: the expression is undefined at the point (proved).
        ArithmeticError: an interval straddles a singularity at this precision.
    """
    saved = iv.prec
    iv.prec = prec
    try:
        return _Enclosure(values).of(expr)
    finally:
        iv.prec = saved


def sign(expr: sp.Basic, values: dict) -> int | None:
    """The sign of ``expr`` at the point, ``1`` or ``-1``, proved by an interval that
    excludes 0; ``None`` when no precision separates it from 0 (it may be 0).

    Raises:
        TooBig, NoValue: as :func:`enclose`.
    """
    for prec in PRECISIONS:
        try:
            box = enclose(expr, values, prec)
        except _Straddles:
            continue
        if box.a > 0:
            return 1
        if box.b < 0:
            return -1
    return None


def separated(a: sp.Basic, b: sp.Basic, values: dict):
    """``(a, b, b − a)`` as floats when the two values at the point are proved different
    (their intervals are disjoint), else ``None``.

    Raises:
        TooBig, NoValue: as :func:`enclose`.
    """
    for prec in PRECISIONS:
        try:
            left, right = enclose(a, values, prec), enclose(b, values, prec)
        except _Straddles:
            continue
        if left.b < right.a or right.b < left.a:
            return _midpoint(left), _midpoint(right), _midpoint(right - left)
    return None


def _midpoint(box) -> float:
    """The interval's value as a float to show (±inf past float64: shown, never compared);
    0 when the interval contains 0 — its midpoint, 10⁻²⁶ say, would be noise."""
    return 0.0 if box.a <= 0 <= box.b else float(box.mid)


class _Enclosure:
    """One evaluation: a memo per node (a shared sum is enclosed once)."""

    def __init__(self, values: dict):
        self.values = values
        self.memo: dict = {}

    def of(self, node: sp.Basic):
        found = self.memo.get(node)
        if found is None:
            found = self.memo[node] = self._of(node)
        return found

    def _of(self, node: sp.Basic):
        if node.is_Rational:
            return iv.mpf(int(node.p)) / int(node.q)
        if node is sp.E:
            return iv.e
        if node is sp.pi:
            return iv.pi
        if node.is_Symbol or isinstance(node, sp.Indexed):
            if node not in self.values:
                raise ValueError(f"no value for {node}")
            return self.of(sp.sympify(self.values[node]))
        if node.is_Float:   # exact binary value of the float
            return iv.mpf(sp.Rational(node).p) / int(sp.Rational(node).q)
        if node.is_Add:
            total = iv.mpf(0)
            for term in node.args:
                total += self.of(term)
            return total
        if node.is_Mul:
            product = iv.mpf(1)
            for factor in node.args:
                product *= self.of(factor)
            return product
        if node.is_Pow:
            return self._power(node)
        if isinstance(node, sp.exp):
            argument = self.of(node.args[0])
            if argument.b > MAX_EXPONENT:
                raise TooBig(f"exp of more than {MAX_EXPONENT}")
            return iv.exp(argument)
        if isinstance(node, sp.log):
            argument = self.of(node.args[0])
            if argument.b <= 0:
                raise NoValue("the logarithm of a number ≤ 0" if argument.b == 0 and
                              argument.a == 0 else "the logarithm of a negative number", node)
            if argument.a <= 0:
                raise _Straddles()
            return iv.log(argument)
        if node is sp.I or node in (sp.zoo, sp.nan, sp.oo, -sp.oo):
            # SymPy writes log(−x) for a positive x as log x + iπ while it builds, and
            # 1/0 as zoo: what was written has no real value.
            raise NoValue("the logarithm of a negative number" if node is sp.I
                          else "a division by zero", node)
        if isinstance(node, sp.Sum) and all(x.is_Integer for limit in node.limits
                                            for x in limit[1:]):
            from ..functions import expand_sums   # a sum with concrete limits, term by term
            return self.of(expand_sums(node))
        if isinstance(node, sp.Abs):   # √(x²) as SymPy writes it
            return abs(self.of(node.args[0]))
        if isinstance(node, sp.KroneckerDelta) and node.args[0].is_Integer \
                and node.args[1].is_Integer:
            return iv.mpf(int(node.args[0] == node.args[1]))
        raise ValueError(f"no interval rule for {type(node).__name__}")

    def _power(self, node: sp.Pow):
        base, exponent = self.of(node.base), node.exp
        if exponent.is_Integer:
            if exponent < 0 and base.a <= 0 <= base.b:
                if base.a == 0 and base.b == 0:
                    raise NoValue("a division by zero", node)
                raise _Straddles()
            largest = max(abs(base.a), abs(base.b))
            if largest.b > 1 and abs(int(exponent)) * mpmath.mag(largest.b) > 10**6:
                raise TooBig("a power too large")
            return base ** int(exponent)
        if exponent.is_Rational:   # a root: the base must be ≥ 0 (> 0 for a negative power)
            if base.b < 0:
                raise NoValue("the square root of a negative number" if exponent.q == 2
                              else "a root of a negative number", node)
            if base.a < 0 or (exponent < 0 and base.a <= 0):
                if exponent < 0 and base.a == 0 and base.b == 0:
                    raise NoValue("a division by zero", node)
                raise _Straddles()
            return base ** (iv.mpf(int(exponent.p)) / int(exponent.q))
        # A symbolic exponent: exp(exponent · log base), for a positive base.
        if base.a <= 0:
            raise _Straddles()
        return self.of(sp.exp(exponent * sp.log(node.base, evaluate=False)))


def enclosure(evaluator, p: dict, leaves: dict, prec: int):
    """An interval (``mpmath.iv``, ``prec`` bits) containing the value of ``p``, a
    polynomial in the atoms of ``evaluator`` (:mod:`derive.check.evaluator`), when each
    leaf ``(family, indices)`` has the exact value in ``leaves`` (a rational): a
    counterexample that no rounding can make up.

    Raises:
        derive.check.intervals.TooBig: an exponential past any representable value.
        ArithmeticError: a logarithm or a divisor whose interval straddles 0.
    """
    saved, iv.prec = iv.prec, prec
    values: dict[int, object] = {}

    def atom(number: int):
        if number not in values:
            kind = evaluator.kinds[number]
            if kind[0] == "leaf":
                exact = Fraction(leaves[(kind[1], kind[2])])
                values[number] = iv.mpf(exact.numerator) / exact.denominator
            elif kind[0] == "exp":   # exp(monomial) or exp(c · monomial)
                scale = kind[2] if len(kind) > 2 else 1
                argument = evaluate({kind[1]: scale})
                if argument.b > MAX_EXPONENT:
                    raise TooBig(f"exp of more than {MAX_EXPONENT}")
                values[number] = iv.exp(argument)
            elif kind[0] == "sum":
                values[number] = evaluate(evaluator.definitions[number])
            elif kind[0] == "const":   # Euler's number
                values[number] = iv.e
            else:   # log of a polynomial, stored as its frozen terms
                argument = evaluate(dict(kind[1]))
                if argument.a <= 0:
                    raise ArithmeticError("a logarithm of an interval that reaches 0")
                values[number] = iv.log(argument)
        return values[number]

    def evaluate(q: dict):
        total = iv.mpf(0)
        for mono, c in q.items():
            term = iv.mpf(c.numerator) / c.denominator if isinstance(c, Fraction) \
                else iv.mpf(c)
            for number, power in mono:
                value = atom(number)
                if power < 0 and value.a <= 0 <= value.b:
                    raise ArithmeticError("a divisor whose interval reaches 0")
                term *= value ** power
            total += term
        return total

    try:
        return evaluate(p)
    finally:
        iv.prec = saved
