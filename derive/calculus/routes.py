"""The textbook route of each target: the steps, each produced by a named rule.

A route starts from the definition and applies the rules of :mod:`derive.calculus.indexed` one at
a time; it writes down no intermediate result itself.  The steps are then checked
against the mechanical derivative (:func:`derive.check.step_checks.check_steps`), and the last one
must equal the rewritten result of the pipeline.

>>> from derive.catalog import get_target
>>> steps = route("softmax-jacobian", get_target("softmax-jacobian").problem(3), 3)
>>> [s.rule for s in steps]
['definition', 'quotient-rule', 'recognise-softmax', 'case', 'case', 'merge-cases']
"""

from __future__ import annotations

import sympy as sp

from ..catalog import get_target, m as batch_size
from ..functions import (S, Y, Z, c, i, j, k, l, linear, log_softmax, n_example, q, sigmoid,
                         smoothed, softmax, t, y, z)
from .indexed import (case, chain_rule_through_sigmoid, differentiate, evaluate_derivatives,
                      linearity, log_of_softmax, merge_cases, quotient_rule, ranges_for, ranges_of,
                      recognise_sigmoid, recognise_softmax_outputs, separate_sums, split_sums,
                      sum_delta)
from .rewrite import apply_assumption, combine_sums, tidy
from .steps import Step

__all__ = ["route", "ROUTES", "SHORTCUTS", "shortcut"]


def _softmax_definition(index, n) -> tuple[sp.Expr, sp.Expr]:
    return (S[index], softmax(z, index, n))


def _softmax_jacobian(problem, n) -> list[Step]:
    ranges, used = ranges_of(problem.indices, n), []
    definition = softmax(z, i, n)
    start = sp.Derivative(definition, z[j])
    top, bottom = sp.fraction(definition)
    d_top, d_bottom = sp.Derivative(top, z[j]), sp.Derivative(bottom, z[j])
    quotient = differentiate(quotient_rule(start), ranges, used)
    recognised = recognise_softmax_outputs(quotient, z, S, n)
    diagonal, off = tidy(case(recognised, i, j, True)), tidy(case(recognised, i, j, False))
    return [
        Step(start, "definition of the softmax", "definition",
             facts=(_softmax_definition(i, n),)),
        Step(quotient, "quotient rule", "quotient-rule",
             facts=((d_top, differentiate(d_top, ranges)),
                    (d_bottom, differentiate(d_bottom, ranges))),
             conditions=tuple(used)),
        Step(recognised, "recognise the softmax outputs", "recognise-softmax",
             facts=(_softmax_definition(sp.Symbol("m"), n),)),
        Step(diagonal, "case", "case", case=(i, j, True)),
        Step(off, "case", "case", case=(i, j, False)),
        Step(tidy(merge_cases(diagonal, off, i, j)), "both cases in one with the Kronecker delta",
             "merge-cases"),
    ]


def _temperature_softmax_jacobian(problem, n) -> list[Step]:
    """The chain rule through u = z/T: the temperature only scales the softmax Jacobian."""
    T, u = problem.temperature, sp.IndexedBase("u")
    start = sp.Derivative(softmax(z, i, n, T), z[j])
    # ∂S_i/∂u_k by the softmax-Jacobian route (its column index j renamed k; the sum
    # over k keeps k within 1..N, which that route's sum-delta needs).
    jacobian = _softmax_jacobian(get_target("softmax-jacobian").problem(n), n)
    lemma = jacobian[-1].rhs.xreplace({j: k})
    chained = sp.Sum(lemma * sp.Derivative(z[k] / T, z[j]), (k, 1, n))
    derived = evaluate_derivatives(chained)
    used = []
    picked = tidy(sum_delta(derived, ranges_of(problem.indices, n), used))
    return [
        Step(start, "definition of the softmax with temperature", "definition",
             facts=((S[i], softmax(z, i, n, T)),)),
        Step(chained, "chain rule through the scaled logits u (softmax Jacobian in u)", "chain-rule",
             facts=((u[k], z[k] / T), (sp.Derivative(S[i], u[k]), lemma))),
        Step(derived, "derivative of the scaled logits", "differentiate"),
        Step(picked, "the Kronecker delta picks one term of the sum", "sum-delta",
             conditions=tuple(used)),
    ]


