"""The first steps of a derivative, as a textbook writes them, before the rules of the
strategy (:mod:`derive.calculus.strategy`) take over.

Which opening applies is read off the definition's top node and its intermediates, not
off the name of a function:

* the quantity *is* a named function of the variable (``S_i = softmax(z)_i``): its
  definition written out, then the **quotient rule** (``∂(u/v) = (∂u·v − u·∂v)/v²``, the
  inner derivatives shown as facts), or, for its logarithm, the **logarithm of a
  quotient** (``log(e^{z_i}/Σ_k e^{z_k}) = z_i − log Σ_k e^{z_k}``);
* a named function of an expression (``softmax(z/T)``, ``softmax(W x + b)``): the **chain
  rule through that argument** ``u``, the Jacobian in ``u`` a lemma derived by the same
  rules, then the **derivative of the argument**;
* a sum or a multiple (``−Σ_k y_k log S_k``): **linearity** of the derivative, then each
  inner derivative of a named function a **lemma** derived by the same rules (``∂ log S_k/∂z_j
  = δ_kj − S_j``), through an argument by the chain rule, and any other one evaluated.

Anything else is opened by the chain rule node by node in one step.  A lemma is never
stored: ``lemma(f, variable)`` derives it when the opening asks (the strategy passes its
own rules), so a new function of the vocabulary needs no opening of its own.

>>> from derive.read.definition import read_definition
>>> from derive.calculus.strategy import derive_definition
>>> [s.rule for s in derive_definition(read_definition("S_i = softmax(z)_i"), "z").steps]
['definition', 'quotient-rule', 'recognise-softmax', 'case', 'case', 'merge-cases']
"""

from __future__ import annotations

from typing import Callable

import sympy as sp

from ..functions import sigmoid, softplus
from ..read.defined import EXTENTS
from .derivative import derivative
from .indexed import Condition, differentiate, linearity, quotient_rule
from .steps import Step

__all__ = ["open_derivative", "dependent_families", "through_argument", "softmax_argument"]

# lemma(f, variable) → (∂f/∂variable in normal form, the index ranges it relied on)
Lemma = Callable[[sp.Expr, sp.Indexed], tuple[sp.Expr, tuple[Condition, ...]]]


def dependent_families(definition, variable: sp.Indexed) -> tuple[sp.IndexedBase, ...]:
    """The intermediate families that depend on the variable (``u`` and ``S`` for
    ``S = softmax(u)``, ``u = W x + b`` and the variable ``W``), in definition order."""
    found = [variable.base]
    for item in definition.defined:
        if item.body.has(*found):
            found.append(item.family)
    return tuple(found[1:])


def open_derivative(definition, variable: sp.Indexed, ranges, used: list,
                    lemma: Lemma) -> list[Step] | None:
    """The opening steps of ``∂ body/∂ variable``, from the definition step on, or
    ``None`` when no textbook opening applies (the strategy then takes the chain rule node
    by node).  Conditions that a rule relied on are appended to ``used``."""
    named = _named_function(definition.body, definition)
    if named is not None:
        return _named_opening(definition, variable, ranges, used, lemma, *named)
    dependent = dependent_families(definition, variable)
    start = sp.Derivative(definition.body, variable)
    inside = linearity(start, depends=dependent)
    if inside == start or not inside.has(sp.Derivative):
        return None
    return [Step(inside, "linearity of the derivative", "linearity"),
            *_inner_derivatives(inside, definition, variable, ranges, dependent, lemma)]


def _named_function(body: sp.Expr, definition):
    """``(item, entry, logarithm)`` when the body is an entry ``S_x`` of a softmax of the
    definition, or its logarithm; ``None`` otherwise."""
    logarithm = isinstance(body, sp.log)
    entry = body.args[0] if logarithm else body
    if not isinstance(entry, sp.Indexed):
        return None
    item = definition.intermediate(entry.base)
    if item is None or item.kind != "softmax":
        return None
    return item, entry, logarithm


def _named_opening(definition, variable, ranges, used, lemma, item, entry,
                   logarithm) -> list[Step]:
    argument = definition.intermediate(item.argument)
    of_argument = argument is not None and item.argument != variable.base
    written = definition.written_out(definition.body)
    facts = [(entry, item.entry(*entry.indices))]
    if of_argument:
        facts.append((argument.family[argument.index], argument.body))
    what = "logarithm of the softmax" if logarithm else "softmax"
    steps = [Step(sp.Derivative(written, variable), f"definition of the {what}", "definition",
                  facts=tuple(facts))]
    if of_argument:
        return steps + through_argument(definition.body, argument, definition, variable,
                                         lemma, f"{'log-' if logarithm else ''}softmax "
                                         f"Jacobian in {argument.family}")
    if logarithm:
        split = sp.Derivative(_log_of_quotient(written.args[0]), variable)
        local: list[Condition] = []
        derived = differentiate(split, ranges, local)
        used.extend(c for c in local if c not in used)
        return steps + [Step(split, "logarithm of a quotient", "log-quotient"),
                        Step(derived, "chain rule through the logarithm", "differentiate",
                             conditions=tuple(local))]
    start = steps[0].rhs
    top, bottom = sp.fraction(start.expr)
    local = []
    inner = tuple((d, differentiate(d, ranges, local))
                  for d in (sp.Derivative(top, variable), sp.Derivative(bottom, variable)))
    quotient = differentiate(quotient_rule(start), ranges, local)
    used.extend(c for c in local if c not in used)
    return steps + [Step(quotient, "quotient rule", "quotient-rule", facts=inner,
                         conditions=tuple(local))]


