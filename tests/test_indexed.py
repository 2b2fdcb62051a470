"""The index-notation rules, one by one, for a concrete n and for a symbolic N."""

import pytest
import sympy as sp

from derive.functions import S, c, i, j, k, l, softmax, y, z
from derive.calculus.indexed import (Condition, case, delta_substitution, evaluate_derivatives,
                                     linearity, merge_cases, ranges_of, split_sums, sum_delta)
from derive.calculus.recognise import recognise_softmax_of, sums_to_one
from derive.read.definition import read_definition

# The softmax S = softmax(z) as the definition reader names it.
SOFTMAX = read_definition("S_i = softmax(z)_i").defined[0]

N = sp.Symbol("N", integer=True, positive=True)
delta = sp.KroneckerDelta


def Sum(f, bound=k, low=1, high=N):
    return sp.Sum(f, (bound, low, high))


@pytest.mark.parametrize("expr, expected, conditions", [
    # the delta picks the term k = j: j is a class, so 1 ≤ j ≤ N
    (Sum(delta(j, k) * y[k]), y[j], ["j"]),
    (Sum(delta(k, j) * sp.exp(z[k]) / S[k]), sp.exp(z[j]) / S[j], ["j"]),
    # the sum may not contain j = N: nothing is picked
    (Sum(delta(j, k) * y[k], high=N - 1), Sum(delta(j, k) * y[k], high=N - 1), []),
    (Sum(delta(j, k) * y[k], low=2), Sum(delta(j, k) * y[k], low=2), []),
    # a concrete index inside or outside a concrete range
    (Sum(delta(2, k) * y[k], high=3), y[2], []),
    (Sum(delta(5, k) * y[k], high=3), Sum(delta(5, k) * y[k], high=3), []),
    # an index bound by an enclosing sum over the same range
    (Sum(Sum(delta(k, l) * y[l], bound=l)), Sum(y[k]), []),
    # a sum without a delta on its bound index
    (Sum(delta(i, j) * y[k]), Sum(delta(i, j) * y[k]), []),
    # a delta of the bound index with an expression in it
    (Sum(delta(k, k + 1) * y[k]), Sum(delta(k, k + 1) * y[k]), []),
    # renaming k to j would capture j, bound by the inner sum: left alone
    (Sum(delta(j, k) * sp.Sum(sp.log(y[j] + y[k]), (j, 1, N))),
     Sum(delta(j, k) * sp.Sum(sp.log(y[j] + y[k]), (j, 1, N))), []),
    # an enclosing sum that may be reversed (N − 2 < 0 at N = 1): its index has no range
    (Sum(Sum(delta(k, l) * y[l], bound=l, high=N - 2), high=N - 2),
     Sum(Sum(delta(k, l) * y[l], bound=l, high=N - 2), high=N - 2), []),
    (Sum(Sum(delta(k, l) * y[l], bound=l, high=N - 1), high=N - 1), Sum(y[k], high=N - 1), []),
])
def test_sum_delta(expr, expected, conditions):
    used = []
    assert sum_delta(expr, ranges_of((i, j), N), used) == expected
    assert [str(u.index) for u in used] == conditions


def test_sum_delta_needs_the_range_of_a_free_index():
    # Without a stated range for j the term may not exist: the rule does not apply.
    expr = Sum(delta(j, k) * y[k])
    assert sum_delta(expr, {}) == expr


@pytest.mark.parametrize("condition, low, high, inside", [
    (Condition(j, 1, N), 1, N, True),
    (Condition(j, 1, N), 1, N - 1, False),
    (Condition(j, 1, N), 0, N + 1, True),
    (Condition(j, 1, N), 2, N, False),
    (Condition(j, 1, 3), 1, 3, True),
])
def test_condition_within_a_range(condition, low, high, inside):
    assert condition.holds_within(sp.sympify(low), sp.sympify(high)) is inside


@pytest.mark.parametrize("expr, expected", [
    (Sum(y[k] * (delta(j, k) - S[j])), Sum(delta(j, k) * y[k]) - S[j] * Sum(y[k])),
    (Sum(2 * S[j]), 2 * N * S[j]),
    (Sum(y[k] + S[k], high=3), Sum(y[k], high=3) + Sum(S[k], high=3)),
    # a double sum (SymPy folds Σ_k Σ_l into one Sum with two limits)
    (Sum(Sum(2 * S[j] * y[k] * y[l], bound=l)), 2 * S[j] * Sum(Sum(y[k] * y[l], bound=l))),
])
def test_split_sums(expr, expected):
    assert sp.expand(split_sums(expr) - expected) == 0


@pytest.mark.parametrize("expr, expected", [
    (Sum(S[k]), 1),
    (3 * Sum(S[l], bound=l) - S[j], 3 - S[j]),
    (Sum(S[k], high=N - 1), Sum(S[k], high=N - 1)),
    (Sum(y[k]), Sum(y[k])),
    (Sum(S[k] * y[k]), Sum(S[k] * y[k])),
])
def test_softmax_sums_to_one(expr, expected):
    assert sums_to_one(expr, SOFTMAX, N) == expected


@pytest.mark.parametrize("expr, order, expected", [
    (delta(i, j) * S[j], (i, j), delta(i, j) * S[i]),
    (delta(j, i) * S[j] * S[i], (i, j), delta(i, j) * S[i] ** 2),
    (delta(c, j) * S[j] + S[j], (c, j), delta(c, j) * S[c] + S[j]),
    (S[i] * S[j], (i, j), S[i] * S[j]),
    # renaming j to i inside a sum over i would capture it: left alone
    (delta(i, j) * sp.Sum(sp.exp(y[i] * y[j]), (i, 1, N)), (i, j),
     delta(i, j) * sp.Sum(sp.exp(y[i] * y[j]), (i, 1, N))),
])
def test_delta_substitution(expr, order, expected):
    assert sp.expand(delta_substitution(expr, order) - expected) == 0


def test_recognise_softmax_inside_a_symbolic_sum():
    denominator = Sum(sp.exp(z[l]), bound=l)
    expr = Sum(y[k] * sp.exp(z[k])) / denominator - sp.exp(z[j]) / denominator
    assert recognise_softmax_of(expr, SOFTMAX, N) == Sum(S[k] * y[k]) - S[j]


def test_differentiating_a_symbolic_sum_gives_a_delta():
    derived = evaluate_derivatives(sp.Derivative(Sum(sp.exp(z[k])), z[j]))
    assert derived == Sum(sp.exp(z[k]) * delta(j, k))
    assert sum_delta(derived, ranges_of((j,), N)) == sp.exp(z[j])


def test_linearity_case_and_merge_with_symbolic_n():
    inside = linearity(sp.Derivative(-Sum(y[k] * sp.log(S[k])), z[j]), depends=(S,))
    assert inside == -Sum(y[k] * sp.Derivative(sp.log(S[k]), z[j]))
    jacobian = S[i] * (delta(i, j) - S[j])
    diagonal, off = case(jacobian, i, j, True), case(jacobian, i, j, False)
    assert sp.expand(merge_cases(diagonal, off, i, j) - jacobian) == 0
    assert softmax(z, i, N) == sp.exp(z[i]) / Sum(sp.exp(z[k]))


def test_binds():
    from derive.calculus.indexed import binds
    assert binds(Sum(Sum(y[k] * y[l], bound=l)), l) and not binds(Sum(y[k]), j)