def _sigmoid_binary_cross_entropy_grad(problem, n) -> list[Step]:
    """Linearity, the chain rule through σ with σ' = σ(1 − σ) (derived here from
    σ(x) = 1/(1 + e^{−x})), the Kronecker delta, and multiplying out."""
    x = sp.Symbol("_x")
    slope = recognise_sigmoid(sp.diff(1 / (1 + sp.exp(-x)), x), (x,))   # σ' in σ
    loss = -sp.Sum(y[k] * sp.log(sigmoid(z[k])) + (1 - y[k]) * sp.log(1 - sigmoid(z[k])),
                   (k, 1, n))
    start = sp.Derivative(loss, z[j])
    inside = linearity(start)
    chained = chain_rule_through_sigmoid(inside, slope)
    # δ_jk as a factor of the summand, so that the Kronecker delta can pick the term k = j.
    gathered = chained.replace(lambda e: isinstance(e, sp.Sum),
                               lambda e: sp.Sum(sp.factor_terms(e.function), *e.limits))
    used = []
    picked = sum_delta(gathered, ranges_of(problem.indices, n), used)
    shown = sp.Symbol("x")
    return [
        Step(start, "definition of the binary cross-entropy", "definition",
             facts=((sp.Symbol("L"), loss), (sigmoid(shown), 1 / (1 + sp.exp(-shown))))),
        Step(inside, "linearity of the derivative", "linearity"),
        Step(gathered, "chain rule through the sigmoid", "chain-rule",
             facts=((sp.Derivative(sigmoid(shown), shown), tidy(slope.xreplace({x: shown}))),)),
        Step(picked, "the Kronecker delta picks one term of the sum", "sum-delta",
             conditions=tuple(used)),
        Step(tidy(picked), "multiply out", "expand"),
    ]


def _log_softmax_steps(index, n) -> list[Step]:
    """∂ log S_index/∂z_j: shared by the log-softmax target and the cross-entropy lemmas."""
    ranges, used = ranges_of((index, j), n), []
    start = sp.Derivative(log_softmax(z, index, n), z[j])
    split = sp.Derivative(log_of_softmax(log_softmax(z, index, n), z, n), z[j])
    derived = differentiate(split, ranges, used)
    return [
        Step(start, "definition of the softmax", "definition",
             facts=(_softmax_definition(index, n),)),
        Step(split, "logarithm of a quotient", "log-quotient"),
        Step(derived, "chain rule through the logarithm", "differentiate",
             conditions=tuple(used)),
        Step(tidy(recognise_softmax_outputs(derived, z, S, n)),
             "recognise the softmax outputs", "recognise-softmax",
             facts=(_softmax_definition(sp.Symbol("m"), n),)),
    ]


def _log_softmax_jacobian(problem, n) -> list[Step]:
    return _log_softmax_steps(i, n)


def _lemma(index, n) -> tuple[tuple[sp.Expr, sp.Expr], tuple]:
    """``(∂ log S_index/∂z_j, its value)`` derived by the log-softmax route, and the
    index ranges that derivation relied on."""
    steps = _log_softmax_steps(index, n)
    conditions = tuple(dict.fromkeys(c for s in steps for c in s.conditions))
    return (sp.Derivative(sp.log(S[index]), z[j]), steps[-1].rhs), conditions


def _cross_entropy_grad(problem, n) -> list[Step]:
    used = []
    start = sp.Derivative(problem.function, S[j])
    inside = linearity(start)
    derived = evaluate_derivatives(inside)
    picked = tidy(sum_delta(derived, ranges_of(problem.indices, n), used))
    return [
        Step(start, "definition of the cross-entropy", "definition",
             facts=((sp.Symbol("L"), problem.function),)),
        Step(inside, "linearity of the derivative", "linearity"),
        Step(derived, "derivative of the logarithm", "differentiate"),
        Step(picked, "the Kronecker delta picks one term of the sum", "sum-delta",
             conditions=tuple(used)),
    ]


