"""Symbolic N: every target proved for all N, cross-validated at N = 2..8, wrong rules caught."""

import dataclasses

import numpy as np
import pytest
import sympy as sp

import derive.calculus.strategy
from derive import TARGETS, derivation
from derive.catalog import get_target
from derive.check.crosscheck import VALIDATION_SIZES, cross_validate
from derive.derivation import instantiate_derivation
from derive.textbook import _textbook
from derive.sizes import SYMBOLIC_SIZES
from derive.errors import InputError, StepError
from derive.check.numeric import REFERENCES
from derive.functions import S, T, c, q, sigmoid, i, j, k, y, z
from derive.calculus.indexed import case
from derive.calculus.strategy import derive_definition, normal_form, prove_steps
from derive.verdicts.verify import verify

N = sp.Symbol("N", integer=True, positive=True)
delta = sp.KroneckerDelta

# Written by hand, as in test_derivation: the library has no table of answers.
TEXTBOOK = {
    "softmax-jacobian": (S[i] * (delta(i, j) - S[j]), ["i", "j"]),
    "log-softmax-jacobian": (delta(i, j) - S[j], ["i", "j"]),
    "cross-entropy-grad": (-y[j] / S[j], ["j"]),
    "softmax-cross-entropy-grad": (S[j] - y[j], ["j"]),
    "softmax-cross-entropy-hessian": (S[i] * (delta(i, j) - S[j]), ["i", "j"]),
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


def _defined(name):
    problem = get_target(name).problem(N)
    return problem, problem.definition


def test_the_normal_form_applies_the_case_and_the_assumption():
    # The raw derivative of the written-out construction reaches the result's normal form.
    problem, definition = _defined("softmax-cross-entropy-grad")
    mechanical = sp.diff(problem.function, z[j])
    assert same(normal_form(mechanical, definition, z[j]), S[j] * sp.Sum(y[k], (k, 1, N)) - y[j])
    assert same(normal_form(mechanical, definition, z[j], problem.assumptions), S[j] - y[j])
    jacobian, definition = _defined("softmax-jacobian")
    diagonal = normal_form(case(sp.diff(jacobian.function, z[j]), i, j, True), definition, z[j])
    assert same(diagonal, S[i] - S[i] ** 2)


def test_the_normal_form_uses_the_softmax_sum():
    # Σ_k S_k = 1 appears when a step sums the softmax outputs, e.g. the columns of the
    # Jacobian: Σ_k ∂S_k/∂z_j = ∂(Σ_k S_k)/∂z_j = 0.
    _, definition = _defined("softmax-jacobian")
    column = sp.Sum(S[k] * (delta(k, j) - S[j]), (k, 1, N))
    assert normal_form(column, definition, z[j]) == 0


def test_a_truncated_sum_keeps_its_delta():
    # Σ_{k=1}^{N−1} δ_jk y_k is y_j only for j < N: the rule leaves the sum as it is ...
    _, definition = _defined("softmax-cross-entropy-grad")
    truncated = sp.Sum(delta(j, k) * y[k], (k, 1, N - 1))
    assert normal_form(S[j] - truncated, definition, z[j]).has(sp.Sum)
    # ... so a claim that needs it is not proved, and fails at the class j = N.
    v = verify("S_j - Σ_{k=1}^{N-1} δ_jk y_k", against="softmax-cross-entropy-grad",
               classes="N")
    assert v.verdict == "fails" and v.methods[0].startswith("exact: 1 of 2 entries differ")


def test_a_wrong_symbolic_step_is_refused_by_the_proof():
    _, definition = _defined("softmax-jacobian")
    derived = derive_definition(definition, "z")
    steps = list(derived.steps)
    steps[5] = dataclasses.replace(steps[5], rhs=steps[5].rhs.subs(delta(i, j), 1))
    with pytest.raises(StepError, match=r"step 6 .* does not reduce to the derivative"):
        prove_steps(steps, derived, definition)


# ---- wrong constructions and rules: the checks at concrete N must catch them -----------

def _truncated_cross_entropy(monkeypatch, name):
    """A construction that is not its definition: L = −Σ_{k=1}^{N−1} y_k log S_k, a sum
    without the class j = N, under the definition of the full cross-entropy."""
    base = get_target("cross-entropy-grad")

    def problem(n):
        p = base.problem(n)
        return dataclasses.replace(p, function=-sp.Sum(y[k] * sp.log(S[k]), (k, 1, n - 1)))

    def reference(v):  # the same loss in float64, for the finite differences
        return -(v["y"][:, :-1] * np.log(v["S"][:, :-1])).sum(axis=-1, keepdims=True)
    monkeypatch.setitem(REFERENCES, "truncated_cross_entropy", reference)
    monkeypatch.setitem(TARGETS, name, dataclasses.replace(
        base, name=name, builder=problem, reference="truncated_cross_entropy"))


def test_a_construction_that_is_not_its_definition_is_caught(monkeypatch):
    _truncated_cross_entropy(monkeypatch, "truncated-ce")
    # The rules derive the definition, −y_j/S_j for every j; the construction has
    # ∂L/∂S_N = 0.  The steps, instantiated at concrete N, disagree with its derivatives,
    with pytest.raises(StepError, match=r"does not follow at N = \d: at entry"):
        derivation("truncated-ce", "N")
    # the result disagrees with sp.diff and with finite differences of the same loss,
    d = derivation("truncated-ce", "N", check=False, steps=False)
    assert same(d.result, -y[j] / S[j])
    report = derivation("truncated-ce", "N", steps=False).check
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
    monkeypatch.setattr(derive.calculus.strategy, "delta_substitution", without_delta)
    _textbook.cache_clear()   # derived with the broken rule, not taken from the cache
    monkeypatch.setitem(TARGETS, "jacobian-wrong-rule", dataclasses.replace(
        get_target("softmax-jacobian"), name="jacobian-wrong-rule"))
    try:
        # The broken rule gives S_i(1 − S_j) for every i, j ...
        d = derivation("jacobian-wrong-rule", "N", steps=False)
        assert same(d.result, S[i] * (1 - S[j]))
        # ... which the numeric check and the cross-validation reject,
        assert not d.check.passed
        assert not cross_validate(d, sizes=(2,)).passed
        # and with the steps, the exact check at concrete N.
        with pytest.raises(StepError, match=r"does not follow at N = \d"):
            derivation("jacobian-wrong-rule", "N")
    finally:
        _textbook.cache_clear()


def test_symbolic_derivations_are_cached_and_immutable():
    a = derivation("softmax-jacobian", "N")
    assert derivation("softmax-jacobian", sp.Symbol("N")) is a
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.result = 0


@pytest.mark.parametrize("symbol", [sp.Symbol("N", negative=True), sp.Symbol("N", integer=False)])
def test_a_symbol_that_cannot_count_classes_is_refused(symbol):
    with pytest.raises(InputError, match="positive integer"):
        derivation("softmax-jacobian", symbol)