def _log_of_quotient(quotient: sp.Expr) -> sp.Expr:
    """``log(e^{a}/b)`` as ``a − log b``."""
    top, bottom = sp.fraction(quotient)
    head = top.args[0] if isinstance(top, sp.exp) else sp.log(top)
    return head - sp.log(bottom)


def softmax_argument(definition, variable: sp.Indexed):
    """The defined argument ``u`` of the one softmax of the definition when the variable
    enters only through it (``softmax(W x + b)`` and ``W``), else ``None``."""
    items = [x for x in definition.defined if x.kind == "softmax"]
    if len(items) != 1 or items[0].argument == variable.base:
        return None
    argument = definition.intermediate(items[0].argument)
    if argument is None or not argument.body.has(variable.base) or \
            definition.body.has(variable.base):
        return None
    return argument


def through_argument(f: sp.Expr, argument, definition, variable, lemma,
                     name: str) -> list[Step]:
    """The chain rule through the argument ``u`` of a softmax, then the derivative of the
    argument: ``∂f/∂v = Σ_l ∂f/∂u_l · ∂u_l/∂v``, the first factor a lemma in ``u`` (named
    ``name`` in the reason), the second the argument's definition, differentiated in the
    next step."""
    chained, facts, layers, relied = _chain(f, argument, definition, variable, lemma)
    evaluated = chained.xreplace({d: value for d, value in layers})
    shapes = _shapes(f, argument, definition, variable)
    return [Step(chained, f"chain rule through {argument.family} ({name}), "
                 f"shapes {shapes}", "chain-rule", facts=facts),
            Step(evaluated, f"derivative of the argument {argument.family}", "differentiate",
                 facts=tuple(layers), conditions=tuple(relied))]


def _chain(f, argument, definition, variable, lemma):
    """``Σ_l lemma(f, u_l) · ∂u_l/∂v`` with ``∂u_l/∂v`` unevaluated, its facts, and
    ``(∂u_l/∂v, value)``."""
    bound = _fresh(f, variable, definition)
    u = argument.family[bound]
    value, _conditions = lemma(f, u)
    layer = sp.Derivative(argument.entry(bound), variable)
    extent = EXTENTS[argument.extent]
    chained = sp.Sum(value * layer, (bound, 1, extent))
    facts = ((u, argument.entry(bound)), (sp.Derivative(f, u), value))
    # ∂u_l/∂W_ij = δ_il x_j: the argument's derivative, by the same rules.
    slope, relied = lemma(argument.entry(bound), variable)
    return chained, facts, [(layer, slope)], relied


def _shapes(f: sp.Expr, argument, definition, variable) -> str:
    """``(NxN)(NxND)``: the shapes of the two factors of the chain rule through ``u``
    (in ASCII, as every reason: LaTeX prints reasons as text), by the extents' names."""
    bound = {b for s in f.atoms(sp.Sum) for b, *_ in s.limits}
    free = sorted({s for a in f.atoms(sp.Indexed) for s in a.indices
                   if s.is_Symbol and s not in bound}, key=str)
    rows = [_extent_of(s, f, definition) for s in free] or ["1"]
    wrt = definition.shape(str(variable.base))
    return f"({'x'.join(rows)}x{argument.extent})({argument.extent}x{''.join(wrt)})"


def _extent_of(index: sp.Symbol, f: sp.Expr, definition) -> str:
    for a in f.atoms(sp.Indexed):
        if index in a.indices:
            item = definition.intermediate(a.base)
            shape = (*item.row_extents, item.extent) if item is not None else \
                definition.shape(str(a.base))
            return shape[list(a.indices).index(index)]
    return "N"


def _fresh(expr, variable, definition) -> sp.Symbol:
    """An index letter free in ``expr``, the variable and the definition, and one that the
    claim notation reads as an index (not p, y, z or e, which name other things there, nor
    a family's name), so that a printed sum reads back."""
    taken = {str(s) for s in expr.free_symbols | set(variable.indices)}
    taken |= {str(b) for s in expr.atoms(sp.Sum) for b, *_ in s.limits}
    taken |= {str(x.index) for x in definition.defined}
    taken |= {str(a.base) for a in expr.atoms(sp.Indexed)} | {
        name for name, _ in definition.families}
    return next(sp.Symbol(c, integer=True, positive=True) for c in "lqrstuvwabfgh"
                if c not in taken)


