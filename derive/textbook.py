"""A target's textbook steps: its definition (``Target.definition``, or the variant for
the problem's options) derived by the one strategy of :mod:`derive.calculus.strategy`,
exactly as a user's ``--of`` definition is, then set at the problem's sizes.

>>> from derive.catalog import get_target
>>> steps, shortcut = textbook_chains(get_target("softmax-jacobian"),
...                                   get_target("softmax-jacobian").problem(3))
>>> [s.rule for s in steps], shortcut
(['definition', 'quotient-rule', 'recognise-softmax', 'case', 'case', 'merge-cases'], ())
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import sympy as sp

from .calculus.steps import Step
from .catalog import Problem, Target

__all__ = ["textbook_chains"]


def textbook_chains(target: Target, problem: Problem) -> tuple[tuple[Step, ...], ...]:
    """The textbook steps of ``target`` and its shortcut (or ``()``), at the problem's
    sizes: the target's definition (for the problem's options) derived for every N by the
    one strategy of :mod:`derive.calculus.strategy`, exactly as a user's ``--of``
    definition is, then the extents set — in the limits of sums and in the conditions;
    in formulas too, except a size that stays a symbol in the problem's formulas (the
    batch size m of a mean, ``(S − Y)/m``).  The steps assume the problem's stated
    hypotheses where the strategy used them."""
    from .read.definition import EXTENTS
    chains = _textbook(target.definition_of(problem), str(problem.wrt), target.assume,
                       target.shortcut)
    sizes = dict(problem.sizes)
    limits = {EXTENTS["N"]: problem.classes,
              **{EXTENTS[e]: sizes[e] for e in ("D", "m") if e in sizes}}
    limits = {s: v for s, v in limits.items() if s != v}
    formulas = {s: v for s, v in limits.items() if s not in dict(problem.parameters)}

    def at(expr: sp.Expr) -> sp.Expr:
        if not limits or not isinstance(expr, sp.Basic):
            return expr
        expr = expr.replace(lambda e: isinstance(e, sp.Sum), lambda e: sp.Sum(
            e.function, *((bound, low.xreplace(limits), high.xreplace(limits))
                          for bound, low, high in e.limits)))
        return expr.xreplace(formulas)

    def stated(step: Step) -> Step:
        return replace(
            step, rhs=at(step.rhs), facts=tuple((at(a), at(b)) for a, b in step.facts),
            assumes=problem.assumptions if step.assumes else (),
            conditions=tuple(replace(c, low=at(sp.sympify(c.low)), high=at(sp.sympify(c.high)))
                             for c in step.conditions))

    return tuple(tuple(stated(step) for step in chain) for chain in chains)


@lru_cache(maxsize=64)
def _textbook(text: str, wrt: str, assume: tuple, shortcut: bool):
    from .calculus.strategy import derive_definition, derive_shortcut
    from .read.definition import read_definition
    from .read.definition_claims import read_assumption
    definition = read_definition(text)
    assumptions = tuple(read_assumption(a, definition) for a in assume)
    derived = derive_definition(definition, wrt, assumptions)
    return derived.steps, (derive_shortcut(definition, wrt, assumptions) if shortcut else ())
