"""The symbolic building blocks and the passage between index and concrete notation."""

import pytest
import sympy as sp

from derive.functions import (S, c, family_symbols, i, instantiate, j, k,
                              log_softmax, softmax, to_indexed, y, z)


@pytest.mark.parametrize("n", [2, 3, 7])
def test_softmax_instantiates_to_exp_over_sum_of_exps(n):
    zs = family_symbols("z", n)
    expected = sp.exp(zs[1]) / sum(sp.exp(v) for v in zs)
    assert instantiate(softmax(z, i, n).subs(i, 2), n) == expected


def test_softmax_never_reuses_the_bound_index():
    inner = softmax(z, k, 3)
    assert inner.has(sp.Symbol("l", integer=True, positive=True))
    assert not sp.Sum(inner, (k, 1, 3)).doit().has(k)


def test_log_softmax_is_the_log_of_the_softmax_unsimplified():
    assert log_softmax(z, c, 3) == sp.log(softmax(z, c, 3))


def test_instantiate_rejects_an_index_out_of_range():
    with pytest.raises(ValueError, match="outside 1..3"):
        instantiate(S[4], 3)


@pytest.mark.parametrize("expr, names, expected", [
    (sp.Symbol("S_2") * sp.Symbol("y_1"), {1: j, 2: i}, S[i] * y[j]),
    (sp.Symbol("S_3"), {1: j}, sp.Symbol("S_3")),  # not named: left alone
])
def test_to_indexed_inverts_instantiate(expr, names, expected):
    assert to_indexed(expr, 3, names) == expected
