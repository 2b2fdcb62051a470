"""Rewriting rules in index notation: sums, Kronecker deltas and softmax outputs.

These rules act on expressions in free indices (``z[i]``, ``S[j]``, ``Σ_{k=1}^{n}``) and
hold for a concrete ``n`` and for a symbolic ``N`` alike; each is small, named and exact,
so that every step of a derivation can say which rule produced it.  SymPy's generic
``simplify`` is not used: for symbolic N it returns ``Piecewise`` range conditions or
fails (see ``shared/DESIGN.md``).

* :func:`quotient_rule` — ``∂(u/v) = (∂u·v − u·∂v)/v²``, derivatives left unevaluated;
* :func:`differentiate` — evaluate the ``Derivative`` objects (SymPy's own ``Indexed``
  differentiation, which yields Kronecker deltas), then :func:`sum_delta`;
* :func:`split_sums` — linearity: ``Σ(a + b) = Σa + Σb`` and ``Σ c·f(k) = c·Σ f(k)``;
* :func:`sum_delta` — ``Σ_k δ_kx f(k) = f(x)`` for an index ``x`` known to lie in the
  range of the sum (the condition ``1 ≤ x ≤ N`` is recorded);
* :func:`delta_substitution` — ``δ_ij f(j) = δ_ij f(i)``;
* :func:`log_of_softmax` — ``log(e^{z_x}/Σ_k e^{z_k}) = z_x − log Σ_k e^{z_k}``.

The rules that recognise the named outputs again (``S_x``, ``σ``) are in
:mod:`derive.calculus.recognise`; the strategy that applies all of them in
:mod:`derive.calculus.strategy`.

>>> from derive.functions import z, S, i, j, k
>>> sum_delta(sp.Sum(sp.KroneckerDelta(j, k) * sp.exp(z[k]), (k, 1, 3)), ranges_of((j,), 3))
exp(z[j])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from .derivative import derivative
from ..errors import RewriteError
from ..functions import logit, sigmoid, z
from .rewrite import exponentials_as_products

__all__ = [
    "quotient_rule", "differentiate", "split_sums", "sum_delta", "log_of_softmax",
    "is_softmax_denominator", "case", "linearity", "merge_cases", "evaluate_derivatives",
    "Condition", "Ranges", "ranges_of", "delta_substitution", "binds", "recognise_sigmoid",
    "chain_rule_through_sigmoid", "ranges_for", "factors_by_index",
]


def quotient_rule(derivative: sp.Derivative) -> sp.Expr:
    """``∂(u/v)/∂x = (∂u/∂x · v − u · ∂v/∂x) / v²`` with the inner derivatives unevaluated.

    >>> x, u, v = sp.symbols("x u v", cls=sp.Function)
    >>> t = sp.Symbol("t")
    >>> quotient_rule(sp.Derivative(u(t) / v(t), t))
    (-u(t)*Derivative(v(t), t) + v(t)*Derivative(u(t), t))/v(t)**2
    """
    (variable, _count), = derivative.variable_count
    u, v = sp.fraction(derivative.expr)
    if v == 1:
        raise RewriteError(f"quotient rule: {derivative.expr} is not a quotient")
    return (sp.Derivative(u, variable) * v - u * sp.Derivative(v, variable)) / v**2


def differentiate(expr: sp.Expr, ranges: Ranges, used: list | None = None) -> sp.Expr:
    """Evaluate every ``Derivative`` in ``expr``, then sum out the Kronecker deltas."""
    return sum_delta(split_sums(evaluate_derivatives(expr)), ranges, used)


def evaluate_derivatives(expr: sp.Expr) -> sp.Expr:
    """Replace each ``Derivative`` by its value, keeping sums as sums.

    (``Derivative.doit`` is deep and would expand a sum with concrete limits.)
    """
    return expr.replace(lambda e: isinstance(e, sp.Derivative), _evaluated)


def _evaluated(d: sp.Derivative) -> sp.Expr:
    out = d.expr
    for variable, count in d.variable_count:
        for _ in range(count):
            out = derivative(out, variable)
    return out


def split_sums(expr: sp.Expr) -> sp.Expr:
    """Linearity of sums: split over ``+`` and pull out factors free of the bound index.

    >>> from derive.functions import S, y, j, k
    >>> split_sums(sp.Sum(y[k] * (sp.KroneckerDelta(j, k) - S[j]), (k, 1, 3)))
    -S[j]*Sum(y[k], (k, 1, 3)) + Sum(KroneckerDelta(j, k)*y[k], (k, 1, 3))
    """
    def split(s: sp.Sum) -> sp.Expr:
        bounds = [limit[0] for limit in s.limits]
        total = sp.Integer(0)
        for term in sp.Add.make_args(sp.expand(s.function)):
            outside, inside = sp.Integer(1), sp.Integer(1)
            for factor in sp.Mul.make_args(term):
                if any(factor.has(b) for b in bounds):
                    inside *= factor
                else:
                    outside *= factor
            if inside == 1 and len(s.limits) == 1:  # Σ_{k=a}^{b} 1 = b − a + 1
                (_bound, low, high), = s.limits
                total += outside * (high - low + 1)
            else:
                total += outside * sp.Sum(inside, *s.limits)
        return total

    return expr.replace(lambda e: isinstance(e, sp.Sum), split)


@dataclass(frozen=True)
class Condition:
    """``low ≤ index ≤ high``: the range of an index, which :func:`sum_delta` relies on."""

    index: sp.Symbol
    low: sp.Expr
    high: sp.Expr

    def holds_within(self, low: sp.Expr, high: sp.Expr) -> bool:
        """True when ``low ≤ self.low`` and ``self.high ≤ high`` for every value of N."""
        return (bool(sp.sympify(self.low - low).is_nonnegative)
                and bool(sp.sympify(high - self.high).is_nonnegative))


# The known ranges of the free indices of a derivation: {j: Condition(j, 1, N), …}.
Ranges = Mapping[sp.Symbol, Condition]


def ranges_of(indices, n) -> dict[sp.Symbol, Condition]:
    """Every free index ranges over the classes: ``1 ≤ x ≤ n``.

    >>> from derive.functions import i, j
    >>> [str(c) for c in ranges_of((i, j), sp.Symbol("N")).values()]
    ['Condition(index=i, low=1, high=N)', 'Condition(index=j, low=1, high=N)']
    """
    return {x: Condition(x, sp.Integer(1), sp.sympify(n)) for x in indices}


def ranges_for(problem) -> dict[sp.Symbol, Condition]:
    """The ranges of a problem's free indices, each over its own extent:
    ``1 ≤ i ≤ N`` and ``1 ≤ j ≤ D`` for ∂L/∂W_ij."""
    return {x: Condition(x, sp.Integer(1), sp.sympify(problem.extent(problem.range_of(x))))
            for x in problem.indices}


def sum_delta(expr: sp.Expr, ranges: Ranges, used: list | None = None) -> sp.Expr:
    """``Σ_{k=a}^{b} δ_kx f(k) = f(x)`` when ``a ≤ x ≤ b`` is known.

    The range of ``x`` comes from ``ranges`` (the free indices of the derivation, all in
    ``1..N``) or from an enclosing sum over ``x``; a concrete ``x`` is compared directly.
    When the range cannot be established (``Σ_{k=1}^{N−1} δ_jk f(k)`` with ``j ≤ N``) the
    sum is left as it is: the term it picks may not exist.  The conditions relied on are
    appended to ``used``.

    >>> from derive.functions import y, j, k
    >>> N = sp.Symbol("N", integer=True, positive=True)
    >>> sum_delta(sp.Sum(sp.KroneckerDelta(j, k) * y[k], (k, 1, N)), ranges_of((j,), N))
    y[j]
    >>> sum_delta(sp.Sum(sp.KroneckerDelta(j, k) * y[k], (k, 1, N - 1)), ranges_of((j,), N))
    Sum(KroneckerDelta(j, k)*y[k], (k, 1, N - 1))
    """
    def walk(e: sp.Expr, known: Ranges) -> sp.Expr:
        if isinstance(e, sp.Sum):
            # SymPy folds Σ_k Σ_l into one Sum with the innermost limit first.
            *inner_limits, (bound, low, high) = e.limits
            body = sp.Sum(e.function, *inner_limits) if inner_limits else e.function
            # Inside, the bound index runs over low..high, but only when the sum is not
            # reversed: SymPy reads Σ_{k=a}^{b} with b < a − 1 as −Σ_{k=b+1}^{a−1}.
            forward = sp.sympify(high - low + 1).is_nonnegative is True
            inner = walk(body, {**known, bound: Condition(bound, low, high) if forward else None})
            if isinstance(inner, sp.Sum):
                # Σ_n Σ_k δ_in f: the factors free of k leave the inner sum, so that δ_in
                # meets the sum over n.
                inner = split_sums(inner)
            picked = _pick(inner, bound, low, high, known)
            return picked if picked is not None else sp.Sum(inner, (bound, low, high))
        if e.is_Atom or not e.args:
            return e
        return e.func(*(walk(a, known) for a in e.args))

    def _pick(function, bound, low, high, known):
        factors = sp.Mul.make_args(function)
        for position, factor in enumerate(factors):
            if not (isinstance(factor, sp.KroneckerDelta) and bound in factor.args):
                continue
            other = factor.args[0] if factor.args[1] == bound else factor.args[1]
            if other.has(bound):
                continue
            if other.is_Integer:
                inside = Condition(other, other, other).holds_within(low, high)
                condition = None
            else:
                condition = known.get(other)
                inside = condition is not None and condition.holds_within(low, high)
            rest = sp.Mul(*(factors[:position] + factors[position + 1:]))
            if not inside or binds(rest, other):  # renaming would capture a bound index
                continue
            # Only the ranges of free indices are conditions of the result; a bound
            # index lies in its sum's range by construction.
            if used is not None and other in ranges and condition not in used:
                used.append(condition)
            return rest.xreplace({bound: other})
        return None

    return walk(expr, ranges)


def factors_by_index(product: sp.Expr, a: sp.Symbol, b: sp.Symbol):
    """The factors of ``product`` split by the indices they contain: ``(neither, a only,
    b only, [factors with both])``, the first three as products.

    >>> from derive.functions import S, W, x, i, j
    >>> factors_by_index(2 * S[i] * x[j] * W[i, j], i, j)
    (2, S[i], x[j], [W[i, j]])
    """
    neither, only_a, only_b, both = sp.Integer(1), sp.Integer(1), sp.Integer(1), []
    for factor in sp.Mul.make_args(product):
        if factor.has(a) and factor.has(b):
            both.append(factor)
        elif factor.has(a):
            only_a *= factor
        elif factor.has(b):
            only_b *= factor
        else:
            neither *= factor
    return neither, only_a, only_b, both


def binds(expr: sp.Expr, index: sp.Symbol) -> bool:
    """True when a sum inside ``expr`` has ``index`` as its bound variable.

    Renaming a free index into such an expression would capture it, so the rules that
    rename (``sum_delta``, ``delta_substitution``) leave those terms alone.

    >>> from derive.functions import y, j, k
    >>> binds(sp.Sum(y[j], (j, 1, 3)) * y[k], j), binds(y[j], j)
    (True, False)
    """
    return any(index in (limit[0] for limit in s.limits) for s in expr.atoms(sp.Sum))


def delta_substitution(expr: sp.Expr, order) -> sp.Expr:
    """``δ_pq f(q) = δ_pq f(p)``: under a Kronecker delta the two indices are equal.

    In every term with a delta of two free indices, the later index in ``order`` is
    renamed the earlier one outside the delta, so that equal terms look equal.

    >>> from derive.functions import S, i, j
    >>> delta_substitution(sp.KroneckerDelta(i, j) * S[j] - S[i] * S[j], (i, j))
    KroneckerDelta(i, j)*S[i] - S[i]*S[j]
    """
    rank = {x: position for position, x in enumerate(order)}
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(expr)):
        factors = sp.Mul.make_args(term)
        for position, factor in enumerate(factors):
            if isinstance(factor, sp.KroneckerDelta) and set(factor.args) <= set(rank):
                p, q = sorted(factor.args, key=rank.get)
                rest = sp.Mul(*(factors[:position] + factors[position + 1:]))
                if not (binds(rest, p) or binds(rest, q)):  # no capture by a sum over p
                    term = factor * rest.xreplace({q: p})
                break
        total += term
    return total


def is_softmax_denominator(expr: sp.Expr, logits: sp.IndexedBase, n,
                           temperature: sp.Expr | None = None) -> bool:
    """True for ``Σ_{k=1}^{n} exp(z_k)`` (``exp(z_k/T)`` with a temperature), whatever the
    name of the bound index."""
    if not isinstance(expr, sp.Sum) or len(expr.limits) != 1:
        return False
    (bound, low, high), = expr.limits
    return (low == 1 and high == n
            and expr.function == sp.exp(logit(logits, bound, temperature)))


def log_of_softmax(expr: sp.Expr, logits: sp.IndexedBase, n,
                   temperature: sp.Expr | None = None) -> sp.Expr:
    """``log(e^{z_x}/Σ_k e^{z_k})`` ↦ ``z_x − log Σ_k e^{z_k}`` (log of a quotient)."""
    def split(e: sp.log) -> sp.Expr:
        top, bottom = sp.fraction(e.args[0])
        if isinstance(top, sp.exp) and is_softmax_denominator(bottom, logits, n, temperature):
            return top.args[0] - sp.log(bottom)
        return e

    return expr.replace(lambda e: isinstance(e, sp.log), split)


def recognise_sigmoid(expr: sp.Expr, logits=None) -> sp.Expr:
    """Write ``expr`` through ``σ(z_x)``: every ``exp(Σ a_x z_x)`` becomes
    ``Π (σ_x/(1 − σ_x))^{a_x}`` (as ``e^{z} = σ(z)/(1 − σ(z))``), then cancelled.

    ``logits`` are the concrete symbols ``z_1 … z_N``; without them the logits are the
    entries ``z[x]`` of index notation.

    Raises:
        RewriteError: when an exponential remains (not a function of the σ(z_x) alone).

    >>> from derive.functions import j
    >>> dL = -(1 - sp.exp(-z[j]) / (1 + sp.exp(-z[j])))
    >>> recognise_sigmoid(dL)
    -sigmoid(z[j])
    """
    members = set(logits or ())

    def odds(term: sp.Expr) -> sp.Expr | None:
        if term in members or (logits is None and isinstance(term, sp.Indexed)
                                and term.base == z):
            s = sigmoid(term)
            return s / (1 - s)
        return None

    replaced = exponentials_as_products(sp.expand(expr), odds)
    result = sp.expand(sp.cancel(sp.together(replaced)))
    if result.has(sp.exp):
        raise RewriteError(f"cannot write {sp.sstr(expr)} through σ(z) alone")
    return result


def chain_rule_through_sigmoid(expr: sp.Expr, derivative: sp.Expr) -> sp.Expr:
    """Evaluate every ``∂f(σ(z_x))/∂z_y`` as ``f'(σ(z_x)) · σ'(z_x) · ∂z_x/∂z_y``, with
    ``derivative`` the expression of ``σ'`` in ``σ`` at a placeholder argument ``_x``
    (derived by the caller from ``σ(x) = 1/(1 + e^{−x})``).

    >>> from derive.functions import j, k
    >>> x = sp.Symbol("_x")
    >>> chain_rule_through_sigmoid(sp.Derivative(sp.log(sigmoid(z[k])), z[j]),
    ...                            sigmoid(x) * (1 - sigmoid(x)))
    (1 - sigmoid(z[k]))*KroneckerDelta(j, k)
    """
    placeholder, s = sp.Symbol("_x"), sp.Dummy("s")

    def chain(d: sp.Derivative) -> sp.Expr:
        (variable, _count), = d.variable_count
        inner = [a for a in d.expr.atoms(sigmoid)]
        if len(inner) != 1:
            return d
        (outer,) = inner
        f = d.expr.xreplace({outer: s})
        if f.has(variable):
            return d
        # f'(s)·σ'(x) cancelled as a rational function of s = σ(x): log(1 − σ) gives −σ.
        slope = derivative.xreplace({sigmoid(placeholder): s})
        return (sp.cancel(sp.diff(f, s) * slope).xreplace({s: outer})
                * sp.diff(outer.args[0], variable))

    return expr.replace(lambda e: isinstance(e, sp.Derivative), chain)


def case(expr: sp.Expr, p: sp.Symbol, q: sp.Symbol, equal: bool) -> sp.Expr:
    """The case ``p = q`` (``q`` renamed ``p``, ``δ_pp = 1``) or ``p ≠ q`` (``δ_pq = 0``).

    >>> from derive.functions import S, i, j
    >>> case(S[i] * (sp.KroneckerDelta(i, j) - S[j]), i, j, True)
    (1 - S[i])*S[i]
    """
    if equal:
        return expr.subs(q, p)
    return expr.xreplace({sp.KroneckerDelta(p, q): 0, sp.KroneckerDelta(q, p): 0})


def linearity(derivative: sp.Derivative, depends=()) -> sp.Expr:
    """Move ``∂/∂x`` inside sums and past factors that do not depend on ``x``.

    A factor depends on ``x`` when it contains the family of ``x`` or one of the families
    in ``depends`` (``S`` depends on ``z`` through the softmax).

    >>> from derive.functions import S, y, j, k
    >>> linearity(sp.Derivative(-sp.Sum(y[k] * sp.log(S[k]), (k, 1, 3)), S[j]))
    -Sum(Derivative(log(S[k]), S[j])*y[k], (k, 1, 3))
    """
    (variable, _count), = derivative.variable_count
    families = (variable.base if isinstance(variable, sp.Indexed) else variable, *depends)

    def varies(e: sp.Expr) -> bool:
        return any(e.has(f) for f in families)

    def inside(e: sp.Expr) -> sp.Expr:
        if isinstance(e, sp.Add):
            return sp.Add(*(inside(t) for t in e.args))
        if isinstance(e, sp.Sum):
            return sp.Sum(inside(e.function), *e.limits)
        if isinstance(e, sp.Mul):
            constant = [f for f in e.args if not varies(f)]
            varying = [f for f in e.args if varies(f)]
            if constant and varying:
                return sp.Mul(*constant) * inside(sp.Mul(*varying))
        if not varies(e):
            return sp.Integer(0)
        return sp.Derivative(e, variable)

    return inside(derivative.expr)


def merge_cases(diagonal: sp.Expr, off: sp.Expr, p: sp.Symbol, q: sp.Symbol) -> sp.Expr:
    """Both cases in one: ``off + δ_pq (diagonal − off|_{q=p})``, exact since ``δ_pq = 0``
    unless ``q = p``.

    >>> from derive.functions import S, i, j
    >>> sp.factor_terms(merge_cases(S[i] - S[i]**2, -S[i]*S[j], i, j))
    (KroneckerDelta(i, j) - S[j])*S[i]
    """
    return sp.expand(off + sp.KroneckerDelta(p, q) * sp.expand(diagonal - off.subs(q, p)))
