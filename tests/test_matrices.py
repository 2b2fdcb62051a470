"""Matrix and vector notation: the terms found, and their exact instantiation."""

import pytest
import sympy as sp

from derive import derivation
from derive.functions import S, c, i, j, y
from derive.calculus.matrices import MatrixForm, MatrixTerm, matrix_form
from derive.catalog import get_target


@pytest.mark.parametrize("name, terms", [
    ("softmax-jacobian", {("diag", 1, S[i], None), ("outer", -1, S[i], S[i])}),
    ("log-softmax-jacobian", {("diag", 1, 1, None), ("outer", -1, 1, S[i])}),
    ("cross-entropy-grad", {("vector", -1, y[j] / S[j], None)}),
    ("softmax-cross-entropy-grad", {("vector", 1, S[j], None), ("vector", -1, y[j], None)}),
    ("sparse-softmax-cross-entropy-grad", {("vector", 1, S[j], None), ("onehot", -1, None, None)}),
])
def test_terms_of_each_target(name, terms):
    form = derivation(name, 3, check=False).form
    assert {(t.kind, t.coeff, t.left, t.right) for t in form.terms} == terms


@pytest.mark.parametrize("n", [2, 3, 5])
def test_explicit_softmax_jacobian_form(n):
    form = derivation("softmax-jacobian", n, check=False).form
    s = sp.Matrix(sp.symbols(f"S_1:{n + 1}"))
    assert form.explicit(n) == sp.diag(*s) - s * s.T


def test_a_term_mixing_both_indices_has_no_matrix_form():
    problem = get_target("softmax-jacobian").problem(3)
    assert matrix_form(sp.exp(S[i] * S[j]), problem) is None


def test_onehot_needs_its_label():
    form = MatrixForm((MatrixTerm("onehot", -1, None),), j, c, False)
    assert form.explicit(3, 2) == sp.Matrix([0, -1, 0])
