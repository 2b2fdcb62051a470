"""One strategy for any definition: open the derivative as a textbook does, then apply
the named rules until nothing changes, each change a step with its reason.

The derivative of a definition (:mod:`derive.read.definition`) is opened by the
textbook's first steps where one applies (:mod:`derive.calculus.openings`: linearity, the
quotient rule, the logarithm of a quotient, a lemma derived by these same rules, the chain
rule through a softmax's argument), else taken node by node
(:func:`derive.calculus.derivative`) through the intermediate families (``S``, ``u``) by
their definitions.  The result is then brought to a normal form by the rules, in this
order, repeated until none applies (``exhaust`` of ``chain`` in the language of
``sympy.strategies``):

* ``recognise-sigmoid`` — ``e^{a} = σ(a)/(1 − σ(a))`` for the argument ``a`` of a σ or a
  softplus of the definition, before anything is expanded (expanding would split
  ``e^{b + Σ W x}`` into a product);
* ``split-sums``  — linearity of a sum: ``Σ(a + b) = Σa + Σb``, factors free of the
  bound index pulled out;
* ``sum-delta``   — the Kronecker delta picks one term: ``Σ_k δ_kj f(k) = f(j)``;
* ``recognise-softmax`` — ``e^{u_x}/Σ_m e^{u_m}`` is ``S_x`` again (for each softmax);
* ``softmax-sums-to-one`` — ``Σ_k S_k = 1``;
* ``delta-substitution`` — ``δ_ij f(j) = δ_ij f(i)``;
* ``assumption``  — a stated hypothesis such as ``Σ_k y_k = 1``;

and the result is collected (common factors pulled out, a polynomial in the named
outputs factored when that is shorter); a Jacobian whose result has ``δ_ij`` between an
output and a variable index is shown as the textbook does, the case ``i = j``, the case
``i ≠ j``, both in one.  No rule is specific to a function: a new function of the
vocabulary needs its definition, nothing else.  The catalogue's targets are derived the
same way from their definitions (:func:`derive.textbook.textbook_chains`).

>>> from derive.read.definition import read_definition
>>> derived = derive_definition(read_definition("L = -Σ_k y_k log(softmax(z)_k)"), "z")
>>> derived.general
S[j]*Sum(y[k], (k, 1, N)) - y[j]
>>> [s.rule for s in derived.steps]
['definition', 'linearity', 'lemma', 'split-sums', 'sum-delta']
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

import sympy as sp

from ..assumptions import Assumption
from ..errors import StepError
from ..read.definition import EXTENTS, Definition
from .assumed import apply_assumed
from .derivative import derivative
from .indexed import Condition, case, delta_substitution, merge_cases, split_sums, sum_delta
from .proof import same_normal_form
from .openings import open_derivative, softmax_argument, through_argument
from .recognise import (occurrence, recognise_output, recognise_sigmoid_of, recognise_softmax_of,
                        sigmoid_arguments, sums_to_one, template, written_out_left)
from .rewrite import collect, tidy
from .steps import Step

__all__ = ["Derived", "derive_definition", "derive_shortcut", "normal_form",
           "prove_steps", "prove_result", "apply_assumed", "collect", "recognise_output"]

# Expanded without splitting e^{a + b} into e^a e^b: an exponential stays whole until the
# rules have recognised it (σ of a layer's a = b_i + Σ_r W_ir x_r).
_expand = partial(sp.expand, power_exp=False)

_REASONS = {
    "split-sums": "linearity of the sum",
    "sum-delta": "the Kronecker delta picks one term of the sum",
    "recognise-softmax": "recognise the softmax outputs",
    "recognise-sigmoid": "recognise the sigmoid",
    "softmax-sums-to-one": "the softmax outputs sum to one",
    "delta-substitution": "under δ the two indices are equal",
    "assumption": "apply the assumption",
    "recognise-output": "recognise the output",
    "collect": "collect terms",
}


@dataclass(frozen=True)
class Derived:
    """The derivative of a definition with respect to one variable.

    Attributes:
        variable: the entry differentiated against, ``z[j]``.
        mechanical: the raw derivative (node by node, through the definitions).
        general: the normal form before any assumption.
        result: the normal form with the assumptions applied.
        steps: from the definition to ``result``, one per rule that changed something.
        rules: the rules that changed something, in order.
        conditions: the index ranges the rules relied on.
        closed: whether the result is written through the named outputs alone (no
            written-out softmax left); when not, it is the best form reached.
    """

    variable: sp.Indexed
    mechanical: sp.Expr
    general: sp.Expr
    result: sp.Expr
    steps: tuple[Step, ...]
    rules: tuple[str, ...]
    conditions: tuple[Condition, ...]
    closed: bool
    ranges: tuple[tuple[sp.Symbol, str], ...] = ()


def derive_definition(definition: Definition, wrt: str,
                      assumptions: tuple[Assumption, ...] = ()) -> Derived:
    """Differentiate ``definition`` with respect to the family ``wrt`` and bring the
    result to normal form, recording a step for every rule that changed it."""
    variable = definition.variable(wrt)
    rules = _Rules(definition, variable)
    through = {x.family: x.entry for x in definition.defined}
    softmaxes = rules.softmaxes

    mechanical = derivative(definition.body, variable, through)
    used: list[Condition] = []
    # The textbook opening (linearity, the quotient rule, a lemma …) where one applies,
    # else the chain rule node by node in one step.
    opened = open_derivative(definition, variable, rules.ranges, used, rules.lemma)
    steps = opened or [Step(sp.Derivative(definition.body, variable),
                            _definition_reason(definition), "definition",
                            facts=_definition_facts(definition)),
                       Step(mechanical, _chain_reason(definition), "chain-rule")]
    if opened and opened[0].rule == "definition" and len(opened[0].facts) < len(
            _definition_facts(definition)):
        steps[0] = Step(opened[0].rhs, opened[0].reason, "definition",
                        facts=_definition_facts(definition))
    elif opened and opened[0].rule != "definition":
        steps = [Step(sp.Derivative(definition.body, variable), _definition_reason(definition),
                      "definition", facts=_definition_facts(definition)), *opened]
    # The rules of the reduction (the proof's), not the opening's presentation.
    rules_used: list[str] = []

    def record(rule: str, expr: sp.Expr, assumes=()) -> sp.Expr:
        if sp.expand(expr - steps[-1].rhs) == 0 and rule != "collect":
            return expr
        if expr == steps[-1].rhs:
            return expr
        if rule not in rules_used:
            rules_used.append(rule)
        # A step after an assumption holds under it too.
        assumes = tuple(assumes) or next((s.assumes for s in reversed(steps) if s.assumes), ())
        steps.append(Step(expr, _REASONS[rule], rule, assumes=assumes,
                          conditions=tuple(used) if rule == "sum-delta" else (),
                          facts=_softmax_facts(softmaxes) if rule == "recognise-softmax"
                          else ()))
        return expr

    e = rules.normalise(steps[-1].rhs, used, record)
    e = record("recognise-output", recognise_output(e, definition))
    general = e
    for number, assumption in enumerate(assumptions, start=1):
        applied = _expand(apply_assumed(e, assumption, definition))
        # Collected in the step that applies the last assumption, as a textbook writes it.
        e = record("assumption", collect(applied) if number == len(assumptions) else applied,
                   (assumption,))
    result = collect(e)
    cases = _cases(e, result, steps[-1].rhs, definition, variable)
    if cases:
        applied = next((s.assumes for s in reversed(steps) if s.assumes), ())
        steps += [replace(s, assumes=applied) for s in cases]
    else:
        record("collect", result)
    general = collect(general)
    # The proof's rules: those that take the raw derivative itself to the normal form
    # (the opening's lemmas ran them out of sight).
    proof_rules, relied = _rules_of_reduction(rules, mechanical)
    proof_rules += [r for r in rules_used if r not in proof_rules and r in (
        "recognise-output", "assumption")]
    used += [c for c in relied if c not in used]
    closed = not written_out_left(result, softmaxes, EXTENTS["N"]) and \
        not result.has(sp.Derivative) and not any(
            occurrence(dict(_expand(f.args[0]).as_coefficients_dict()), template(a))
            is not None for f in result.atoms(sp.exp) for a in rules.sigmoid_arguments)
    return Derived(variable=variable, mechanical=mechanical, general=general, result=result,
                   steps=tuple(steps), rules=tuple(dict.fromkeys(proof_rules)),
                   conditions=tuple(used), closed=closed,
                   ranges=tuple(zip(variable.indices, definition.shape(wrt))))


def derive_shortcut(definition: Definition, wrt: str,
                    assumptions: tuple[Assumption, ...] = ()) -> tuple[Step, ...]:
    """The second chain of a scalar whose softmax is of an argument ``u`` that holds the
    variable (``L`` of ``softmax(W x + b)``): ``∂L/∂u_l`` derived by the same rules under
    the assumptions (``S_l − y_l``), times ``∂u_l/∂W_ij``, the Kronecker delta summed
    out; ``()`` for any other definition.

    >>> from derive.read.definition import read_definition
    >>> steps = derive_shortcut(read_definition("L = -Σ_k y_k log(softmax(W x + b)_k)"), "b")
    >>> [s.rule for s in steps], steps[-1].rhs
    (['chain-rule', 'differentiate', 'sum-delta'], S[j]*Sum(y[k], (k, 1, N)) - y[j])
    """
    variable = definition.variable(wrt)
    argument = softmax_argument(definition, variable)
    if argument is None or definition.outputs:
        return ()
    rules = _Rules(definition, variable)

    def under(f: sp.Expr, u: sp.Indexed):
        value, relied = rules.lemma(f, u)
        for assumption in assumptions:
            value = _expand(apply_assumed(value, assumption, definition))
        return collect(value), relied

    steps = through_argument(definition.body, argument, definition, variable, under,
                             f"dL/d{argument.family} by the same rules")
    used: list[Condition] = []
    last = collect(rules.normalise(steps[-1].rhs, used))
    if sp.expand(last - steps[-1].rhs) != 0:
        steps.append(Step(last, _REASONS["sum-delta"], "sum-delta", conditions=tuple(used)))
    def named(a: sp.Expr) -> sp.Expr:   # ∂L/∂z_l, not ∂/∂z_l of the whole definition
        if isinstance(a, sp.Derivative) and a.expr == definition.body:
            return sp.Derivative(definition.name, *a.variables)
        return a

    return tuple(replace(s, assumes=tuple(assumptions),
                         facts=tuple((named(a), b) for a, b in s.facts)) for s in steps)


class _Rules:
    """The rules of the strategy for one definition and variable: their index ranges,
    the softmaxes and sigmoid arguments they look for, and the loop that applies them."""

    def __init__(self, definition, variable: sp.Indexed):
        self.definition, self.variable = definition, variable
        self.ranges = {x: Condition(x, sp.Integer(1), EXTENTS["N"]) for x in definition.outputs}
        self.ranges.update({x: Condition(x, sp.Integer(1), EXTENTS[e]) for x, e in zip(
            variable.indices, _shape_of(definition, variable.base))})
        self.order = (*definition.outputs, *variable.indices)
        self.softmaxes = [x for x in definition.defined if x.kind == "softmax"]
        self.sigmoid_arguments = sigmoid_arguments(definition)

    def normalise(self, e: sp.Expr, used: list, record=lambda rule, expr: expr) -> sp.Expr:
        """Apply the rules in order until none changes ``e`` (``record`` sees each)."""
        n = EXTENTS["N"]
        for _ in range(8):
            before = e
            if self.sigmoid_arguments:
                e = record("recognise-sigmoid", recognise_sigmoid_of(e, self.sigmoid_arguments))
            e = record("split-sums", split_sums(_expand(e)))
            e = record("sum-delta", sum_delta(e, self.ranges, used))
            for item in self.softmaxes:
                e = record("recognise-softmax", recognise_softmax_of(e, item, n))
            for item in self.softmaxes:
                e = record("softmax-sums-to-one", sums_to_one(e, item, n))
            e = record("delta-substitution", delta_substitution(e, self.order))
            if e == before:
                break
        return e

    def lemma(self, f: sp.Expr, variable: sp.Indexed) -> tuple[sp.Expr, tuple]:
        """``∂f/∂variable`` derived by the same rules (the variable may be an
        intermediate, as ``u_l`` in ``∂S_t/∂u_l``): its collected normal form and the
        index ranges the rules relied on."""
        through = {x.family: x.entry for x in self.definition.defined
                   if x.family != variable.base}
        inner = _Rules(self.definition, variable)
        inner.ranges = {**self.ranges, **inner.ranges}
        inner.order = (*self.order, *variable.indices)
        used: list[Condition] = []
        value = collect(inner.normalise(derivative(f, variable, through), used))
        return value, tuple(used)


def _rules_of_reduction(rules: _Rules, mechanical: sp.Expr) -> tuple[list, list]:
    """The rules that changed the raw derivative on its way to normal form, in order,
    and the index ranges they relied on."""
    changed: list[str] = []
    used: list[Condition] = []
    last = [mechanical]

    def note(rule: str, expr: sp.Expr) -> sp.Expr:
        if expr != last[0] and rule not in changed and sp.expand(expr - last[0]) != 0:
            changed.append(rule)
        last[0] = expr
        return expr

    rules.normalise(mechanical, used, note)
    return changed, used


def _shape_of(definition, family: sp.IndexedBase) -> tuple[str, ...]:
    """The extents of an input family, or of an intermediate one (``u``: ``N``)."""
    item = definition.intermediate(family)
    if item is None:
        return definition.shape(str(family))
    return (*item.row_extents, item.extent)


def _cases(e: sp.Expr, result: sp.Expr, last: sp.Expr, definition, variable) -> list[Step]:
    """A Jacobian whose result has ``δ_pq`` between an output and a variable index, and
    that the last step does not show in that form yet: the case ``p = q``, the case
    ``p ≠ q``, and both in one with the Kronecker delta (the textbook presentation)."""
    if result == last:
        return []
    for p in definition.outputs:
        for q in variable.indices:
            if not result.has(sp.KroneckerDelta(p, q)):
                continue
            diagonal = tidy(case(e, p, q, True))
            off = tidy(case(e, p, q, False))
            if sp.expand(merge_cases(diagonal, off, p, q) - _expand(result)) != 0:
                continue
            return [Step(diagonal, "case", "case", case=(p, q, True)),
                    Step(off, "case", "case", case=(p, q, False)),
                    Step(result, "both cases in one with the Kronecker delta", "merge-cases")]
    return []


def normal_form(expr: sp.Expr, definition, variable: sp.Indexed, assumptions=()) -> sp.Expr:
    """``expr`` brought to the strategy's normal form (no steps recorded): to compare a
    claim with a result for every N."""
    extents = EXTENTS
    shape = definition.shape(str(variable.base))
    ranges = {x: Condition(x, sp.Integer(1), extents["N"]) for x in definition.outputs}
    ranges.update({x: Condition(x, sp.Integer(1), extents[e])
                   for x, e in zip(variable.indices, shape)})
    order = (*definition.outputs, *variable.indices)
    softmaxes = [x for x in definition.defined if x.kind == "softmax"]
    arguments = sigmoid_arguments(definition)
    # The quantity and every family named for convenience (q_k = (1 − ε) y_k + ε/N) by
    # their definitions, so that a claim may write either; a softmax and its argument stay
    # named (S_j, z_j), as the rules recognise them.
    kept = {x.family for x in softmaxes} | {x.argument for x in softmaxes}
    e = definition.written_out(expr, kinds=("output",))
    e = definition.written_out(e, families={x.family for x in definition.defined
                                            if x.family not in kept})
    if isinstance(definition.name, sp.Symbol):
        e = e.xreplace({definition.name: definition.body})
    if e.has(sp.Derivative):   # an opening step: ∂ log S_k/∂z_j left for a lemma
        through = {x.family: x.entry for x in definition.defined}
        e = e.replace(lambda x: isinstance(x, sp.Derivative),
                      lambda x: derivative(x.expr, x.variables[0], through))
    e = _named_arguments(e, definition)   # after the derivatives: never the variable z_j
    for _ in range(8):
        before = e
        if arguments:
            e = recognise_sigmoid_of(e, arguments)
        e = sum_delta(split_sums(_expand(e)), ranges)
        for item in softmaxes:
            e = recognise_softmax_of(e, item, extents["N"])
        for item in softmaxes:
            e = sums_to_one(e, item, extents["N"])
        e = delta_substitution(e, order)
        if e == before:
            break
    for assumption in assumptions:
        e = _expand(apply_assumed(e, assumption, definition))
    return _expand(e)


def prove_steps(steps, derived: Derived, definition, assumptions=(),
                truths: dict | None = None) -> None:
    """Prove every step of a chain equal to the raw derivative ``derived.mechanical``:
    the two have the same :func:`normal_form`.  A case step is compared with the
    derivative in that case; from the first step that applies an assumption on, both
    sides are taken under ``assumptions``.  The first step, the derivative of the
    definition as written, is the raw derivative by definition.  ``truths`` keeps the
    derivative's normal forms across the chains of one definition.

    Raises:
        StepError: naming the first step whose normal form differs.
    """
    truths = {} if truths is None else truths
    variable = derived.variable
    for number, step in enumerate(steps[1:], start=2):
        under = assumptions if any(s.assumes for s in steps[:number]) else ()
        key = (under, step.case)
        if key not in truths:
            truths[key] = normal_form(derived.mechanical if step.case is None else
                                      case(derived.mechanical, *step.case), definition,
                                      variable, under)
        if not same_normal_form(normal_form(step.rhs, definition, variable, under),
                                truths[key]):
            raise StepError(f"step {number} ({step.reason}) does not reduce to the derivative")


def prove_result(derived: Derived, definition, assumptions=()) -> None:
    """Prove the result and the general form equal to the raw derivative (under the
    assumptions, and without): the proof for every N when the steps are not asked for.

    Raises:
        StepError: a form whose normal form is not the raw derivative's.
    """
    variable = derived.variable
    for form, under in ((derived.general, ()), (derived.result, tuple(assumptions))):
        if not same_normal_form(normal_form(form, definition, variable, under),
                                normal_form(derived.mechanical, definition, variable, under)):
            raise StepError(f"the result {sp.sstr(form)} does not reduce to the derivative")


def _named_arguments(expr: sp.Expr, definition) -> sp.Expr:
    """Every entry of a family that the reader scaled into an argument of its own
    (``u_m = z_m/T`` for ``softmax(z/T)``) written through that argument, ``z_x = T u_x``,
    wherever ``expr`` has it: a claim cannot name ``u``, and the softmax is recognised in
    ``e^{u_x}/Σ_m e^{u_m}`` — also where SymPy keeps ``e^{(z_i + z_j)/T}`` whole.

    >>> from derive.read.definition import read_definition
    >>> from derive.functions import z, i, j, T
    >>> _named_arguments(sp.exp((z[i] + z[j]) / T), read_definition("S_i = softmax(z/T)_i"))
    exp(u[i] + u[j])
    """
    for item in definition.defined:
        if not item.own or item.rows:
            continue
        coefficient, rest = item.body.as_independent(sp.Indexed, as_Add=False)
        if not (isinstance(rest, sp.Indexed) and rest.indices == (item.index,)
                and not coefficient.has(sp.Indexed) and coefficient != 0):
            continue   # only a scaled family is written through its argument
        family = rest.base
        entries = {a for a in expr.atoms(sp.Indexed) if a.base == family and len(a.indices) == 1}
        expr = expr.xreplace({a: item.family[a.indices] / coefficient for a in entries})
        expr = expr.replace(lambda e: isinstance(e, sp.exp),
                            lambda e: sp.exp(sp.expand_mul(e.args[0])))
    return expr


def _definition_reason(definition) -> str:
    named = [f"{x.family} = softmax({x.argument})" for x in definition.defined
             if x.kind == "softmax"]
    return "definition" + (", with " + ", ".join(named) if named else "")


def _softmax_facts(softmaxes) -> tuple:
    """``S_m = e^{z_m}/Σ_k e^{z_k}``: what recognising the softmax outputs reads back."""
    return tuple((x.family[(*x.rows, x.index)], x.body) for x in softmaxes)


def _definition_facts(definition) -> tuple:
    facts = []
    if definition.name != definition.body:
        facts.append((definition.name, definition.body))
    # The quantity itself (an "output" family, h_i = tanh(…)) is the first fact already.
    facts += [(x.family[(*x.rows, x.index)], x.body) for x in definition.defined
              if x.kind != "output" or definition.name == definition.body]
    return tuple(facts)


def _chain_reason(definition) -> str:
    if not definition.defined:
        return "chain rule, node by node"
    names = [str(x.family) for x in definition.defined]
    if len(names) == 1:
        return f"chain rule, node by node, through {names[0]} by its definition"
    return f"chain rule, node by node, through {', '.join(names)} by their definitions"

