"""Recognising named functions in a derivative: the softmax outputs (``e^{u_x}/Σ_m e^{u_m}``
is ``S_x``; each row sums to one), the sigmoid (``e^{a} = σ(a)/(1 − σ(a))``) and the
quantity itself (``tanh(…)`` is ``h_i``, ``Σ_k S_k log S_k`` is ``−H``): the rules of
:mod:`derive.calculus.strategy` that put the names of a definition back into a result.

>>> from derive.read.definition import read_definition
>>> from derive.functions import z, j
>>> d = read_definition("h_i = tanh(z_i)")
>>> recognise_output(1 - sp.tanh(z[j]) ** 2, d)
1 - h[j]**2
"""

from __future__ import annotations

from functools import partial

import sympy as sp

from ..functions import sigmoid, softplus
from .indexed import split_sums
from .rewrite import exponentials_as_products

__all__ = ["recognise_output", "recognise_softmax_of", "sums_to_one", "sigmoid_arguments",
           "recognise_sigmoid_of", "written_out_left", "template", "occurrence"]

# Expanded without splitting e^{a + b} into e^a e^b: an exponential stays whole until it
# has been recognised.
_expand = partial(sp.expand, power_exp=False)


def recognise_output(expr: sp.Expr, definition) -> sp.Expr:
    """The definition's own right side, where it stands in the result, by its name:
    ``tanh(b_j + Σ_r W_jr x_r)`` is ``h_j``, ``Σ_k S_k log S_k`` is ``−H``."""
    output = definition.output
    if output is not None:
        x = sp.Wild("x")
        pattern = output.body.xreplace({output.index: x})
        return expr.replace(pattern, output.family[x]) if expr.has(
            *[f.func for f in output.body.atoms(sp.Function)] or [sp.Sum]) else expr
    if isinstance(definition.name, sp.Symbol):
        coeff, total = definition.body.as_coeff_Mul()
        if isinstance(total, sp.Sum) and len(total.limits) == 1 and coeff != 0:
            (bound, low, high), = total.limits

            def same(e: sp.Expr) -> bool:
                if not isinstance(e, sp.Sum) or len(e.limits) != 1:
                    return False
                (b, lo, hi), = e.limits
                return (lo, hi) == (low, high) and \
                    e.function.xreplace({b: bound}) == total.function
            return expr.replace(same, lambda e: definition.name / coeff)
    return expr


def recognise_softmax_of(expr: sp.Expr, item, n) -> sp.Expr:
    """``e^{u_x}/Σ_m e^{u_m}`` ↦ ``S_x`` where the quotient stands whole: each denominator
    (one per row ``a`` of a softmax of rows, ``Σ_m e^{u_am}``) becomes a placeholder, every
    ``e^{u_ax}`` becomes ``S_ax`` times it, and the rewrite is kept only where the
    placeholders cancel (terms that are not of that form, such as ``λ z_j``, stay)."""
    argument = item.argument
    if not expr.has(argument) or not expr.has(sp.Sum):
        return expr
    placeholders: dict[tuple, sp.Dummy] = {}

    def placeholder(e: sp.Sum) -> sp.Dummy:
        row = _denominator_row(e, item, n)
        if row not in placeholders:
            placeholders[row] = sp.Dummy("D", positive=True)
        return placeholders[row]

    replaced = expr.replace(lambda e: _denominator_row(e, item, n) is not None, placeholder)
    if not placeholders:
        return expr

    def output_of(term: sp.Expr):
        if isinstance(term, sp.Indexed) and term.base == argument and \
                tuple(term.indices[:-1]) in placeholders:
            return item.family[term.indices] * placeholders[tuple(term.indices[:-1])]
        return None

    back = {d: _denominator(item, n, row) for row, d in placeholders.items()}
    out = sp.Integer(0)
    for term in sp.Add.make_args(_expand(split_sums(replaced))):
        if not term.has(*back):
            out += term
            continue
        rewritten = sp.cancel(exponentials_as_products(term, output_of))
        out += rewritten if not rewritten.has(*back) else term.xreplace(back)
    return _expand(out)


def _denominator_row(e: sp.Expr, item, n) -> tuple | None:
    """The row ``a`` of a softmax's denominator ``Σ_m e^{u_am}`` (``()`` without rows),
    or ``None`` for anything else."""
    if not isinstance(e, sp.Sum) or len(e.limits) != 1 or not isinstance(e.function, sp.exp):
        return None
    (bound, low, high), = e.limits
    inside = e.function.args[0]
    if (low, high) != (1, n) or not isinstance(inside, sp.Indexed) or \
            inside.base != item.argument or inside.indices[-1] != bound or \
            len(inside.indices) != len(item.rows) + 1:
        return None
    row = tuple(inside.indices[:-1])
    return None if any(r.has(bound) for r in row) else row


