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

from .catalog import Problem
from .functions import instantiate

__all__ = ["MatrixTerm", "MatrixForm", "matrix_form", "common_factor"]


@dataclass(frozen=True)
class MatrixTerm:
    """One term: ``coeff·diag(left)``, ``coeff·left rightᵀ``, ``coeff·left`` or ``coeff·e_c``.

    ``left`` and ``right`` are element expressions in the form's ``index`` (``S[i]``,
    ``y[i]/S[i]``, ``1`` for the all-ones vector).
    """

    kind: str  # "diag" | "outer" | "vector" | "onehot"
    coeff: sp.Expr
    left: sp.Expr | None
    right: sp.Expr | None = None


@dataclass(frozen=True)
class MatrixForm:
    """A sum of :class:`MatrixTerm` in one element index; ``None`` terms when unavailable."""

    terms: tuple[MatrixTerm, ...]
    index: sp.Symbol
    label: sp.Symbol | None  # the class index c of a one-hot vector e_c, if any
    is_matrix: bool

    def explicit(self, n: int, label: int | None = None) -> sp.Matrix:
        """The concrete N×N matrix (or N×1 vector, for label value ``label``).

        >>> from derive.functions import S, i
        >>> MatrixForm((MatrixTerm("diag", 1, S[i]),), i, None, True).explicit(2)
        Matrix([
        [S_1,   0],
        [  0, S_2]])
        """
        def vec(element: sp.Expr) -> sp.Matrix:
            return sp.Matrix([instantiate(sp.sympify(element).subs(self.index, m), n)
                              for m in range(1, n + 1)])

        total = sp.zeros(n, n) if self.is_matrix else sp.zeros(n, 1)
        for t in self.terms:
            coeff = instantiate(sp.sympify(t.coeff).subs(self.label, label) if self.label
                                else sp.sympify(t.coeff), n)
            if t.kind == "diag":
                total += coeff * sp.diag(*vec(t.left))
            elif t.kind == "outer":
                total += coeff * vec(t.left) * vec(t.right).T
            elif t.kind == "vector":
                total += coeff * vec(t.left)
            else:  # onehot
                total += coeff * sp.Matrix([int(m == label) for m in range(1, n + 1)])
        return total


def matrix_form(expr: sp.Expr, problem: Problem) -> MatrixForm | None:
    """The matrix (Jacobian) or vector (gradient) notation of an index form.

    Returns ``None`` when a term does not fit the rules (a factor that mixes both
    indices other than a Kronecker delta).
    """
    jacobian = problem.output_index is not None and problem.name.has(problem.output_index)
    label = problem.output_index if not jacobian else None
    row = problem.output_index if jacobian else problem.wrt_index
    col = problem.wrt_index
    terms = []
    for term in sp.Add.make_args(sp.expand(expr)):
        coeff, left, right, delta = sp.Integer(1), sp.Integer(1), sp.Integer(1), None
        for factor in sp.Mul.make_args(term):
            if isinstance(factor, sp.KroneckerDelta) and delta is None:
                delta = factor
            elif factor.has(row) and factor.has(col) and row != col:
                return None
            elif factor.has(row):
                left *= factor
            elif factor.has(col) and jacobian:
                right *= factor
            else:
                coeff *= factor
        if not jacobian:
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
    return MatrixForm(tuple(terms), row, label, jacobian)


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
