"""Symbolic N: every target proved for all N, cross-validated at N = 2..8, wrong rules caught."""

import dataclasses

import numpy as np
import pytest
import sympy as sp

import derive.calculus.proof
import derive.calculus.indexed
import derive.calculus.strategy
from derive import TARGETS, derivation
from derive.catalog import get_target
from derive.check.crosscheck import VALIDATION_SIZES, cross_validate
from derive.derivation import instantiate_derivation
from derive.sizes import SYMBOLIC_SIZES
from derive.errors import InputError, RewriteError, StepError
from derive.check.numeric import REFERENCES
from derive.functions import S, T, c, q, sigmoid, i, j, k, y, z
from derive.calculus.proof import closed_form_problem, prove_steps, reduce
from derive.derivation import textbook_chains

N = sp.Symbol("N", integer=True, positive=True)
delta = sp.KroneckerDelta

# Written by hand, as in test_derivation: the library has no table of answers.
TEXTBOOK = {
    "softmax-jacobian": (S[i] * (delta(i, j) - S[j]), ["i", "j"]),
    "log-softmax-jacobian": (delta(i, j) - S[j], ["i", "j"]),
    "cross-entropy-grad": (-y[j] / S[j], ["j"]),
    "softmax-cross-entropy-grad": (S[j] - y[j], ["j"]),
    "sparse-softmax-cross-entropy-grad": (S[j] - delta(j, c), ["c", "j"]),
    "temperature-softmax-jacobian": (S[i] * (delta(i, j) - S[j]) / T, ["i", "j"]),
    "label-smoothing-cross-entropy-grad": (S[j] - q[j], ["j"]),
    "sigmoid-binary-cross-entropy-grad": (sigmoid(z[j]) - y[j], ["j"]),
}


def same(a, b) -> bool:
    return sp.expand(a - b) == 0


def test_every_target_is_in_the_table():
    # The layer targets' symbolic results are tested in test_layers.py.
    assert set(TEXTBOOK) == {name for name, t in TARGETS.items() if t.symbolic and not t.options}


@pytest.mark.parametrize("name", TEXTBOOK)
def test_symbolic_result_is_the_textbook_form_for_all_n(name):
    d = derivation(name, "N")
    expected, indices = TEXTBOOK[name]
    assert d.symbolic and d.classes == N and same(d.result, expected)
    assert d.proof.statement == "for all N ≥ 1"
    assert sorted(str(cond.index) for cond in d.proof.conditions) == indices
    assert all((cond.low, cond.high) == (1, N) for cond in d.proof.conditions)
    assert d.check.passed and d.check.sizes == SYMBOLIC_SIZES


@pytest.mark.parametrize("name", TEXTBOOK)
def test_the_symbolic_result_is_not_from_summing_concrete_ones(name):
    # Stage 2 differentiates the index-notation definition itself: Sums over N and deltas.
    d = derivation(name, "N", check=False, steps=False)
    mechanical = d.mechanical[0, 0]
    assert mechanical.has(sp.KroneckerDelta) and mechanical.atoms(sp.Sum)
    assert all(s.limits[0][2] == N for s in mechanical.atoms(sp.Sum))
    assert not mechanical.has(sp.Piecewise)


@pytest.mark.parametrize("name", TEXTBOOK)
def test_every_symbolic_step_is_proved_and_checked_at_concrete_n(name):
    d = derivation(name, "N", check=False)
    assert [s.rule for s in d.steps] == [s.rule for s in derivation(name, 3, check=False).steps]
    for step in d.steps:
        assert step.check.proved and step.check.complete
        assert step.check.sizes == SYMBOLIC_SIZES and step.check.max_abs_error < 1e-9
    assert same(d.steps[-1].rhs, d.result)


@pytest.mark.parametrize("name", TEXTBOOK)
def test_cross_validation_against_concrete_n_2_to_8(name):
    d = derivation(name, "N", check=False, steps=False)
    v = cross_validate(d)
    assert v.passed, v.failure
    rows = lambda n: n if d.problem.output_index is not None else 1  # noqa: E731
    factor = 2 if d.assumptions else 1   # the general form is compared too
    assert v.sizes == VALIDATION_SIZES
    assert v.entries == factor * sum(rows(n) * n for n in VALIDATION_SIZES)
    assert v.max_abs_error < 1e-12