def _denominator(item, n, row: tuple = ()) -> sp.Expr:
    m = sp.Dummy("m", integer=True, positive=True)
    return sp.Sum(sp.exp(item.argument[(*row, m)]), (m, 1, n))


def sums_to_one(expr: sp.Expr, item, n) -> sp.Expr:
    """``Σ_{m=1}^{N} S_am = 1``: each row of a softmax is a probability vector — also as
    the innermost sum of several (``Σ_k Σ_l S_kl = Σ_k 1``).

    >>> from derive.read.definition import read_definition
    >>> from derive.functions import k, l
    >>> batch = read_definition("L = Σ_{n=1}^{m} Σ_k Y_nk log(softmax(Z_n)_k)")
    >>> N = sp.Symbol("N", integer=True, positive=True)
    >>> sums_to_one(sp.Sum(batch.defined[0].family[k, l], (l, 1, N), (k, 1, N)),
    ...             batch.defined[0], N)
    Sum(1, (k, 1, N))
    """
    def full(e: sp.Expr) -> bool:
        if not isinstance(e, sp.Sum):
            return False
        bound, low, high = e.limits[0]   # the innermost
        f = e.function
        return ((low, high) == (1, n) and isinstance(f, sp.Indexed) and f.base == item.family
                and f.indices[-1] == bound and len(f.indices) == len(item.rows) + 1
                and not any(r.has(bound) for r in f.indices[:-1]))

    return expr.replace(full, lambda e: sp.Sum(sp.Integer(1), *e.limits[1:])
                        if len(e.limits) > 1 else sp.Integer(1))


def sigmoid_arguments(definition) -> list[sp.Expr]:
    exprs = [definition.body, *(x.body for x in definition.defined)]
    found = []
    for e in exprs:
        for f in e.atoms(sigmoid, softplus):
            if f.args[0] not in found:
                found.append(f.args[0])
    return found


def recognise_sigmoid_of(expr: sp.Expr, arguments) -> sp.Expr:
    """``e^{a}`` ↦ ``σ(a)/(1 − σ(a))`` for each argument ``a`` of a σ or softplus of the
    definition, with any indices (``σ(z_k)`` gives ``e^{z_j}``) and also when ``a`` has
    several terms, then cancelled; kept only when no exponential of such an ``a`` remains."""
    if not expr.has(sp.exp):
        return expr
    templates = [template(a) for a in arguments]

    def split(e: sp.exp) -> sp.Expr:
        rest = dict(_expand(e.args[0]).as_coefficients_dict())
        product = sp.Integer(1)
        for terms in templates:
            found = occurrence(rest, terms)
            while found is not None:
                a, multiple = found
                for t, c in sp.expand(a).as_coefficients_dict().items():
                    rest[t] -= multiple * c
                    if rest[t] == 0:
                        del rest[t]
                s = sigmoid(a)
                product *= (s / (1 - s)) ** multiple
                found = occurrence(rest, terms)
        return product * sp.exp(sp.Add(*(c * t for t, c in rest.items())))

    replaced = sp.cancel(sp.together(expr.replace(lambda e: isinstance(e, sp.exp), split)))
    for f in replaced.atoms(sp.exp):
        terms = dict(_expand(f.args[0]).as_coefficients_dict())
        if any(occurrence(terms, t) is not None for t in templates):
            return expr
    return _expand(replaced)


def template(argument: sp.Expr) -> dict:
    """The terms of ``argument`` with its free index symbols as wildcards."""
    bound = {b for s in argument.atoms(sp.Sum) for b, *_ in s.limits}
    indices = {s for a in argument.atoms(sp.Indexed) for s in a.indices
               if s.is_Symbol and s not in bound}
    wild = {s: sp.Wild(f"w_{s}") for s in indices}
    return {t.xreplace(wild): c for t, c in sp.expand(argument).as_coefficients_dict().items()}


def occurrence(terms: dict, template: dict):
    """An instance ``a`` of ``template`` among ``terms`` and the integer multiple of it
    they contain, or ``None``."""
    (first, coeff), *others = template.items()
    for term, value in terms.items():
        match = term.match(first) if first.has(sp.Wild) else ({} if term == first else None)
        if match is None:
            continue
        multiple = value / coeff
        if not multiple.is_Integer:
            continue
        instance = {t.xreplace(match): c for t, c in template.items()}
        if any(t.has(sp.Wild) for t in instance):
            continue
        if all(terms.get(t) == multiple * c for t, c in instance.items()):
            return sp.Add(*(c * t for t, c in instance.items())), multiple
    return None


def written_out_left(expr: sp.Expr, softmaxes, n) -> bool:
    """Whether an exponential of a softmax's argument, or its denominator, remains."""
    return any(any(isinstance(f.args[0], sp.Indexed) and f.args[0].base == x.argument
                   for f in expr.atoms(sp.exp))
               or any(_denominator_row(s, x, n) is not None for s in expr.atoms(sp.Sum))
               for x in softmaxes)
