"""Mechanical differentiation in index notation: each kind of node's rule in one table,
the chain rule in one place.

``derivative(L, z[j])`` pushes ∂/∂z_j down the tree of ``L`` one node at a time — the sum
rule, the product rule, the power rule, ``∂z_k/∂z_j = δ_kj``, a sum over k differentiated
term by term — and, for a function of one or more arguments (``exp``, ``log``, ``tanh``),
the chain rule with the function's own derivative as SymPy defines it (``fdiff``).  The
result is the same expression ``sp.diff`` gives, up to the order of its terms; it is
built without SymPy's ``Derivative`` objects, which ask SymPy's assumption system whether
every intermediate derivative is zero (half the time of a symbolic derivation).

A subtree that does not contain the variable's family is not visited: its derivative is 0.
A sum whose bound index also indexes the variable (``∂/∂z_k Σ_k e^{z_k}``) is differentiated
with the bound index renamed, so that the two are not confused (``sp.diff`` gives
``Σ_k e^{z_k}`` there; the derivative is ``e^{z_k}``).

>>> from derive.functions import S, z, j, k
>>> N = sp.Symbol("N", integer=True, positive=True)
>>> derivative(sp.exp(z[k]) * z[j] ** 2, z[j])
exp(z[k])*KroneckerDelta(j, k)*z[j]**2 + 2*exp(z[k])*z[j]
>>> derivative(sp.Sum(z[k] ** 2, (k, 1, N)), z[j])
Sum(2*KroneckerDelta(j, k)*z[k], (k, 1, N))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Callable

import sympy as sp

from ..errors import RewriteError

__all__ = ["derivative", "RULES"]

Rule = Callable[[sp.Basic, "_Differentiation"], sp.Expr]


def derivative(expr: sp.Expr, variable: sp.Indexed | sp.Symbol,
               through: Mapping[sp.IndexedBase, Callable[..., sp.Expr]] | None = None
               ) -> sp.Expr:
    """∂ ``expr`` / ∂ ``variable``, by the rules of :data:`RULES`.

    Args:
        expr: an expression in index notation (sums, entries ``z[k]``, ``W[i, j]``,
            Kronecker deltas, functions such as ``exp`` and ``log``); a ``Derivative`` in
            it is evaluated first.
        variable: an entry of a family (``z[j]``, ``W[i, j]``) or a symbol (``T``).
        through: intermediate families and their definitions, ``{S: f}`` with
            ``f(*indices)`` the definition of ``S[indices]``: an entry of such a family is
            differentiated through its definition (the chain rule through S).

    Returns:
        The derivative, unsimplified: sums stay sums, ``δ`` stays ``δ``.

    Raises:
        RewriteError: a node with no rule (a ``Piecewise``, an integral).

    >>> from derive.functions import W, x, i, j, r, t
    >>> derivative(W[t, r] * x[r], W[i, j])
    KroneckerDelta(i, t)*KroneckerDelta(j, r)*x[r]
    """
    if not isinstance(variable, (sp.Indexed, sp.Symbol)):
        raise RewriteError(f"cannot differentiate with respect to {variable}: an entry "
                           "such as z[j] or a symbol is expected")
    return _Differentiation(variable, through or {}).of(expr)


class _Differentiation:
    """One differentiation: the variable, the intermediate families it goes through, and
    which subtrees contain its family (memo)."""

    def __init__(self, variable: sp.Indexed | sp.Symbol, through=None):
        self.variable = variable
        self.through = through or {}
        self._contains: dict[int, bool] = {}
        self._kept: list = []   # the nodes whose ids are memoised stay alive

    def contains(self, node: sp.Basic) -> bool:
        """Whether ``node`` may depend on the variable (an entry of its family, the
        symbol itself, somewhere inside)."""
        found = self._contains.get(id(node))
        if found is None:
            if isinstance(node, sp.Indexed) and node.base in self.through:
                found = self.contains(self.through[node.base](*node.indices))
            elif isinstance(node, sp.Indexed):
                found = isinstance(self.variable, sp.Indexed) and \
                    node.base == self.variable.base
            elif node.is_Symbol:
                found = node == self.variable
            else:
                found = any(self.contains(arg) for arg in node.args)
            self._contains[id(node)] = found
            self._kept.append(node)
        return found

    def of(self, node: sp.Basic) -> sp.Expr:
        """The derivative of ``node``: 0 when it does not contain the variable, else by
        the rule for its kind (the first class in its method resolution order that has
        one)."""
        if not self.contains(node):
            return sp.S.Zero
        for kind in type(node).__mro__:
            rule = RULES.get(kind)
            if rule is not None:
                return rule(node, self)
        raise RewriteError(f"no rule to differentiate {type(node).__name__} "
                           f"({sp.sstr(node)[:60]})")


# --- the rules, one per kind of node ---------------------------------------------------


def _sum_rule(node: sp.Add, d: _Differentiation) -> sp.Expr:
    """(u + v)' = u' + v'."""
    return sp.Add(*(d.of(term) for term in node.args))