@pytest.mark.parametrize("name", TEXTBOOK)
@pytest.mark.parametrize("n", [2, 3, 5, 8])
def test_symbolic_and_concrete_pipelines_agree(name, n):
    symbolic = derivation(name, "N", check=False, steps=False)
    concrete = derivation(name, n, check=False, steps=False)
    assert same(symbolic.result.subs(N, n), concrete.result)
    assert same(symbolic.general.subs(N, n), concrete.general)
    instance = instantiate_derivation(symbolic, n)
    assert instance.matrix.shape == concrete.matrix.shape
    assert all(same(a, b) for a, b in zip(instance.matrix, concrete.matrix))
    assert instance.form == concrete.form


@pytest.mark.parametrize("name, rules", [
    ("softmax-jacobian", ("sum-delta", "recognise-softmax")),
    ("cross-entropy-grad", ("sum-delta",)),
    ("softmax-cross-entropy-grad", ("split-sums", "sum-delta", "recognise-softmax",
                                    "assumption")),
])
def test_the_proof_names_its_rules(name, rules):
    assert derivation(name, "N", check=False, steps=False).proof.rules == rules


def test_reduce_applies_the_case_and_the_assumption():
    problem = get_target("softmax-cross-entropy-grad").problem(N)
    mechanical = sp.diff(problem.function, z[j])
    general = reduce(mechanical, problem)
    assert same(general.expr, S[j] * sp.Sum(y[k], (k, 1, N)) - y[j])
    assert same(reduce(mechanical, problem, assumptions=problem.assumptions).expr, S[j] - y[j])
    jacobian = get_target("softmax-jacobian").problem(N)
    diagonal = reduce(sp.diff(jacobian.function, z[j]), jacobian, (i, j, True))
    assert same(diagonal.expr, S[i] - S[i] ** 2) and "case" in diagonal.rules


def test_reduce_uses_the_softmax_sum():
    # Σ_k S_k = 1 appears when a step sums the softmax outputs, e.g. the columns of the
    # Jacobian: Σ_k ∂S_k/∂z_j = ∂(Σ_k S_k)/∂z_j = 0.
    problem = get_target("softmax-jacobian").problem(N)
    column = sp.Sum(S[k] * (delta(k, j) - S[j]), (k, 1, N))
    r = reduce(column, problem)
    assert r.expr == 0 and "softmax-sums-to-one" in r.rules


@pytest.mark.parametrize("expr, problem_of", [
    (sp.Sum(delta(j, k) * y[k], (k, 1, N - 1)), "the sum"),
    (sp.Derivative(S[j], z[j]), "a derivative"),
    (sp.exp(z[j]), "the logits z"),
])
def test_closed_form_problem(expr, problem_of):
    problem = get_target("softmax-cross-entropy-grad").problem(N)
    assert problem_of in closed_form_problem(expr, problem)


def test_a_wrong_symbolic_step_is_refused_by_the_proof():
    problem = get_target("softmax-jacobian").problem(N)
    steps = list(textbook_chains(get_target("softmax-jacobian"), problem)[0])
    steps[5] = dataclasses.replace(steps[5], rhs=steps[5].rhs.subs(delta(i, j), 1))
    mechanical = sp.diff(problem.function, z[j])
    with pytest.raises(StepError, match=r"step 6 .* does not follow for every N"):
        prove_steps(steps, problem, mechanical)


# ---- wrong rules: what the proof relies on must be caught when it is broken ------------

def _sum_delta_without_its_condition(expr, ranges, used=None):
    """The broken rule: Σ_k δ_jk f(k) = f(j) whatever the range of the sum."""
    def pick(s):
        (bound, _low, _high), = s.limits
        for factor in sp.Mul.make_args(s.function):
            if isinstance(factor, sp.KroneckerDelta) and bound in factor.args:
                other = factor.args[0] if factor.args[1] == bound else factor.args[1]
                return (s.function / factor).xreplace({bound: other})
        return s
    return expr.replace(lambda e: isinstance(e, sp.Sum) and len(e.limits) == 1, pick)