def _inner_derivatives(inside, definition, variable, ranges, dependent,
                       lemma) -> list[Step]:
    """After linearity, each ``∂f/∂v`` of a named function: a lemma derived by the same
    rules (``∂ log S_k/∂z_j``), or, where the function is of an argument ``u`` that holds
    the variable, the chain rule through ``u`` and then the derivative of ``u``; any
    other derivative evaluated by the chain rule."""
    lemmas, chains, sigmoids, relied = {}, {}, {}, []
    for d in sorted(inside.atoms(sp.Derivative), key=sp.default_sort_key):
        named = [x for x in definition.defined
                 if x.kind == "softmax" and x.family in dependent and d.expr.has(x.family)]
        if not named and d.expr.has(sigmoid, softplus) and not d.expr.has(*dependent):
            sigmoids[d], conditions = lemma(d.expr, variable)
            relied += [c for c in conditions if c not in relied]
            continue
        if len(named) != 1:
            continue
        argument = definition.intermediate(named[0].argument)
        if argument is not None and named[0].argument != variable.base:
            chains[d] = (argument, *_chain(d.expr, argument, definition, variable, lemma))
        else:
            lemmas[d], conditions = lemma(d.expr, variable)
            relied += [c for c in conditions if c not in relied]
    # ∂z_k/∂z_j = δ_jk goes with the first step that evaluates anything.
    entries = {d: derivative(d.expr, variable) for d in inside.atoms(sp.Derivative)
               if isinstance(d.expr, sp.Indexed) and d.expr.base == variable.base}
    reason = _lemma_reason(lemmas) if lemmas else ""
    if lemmas:
        lemmas.update(entries)
    elif sigmoids:
        sigmoids.update(entries)
    steps, e, layers, layer_conditions = [], inside, [], []
    if lemmas:
        e = e.xreplace(lemmas)
        steps.append(Step(e, reason, "lemma", facts=tuple(lemmas.items()),
                          conditions=tuple(relied)))
    if sigmoids:
        # σ' = σ(1 − σ) (softplus' = σ), derived by the same rules from the definitions,
        # shown at the variable's own entry.
        e = e.xreplace(sigmoids)
        kinds = sorted({f for d in sigmoids for f in (sigmoid, softplus) if d.expr.has(f)},
                       key=str)
        slopes = tuple((sp.Derivative(f(variable), variable), lemma(f(variable), variable)[0])
                       for f in kinds)
        names = " and ".join("softplus" if f is softplus else "the sigmoid" for f in kinds)
        steps.append(Step(e, f"chain rule through {names}", "chain-rule",
                          facts=slopes, conditions=tuple(relied)))
    arguments = ", ".join(sorted({str(c[0].family) for c in chains.values()}))
    if chains:
        e = e.xreplace({d: c[1] for d, c in chains.items()})
        facts = tuple(dict.fromkeys(fact for c in chains.values() for fact in c[2]))
        shapes = sorted({_shapes(d.expr, c[0], definition, variable)
                         for d, c in chains.items()})
        steps.append(Step(e, f"chain rule through {arguments} "
                          f"({_jacobian_name(chains)} in {arguments}), shapes "
                          f"{', '.join(shapes)}", "chain-rule", facts=facts))
        layers = list(dict.fromkeys(layer for c in chains.values() for layer in c[3]))
        layer_conditions = list(dict.fromkeys(x for c in chains.values() for x in c[4]))
    if e.has(sp.Derivative):
        through = {x.family: x.entry for x in definition.defined}
        evaluated = e.xreplace(dict(layers)).replace(
            lambda x: isinstance(x, sp.Derivative),
            lambda x: derivative(x.expr, variable, through))
        reason = f"derivative of the argument {arguments}" if layers else \
            _derivative_reason(e)
        steps.append(Step(evaluated, reason, "differentiate", facts=tuple(layers),
                          conditions=tuple(layer_conditions)))
    return steps


def _lemma_reason(lemmas: dict) -> str:
    return _jacobian_name(lemmas) if len({_kind(d.expr) for d in lemmas}) == 1 else \
        "derivatives of the named functions (each derived by the same rules)"


def _jacobian_name(derivatives) -> str:
    kinds = {_kind(d.expr) for d in derivatives}
    if kinds == {"log"}:
        rows = {a.indices[0] for d in derivatives for a in d.expr.atoms(sp.Indexed)
                if len(a.indices) > 1}
        return "log-softmax Jacobian" + (f" of row {rows.pop()}" if len(rows) == 1 else "")
    if kinds == {"entry"}:
        return "softmax Jacobian"
    return "derivative of the named function"


def _kind(f: sp.Expr) -> str:
    if isinstance(f, sp.log) and isinstance(f.args[0], sp.Indexed):
        return "log"
    return "entry" if isinstance(f, sp.Indexed) else "other"


def _derivative_reason(e: sp.Expr) -> str:
    inner = [d.expr for d in e.atoms(sp.Derivative)]
    if inner and all(isinstance(f, sp.log) and isinstance(f.args[0], sp.Indexed)
                     for f in inner):
        return "derivative of the logarithm"
    return "chain rule, node by node"