def _softmax_cross_entropy_grad(problem, n) -> list[Step]:
    """Also the route with smoothed labels q = (1 − ε) y + ε/N: the same steps in q."""
    labels = y if problem.smoothing is None else q
    loss = -sp.Sum(labels[k] * sp.log(S[k]), (k, 1, n))
    start = sp.Derivative(loss, z[j])
    inside = linearity(start, depends=(S,))
    lemma, lemma_conditions = _lemma(k, n)
    substituted = inside.xreplace({lemma[0]: lemma[1]})
    split = split_sums(substituted)
    used = []
    picked = tidy(sum_delta(split, ranges_of(problem.indices, n), used))
    assumption = problem.assumptions[0]
    definitions = (() if problem.smoothing is None
                   else ((q[k], smoothed(y, k, n, problem.smoothing)),))
    return [
        Step(start, "definition of the cross-entropy", "definition",
             facts=((sp.Symbol("L"), loss), _softmax_definition(k, n), *definitions)),
        Step(inside, "linearity of the derivative", "linearity"),
        Step(substituted, "log-softmax Jacobian", "lemma", facts=(lemma,),
             conditions=lemma_conditions),
        Step(split, "linearity of the sum", "split-sums"),
        Step(picked, "the Kronecker delta picks one term of the sum", "sum-delta",
             conditions=tuple(used)),
        Step(tidy(apply_assumption(picked, assumption)), "apply the assumption",
             "assumption", assumes=(assumption,)),
    ]


def _sparse_softmax_cross_entropy_grad(problem, n) -> list[Step]:
    start = sp.Derivative(-sp.log(S[c]), z[j])
    inside = linearity(start, depends=(S,))
    lemma, lemma_conditions = _lemma(c, n)
    return [
        Step(start, "definition of the loss for the label c", "definition",
             facts=((sp.Symbol("L"), -sp.log(S[c])), _softmax_definition(c, n))),
        Step(inside, "linearity of the derivative", "linearity"),
        Step(tidy(inside.xreplace({lemma[0]: lemma[1]})), "log-softmax Jacobian", "lemma",
             facts=(lemma,), conditions=lemma_conditions),
    ]


def _layer_facts(problem, n) -> tuple[tuple[sp.Expr, sp.Expr], ...]:
    return ((S[k], softmax(z, k, n)), (z[k], linear(k, problem.extent("D"), problem.convention)))


def _shapes(problem, *stages: str) -> str:
    """``(1xN)(NxN)(NxND)``: the shapes of the factors of a chain-rule product (in ASCII,
    as every reason: LaTeX prints reasons as text; short, so that the line fits)."""
    return "".join(f"({stage.replace(' ', '')})" for stage in stages)


def _variable_shape(problem) -> str:
    """The number of entries of the variable: N·D for W, D for x, N for b."""
    return {"W": "ND", "x": "D", "b": "N"}[str(problem.wrt)]


def _layer_derivative(problem, index) -> sp.Derivative:
    """``∂z_index/∂(variable)`` with the layer's definition written out."""
    return sp.Derivative(linear(index, problem.extent("D"), problem.convention),
                         problem.variable)


def _through_the_layer(problem, summed: sp.Expr, index, used: list):
    """Evaluate ``∂z_index/∂(variable)`` inside ``summed``: the derivative (a fact of the
    step), ``summed`` with it evaluated, and that with the Kronecker deltas summed out."""
    layer = _layer_derivative(problem, index)
    value = tidy(differentiate(layer, ranges_for(problem), used))
    evaluated = summed.xreplace({layer: value})
    picked = sum_delta(evaluated, ranges_for(problem), used)
    return (layer, value), evaluated, picked


