"""Stated hypotheses: what a result may assume, such as ``Σ_k y_k = 1``, and how every
output format prints it."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = ["Assumption"]


@dataclass(frozen=True)
class Assumption:
    """A stated hypothesis that a rewriting step uses, e.g. ``Σ_k y_k = 1``.

    ``quantity`` is the SymPy expression the assumption fixes and ``value`` its value;
    ``text`` and ``latex`` are how every output format prints it.  ``implies`` lists
    other ``(quantity, value)`` pairs that follow from it by definition (Σ_k y_k = 1
    gives Σ_k q_k = 1 for smoothed labels q).  ``index``, when given, is a free index of
    ``quantity`` that stands for every value (Σ_k Y_ik = 1 for every example i).
    """

    name: str
    quantity: sp.Expr
    value: sp.Expr
    text: str
    latex: str
    implies: tuple[tuple[sp.Expr, sp.Expr], ...] = ()
    index: sp.Symbol | None = None