def _product_rule(node: sp.Mul, d: _Differentiation) -> sp.Expr:
    """(u v w)' = u' v w + u v' w + u v w'."""
    factors = node.args
    return sp.Add(*(sp.Mul(*factors[:at], d.of(factor), *factors[at + 1:])
                    for at, factor in enumerate(factors) if d.contains(factor)))


def _power_rule(node: sp.Pow, d: _Differentiation) -> sp.Expr:
    """(u^n)' = n u^{n−1} u' for n free of the variable; (u^v)' = u^v (v' log u + v u'/u)
    otherwise."""
    base, exponent = node.args
    if not d.contains(exponent):
        return exponent * base ** (exponent - 1) * d.of(base)
    return node * (d.of(exponent) * sp.log(base) + exponent * d.of(base) / base)


def _chain_rule(node: sp.Function, d: _Differentiation) -> sp.Expr:
    """f(u, …)' = Σ_a ∂f/∂u_a · u_a', with ∂f/∂u_a from the function itself (SymPy's
    ``fdiff``: exp' = exp, log' = 1/u, tanh' = 1 − tanh²).  A function of derive's own
    that carries its definition (σ, softplus) is differentiated through it, so that its
    derivative is derived, not stored."""
    written_out = getattr(node, "written_out", None)
    if written_out is not None:
        return d.of(written_out())
    return sp.Add(*(node.fdiff(position) * d.of(argument)
                    for position, argument in enumerate(node.args, start=1)
                    if d.contains(argument)))


def _entry_rule(node: sp.Indexed, d: _Differentiation) -> sp.Expr:
    """∂z_k/∂z_j = δ_kj, ∂W_tr/∂W_ij = δ_it δ_jr (an entry of the variable's family)."""
    if node.base in d.through:   # an intermediate: the chain rule through its definition
        return d.of(d.through[node.base](*node.indices))
    variable = d.variable
    if len(node.indices) != len(variable.indices):
        raise RewriteError(f"{node} and {variable} have different numbers of indices")
    return sp.Mul(*(sp.KroneckerDelta(a, b) for a, b in zip(variable.indices, node.indices)))


def _symbol_rule(node: sp.Symbol, d: _Differentiation) -> sp.Expr:
    """∂T/∂T = 1 (``contains`` has sent every other symbol to 0)."""
    return sp.S.One


def _indexed_sum_rule(node: sp.Sum, d: _Differentiation) -> sp.Expr:
    """∂/∂z_j Σ_k f(k) = Σ_k ∂f(k)/∂z_j, the bound index renamed first when the variable
    names it too; a limit that depends on the variable has no derivative here."""
    function, *limits = node.args
    variable_indices = set(d.variable.indices) if isinstance(d.variable, sp.Indexed) \
        else set()
    renamed = {}
    for bound, low, high in limits:
        if d.contains(low) or d.contains(high):
            raise RewriteError(f"the limits of {sp.sstr(node)[:60]} depend on "
                               f"{d.variable}")
        if bound in variable_indices:
            renamed[bound] = sp.Dummy(bound.name, **bound.assumptions0)
    if renamed:
        function = function.xreplace(renamed)
        limits = [(renamed.get(b, b), low, high) for b, low, high in limits]
    return sp.Sum(d.of(function), *limits)


def _nested_rule(node: sp.Derivative, d: _Differentiation) -> sp.Expr:
    """A derivative inside the expression is evaluated first, then differentiated."""
    inner = node.expr
    for variable, count in node.variable_count:
        for _ in range(count):
            inner = derivative(inner, variable)
    return d.of(inner)


# Kinds of node → rule; a kind not listed is looked up through its base classes
# (``exp`` and ``sigmoid`` are Functions).  A KroneckerDelta depends on no variable, and
# ``contains`` answers 0 for it before any rule is asked.
RULES: dict[type, Rule] = {
    sp.Add: _sum_rule,
    sp.Mul: _product_rule,
    sp.Pow: _power_rule,
    sp.Indexed: _entry_rule,
    sp.Symbol: _symbol_rule,
    sp.Sum: _indexed_sum_rule,
    sp.Derivative: _nested_rule,
    sp.Function: _chain_rule,
}