def _truncated_cross_entropy(monkeypatch, name):
    """L = −Σ_{k=1}^{N−1} y_k log S_k: a sum that does not contain the class j = N."""
    base = get_target("cross-entropy-grad")

    def problem(n):
        p = base.problem(n)
        return dataclasses.replace(p, function=-sp.Sum(y[k] * sp.log(S[k]), (k, 1, n - 1)))

    def reference(v):  # the same loss in float64, for the finite differences
        return -(v["y"][:, :-1] * np.log(v["S"][:, :-1])).sum(axis=-1, keepdims=True)
    monkeypatch.setitem(REFERENCES, "truncated_cross_entropy", reference)
    monkeypatch.setitem(TARGETS, name, dataclasses.replace(
        base, name=name, builder=problem, reference="truncated_cross_entropy"))


def test_with_the_right_rule_a_truncated_sum_is_not_forced_into_textbook_form(monkeypatch):
    _truncated_cross_entropy(monkeypatch, "truncated-ce")
    with pytest.raises(RewriteError, match=r"not in closed form .* the sum"):
        derivation("truncated-ce", "N")


def test_dropping_the_delta_condition_is_caught(monkeypatch):
    _truncated_cross_entropy(monkeypatch, "truncated-ce-wrong-rule")
    monkeypatch.setattr(derive.calculus.proof, "sum_delta", _sum_delta_without_its_condition)
    monkeypatch.setattr(derive.calculus.strategy, "sum_delta", _sum_delta_without_its_condition)
    monkeypatch.setattr(derive.calculus.indexed, "sum_delta", _sum_delta_without_its_condition)
    # The broken rule "proves" −y_j/S_j for every j, also j = N where ∂L/∂S_N = 0 ...
    d = derivation("truncated-ce-wrong-rule", "N", check=False, steps=False)
    assert same(d.result, -y[j] / S[j])
    # ... but the steps, instantiated at concrete N, disagree with concrete derivatives,
    with pytest.raises(StepError, match=r"does not follow at N = \d: at entry"):
        derivation("truncated-ce-wrong-rule", "N")
    # the result disagrees with sp.diff and with finite differences of the same loss,
    report = derivation("truncated-ce-wrong-rule", "N", steps=False).check
    failed = {cmp.name for cmp in report.comparisons if not cmp.passed}
    assert {"N = 2: mechanical derivative vs general form",
            "N = 2: textbook form vs finite differences"} <= failed
    assert "N = 2: mechanical derivative vs finite differences" not in failed
    # and so does the cross-validation.
    v = cross_validate(d, sizes=(2, 3))
    assert not v.passed and v.failure.startswith("N = 2:")


def test_dropping_the_delta_in_delta_substitution_is_caught(monkeypatch):
    def without_delta(expr, order):   # δ_ij f(j) = f(i): the delta is lost
        return sp.expand(expr).replace(lambda e: isinstance(e, sp.KroneckerDelta),
                                       lambda e: sp.Integer(1))
    monkeypatch.setattr(derive.calculus.proof, "delta_substitution", without_delta)
    monkeypatch.setitem(TARGETS, "jacobian-wrong-rule", dataclasses.replace(
        get_target("softmax-jacobian"), name="jacobian-wrong-rule"))
    # The proof compares each step with the derivative in the step's case, so the case
    # i ≠ j (−S_i S_j) no longer matches the broken normal form S_i(1 − S_j):
    with pytest.raises(StepError, match=r"step 5 \(case\) does not follow for every N"):
        derivation("jacobian-wrong-rule", "N")
    # Without the steps, the broken result is caught numerically.
    d = derivation("jacobian-wrong-rule", "N", steps=False)
    assert same(d.result, S[i] * (1 - S[j]))
    assert not d.check.passed
    assert not cross_validate(d, sizes=(2,)).passed


def test_symbolic_derivations_are_cached_and_immutable():
    a = derivation("softmax-jacobian", "N")
    assert derivation("softmax-jacobian", sp.Symbol("N")) is a
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.result = 0


@pytest.mark.parametrize("symbol", [sp.Symbol("N", negative=True), sp.Symbol("N", integer=False)])
def test_a_symbol_that_cannot_count_classes_is_refused(symbol):
    with pytest.raises(InputError, match="positive integer"):
        derivation("softmax-jacobian", symbol)
