"""Proof for every N: what a derivation proves, and when two normal forms are the same.

For a symbolic number of classes ``N`` nothing can be expanded entry by entry.  Instead
the one strategy (:mod:`derive.calculus.strategy`) brings an index-notation expression (a
raw derivative, one step of a derivation, a claim) to a normal form by named rules, each
an identity under the index ranges it records.  Two expressions with equal normal forms
(:func:`same_normal_form`, whatever their summation letters) are equal for every N in
which those ranges hold; the rules are exact, so no sampling is involved, and the checks
at concrete N are a second, independent line of defence against a wrong rule.  A
:class:`Proof` records the statement: for which N, under which ranges and hypotheses, by
which rules.

>>> from derive.functions import y, k, l
>>> N = sp.Symbol("N")
>>> same_normal_form(sp.Sum(y[k], (k, 1, N)), sp.Sum(y[l], (l, 1, N)))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .indexed import Condition

__all__ = ["Proof", "same_normal_form"]


@dataclass(frozen=True)
class Proof:
    """``lhs = result`` for every number of classes ``N ≥ minimum``.

    Attributes:
        classes: the symbol ``N``.
        minimum: the smallest N for which the statement is made (the free indices need
            ``N ≥ 1`` to exist).
        conditions: the ranges of the free indices, ``1 ≤ i, j ≤ N``: the statement is
            made for these.
        rules: the rules that reduced the mechanical derivative to the result, in order.
        relies_on: the conditions the rules actually used (``sum-delta`` picking the term
            ``k = j`` needs ``1 ≤ j ≤ N``).
        assumptions: the stated hypotheses (``Σ_k y_k = 1``), when the result uses any.
    """

    classes: sp.Symbol
    minimum: int
    conditions: tuple[Condition, ...]
    rules: tuple[str, ...]
    relies_on: tuple[Condition, ...] = ()
    assumptions: tuple = ()
    others: tuple[sp.Symbol, ...] = ()   # other symbolic sizes: a layer's D, a batch's m

    @property
    def statement(self) -> str:
        """``for all N ≥ 1`` (``and D ≥ 1`` for a layer with a symbolic input size)."""
        tail = "".join(f" and {size} ≥ 1" for size in self.others)
        return f"for all {self.classes} ≥ {self.minimum}{tail}"


def same_normal_form(a: sp.Expr, b: sp.Expr) -> bool:
    """Equal normal forms, whatever the names of the summation indices.

    >>> from derive.functions import y, k, l
    >>> N = sp.Symbol("N")
    >>> same_normal_form(sp.Sum(y[k], (k, 1, N)), sp.Sum(y[l], (l, 1, N)))
    True
    """
    return sp.expand(_canonical_bounds(a) - _canonical_bounds(b)) == 0


def _canonical_bounds(expr: sp.Expr) -> sp.Expr:
    """Every summation index renamed by its nesting depth (outermost first)."""
    def rename(e: sp.Expr, depth: int) -> sp.Expr:
        if isinstance(e, sp.Sum):
            body, limits = e.function, []
            for bound, low, high in reversed(e.limits):   # outermost limit is last
                fresh = sp.Symbol(f"_bound{depth}", integer=True, positive=True)
                body = body.xreplace({bound: fresh})
                limits.append((fresh, low, high))
                depth += 1
            return sp.Sum(rename(body, depth), *reversed(limits))
        if e.is_Atom or not e.args:
            return e
        return e.func(*(rename(x, depth) for x in e.args))

    return rename(expr, 0)
