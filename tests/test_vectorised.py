"""The vectorised cross-check: index forms as NumPy functions, directional differences."""

import numpy as np
import pytest
import sympy as sp

from derive.catalog import TARGETS
from derive.check.crosscheck import evaluate_matrix
from derive.derivation import derivation
from derive.errors import InputError
from derive.functions import S, T, W, Y, i, j, k, q, sigmoid, y, z
from derive.check.numeric import sample_points
from derive.render.text import check_text
from derive.at_scale import check_at_scale, compiled, instance
from derive.check.vectorised import EXTREME_POINTS, check_expression, index_function

delta = sp.KroneckerDelta
m = sp.Symbol("m", integer=True, positive=True)   # the catalog's batch size


def _cases():
    """Every symbolic target, with each value of the options that change its result."""
    for name, target in TARGETS.items():
        if not target.symbolic:
            continue
        if "wrt" in target.options:
            for wrt in target.wrt_choices:
                for convention in ("Wx", "WTx"):
                    yield name, {"wrt": wrt, "convention": convention}
        elif "reduction" in target.options:
            yield name, {"reduction": "mean"}
            yield name, {"reduction": "sum"}
        else:
            yield name, {}


CASES = list(_cases())
IDS = [name + "".join(f"-{v}" for v in options.values()) for name, options in CASES]


@pytest.mark.parametrize("form", ["result", "general"])
@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("name, options", CASES, ids=IDS)
def test_agrees_with_the_per_entry_path(name, options, n, form):
    d = derivation(name, n, check=False, steps=False, **options)
    expr, problem = instance(name, n, form, **options)
    values = sample_points(problem.inputs, n, np.random.default_rng(n), 6, extreme=True,
                           labels="free", problem=problem)
    expected = evaluate_matrix(d.matrix if form == "result" else d.general_matrix, values, n,
                               problem=d.problem)
    got = compiled(name, n, form, **options).matrix(values)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name, options", CASES, ids=IDS)
def test_the_derived_result_passes_at_a_larger_n(name, options):
    report = check_at_scale(name, 40, points=12, general=True, **options)
    assert report.passed, check_text(report)
    assert report.sizes == (40,) and report.extreme_points >= EXTREME_POINTS


# Formulas that are wrong, each by one typical mistake: the check must catch every one.
WRONG = [
    ("softmax-jacobian", S[i] * (delta(i, j) - S[i]), {}),           # S_i for S_j
    ("softmax-jacobian", delta(i, j) - S[i] * S[j], {}),             # S_i δ_ij dropped
    ("softmax-jacobian", S[i] * delta(i, j) + S[i] * S[j], {}),      # a sign
    ("softmax-cross-entropy-grad", 1.0005 * (S[j] - y[j]), {}),      # 0.05 % off
    ("softmax-cross-entropy-grad", S[j] + y[j], {}),
    ("softmax-cross-entropy-grad", -y[j] / S[j], {}),                # ∂L/∂S, not ∂L/∂z
    ("softmax-cross-entropy-grad", S[j] - y[j] + sp.Rational(1, 100), {}),  # constant off
    ("log-softmax-jacobian", delta(i, j) - S[i], {}),
    ("temperature-softmax-jacobian", S[i] * (delta(i, j) - S[j]), {}),  # 1/T missing
    ("label-smoothing-cross-entropy-grad", S[j] - y[j], {}),         # y for q
    ("sigmoid-binary-cross-entropy-grad", sigmoid(z[j]) * (1 - sigmoid(z[j])) - y[j], {}),
    ("batch-softmax-cross-entropy-grad", S[i, j] - Y[i, j], {}),     # 1/m missing
    ("batch-softmax-cross-entropy-grad", (S[i, j] - Y[i, j]) / m, {"reduction": "sum"}),
    ("linear-softmax-cross-entropy-grad", sp.Sum((S[k] - y[k]) * W[k, j], (k, 1, 5)),
     {"wrt": "x", "convention": "WTx", "inputs": 5}),                # W for Wᵀ (N = D)
]


@pytest.mark.parametrize("name, expr, options", WRONG, ids=[str(w[1]) for w in WRONG])
def test_a_wrong_formula_fails(name, expr, options):
    report = check_expression(expr, name, 5, points=12, **options)
    assert not report.passed
    assert "FAILED" in check_text(report) and "point" in check_text(report)


# Right formulas written differently: no false alarm.
RIGHT = [
    ("softmax-jacobian", S[j] * (delta(i, j) - S[i])),   # δ_ij makes S_i = S_j
    ("softmax-jacobian", S[i] * delta(i, j) - S[i] * S[j]),
    ("softmax-cross-entropy-grad", sp.exp(sp.log(S[j])) - y[j]),
    ("temperature-softmax-jacobian", (delta(i, j) - S[j]) * S[i] / T),
]


@pytest.mark.parametrize("name, expr", RIGHT, ids=[str(r[1]) for r in RIGHT])
def test_an_equivalent_formula_passes(name, expr):
    assert check_expression(expr, name, 30, points=12).passed


@pytest.mark.parametrize("directions", [1, 3])
def test_several_directions_per_point(directions):
    right = check_at_scale("softmax-jacobian", 30, points=10, directions=directions)
    wrong = check_expression(S[i] * (delta(i, j) - S[i]), "softmax-jacobian", 30, points=10,
                             directions=directions)
    assert right.passed and not wrong.passed
    assert f"{directions} random" in right.comparisons[0].name
    assert 1 <= wrong.comparisons[0].worst["entry"][1] <= directions


