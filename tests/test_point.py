"""Reading ``--at`` points without eval, and evaluating a derivation there."""

import numpy as np
import pytest

from derive import derivation
from derive.errors import InputError
from derive.point import MAX_POINT_LENGTH, evaluate, parse_point


@pytest.mark.parametrize("text, expected", [
    ("z=[1, 2, 3]", {"z": [1.0, 2.0, 3.0]}),
    ("z=1,2,3", {"z": [1.0, 2.0, 3.0]}),
    (" z = [ -1.5e2 , .5 ] ; y=[0,1] ", {"z": [-150.0, 0.5], "y": [0.0, 1.0]}),
    ("z=[−1, 2]", {"z": [-1.0, 2.0]}),                 # Unicode minus from documents
    ("z=[1, 2]; c=2", {"z": [1.0, 2.0], "c": 2}),
])
def test_parse_point_accepts(text, expected):
    point = parse_point(text)
    assert {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in point.items()} == expected


@pytest.mark.parametrize("text, message", [
    ("", "empty point"),
    ("z=[1, nan]", "'nan' is not a decimal number"),
    ("z=[1, inf]", "'inf' is not a decimal number"),
    ("z=[1e999]", "overflows float64"),
    ("z=[1,,2]", "an empty entry"),
    ("z=[__import__('os')]", "is not a decimal number"),
    ("z=[1]; z=[2]", "given twice"),
    ("z z=[1]", "cannot read"),
    ("z=[١, 2]", "is not a decimal number"),           # Arabic-Indic digits are not ASCII
    ("c=1.5", "class number"),
    ("c=-1", "class number"),
    ("z=" + "1," * MAX_POINT_LENGTH, "the limit is"),
])
def test_parse_point_rejects(text, message):
    with pytest.raises(InputError, match=message):
        parse_point(text)


@pytest.mark.parametrize("target, point, message", [
    ("softmax-jacobian", "z=[1, 2]", "z has 2 entries, but N = 3 classes need 3 entries"),
    ("softmax-jacobian", "z=[1, 2, 3]; y=[1, 0, 0]", "unknown variable y"),
    ("softmax-cross-entropy-grad", "z=[1, 2, 3]", "missing y"),
    ("sparse-softmax-cross-entropy-grad", "z=[1, 2, 3]; c=4", "must be 1..3"),
    ("sparse-softmax-cross-entropy-grad", "z=[1, 2, 3]; c=0", "must be 1..3"),
    ("cross-entropy-grad", "S=[0.5, 0.5, 0]; y=[1, 0, 0]", "S_3 = 0"),
    ("temperature-softmax-jacobian", "z=[1, 2, 3]", "missing T"),
    ("temperature-softmax-jacobian", "z=[1, 2, 3]; T=0", "temperature must be positive"),
    ("temperature-softmax-jacobian", "z=[1, 2, 3]; T=-2", "temperature must be positive"),
    ("temperature-softmax-jacobian", "z=[1, 2, 3]; T=[1, 2]", "T is one number"),
    ("label-smoothing-cross-entropy-grad", "z=[1, 2, 3]; y=[0, 1, 0]", "missing eps"),
    ("label-smoothing-cross-entropy-grad", "z=[1, 2, 3]; y=[0, 1, 0]; eps=1", "in \\[0, 1\\)"),
    ("label-smoothing-cross-entropy-grad", "z=[1, 2, 3]; y=[0, 1, 0]; ε=-0.1", "in \\[0, 1\\)"),
])
def test_evaluate_rejects(target, point, message):
    with pytest.raises(InputError, match=message):
        evaluate(derivation(target, 3, check=False), parse_point(point))


def test_softmax_cross_entropy_at_labels_that_do_not_sum_to_one_uses_the_general_form():
    e = evaluate(derivation("softmax-cross-entropy-grad", 3, check=False),
                 parse_point("z=[1, 2, 3]; y=[0.5, 0.3, 0]"))
    assert e.general and "Σ_k y_k = 0.8 ≠ 1" in e.notes[0]
    s = e.point["S"]
    np.testing.assert_allclose(e.value, s * 0.8 - [0.5, 0.3, 0.0])
    assert e.agrees


def test_sparse_gradient_uses_the_one_based_class():
    e = evaluate(derivation("sparse-softmax-cross-entropy-grad", 3, check=False),
                 parse_point("z=[0, 0, 0]; c=1"))
    np.testing.assert_allclose(e.value, [1 / 3 - 1, 1 / 3, 1 / 3])


def test_extreme_logits_give_finite_values():
    e = evaluate(derivation("softmax-cross-entropy-grad", 3, check=False),
                 parse_point("z=[1000, -1000, 5000]; y=[0, 1, 0]"))
    np.testing.assert_allclose(e.value, [0.0, -1.0, 1.0])
    assert e.agrees