def _linear_softmax_jacobian(problem, n) -> list[Step]:
    """The chain rule through the logits: ∂S_t/∂z_k (the softmax Jacobian, derived by its
    own route) times ∂z_k/∂W_ij (the layer's definition)."""
    jacobian = _softmax_jacobian(get_target("softmax-jacobian").problem(n), n)
    lemma = jacobian[-1].rhs.xreplace({i: t, j: k})
    chained = sp.Sum(lemma * _layer_derivative(problem, k), (k, 1, n))
    used = []
    fact, evaluated, picked = _through_the_layer(problem, chained, k, used)
    shapes = _shapes(problem, "N x N", f"N x {_variable_shape(problem)}")
    return [
        Step(sp.Derivative(problem.function, problem.variable), "definition of the layer",
             "definition", facts=((S[t], softmax(z, t, n)), _layer_facts(problem, n)[1])),
        Step(chained, f"chain rule via the logits z, shapes {shapes}", "chain-rule",
             facts=((sp.Derivative(S[t], z[k]), lemma),)),
        Step(evaluated, "derivative of the layer", "differentiate", facts=(fact,)),
        Step(tidy(picked), "the Kronecker delta picks one term of the sum", "sum-delta",
             conditions=tuple(used)),
    ]


def _linear_softmax_cross_entropy_grad(problem, n) -> list[Step]:
    """The full chain L → S → z → variable, each factor derived by its own route."""
    assumption = problem.assumptions[0]
    loss = -sp.Sum(y[k] * sp.log(S[k]), (k, 1, n))
    outer = _cross_entropy_grad(get_target("cross-entropy-grad").problem(n), n)[-1].rhs
    jacobian = _softmax_jacobian(get_target("softmax-jacobian").problem(n), n)[-1].rhs
    d_loss, d_softmax = outer.xreplace({j: k}), jacobian.xreplace({i: k, j: l})
    # The sum over the logits' index l inside the sum over the outputs' index k.
    chained = sp.Sum(d_loss * d_softmax * _layer_derivative(problem, l), (l, 1, n), (k, 1, n))
    used = []
    fact, evaluated, picked = _through_the_layer(problem, chained, l, used)
    summed = tidy(separate_sums(sum_delta(split_sums(picked), ranges_for(problem), used)))
    shapes = _shapes(problem, "1 x N", "N x N", f"N x {_variable_shape(problem)}")
    final = combine_sums(tidy(apply_assumption(summed, assumption)))
    return [
        Step(sp.Derivative(loss, problem.variable), "definition of the cross-entropy",
             "definition", facts=((sp.Symbol("L"), loss), *_layer_facts(problem, n))),
        Step(chained, f"chain rule via S and z, shapes {shapes}", "chain-rule",
             facts=((sp.Derivative(sp.Symbol("L"), S[k]), d_loss),
                    (sp.Derivative(S[k], z[l]), d_softmax))),
        Step(evaluated, "derivative of the layer", "differentiate", facts=(fact,)),
        Step(tidy(picked), "the Kronecker delta picks one term of the sum", "sum-delta",
             conditions=tuple(used)),
        Step(summed, "multiply out and sum over the outputs k", "split-sums"),
        Step(final, "apply the assumption", "assumption", assumes=(assumption,)),
    ]


def shortcut(problem, n) -> list[Step]:
    """The shortcut of a layer's cross-entropy gradient: ∂L/∂z_k = S_k − y_k (the
    softmax cross-entropy result, derived by its route; it needs Σ_k y_k = 1), then the
    chain rule through the layer alone."""
    assumption = problem.assumptions[0]
    lemma = _softmax_cross_entropy_grad(get_target("softmax-cross-entropy-grad").problem(n),
                                        n)[-1].rhs.xreplace({j: k})
    chained = sp.Sum(lemma * _layer_derivative(problem, k), (k, 1, n))
    used = []
    fact, evaluated, picked = _through_the_layer(problem, chained, k, used)
    shapes = _shapes(problem, "1 x N", f"N x {_variable_shape(problem)}")
    steps = [
        Step(chained, f"chain rule via z, dL/dz = S - y, shapes {shapes}",
             "chain-rule", facts=((sp.Derivative(sp.Symbol("L"), z[k]), lemma),),
             assumes=(assumption,)),
        Step(evaluated, "derivative of the layer", "differentiate",
             facts=(fact,), assumes=(assumption,)),
    ]
    last = combine_sums(tidy(picked))
    if sp.expand(last - steps[-1].rhs) != 0:   # ∂z/∂x has no Kronecker delta to sum out
        steps.append(Step(last, "the Kronecker delta picks one term of the sum", "sum-delta",
                          conditions=tuple(used), assumes=(assumption,)))
    return steps


