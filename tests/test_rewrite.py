"""The rewriting rules, one by one, with the inputs that should and should not rewrite."""

import pytest
import sympy as sp

from derive.errors import RewriteError
from derive.functions import S, i, j, k, y
from derive.assumptions import Assumption
from derive.calculus.rewrite import (apply_assumption, index_form, recognise_softmax,
                            recognise_sums, tidy)

z1, z2, z3 = sp.symbols("z_1 z_2 z_3")
S1, S2, S3 = sp.symbols("S_1 S_2 S_3")
D = sp.exp(z1) + sp.exp(z2) + sp.exp(z3)


@pytest.mark.parametrize("expr, expected", [
    (sp.exp(z1) / D, S1),
    (sp.exp(z1 + z2) / D**2, S1 * S2),          # SymPy merges exp(a)·exp(b)
    (sp.exp(2 * z3) / D**2, S3**2),
    (sp.exp(z1 - z2), S1 / S2),                  # and 1/exp(a) into exp(−a)
    (sp.diff(sp.exp(z1) / D, z1), S1 - S1**2),
    (sp.diff(sp.exp(z1) / D, z2), -S1 * S2),
])
def test_recognise_softmax(expr, expected):
    assert sp.expand(recognise_softmax(expr, (z1, z2, z3), (S1, S2, S3), D) - expected) == 0


@pytest.mark.parametrize("expr", [
    sp.exp(z1) / (sp.exp(z1) + 1),               # a denominator that is not the softmax sum
    z1 * sp.exp(z1) / D,                         # a bare logit
    sp.exp(z1 / 2) / D,                          # a non-integer power of exp(z_1)
])
def test_recognise_softmax_refuses_what_is_not_a_function_of_s(expr):
    with pytest.raises(RewriteError, match="softmax outputs"):
        recognise_softmax(expr, (z1, z2, z3), (S1, S2, S3), D)


def test_recognise_sums_collects_only_complete_sums():
    y1, y2, y3 = sp.symbols("y_1 y_2 y_3")
    total = sp.Sum(y[k], (k, 1, 3))
    assert recognise_sums(S1 * (y1 + y2 + y3) - y1, (y1, y2, y3), total) == S1 * total - y1
    assert recognise_sums(S1 * (y1 + y2) - y1, (y1, y2, y3), total) == S1 * (y1 + y2) - y1


def test_apply_assumption_replaces_the_stated_quantity_only():
    total = sp.Sum(y[k], (k, 1, 3))
    one = Assumption("labels-sum-to-one", total, sp.Integer(1), "", "")
    assert apply_assumption(S[j] * total - y[j], one) == S[j] - y[j]
    other = sp.Sum(y[k], (k, 1, 4))
    assert apply_assumption(S[j] * other, one) == S[j] * other


def test_index_form_merges_cases_with_a_delta():
    table = {(a, b): sp.Symbol(f"S_{a}") * (int(a == b) - sp.Symbol(f"S_{b}"))
             for a in (1, 2) for b in (1, 2)}
    assert index_form(table, 2, (i, j)) == tidy(S[i] * (sp.KroneckerDelta(i, j) - S[j]))


def test_index_form_refuses_entries_that_disagree():
    table = {(1, 1): S1, (1, 2): -S1 * S2, (2, 1): -S1 * S2, (2, 2): 2 * S2}
    with pytest.raises(RewriteError, match="differ in index form"):
        index_form(table, 2, (i, j))


def test_index_form_refuses_entries_that_name_other_entries():
    table = {(1,): S1 - S2, (2,): S2 - S1}
    with pytest.raises(RewriteError, match="no index form"):
        index_form(table, 2, (j,))
