"""Steps of a derivation: plain data.

A :class:`Step` is one line ``= rhs`` of a chain that starts at the derivative being
computed (``∂S_i/∂z_j``), with the reason, the rule that produced it, the facts it used
(``∂/∂z_j Σ_k e^{z_k} = e^{z_j}``), its assumptions and, for a case split, its case; its
:class:`StepCheck` says how it was checked (:mod:`derive.check.step_checks`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy as sp

from ..assumptions import Assumption
from .indexed import Condition

__all__ = ["Step", "StepCheck"]

@dataclass(frozen=True)
class StepCheck:
    """How a step was checked: entries compared exactly, points compared numerically.

    For a symbolic N, ``proved`` says the step was reduced by the rules to the mechanical
    derivative for every N, and ``sizes`` lists the concrete N at which its entries were
    also compared exactly with the chain-rule derivative (:mod:`derive.check.exact`; the counts
    are totals over those N).
    """

    exact_entries: int
    entries: int
    points: int
    max_abs_error: float
    numeric_entries: int = 0
    proved: bool = False
    sizes: tuple[int, ...] = ()

    @property
    def complete(self) -> bool:
        """Every entry was compared: exactly for a concrete N, numerically for a proved step."""
        if self.proved:   # checked at concrete N: exactly (or, before, numerically)
            return self.entries in (self.exact_entries, self.numeric_entries)
        return self.exact_entries == self.entries


@dataclass(frozen=True)
class Step:
    """One step ``= rhs`` of a derivation.

    Attributes:
        rhs: the new right-hand side, in index notation.
        reason: why it follows, in words (the renderers add the facts).
        rule: the name of the rule that produced ``rhs``.
        facts: equations ``(lhs, rhs)`` the step used, e.g. a definition or a lemma.
        assumes: the hypotheses the step needs (``Σ_k y_k = 1``).
        case: ``(p, q, equal)`` for a step that holds only when ``p = q`` / ``p ≠ q``.
        conditions: the index ranges the rule relied on (``1 ≤ j ≤ N`` for a Kronecker
            delta that picks one term of a sum).
        check: how the step was checked (set by :func:`derive.check.step_checks.check_steps`).
    """

    rhs: sp.Expr
    reason: str
    rule: str
    facts: tuple[tuple[sp.Expr, sp.Expr], ...] = ()
    assumes: tuple[Assumption, ...] = ()
    case: tuple[sp.Symbol, sp.Symbol, bool] | None = None
    conditions: tuple[Condition, ...] = ()
    check: StepCheck | None = None

    def renamed(self, mapping: dict) -> "Step":
        """The step with its index letters renamed (``{j: i}``) everywhere it names them."""
        def swap(e):
            return sp.sympify(e).xreplace(mapping)
        return replace(
            self, rhs=swap(self.rhs), facts=tuple((swap(a), swap(b)) for a, b in self.facts),
            case=None if self.case is None else (swap(self.case[0]), swap(self.case[1]),
                                                 self.case[2]),
            conditions=tuple(replace(c, index=swap(c.index)) for c in self.conditions))
