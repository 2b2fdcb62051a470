"""A stated hypothesis applied to a result: every occurrence of the assumed quantity
replaced by its value, whatever its summation index is called, also inside a family the
definition builds from the assumed one (``Σ_k q_k`` with ``q_k = (1 − ε) y_k + ε/N``).

>>> from derive.read.definition import read_definition
>>> from derive.read.definition_claims import read_assumption
>>> from derive.functions import S, y, j, l
>>> d = read_definition("L = -Σ_k y_k log(softmax(z)_k)")
>>> N = sp.Symbol("N", integer=True, positive=True)
>>> apply_assumed(S[j] * sp.Sum(y[l], (l, 1, N)) - y[j], read_assumption("Σ_k y_k = 1", d))
S[j] - y[j]
"""

from __future__ import annotations

from functools import partial

import sympy as sp

from ..assumptions import Assumption
from .indexed import split_sums

__all__ = ["apply_assumed"]

_expand = partial(sp.expand, power_exp=False)


def apply_assumed(expr: sp.Expr, assumption: Assumption, definition=None) -> sp.Expr:
    """Replace every occurrence of the assumed quantity by its value, whatever the name
    of its summation index (``Σ_l y_l`` is ``Σ_k y_k``); with the ``definition``, also in
    a full sum of a family it defines from the assumed one (``Σ_k q_k`` with
    ``q_k = (1 − ε) y_k + ε/N`` is ``(1 − ε) Σ_k y_k + ε``: 1 under ``Σ_k y_k = 1``)."""
    if definition is not None:
        expr = _through_definitions(expr, assumption, definition)
    quantity = assumption.quantity
    if not isinstance(quantity, sp.Sum) or len(quantity.limits) != 1:
        return expr.xreplace({quantity: assumption.value})
    (bound, low, high), = quantity.limits
    # Σ_k Y_nk = 1 for every n: the free index matches any row.
    every = sp.Wild("every") if assumption.index is not None else None
    pattern = quantity.function if every is None else \
        quantity.function.xreplace({assumption.index: every})

    def same(e: sp.Expr) -> bool:
        if not isinstance(e, sp.Sum) or len(e.limits) != 1:
            return False
        (b, lo, hi), = e.limits
        function = e.function.xreplace({b: bound})
        if (lo, hi) != (low, high):
            return False
        if every is None:
            return function == pattern
        match = function.match(pattern)
        return match is not None and not match.get(every, bound).has(bound)

    return expr.replace(same, lambda e: assumption.value)


def _through_definitions(expr: sp.Expr, assumption: Assumption, definition) -> sp.Expr:
    defined = {x.family: x for x in definition.defined if x.kind == "argument"}

    def summed(e: sp.Expr) -> bool:
        return (isinstance(e, sp.Sum) and len(e.limits) == 1
                and isinstance(e.function, sp.Indexed) and e.function.base in defined)

    def written(e: sp.Sum) -> sp.Expr:
        item = defined[e.function.base]
        (bound, low, high), = e.limits
        inside = split_sums(sp.Sum(_expand(item.entry(bound)), (bound, low, high)))
        applied = apply_assumed(inside, assumption)
        return _expand(applied) if applied != inside else e

    return expr.replace(summed, written)