def _batch_softmax_cross_entropy_grad(problem, n) -> list[Step]:
    """Linearity over the examples and classes; the log-softmax Jacobian of one row, in
    which the other rows do not appear (δ_ni); the deltas; the assumption on each row."""
    m = problem.extent("m")
    scale = -1 / batch_size if problem.option("reduction") == "mean" else sp.Integer(-1)
    e = n_example
    # The sum over the examples n inside the sum over the classes k: δ_ni picks n = i.
    loss = scale * sp.Sum(Y[e, k] * sp.log(S[e, k]), (e, 1, m), (k, 1, n))
    start = sp.Derivative(loss, Z[i, j])
    inside = linearity(start, depends=(S,))
    # ∂ log S_nk/∂Z_ij, from S_nk = e^{Z_nk}/Σ_l e^{Z_nl}: the log of a quotient, SymPy's
    # derivative of the entries (δ_ni δ_kj …), the deltas, and S_nj recognised.
    used = []
    ranges = {**ranges_for(problem)}
    denominator = sp.Sum(sp.exp(Z[e, l]), (l, 1, n))
    split = Z[e, k] - sp.log(denominator)
    derived = differentiate(sp.Derivative(split, Z[i, j]), ranges, used)
    lemma = tidy(derived.subs(sp.exp(Z[e, j]), S[e, j] * denominator))
    substituted = inside.xreplace({sp.Derivative(sp.log(S[e, k]), Z[i, j]): lemma})
    picked = tidy(split_sums(sum_delta(split_sums(substituted), ranges, used)))
    final = tidy(apply_assumption(picked, problem.assumptions[0]))
    return [
        Step(start, "definition of the batch loss", "definition",
             facts=((sp.Symbol("L"), loss), (S[e, k], sp.exp(Z[e, k]) / sp.Sum(
                 sp.exp(Z[e, l]), (l, 1, n))))),
        Step(inside, "linearity of the derivative", "linearity"),
        Step(substituted, "log-softmax Jacobian of row n (the other rows do not depend on "
             "row i)", "lemma", facts=((sp.Derivative(sp.log(S[e, k]), Z[i, j]), lemma),),
             conditions=tuple(used)),
        Step(picked, "the Kronecker deltas pick one term of each sum", "sum-delta"),
        Step(final, "apply the assumption", "assumption", assumes=problem.assumptions),
    ]


ROUTES = {
    "softmax-jacobian": _softmax_jacobian,
    "log-softmax-jacobian": _log_softmax_jacobian,
    "cross-entropy-grad": _cross_entropy_grad,
    "softmax-cross-entropy-grad": _softmax_cross_entropy_grad,
    "sparse-softmax-cross-entropy-grad": _sparse_softmax_cross_entropy_grad,
    "temperature-softmax-jacobian": _temperature_softmax_jacobian,
    "label-smoothing-cross-entropy-grad": _softmax_cross_entropy_grad,
    "sigmoid-binary-cross-entropy-grad": _sigmoid_binary_cross_entropy_grad,
    "linear-softmax-jacobian": _linear_softmax_jacobian,
    "linear-softmax-cross-entropy-grad": _linear_softmax_cross_entropy_grad,
    "batch-softmax-cross-entropy-grad": _batch_softmax_cross_entropy_grad,
}

# The second route of a target, shown beside the first and checked the same way.
SHORTCUTS = {"linear-softmax-cross-entropy-grad": shortcut}


def route(name: str, problem, n) -> list[Step]:
    """The unchecked steps of target ``name`` for ``n`` classes (concrete or symbolic)."""
    return ROUTES[name](problem, n)
