"""A target's derivative, its textbook steps and their proof: its definition
(``Target.definition``, or the variant for the problem's options) derived by the one
strategy of :mod:`derive.calculus.strategy`, exactly as a user's ``--of`` definition is,
then set at the problem's sizes.  No target has rules of its own.

>>> from derive.catalog import get_target
>>> steps, shortcut = textbook_chains(get_target("softmax-jacobian"),
...                                   get_target("softmax-jacobian").problem(3))
>>> [s.rule for s in steps], shortcut
(['definition', 'quotient-rule', 'recognise-softmax', 'case', 'case', 'merge-cases'], ())
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import sympy as sp

from .calculus.indexed import Condition
from .calculus.steps import Step
from .catalog import Problem, Target

__all__ = ["Textbook", "textbook", "textbook_chains"]


@dataclass(frozen=True)
class Textbook:
    """A target's derivative by the one strategy, at the problem's sizes and in its own
    constants: what :mod:`derive.derivation` reports for every N.

    Attributes:
        general: the normal form before any assumption.
        result: the normal form with the target's assumptions applied.
        rules: the rules that take the raw derivative to the normal form (the proof's).
        relies_on: the index ranges those rules relied on.
        closed: whether the result is written through the named outputs alone.
        steps: the textbook steps, each proved equal to the raw derivative.
        shortcut: the second chain through the softmax's argument, or ``()``.
    """

    general: sp.Expr
    result: sp.Expr
    rules: tuple[str, ...]
    relies_on: tuple[Condition, ...]
    closed: bool
    steps: tuple[Step, ...]
    shortcut: tuple[Step, ...]


def textbook(target: Target, problem: Problem, with_steps: bool = True) -> Textbook:
    """The derivative of ``target`` for ``problem``: its definition (for the problem's
    options) derived for every N by the one strategy of :mod:`derive.calculus.strategy`,
    exactly as a user's ``--of`` definition is, every step proved by the strategy's
    normal form (without the steps, the result and the general form: their steps and
    the shortcut are then left out); then the extents set — in the limits of sums and in the conditions;
    in formulas too, except a size that stays a symbol in the problem's formulas (the
    batch size m of a mean, ``(S − Y)/m``).  The steps assume the problem's stated
    hypotheses where the strategy used them.

    >>> from derive.catalog import get_target
    >>> t = textbook(get_target("softmax-cross-entropy-grad"),
    ...              get_target("softmax-cross-entropy-grad").problem(sp.Symbol("N")))
    >>> t.general, t.result
    (S[j]*Sum(y[k], (k, 1, N)) - y[j], S[j] - y[j])
    >>> t.rules
    ('split-sums', 'sum-delta', 'recognise-softmax', 'assumption')
    """
    from .read.definition import EXTENTS
    derived, steps, shortcut = _textbook(target.definition_of(problem), str(problem.wrt),
                                         target.assume, target.shortcut and with_steps,
                                         with_steps, target.order)
    sizes = dict(problem.sizes)
    limits = {EXTENTS["N"]: problem.classes,
              **{EXTENTS[e]: sizes[e] for e in ("D", "m") if e in sizes}}
    limits = {s: v for s, v in limits.items() if s != v}
    formulas = {s: v for s, v in limits.items() if s not in dict(problem.parameters)}

    def at(expr: sp.Expr) -> sp.Expr:
        if not isinstance(expr, sp.Basic):
            return expr
        expr = problem.own(expr)
        if not limits:
            return expr
        expr = expr.replace(lambda e: isinstance(e, sp.Sum), lambda e: sp.Sum(
            e.function, *((bound, low.xreplace(limits), high.xreplace(limits))
                          for bound, low, high in e.limits)))
        return expr.xreplace(formulas)

    def condition(c: Condition) -> Condition:
        return replace(c, low=at(sp.sympify(c.low)), high=at(sp.sympify(c.high)))

    def stated(step: Step) -> Step:
        return replace(
            step, rhs=at(step.rhs), facts=tuple((at(a), at(b)) for a, b in step.facts),
            assumes=problem.assumptions if step.assumes else (),
            conditions=tuple(condition(c) for c in step.conditions))

    return Textbook(general=at(derived.general), result=at(derived.result),
                    rules=derived.rules, relies_on=tuple(condition(c) for c in derived.conditions),
                    closed=derived.closed, steps=tuple(stated(s) for s in steps),
                    shortcut=tuple(stated(s) for s in shortcut))


def textbook_chains(target: Target, problem: Problem) -> tuple[tuple[Step, ...], ...]:
    """The textbook steps of ``target`` and its shortcut (or ``()``), at the problem's
    sizes (see :func:`textbook`)."""
    t = textbook(target, problem)
    return t.steps, t.shortcut


@lru_cache(maxsize=64)
def _textbook(text: str, wrt: str, assume: tuple, shortcut: bool, with_steps: bool,
              order: int = 1):
    from .calculus.strategy import derive_definition, derive_shortcut, prove_result, prove_steps
    from .catalog import _read
    from .read.definition_claims import read_assumption
    definition = _read(text, order, wrt)   # for a second derivative, the gradient
    assumptions = tuple(read_assumption(a, definition) for a in assume)
    derived = derive_definition(definition, wrt, assumptions)
    if not with_steps:
        prove_result(derived, definition, assumptions)
        return derived, (), ()
    truths: dict = {}   # the derivative's normal forms, shared by the two chains
    prove_steps(derived.steps, derived, definition, assumptions, truths)
    second = derive_shortcut(definition, wrt, assumptions) if shortcut else ()
    prove_steps(second, derived, definition, assumptions, truths)
    return derived, derived.steps, second
