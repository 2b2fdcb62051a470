"""The textbook route of each target: the steps, each produced by a named rule.

A route starts from the definition and applies the rules of :mod:`derive.indexed` one at
a time; it writes down no intermediate result itself.  The steps are then checked
against the mechanical derivative (:func:`derive.steps.check_steps`), and the last one
must equal the rewritten result of the pipeline.

>>> from derive.catalog import get_target
>>> steps = route("softmax-jacobian", get_target("softmax-jacobian").problem(3), 3)
>>> [s.rule for s in steps]
['definition', 'quotient-rule', 'recognise-softmax', 'case', 'case', 'merge-cases']
"""

from __future__ import annotations

import sympy as sp

from .catalog import get_target
from .functions import S, c, i, j, k, log_softmax, q, sigmoid, smoothed, softmax, y, z
from .indexed import (case, chain_rule_through_sigmoid, differentiate, evaluate_derivatives,
                      linearity, log_of_softmax, merge_cases, quotient_rule, ranges_of,
                      recognise_sigmoid, recognise_softmax_outputs, split_sums, sum_delta)
from .rewrite import apply_assumption, tidy
from .steps import Step

__all__ = ["route", "ROUTES"]


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


ROUTES = {
    "softmax-jacobian": _softmax_jacobian,
    "log-softmax-jacobian": _log_softmax_jacobian,
    "cross-entropy-grad": _cross_entropy_grad,
    "softmax-cross-entropy-grad": _softmax_cross_entropy_grad,
    "sparse-softmax-cross-entropy-grad": _sparse_softmax_cross_entropy_grad,
    "temperature-softmax-jacobian": _temperature_softmax_jacobian,
    "label-smoothing-cross-entropy-grad": _softmax_cross_entropy_grad,
    "sigmoid-binary-cross-entropy-grad": _sigmoid_binary_cross_entropy_grad,
}


def route(name: str, problem, n) -> list[Step]:
    """The unchecked steps of target ``name`` for ``n`` classes (concrete or symbolic)."""
    return ROUTES[name](problem, n)
