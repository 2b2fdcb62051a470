"""A second derivative as a first derivative of the first: the gradient of a scalar,
derived by the one strategy, becomes a definition of its own, which the same strategy
differentiates again.

The gradient is taken in its *general* form (before any assumption such as
``Σ_k y_k = 1``): an assumption about the labels is a fact at a point, not an identity
that may be differentiated, so the second derivative of the general form is the true one
and the assumption is applied to it afterwards.  The gradient keeps the definition's
intermediates (``S = softmax(z)``): its derivative goes through their definitions, as
the first did.

>>> from derive.read.definition import read_definition
>>> from derive.calculus.strategy import derive_definition
>>> loss = read_definition("L = -Σ_k y_k log(softmax(z)_k)")
>>> first = derive_definition(loss, "z")
>>> g = gradient_definition(loss, first.variable, first.general)
>>> g.name, g.outputs, g.body
(Derivative(L, z[i]), (i,), S[i]*Sum(y[k], (k, 1, N)) - y[i])
>>> derive_definition(g, "z").general
(KroneckerDelta(i, j) - S[j])*S[i]*Sum(y[k], (k, 1, N))
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy as sp

from ..errors import InputError
from ..read.defined import Definition

__all__ = ["gradient_definition", "second_variables", "gradient_index", "Symmetry",
           "HessianVectorProduct", "hessian_vector_product"]

_INDEX = sp.Symbol("i", integer=True, positive=True)


@dataclass(frozen=True)
class Symmetry:
    """That a second derivative with respect to one variable twice is symmetric,
    ``∂²L/∂z_i∂z_j = ∂²L/∂z_j∂z_i``, and how that was checked.

    Attributes:
        proved: the result and its transpose (``i`` and ``j`` exchanged) reduce to one
            normal form by the rules: for every N.
        sizes: the N at which every entry of the transpose was also compared exactly with
            the derivative (independently of the rules).
        entries: how many entries that was, in all.
    """

    proved: bool
    sizes: tuple[int, ...]
    entries: int


@dataclass(frozen=True)
class HessianVectorProduct:
    """``(H v)_i = Σ_j H_ij v_j`` for a vector ``v``, brought by the rules (linearity of the
    sum, the Kronecker delta picks one term) to a form that costs O(N) per product where
    the matrix costs O(N²): ``S_i v_i − S_i Σ_j S_j v_j`` for ``diag(S) − S Sᵀ``.

    Attributes:
        vector: the family ``v``.
        value: the product's entry ``i``, in the rows' index.
        sizes: the N at which every entry was compared exactly with ``Σ_j H_ij v_j``
            written out (an identity of polynomials in the entries).
        entries: how many entries that was.
    """

    vector: sp.IndexedBase
    value: sp.Expr
    sizes: tuple[int, ...]
    entries: int
    form: object = None   # its vector notation (a MatrixForm), when it has one


def hessian_vector_product(result: sp.Expr, definition: Definition, row: sp.Symbol,
                           column: sp.Symbol, sizes=(1, 2, 3)) -> HessianVectorProduct:
    """``Σ_j H_ij v_j`` for the second derivative ``result`` (rows ``row``, columns
    ``column`` over the classes), reduced by the rules, and checked exactly at ``sizes``.

    >>> from derive.read.definition import read_definition
    >>> S, v = sp.IndexedBase("S"), sp.IndexedBase("v")
    >>> i, j = (sp.Symbol(c, integer=True, positive=True) for c in "ij")
    >>> d = read_definition("L = logsumexp(z)")
    >>> hessian_vector_product(S[i] * (sp.KroneckerDelta(i, j) - S[j]), d, i, j).value
    (v[i] - Sum(S[j]*v[j], (j, 1, N)))*S[i]
    """
    from ..errors import StepError
    from ..functions import instantiate
    from ..read.defined import CLASSES
    from .indexed import ranges_of, split_sums, sum_delta
    used = {str(s) for s in definition._symbols()} | {n for n, _ in definition.families}
    name = next(c for c in ("v", "u", "w", "p") if c not in used)
    v = sp.IndexedBase(name)
    total = sp.Sum(sp.expand(result * v[column]), (column, 1, CLASSES))
    from .rewrite import collect
    value = collect(sum_delta(split_sums(total), ranges_of((row,), CLASSES)))
    entries = 0
    for n in sizes:   # exactly, entry by entry, against the sum written out
        for a in range(1, n + 1):
            at = {row: a, CLASSES: n}
            if sp.expand(instantiate(total.xreplace(at), n)
                         - instantiate(value.xreplace(at), n)) != 0:
                raise StepError(f"the Hessian-vector product differs from Σ_j H_ij v_j at "
                                f"N = {n}, entry {a}")
            entries += 1
    return HessianVectorProduct(vector=v, value=value, sizes=tuple(sizes), entries=entries)


def second_variables(definition: Definition, wrt: tuple[str, str]) -> None:
    """Refuse a second derivative that is not a matrix: of a quantity with an output index,
    or with respect to a matrix.

    Raises:
        InputError: what would have three or four indices, and what to write instead.
    """
    if definition.outputs:
        name = f"{definition.name.base}_{''.join(map(str, definition.outputs))}"
        raise InputError(f"a second derivative is taken of a scalar (L = …); {name} has an "
                         "output index, so its second derivative would have three indices")
    for name in wrt:
        shape = dict(definition.families).get(name)
        if shape is not None and len(shape) != 1:
            raise InputError(f"a second derivative is taken with respect to vectors; {name} "
                             f"has {len(shape)} indices, so the result would have more than "
                             "two")
    first = dict(definition.families).get(wrt[0])
    if first is not None and first != ("N",):
        # The gradient becomes a definition with an output index, and outputs run over
        # the classes: ∂²L/∂x² over the inputs is not derived yet.
        raise InputError(f"the first --wrt of a second derivative runs over the classes (z, "
                         f"b, y, …); {wrt[0]} runs over the inputs D, which is not derived "
                         f"yet (--wrt {wrt[1]} --wrt {wrt[0]} differentiates in the other "
                         "order)" if wrt[1] != wrt[0] else
                         f"a second derivative with respect to {wrt[0]}, which runs over the "
                         "inputs D, is not derived yet: the variable of a Hessian runs over "
                         "the classes (z, b, y, …)")


def gradient_index(definition: Definition, variable: sp.Indexed) -> sp.Symbol:
    """The index of the gradient ``∂L/∂z_i``: ``i`` where the definition leaves it free
    (the second variable's is then ``j``, as textbooks write ``∂²L/∂z_i∂z_j``), else the
    first derivative's own."""
    used = {str(s) for s in definition._symbols()} | {name for name, _ in definition.families}
    return _INDEX if "i" not in used else variable.indices[0]


def gradient_definition(definition: Definition, variable: sp.Indexed,
                        gradient: sp.Expr) -> Definition:
    """The gradient of the scalar ``definition`` with respect to ``variable`` (``z[j]``), the
    index form ``gradient``, as a definition with one output index (see
    :func:`gradient_index`): its families, intermediates and constants those of
    ``definition``, its name the derivative ``∂L/∂z_i``."""
    (old,) = variable.indices
    index = gradient_index(definition, variable)
    body = gradient.xreplace({old: index})
    # A scalar quantity named in its own gradient (H in −S_j(log S_j + H)) is a function
    # of the variable: written out, it is differentiated too.
    if isinstance(definition.name, sp.Symbol) and body.has(definition.name):
        body = body.xreplace({definition.name: definition.body})
    extent = definition.shape(str(variable.base))[0]
    return replace(definition, text=f"∂{definition.name}/∂{variable.base}_{index} of "
                   f"{definition.text}", name=sp.Derivative(definition.name,
                                                            variable.base[index]),
                   outputs=(index,), body=body,
                   extents=tuple(sorted({**dict(definition.extents), index: extent}.items(),
                                        key=lambda kv: str(kv[0]))))
