"""Proof for every N: both sides of an identity reduced to one normal form by named rules.

For a symbolic number of classes ``N`` nothing can be expanded entry by entry.  Instead
:func:`reduce` brings an index-notation expression (a mechanical derivative, or one step of
a derivation) to a normal form with the rules of :mod:`derive.calculus.indexed` only:

1. ``split-sums``       — sums split over ``+``, factors free of the bound index pulled out;
2. ``sum-delta``        — ``Σ_k δ_kx f(k) = f(x)``, recording ``1 ≤ x ≤ N``;
   ``separate-sums``     — ``Σ_k Σ_l f(k) g(l) = (Σ_k f(k)) (Σ_l g(l))``;
3. ``softmax-sums-to-one`` — ``Σ_k S_k = 1`` (when S is the softmax of z);
4. ``definition``       — ``S_x`` becomes ``e^{z_x}/Σ_k e^{z_k}``;
5. ``differentiate``    — every ``Derivative`` is evaluated (SymPy's ``Indexed`` calculus),
   then 1–2 again;
6. ``recognise-softmax``— ``e^{z_x}/Σ_k e^{z_k}`` becomes ``S_x`` again, exactly;
7. ``case`` / ``delta-substitution`` — a case ``i = j`` or ``i ≠ j``; ``δ_ij f(j) = δ_ij f(i)``;
8. ``assumption``       — a stated hypothesis such as ``Σ_k y_k = 1``.

Two expressions with equal normal forms are equal for every N in which the recorded
conditions hold: each rule is an identity under them.  The rules are exact, so no
sampling is involved; the numeric checks at concrete N (:mod:`derive.derivation`) are a
second, independent line of defence against a wrong rule.

>>> from derive.catalog import get_target
>>> from derive.functions import z, j
>>> N = sp.Symbol("N", integer=True, positive=True)
>>> problem = get_target("softmax-jacobian").problem(N)
>>> r = reduce(sp.diff(problem.function, z[j]), problem)
>>> r.expr
KroneckerDelta(i, j)*S[i] - S[i]*S[j]
>>> [str(c.index) for c in r.conditions], r.rules
(['j'], ('sum-delta', 'recognise-softmax'))
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..catalog import _layer_logits
from ..errors import StepError
from ..functions import S, logit, sigmoid, softmax
from .indexed import (Condition, case, delta_substitution, evaluate_derivatives, ranges_for,
                      recognise_row_softmax, recognise_sigmoid, recognise_softmax_outputs,
                      separate_sums, smoothed_labels_defined, softmax_sums_to_one, split_sums,
                      sum_delta)
from .rewrite import apply_assumption

__all__ = ["Reduction", "Proof", "reduce", "closed_form_problem", "prove_steps",
           "same_normal_form"]


@dataclass(frozen=True)
class Reduction:
    """A normal form, the rules that changed something on the way, the conditions used."""

    expr: sp.Expr
    rules: tuple[str, ...]
    conditions: tuple[Condition, ...]


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


def reduce(expr: sp.Expr, problem, case_: tuple | None = None, assumptions=()) -> Reduction:
    """The normal form of ``expr`` under the rules listed in the module docstring.

    Args:
        expr: an expression in index notation for ``problem`` (with ``Derivative``\\ s,
            sums, Kronecker deltas, ``S_x`` and ``z_x``).
        problem: the :class:`~derive.catalog.Problem`, which gives N, the free indices and
            whether ``S`` stands for ``softmax(z)``.
        case_: ``(p, q, equal)`` to reduce the case ``p = q`` or ``p ≠ q`` only.
        assumptions: hypotheses to apply at the end.

    Raises:
        RewriteError: when the softmax outputs cannot be recognised.
    """
    n, order = problem.classes, problem.indices
    ranges = ranges_for(problem)
    rules: list[str] = []
    used: list[Condition] = []

    def apply(rule: str, f, e: sp.Expr) -> sp.Expr:
        out = f(e)
        if out != e and rule not in rules:
            rules.append(rule)
        return out

    def sums(e: sp.Expr) -> sp.Expr:
        # Splitting may expose new deltas and picking new sums: repeat to a fixpoint.
        for _ in range(8):
            before = e
            e = apply("split-sums", lambda x: split_sums(sp.expand(x)), e)
            e = apply("sum-delta", lambda x: sum_delta(x, ranges, used), e)
            e = apply("separate-sums", separate_sums, e)
            if e == before:
                break
        return e

    e = expr
    if problem.sigmoid_of is not None:   # σ(x) = 1/(1 + e^{−x}), written out
        e = apply("definition", lambda x: x.rewrite(sigmoid, sp.exp) if x.has(sigmoid) else x, e)
    if problem.smoothing is not None:
        e = apply("definition", lambda x: smoothed_labels_defined(x, problem), e)
    if problem.batch:
        # A batch: S_ab is the softmax of row a of Z; differentiate, sum out the deltas,
        # and recognise each row's softmax again.
        from ..catalog import row_softmax
        from ..functions import Z
        e = apply("definition", lambda x: x.replace(
            lambda a: isinstance(a, sp.Indexed) and a.base == S,
            lambda a: row_softmax(Z, *a.indices, n)), e)
        e = sums(apply("differentiate", evaluate_derivatives, e))
        e = apply("recognise-softmax", lambda x: recognise_row_softmax(x, Z, S, n), e)
        e = sums(e)
        for assumption in assumptions:
            e = apply("assumption", lambda x: sp.expand(apply_assumption(x, assumption)), e)
        return Reduction(sp.expand(sums(e)), tuple(rules), tuple(used))
    if problem.convention is not None:
        # A layer: S_x is the softmax of z, z_x is Σ_r W x_r + b_x; differentiate; then the
        # layer's Σ_r W x_r + b_x is z_x again.  Nothing is expanded before that, since
        # expanding would write e^{b + Σ_r …} as a product.
        e = apply("definition", lambda x: _softmax_defined(x, problem.softmax_of, n), e)
        e = apply("definition", lambda x: _layer_logits(x, problem.extent("D"),
                                                        problem.convention), e)
        e = apply("differentiate", evaluate_derivatives, e)
        e = apply("layer-logits", lambda x: _logits_of_layer(x, problem), e)
    elif problem.softmax_of is not None:
        # Σ_k S_k = 1 where the softmax outputs are summed as written, before S is defined.
        e = apply("softmax-sums-to-one", lambda x: softmax_sums_to_one(x, S, n), sums(e))
        e = apply("definition", lambda x: _softmax_defined(x, problem.softmax_of, n,
                                                           problem.temperature), e)
    e = sums(apply("differentiate", evaluate_derivatives, e))
    if problem.softmax_of is not None:
        e = apply("recognise-softmax",
                  lambda x: recognise_softmax_outputs(x, problem.softmax_of, S, n,
                                                      problem.temperature), e)
        e = apply("softmax-sums-to-one", lambda x: softmax_sums_to_one(x, S, n), e)
    if problem.sigmoid_of is not None:
        e = apply("recognise-sigmoid", recognise_sigmoid, e)
    e = apply("delta-substitution", lambda x: delta_substitution(x, order), e)
    if case_ is not None:
        p, q, equal = case_
        e = apply("case", lambda x: delta_substitution(case(x, p, q, equal), order), e)
    for assumption in assumptions:
        e = apply("assumption", lambda x: sp.expand(apply_assumption(x, assumption)), e)
    return Reduction(sp.expand(e), tuple(rules), tuple(used))


def _logits_of_layer(expr: sp.Expr, problem) -> sp.Expr:
    """``b_x + Σ_r W_xr x_r`` ↦ ``z_x`` wherever it stands (the bound index of the sum may
    have any name)."""
    from ..functions import W, b, x, z

    def logit_index(e: sp.Expr):
        if not isinstance(e, sp.Add) or len(e.args) != 2:
            return None
        bias = [a for a in e.args if isinstance(a, sp.Indexed) and a.base == b]
        total = [a for a in e.args if isinstance(a, sp.Sum)]
        if len(bias) != 1 or len(total) != 1 or len(total[0].limits) != 1:
            return None
        (bound, low, high), = total[0].limits
        index = bias[0].indices[0]
        weight = W[index, bound] if problem.convention == "Wx" else W[bound, index]
        if (low, high) == (1, problem.extent("D")) and total[0].function == weight * x[bound]:
            return index
        return None

    def renamed(e: sp.Expr) -> sp.Expr | None:
        # e^{−(b_x + Σ_r …)} comes from 1/e^{b_x + Σ_r …}: the negated form too.
        for sign in (1, -1):
            index = logit_index(sign * e) if isinstance(e, sp.Add) else None
            if index is not None:
                return sign * z[index]
        return None

    return expr.replace(lambda e: renamed(e) is not None, renamed)


def _softmax_defined(expr: sp.Expr, logits: sp.IndexedBase, n, temperature=None) -> sp.Expr:
    """Every ``S_x`` written out as ``e^{z_x}/Σ e^{z_m}`` (the bound index a fresh dummy)."""
    def define(a: sp.Indexed) -> sp.Expr:
        bound = sp.Dummy("m", integer=True, positive=True)
        top, _bottom = sp.fraction(softmax(logits, a.indices[0], n, temperature))
        return top / sp.Sum(sp.exp(logit(logits, bound, temperature)), (bound, 1, n))

    return expr.replace(lambda a: isinstance(a, sp.Indexed) and a.base == S, define)


def closed_form_problem(expr: sp.Expr, problem) -> str | None:
    """Why ``expr`` is not yet in closed form, or ``None`` when it is.

    A closed form has no derivatives, no logits where ``S`` stands for the softmax, and
    no sums other than full sums ``Σ_{k=1}^{N}`` of one family (``Σ_k y_k``, which an
    assumption may fix).
    """
    if expr.has(sp.Derivative):
        return "a derivative remains"
    if problem.softmax_of is not None and expr.has(problem.softmax_of):
        return f"the logits {problem.softmax_of} remain"
    if problem.sigmoid_of is not None and expr.has(sp.exp):
        return "an exponential remains"
    for s in expr.atoms(sp.Sum):
        if len(s.limits) != 1:
            return f"the multiple sum {sp.sstr(s)} remains"
        (bound, low, high), = s.limits
        if (problem.convention is not None and low == 1 and high == problem.classes
                and not s.function.has(sp.Sum, sp.Derivative, sp.exp)):
            continue   # Σ_k W_kj S_k: a matrix-vector product
        if problem.batch and low == 1 and high == problem.classes and isinstance(
                s.function, sp.Indexed) and s.function.indices[-1] == bound:
            continue   # Σ_k Y_ik: the labels of one example
        if not (low == 1 and high == problem.classes and isinstance(s.function, sp.Indexed)
                and s.function.indices == (bound,)):
            return f"the sum {sp.sstr(s)} remains"
    return None



def prove_steps(steps, problem, mechanical: sp.Expr, truths: dict | None = None) -> list:
    """Prove each step equal to the mechanical derivative: equal normal forms.

    A case step is compared with the derivative in that case, a step with assumptions
    under them.  ``truths`` keeps the derivative's normal forms by (case, assumptions)
    across calls (the steps and the shortcut of one target).  Returns the steps
    unchanged.

    Raises:
        StepError: naming the first step whose normal form differs, with both forms.
    """
    out, truths = [], {} if truths is None else truths
    for number, step in enumerate(steps, start=1):
        claim = reduce(step.rhs, problem, step.case, step.assumes)
        key = (step.case, step.assumes)  # the derivative's normal form, once per case
        if key not in truths:
            truths[key] = reduce(mechanical, problem, step.case, step.assumes)
        truth = truths[key]
        if not same_normal_form(claim.expr, truth.expr):
            raise StepError(f"step {number} ({step.reason}) does not follow for every "
                            f"{problem.classes}: it reduces to {sp.sstr(claim.expr)} but the "
                            f"derivative reduces to {sp.sstr(truth.expr)}")
        out.append(step)
    return out


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