@pytest.mark.parametrize("T", [0.5, 1.0, 3.0])
def test_temperature_scales_the_jacobian(T):
    e = evaluate(derivation("temperature-softmax-jacobian", 3, check=False),
                 parse_point(f"z=[1, 2, 3]; T={T}"))
    s = np.exp(np.array([1, 2, 3]) / T)
    s /= s.sum()
    np.testing.assert_allclose(e.point["S"], s)
    np.testing.assert_allclose(e.value, (np.diag(s) - np.outer(s, s)) / T)
    assert e.agrees


def test_temperature_at_extreme_logits_is_finite():
    e = evaluate(derivation("temperature-softmax-jacobian", 3, check=False),
                 parse_point("z=[1e4, -1e4, 0]; T=0.25"))
    assert np.isfinite(e.value).all() and e.agrees


@pytest.mark.parametrize("spelling", ["eps", "ε", "epsilon"])
def test_label_smoothing_at_a_point(spelling):
    e = evaluate(derivation("label-smoothing-cross-entropy-grad", 4, check=False),
                 parse_point(f"z=[1, 2, 3, 4]; y=[0, 1, 0, 0]; {spelling}=0.2"))
    np.testing.assert_allclose(e.point["q"], [0.05, 0.85, 0.05, 0.05])
    np.testing.assert_allclose(e.value, e.point["S"] - e.point["q"])
    assert e.agrees and not e.general


def test_binary_cross_entropy_at_a_point_with_one_output():
    e = evaluate(derivation("sigmoid-binary-cross-entropy-grad", 1, check=False),
                 parse_point("z=[2]; y=[1]"))
    np.testing.assert_allclose(e.value, [1 / (1 + np.exp(-2)) - 1])
    assert e.agrees


def test_binary_cross_entropy_at_extreme_logits():
    e = evaluate(derivation("sigmoid-binary-cross-entropy-grad", 3, check=False),
                 parse_point("z=[-800, 800, -40]; y=[0, 1, 0]"))
    np.testing.assert_allclose(e.value, [0.0, 0.0, np.exp(-40)], rtol=1e-12, atol=0)
    assert e.point["σ(z)"][2] > 0 and e.agrees


def test_an_overflowing_temperature_is_an_error():
    with pytest.raises(InputError, match="z/T overflows float64"):
        evaluate(derivation("temperature-softmax-jacobian", 3, check=False),
                 parse_point("z=[1, 2, 3]; T=1e-320"))


def test_scalars_are_numbers_in_the_shown_point():
    e = evaluate(derivation("temperature-softmax-jacobian", 2, check=False),
                 parse_point("z=[1, 2]; T=2"))
    assert e.point["T"] == 2.0


@pytest.mark.parametrize("target, options, point, shape", [
    # A batch of one is 1 × N, a D = 1 layer's ∂L/∂W is N × 1 (1 × N for Wᵀ x + b).
    ("batch-softmax-cross-entropy-grad", {}, "Z=[[1, 2, 3]]; Y=[[0, 1, 0]]", (1, 3)),
    ("linear-softmax-cross-entropy-grad", {}, "W=[[1], [2], [3]]; x=[1]; b=[0, 0, 0]; "
                                              "y=[0, 1, 0]", (3, 1)),
    ("linear-softmax-cross-entropy-grad", {"convention": "WTx"},
     "W=[[1, 2, 3]]; x=[1]; b=[0, 0, 0]; y=[0, 1, 0]", (1, 3)),
    ("linear-softmax-jacobian", {}, "W=[[1], [2], [3]]; x=[1]; b=[0, 0, 0]", (3, 3)),
    ("softmax-cross-entropy-grad", {}, "z=[1, 2, 3]; y=[0, 1, 0]", (3,)),
    ("sigmoid-binary-cross-entropy-grad", {}, "z=[1]; y=[1]", (1,)),
])
def test_a_value_keeps_its_size_one_dimensions(target, options, point, shape):
    from derive.point import sizes_from_point
    parsed = parse_point(point)
    from derive.catalog import get_target
    sizes = sizes_from_point(get_target(target), parsed, options.get("convention"))
    d = derivation(target, check=False, **{**sizes, **options})
    e = evaluate(d, parsed)
    assert e.value.shape == shape and e.finite_differences.shape == shape
    assert e.agrees


def test_the_shown_point_says_how_the_class_counts():
    from click.testing import CliRunner
    from cli import main
    out = CliRunner().invoke(main, ["show", "sparse-softmax-cross-entropy-grad",
                                    "--at", "z=[1, 2, 3]; c=2", "--result-only"]).output
    assert "c=2 (class 2 of S_1 … S_N; index 1 from 0)" in out