def test_the_textbook_gradient_needs_labels_on_the_simplex():
    # S − y holds only when Σ y = 1: at unrestricted labels it must fail.
    expr = S[j] - y[j]
    assert check_expression(expr, "softmax-cross-entropy-grad", 20, points=12).passed
    assert not check_expression(expr, "softmax-cross-entropy-grad", 20, points=12,
                                labels="free").passed


@pytest.mark.parametrize("z0", [
    [1e4, -1e4, 0.0, 5.0],
    [1000.0, 1000.0, 999.0, -1000.0],
    [-1e4, -1e4 + 1, -1e4 + 2, -1e4 + 3],
    [710.0, 0.0, -710.0, 1.0],        # exp(710) overflows without max-subtraction
])
@pytest.mark.parametrize("name", ["softmax-jacobian", "softmax-cross-entropy-grad",
                                  "log-softmax-jacobian", "sigmoid-binary-cross-entropy-grad"])
def test_extreme_logits_give_finite_values(name, z0):
    values = {"z": np.array([z0]), "y": np.array([[0.1, 0.2, 0.3, 0.4]])}
    out = compiled(name, 4)({key: values[key] for key in TARGETS[name].problem(4).inputs})
    assert np.isfinite(out).all()


def test_extreme_points_are_in_the_check_and_pass():
    report = check_at_scale("softmax-cross-entropy-grad", 2000, points=8)
    assert report.passed and report.extreme_points == EXTREME_POINTS
    assert report.max_magnitude > 0


def test_the_cache_returns_the_same_function():
    f = compiled("softmax-jacobian", 7)
    assert compiled("softmax-jacobian", 7) is f
    assert index_function(*instance("softmax-jacobian", 7)) is f
    assert compiled("softmax-jacobian", 8) is not f
    assert compiled("linear-softmax-cross-entropy-grad", 7, wrt="x") is not compiled(
        "linear-softmax-cross-entropy-grad", 7, wrt="b")


def test_the_jacobian_has_the_known_values():
    f = compiled("softmax-jacobian", 3)
    zs = np.array([[0.0, 1.0, -2.0], [3.0, 3.0, 3.0]])
    s = np.exp(zs) / np.exp(zs).sum(axis=1, keepdims=True)
    expected = np.einsum("pi,ij->pij", s, np.eye(3)) - np.einsum("pi,pj->pij", s, s)
    np.testing.assert_allclose(f({"z": zs}), expected, rtol=1e-14)


def test_a_full_sum_is_a_sum_over_an_axis():
    expr, problem = instance("linear-softmax-cross-entropy-grad", 4, wrt="x", inputs=3)
    assert expr.has(sp.Sum)
    values = sample_points(problem.inputs, 4, np.random.default_rng(0), 3, extreme=False,
                           labels="free", problem=problem)
    s = np.exp(np.einsum("pkd,pd->pk", values["W"], values["x"]) + values["b"])
    s /= s.sum(axis=1, keepdims=True)
    expected = np.einsum("pkd,pk->pd", values["W"], s - values["y"])
    np.testing.assert_allclose(index_function(expr, problem)(values), expected, rtol=1e-12)


@pytest.mark.parametrize("expr, message", [
    (S[i + 1] - y[j], "neither a free index"),
    (sp.Sum(S[k], (k, 2, 5)) - y[j], "full sums"),
    (sp.sin(S[j]) - y[j], "cannot evaluate"),
    (S[j] - q[j], "unknown family q"),
    (S[j] - sp.Symbol("Q"), "symbol Q"),
    (S[j] - sp.Symbol("__import__('os').system('true')"), "cannot evaluate the symbol"),
    (S[j] - sp.IndexedBase("os.system")[j], "unknown family"),
])
def test_an_unsupported_form_is_a_clear_error(expr, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_expression(expr, "softmax-cross-entropy-grad", 5, points=8)


@pytest.mark.parametrize("call, message", [
    (lambda: check_at_scale("softmax-jacobian", 5, points=4), "more than 4 points"),
    (lambda: check_at_scale("softmax-jacobian", 1, points=8), "at least 2"),
    (lambda: check_at_scale("softmax-jacobian", 5, points=8, directions=0), "one direction"),
    (lambda: instance("softmax-jacobian", 5, "textbook"), "unknown form"),
    (lambda: check_expression(S[j] - y[j], "softmax-cross-entropy-grad", 0), "at least 2"),
    (lambda: check_expression(S[j] - y[j], "softmax-cross-entropy-grad", 5, labels="one-hot"),
     "labels"),
    (lambda: check_at_scale("softmax-jacobian", 5, points=8, wrt="W"), "takes no --wrt"),
])
def test_bad_arguments_are_input_errors(call, message):
    with pytest.raises(InputError, match=message):
        call()


def test_the_report_says_what_was_compared():
    text = check_text(check_at_scale("softmax-jacobian", 16, points=10, seed=3))
    assert "passed" in text and "N = 16" in text and "seed 3" in text
    report = check_at_scale("softmax-jacobian", 16, points=10)
    assert "central differences along v" in report.comparisons[0].name


def test_the_same_seed_gives_the_same_report():
    a = check_at_scale("softmax-cross-entropy-grad", 100, points=10, seed=5)
    b = check_at_scale("softmax-cross-entropy-grad", 100, points=10, seed=5)
    assert a == b


def test_the_bench_runs_quickly_and_returns_rows(capsys):
    from bench.numeric import main
    rows = main(quick=True)
    assert len(rows) == 4
    for row in rows[:3]:
        assert row["passed"] and row["same_errors"]
        assert row["derive_s"] > 0 and row["numpy_s"] > 0 and row["ratio"] > 0
    assert "numeric checks" in capsys.readouterr().out
