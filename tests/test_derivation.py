"""The pipeline end to end: every target, N = 2..8, and constructions that must not pass."""

import dataclasses

import pytest
import sympy as sp

from derive import TARGETS, derivation
from derive.catalog import get_target
from derive.check.crosscheck import cross_check
from derive.derivation import mechanical_derivation
from derive.sizes import MAX_CLASSES, validate_classes
from derive.check.polynomials import Undefined
from derive.errors import InputError, RewriteError, StepError
from derive.functions import S, T, c, q, sigmoid, i, instantiate, j, k, y, z

delta = sp.KroneckerDelta

# The textbook results, written here by hand so that the tests can tell if the library
# ever stops deriving them (the library itself has no such table).
TEXTBOOK = {
    "softmax-jacobian": S[i] * (delta(i, j) - S[j]),
    "log-softmax-jacobian": delta(i, j) - S[j],
    "cross-entropy-grad": -y[j] / S[j],
    "softmax-cross-entropy-grad": S[j] - y[j],
    "softmax-cross-entropy-hessian": S[i] * (delta(i, j) - S[j]),
    "sparse-softmax-cross-entropy-grad": S[j] - delta(j, c),
    "temperature-softmax-jacobian": S[i] * (delta(i, j) - S[j]) / T,
    "label-smoothing-cross-entropy-grad": S[j] - q[j],
    "sigmoid-binary-cross-entropy-grad": sigmoid(z[j]) - y[j],
}
ALL = [(name, n) for name in TEXTBOOK for n in range(2, 9)]


def same(a, b) -> bool:
    return sp.expand(a - b) == 0


def test_every_target_is_in_the_table():
    # The layer and batch targets have their own table in test_layers.py.
    assert set(TEXTBOOK) == {name for name, t in TARGETS.items() if not t.options}


@pytest.mark.parametrize("name, n", ALL)
def test_result_is_the_textbook_form_and_checks(name, n):
    d = derivation(name, n)
    assert same(d.result, TEXTBOOK[name])
    assert d.check.passed, d.check


@pytest.mark.parametrize("name, n", ALL)
def test_matrix_entries_are_the_index_form_instantiated(name, n):
    d = derivation(name, n, check=False)
    rows = range(1, n + 1) if d.problem.output_index is not None else [None]
    for r, a in enumerate(rows):
        for b in range(1, n + 1):
            values = {j: b} if a is None else dict(zip(d.problem.indices, (a, b)))
            expected = instantiate(TEXTBOOK[name].subs(values), n)
            assert same(d.matrix[r, b - 1], expected), (a, b)


@pytest.mark.parametrize("n", range(2, 9))
def test_softmax_cross_entropy_general_form_and_assumption(n):
    d = derivation("softmax-cross-entropy-grad", n, check=False)
    assert same(d.general, S[j] * sp.Sum(y[k], (k, 1, n)) - y[j])
    assert [a.name for a in d.assumptions] == ["labels-sum-to-one"]
    assert "Σ_k y_k = 1" in d.assumptions[0].text


@pytest.mark.parametrize("name", [t for t in TEXTBOOK if t not in (
    "softmax-cross-entropy-grad", "softmax-cross-entropy-hessian",
    "label-smoothing-cross-entropy-grad")])
def test_other_targets_hold_without_assumptions(name):
    d = derivation(name, 3, check=False)
    assert d.assumptions == () and same(d.general, d.result)


@pytest.mark.parametrize("n", [2, 4])
def test_the_hessian_general_form_and_assumption(n):
    d = derivation("softmax-cross-entropy-hessian", n, check=False)
    assert same(d.general, S[i] * (delta(i, j) - S[j]) * sp.Sum(y[k], (k, 1, n)))
    assert [a.name for a in d.assumptions] == ["labels-sum-to-one"]


def test_label_smoothing_uses_labels_that_sum_to_one():
    d = derivation("label-smoothing-cross-entropy-grad", 3, check=False)
    total = sp.Sum(q[k], (k, 1, 3))
    assert same(d.general, S[j] * total - q[j]) and same(d.result, S[j] - q[j])
    assert [a.name for a in d.assumptions] == ["labels-sum-to-one"]
    assert "Σ_k q_k = 1" in d.assumptions[0].text


