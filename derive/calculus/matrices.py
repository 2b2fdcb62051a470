"""Matrix and vector notation for an index form: ``S_i(δ_ij − S_j)`` ↦ ``diag(S) − S Sᵀ``.

The translation is rule by rule on the terms of the expanded index form:

* ``c·δ_ij·f(i)·g(j)``  ↦ ``c·diag(f ⊙ g)`` (under δ_ij the index j may be read as i);
* ``c·f(i)·g(j)``       ↦ ``c·f gᵀ``, with ``𝟙`` for a missing side;
* for a gradient in j:  ``c·f(j)`` ↦ ``c·f`` and ``c·δ_jc`` ↦ ``c·e_c`` (one-hot).

A :class:`MatrixForm` is data; the renderers print it.  :meth:`MatrixForm.explicit`
instantiates it for concrete N, so that the notation is checked exactly against the entries.

>>> from derive.functions import S, i, j
>>> from derive.catalog import get_target
>>> form = matrix_form(S[i] * (sp.KroneckerDelta(i, j) - S[j]), get_target("softmax-jacobian").problem(3))
>>> [(t.kind, t.left, t.right) for t in form.terms]
[('diag', S[i], None), ('outer', S[i], S[i])]
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import reduce

import sympy as sp

from ..problem import Problem
from ..entries import Entries
from ..functions import family_symbols, instantiate
from .indexed import factors_by_index, split_sums

__all__ = ["MatrixTerm", "MatrixForm", "matrix_form", "common_factor", "layout"]


@dataclass(frozen=True)
class MatrixTerm:
    """One term: ``coeff·diag(left)``, ``coeff·left rightᵀ``, ``coeff·left``, ``coeff·e_c``,
    ``coeff·M`` for a matrix family (``kind == "matrix"``, element ``left``), or
    ``coeff·Wᵀ v`` / ``coeff·W v`` (``"matvec"``: ``right`` the matrix family W,
    ``left`` the vector element v, ``transpose`` whether W is transposed).

    ``left`` and ``right`` are element expressions in the form's ``index`` (``S[i]``,
    ``y[i]/S[i]``, ``1`` for the all-ones vector); the right side of an outer product
    runs over the form's column extent.
    """

    kind: str  # "diag" | "outer" | "vector" | "onehot" | "matrix" | "matvec"
    coeff: sp.Expr
    left: sp.Expr | None
    right: sp.Expr | None = None
    transpose: bool = False


@dataclass(frozen=True)
class MatrixForm:
    """A sum of :class:`MatrixTerm` in one element index; ``None`` terms when unavailable.

    ``extents`` are the extents of rows and columns (``("N", "D")`` for ∂L/∂W); a matrix
    element is written in ``index`` and ``column``.  ``kron``, when set, is
    ``(side, element)``: the whole form is ``form ⊗ xᵀ`` (side ``"right"``) or
    ``xᵀ ⊗ form`` (``"left"``), the Jacobian of a layer with W flattened row by row.
    """

    terms: tuple[MatrixTerm, ...]
    index: sp.Symbol
    label: sp.Symbol | None  # the class index c of a one-hot vector e_c, if any
    is_matrix: bool
    extents: tuple[str, str] = ("N", "N")
    column: sp.Symbol | None = None
    kron: tuple[str, sp.Expr] | None = None

    def explicit(self, problem, label: int | None = None) -> sp.Matrix:
        """The concrete matrix (or vector, for label value ``label``) for ``problem``'s
        sizes; ``problem`` may be a number of classes N when every extent is N.

        >>> from derive.functions import S, i
        >>> MatrixForm((MatrixTerm("diag", 1, S[i]),), i, None, True).explicit(2)
        Matrix([
        [S_1,   0],
        [  0, S_2]])
        """
        size = (lambda extent: problem) if isinstance(problem, int) else problem.extent
        n = problem if isinstance(problem, int) else problem.classes
        rows, cols = size(self.extents[0]), size(self.extents[1])

        def vec(element: sp.Expr, length: int) -> sp.Matrix:
            return sp.Matrix([instantiate(sp.sympify(element).subs(self.index, m), n)
                              for m in range(1, length + 1)])

        total = sp.zeros(rows, cols) if self.is_matrix else sp.zeros(rows, 1)
        for term in self.terms:
            coeff = instantiate(sp.sympify(term.coeff).subs(self.label, label) if self.label
                                else sp.sympify(term.coeff), n)
            if term.kind == "diag":
                total += coeff * sp.diag(*vec(term.left, rows))
            elif term.kind == "outer":
                total += coeff * vec(term.left, rows) * vec(term.right, cols).T
            elif term.kind == "vector":
                total += coeff * vec(term.left, rows)
            elif term.kind == "matrix":
                total += coeff * sp.Matrix(rows, cols, lambda a, b: instantiate(
                    term.left.subs({self.index: a + 1, self.column: b + 1}), n))
            elif term.kind == "matvec":
                shape = problem.size_of(str(term.right))
                weights = sp.Matrix(*shape, family_symbols(str(term.right), shape))
                weights = weights.T if term.transpose else weights
                total += coeff * weights * vec(term.left, weights.cols)
            else:  # onehot
                total += coeff * sp.Matrix([int(m == label) for m in range(1, rows + 1)])
        if self.kron is not None:
            side, element = self.kron
            inputs = vec(element, problem.extent("D")).T
            total = (sp.kronecker_product(total, inputs) if side == "right"
                     else sp.kronecker_product(inputs, total))
        return total


def matrix_form(expr: sp.Expr, problem: Problem) -> MatrixForm | None:
    """The matrix (Jacobian) or vector (gradient) notation of an index form.

    Returns ``None`` when a term does not fit the rules (a factor that mixes both
    indices other than a Kronecker delta).
    """
    jacobian = problem.output_index is not None and problem.name.has(problem.output_index)
    if jacobian and len(problem.wrt_indices) == 2:
        return _layer_jacobian(expr, problem)
    if not jacobian and len(problem.wrt_indices) == 2:
        return _matrix_gradient(expr, problem)
    form = _index_form(expr, problem, jacobian)
    if form is None and expr.has(sp.Sum):
        # Σ_r (A_jr + A_rj) x_r: one matrix per sum, A x + Aᵀ x, and the like grouped.
        form = _index_form(split_sums(sp.expand(expr)), problem, jacobian)
    return form


def _index_form(expr: sp.Expr, problem: Problem, jacobian: bool) -> MatrixForm | None:
    label = problem.output_index if not jacobian else None
    row = problem.output_index if jacobian else problem.wrt_index
    col = problem.wrt_index
    terms = []
    for term in sp.Add.make_args(sp.expand(expr)):
        coeff, left, right, delta = sp.Integer(1), sp.Integer(1), sp.Integer(1), None
        product = None
        for factor in sp.Mul.make_args(term):
            if isinstance(factor, sp.KroneckerDelta) and delta is None:
                delta = factor
            elif (isinstance(factor, sp.Sum) and factor.has(row) and not jacobian
                  and product is None):
                product = _matrix_vector(factor, row)
                if product is None:
                    return None
            elif factor.has(row) and factor.has(col) and row != col:
                return None
            elif factor.has(row):
                left *= factor
            elif factor.has(col) and jacobian:
                right *= factor
            else:
                coeff *= factor
        if product is not None:
            if delta is not None or left != 1:
                return None
            terms.append(replace(product, coeff=coeff * product.coeff))
        elif not jacobian:
            if delta is not None:
                if set(delta.args) != {row, label}:
                    return None
                terms.append(MatrixTerm("onehot", coeff * left.subs(row, label), None))
            else:
                terms.append(MatrixTerm("vector", coeff, left))
        elif delta is not None:
            if set(delta.args) != {row, col}:
                return None
            terms.append(MatrixTerm("diag", coeff, left * right.subs(col, row)))
        else:
            terms.append(MatrixTerm("outer", coeff, left, right.subs(col, row)))
    extent = problem.range_of(row)
    return MatrixForm(_grouped(tuple(terms)), row, label, jacobian, extents=(extent, extent))


def _matrix_vector(total: sp.Sum, row: sp.Symbol) -> MatrixTerm | None:
    """``Σ_k W_kj v_k`` ↦ ``Wᵀ v`` and ``Σ_k W_jk v_k`` ↦ ``W v`` (``v`` in the index j)."""
    (bound, _low, _high), = total.limits
    weights = [f for f in sp.Mul.make_args(total.function)
               if isinstance(f, sp.Indexed) and len(f.indices) == 2]
    if len(weights) != 1 or set(weights[0].indices) != {bound, row}:
        return None
    rest = total.function / weights[0]
    if rest.has(row):
        return None
    number, rest = sp.expand(rest).as_coeff_Mul()   # Σ_r A_jr x_r/2: ½ A x
    return MatrixTerm("matvec", number, rest.subs(bound, row),
                      weights[0].base, transpose=weights[0].indices[0] == bound)


def _matrix_gradient(expr: sp.Expr, problem: Problem) -> MatrixForm | None:
    """∂L/∂W_ij or ∂L/∂Z_ij: outer products ``f gᵀ`` and matrix families (``S − Y``)."""
    row, col = problem.wrt_indices
    terms = []
    for term in sp.Add.make_args(sp.expand(expr)):
        coeff, left, right, both = factors_by_index(term, row, col)
        if any(not (isinstance(f, sp.Indexed) and f.indices == (row, col)) for f in both):
            return None
        if both:
            if left != 1 or right != 1:
                return None
            terms.append(MatrixTerm("matrix", coeff, sp.Mul(*both)))
        else:
            terms.append(MatrixTerm("outer", coeff, left, right.subs(col, row)))
    extents = (problem.range_of(row), problem.range_of(col))
    return MatrixForm(_grouped(tuple(terms)), row, None, True, extents=extents, column=col)


def _grouped(terms: tuple[MatrixTerm, ...]) -> tuple[MatrixTerm, ...]:
    """Outer products with one side in common, written once: ``(S − y) xᵀ``; matrix-vector
    products with one matrix: ``Wᵀ(S − y)``."""
    out: list[MatrixTerm] = []
    for term in terms:
        if term.kind == "outer":
            for position, seen in enumerate(out):
                if seen.kind == "outer" and seen.right == term.right and seen.right != 1:
                    out[position] = replace(seen, coeff=sp.Integer(1),
                                            left=seen.coeff * seen.left + term.coeff * term.left)
                    break
                if seen.kind == "outer" and seen.left == term.left and seen.left != 1:
                    out[position] = replace(seen, coeff=sp.Integer(1),
                                            right=seen.coeff * seen.right + term.coeff * term.right)
                    break
            else:
                out.append(term)
        elif term.kind == "matvec":
            for position, seen in enumerate(out):
                if (seen.kind, seen.right, seen.transpose) == ("matvec", term.right,
                                                                term.transpose):
                    out[position] = replace(seen, coeff=sp.Integer(1),
                                            left=seen.coeff * seen.left + term.coeff * term.left)
                    break
            else:
                out.append(term)
        else:
            out.append(term)
    return tuple(out)


def _layer_jacobian(expr: sp.Expr, problem: Problem) -> MatrixForm | None:
    """∂S_t/∂W_ij = S_t(δ_ti − S_i) x_j ↦ ``(diag(S) − S Sᵀ) ⊗ xᵀ``: the input factor,
    the same in every term, is taken out as a Kronecker product."""
    first, second = problem.wrt_indices
    classes = first if problem.range_of(first) == "N" else second
    inputs = second if classes == first else first
    factors = set()
    inner = []
    for term in sp.Add.make_args(sp.expand(expr)):
        outside = sp.Mul(*[f for f in sp.Mul.make_args(term) if f.has(inputs)])
        factors.add(outside)
        inner.append(term / outside)
    if len(factors) != 1:
        return None
    column = replace(problem, wrt_index=classes, output_index=problem.output_index)
    form = matrix_form(sp.Add(*inner), column)
    if form is None:
        return None
    element = factors.pop().subs(inputs, form.index)
    return replace(form, kron=("right" if classes == first else "left", element))


def common_factor(form: MatrixForm) -> tuple[sp.Expr, MatrixForm]:
    """A symbolic factor shared by every term, and the form without it, so that
    ``1/T diag(S) − 1/T S Sᵀ`` can be printed ``(diag(S) − S Sᵀ)/T``.

    >>> from derive.functions import S, T, i
    >>> form = MatrixForm((MatrixTerm("diag", 1/T, S[i]), MatrixTerm("outer", -1/T, S[i], S[i])), i, None, True)
    >>> factor, rest = common_factor(form)
    >>> factor, [t.coeff for t in rest.terms]
    (1/T, [1, -1])
    """
    coefficients = [sp.sympify(t.coeff) for t in form.terms]
    if len(coefficients) < 2:
        return sp.Integer(1), form
    shared = reduce(sp.gcd, coefficients).as_coeff_Mul()[1]
    if shared == 1:
        return sp.Integer(1), form
    terms = tuple(replace(t, coeff=sp.cancel(sp.sympify(t.coeff) / shared)) for t in form.terms)
    return shared, replace(form, terms=terms)


def layout(matrix: sp.MatrixBase, problem: Problem) -> sp.Matrix:
    """The derivative as it is printed: a layer's gradient shaped like its variable (the
    N × D matrix of ∂L/∂W_ij, the column ∂L/∂x), the other gradients as one row of their
    entries, a Jacobian with rows = outputs."""
    shape = problem.size_of(str(problem.wrt))
    if not isinstance(matrix, Entries):   # a view of Entries builds nothing
        matrix = sp.Matrix(matrix)
    if problem.output_index is None and len(shape) == 2:
        return matrix.reshape(*shape)
    if problem.output_index is None and problem.sizes:
        return matrix.T   # a layer's ∂L/∂x, ∂L/∂b: a column, like x and b
    return matrix   # the lone softmax's gradients: one row of N short entries