def test_the_mechanical_derivative_is_raw_sympy_output():
    d = derivation("softmax-jacobian", 2, check=False)
    z1, z2 = sp.symbols("z_1 z_2")
    assert d.mechanical[0, 1] == sp.diff(sp.exp(z1) / (sp.exp(z1) + sp.exp(z2)), z2)


# ---- wrong constructions: the pipeline must notice, not print the textbook answer ------

def _variant(monkeypatch, name, problem):
    base = get_target("softmax-cross-entropy-grad")
    monkeypatch.setitem(TARGETS, name, dataclasses.replace(base, name=name, builder=problem))


def test_a_halved_cross_entropy_gives_a_halved_gradient(monkeypatch):
    def halved(n):
        p = get_target("softmax-cross-entropy-grad").problem(n)
        return dataclasses.replace(p, function=p.function / 2)
    _variant(monkeypatch, "halved-ce", halved)
    # SymPy's derivative of the construction is halved ...
    d = mechanical_derivation("halved-ce", 4, check=False, with_steps=False)
    assert same(d.result, (S[j] - y[j]) / 2)
    # ... so the result the rules derive from the definition, the true loss, is refused
    # at N = 4 by the exact check against the construction, and the steps at N = 1, 2, 3,
    with pytest.raises(StepError, match=r"differs from the derivative at N = 4"):
        derivation("halved-ce", 4, check=False, steps=False)
    with pytest.raises(StepError, match=r"step 1 \(definition.* does not follow at N = \d"):
        derivation("halved-ce", 4)
    # ... and the finite differences are of the true loss, so the cross-check rejects the
    # direct path's result too.
    assert not mechanical_derivation("halved-ce", 4, with_steps=False).check.passed


def test_a_softmax_missing_a_term_does_not_rewrite(monkeypatch):
    def broken(n):
        wrong = sp.exp(z[i]) / (sp.Sum(sp.exp(z[k]), (k, 1, n)) - sp.exp(z[n]))
        p = get_target("softmax-jacobian").problem(n)
        return dataclasses.replace(p, function=wrong)
    monkeypatch.setitem(TARGETS, "broken", dataclasses.replace(
        get_target("softmax-jacobian"), name="broken", builder=broken))
    # S_1/(S_1 + S_2) is a function of S, but not one index form for every entry: the
    # direct path says so; the steps derived from the definition do not follow at N = 1,
    # where the construction divides by zero.
    with pytest.raises(RewriteError, match="no index form"):
        mechanical_derivation("broken", 3)
    with pytest.raises((StepError, Undefined), match="does not follow|division by zero"):
        derivation("broken", 3)


def test_a_cross_entropy_with_a_wrong_sign_is_caught_by_the_numeric_check(monkeypatch):
    def flipped(n):
        p = get_target("softmax-cross-entropy-grad").problem(n)
        return dataclasses.replace(p, function=-p.function, assumptions=())
    _variant(monkeypatch, "flipped", flipped)
    d = mechanical_derivation("flipped", 3, with_steps=False)
    assert same(d.general, y[j] - S[j] * sp.Sum(y[k], (k, 1, 3)))
    assert not d.check.passed  # differentiated L has the wrong sign vs the float reference


@pytest.mark.parametrize("factor", [1.0005, 0.9995])
def test_the_numeric_check_catches_a_result_off_by_five_hundredths_of_a_percent(factor):
    d = derivation("softmax-jacobian", 4, check=False)
    wrong = dataclasses.replace(d, matrix=d.matrix * sp.Float(factor))
    report = cross_check(wrong)
    assert not report.passed
    failing = [cmp.name for cmp in report.comparisons if not cmp.passed]
    assert failing == ["textbook form vs finite differences"]


@pytest.mark.parametrize("value, message", [
    (1, "at least 2"), (0, "at least 2"), (-3, "at least 2"),
    (MAX_CLASSES + 1, f"at most {MAX_CLASSES}"), (3.0, "integer"), (True, "integer"),
    ("3", "integer"),
])
def test_validate_classes_rejects(value, message):
    with pytest.raises(InputError, match=message):
        validate_classes(value)


def test_unknown_target_suggests_the_closest_name():
    with pytest.raises(KeyError, match="did you mean softmax-jacobian"):
        derivation("softmax-jacobain")
