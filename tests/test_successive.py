"""Second derivatives: a repeated --wrt, the catalogue's Hessian, their steps, symmetry,
checks, verdicts and outputs (derive.calculus.successive)."""

import json

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner

from cli import main
from derive import derivation, verify
from derive.calculus.successive import gradient_definition
from derive.definitions import defined_derivation
from derive.second import _symmetry
from derive.errors import InputError, StepError
from derive.functions import sigmoid
from derive.read.definition import read_definition

N = sp.Symbol("N", integer=True, positive=True)
i, j, k = (sp.Symbol(c, integer=True, positive=True) for c in "ijk")
S, y, z, W, T = sp.IndexedBase("S"), sp.IndexedBase("y"), sp.IndexedBase("z"), \
    sp.IndexedBase("W"), sp.Symbol("T", positive=True)
delta = sp.KroneckerDelta
CE = "L = -Σ_k y_k log(softmax(z)_k)"
LAYER = "L = -Σ_k y_k log(softmax(z)_k); z_k = Σ_{r=1}^{D} W_kr x_r + b_k"
ONE = ("Σ_k y_k = 1",)

# (definition, variables, assumptions, the result for every N): every one derived, its
# steps proved and checked, its numeric check passed.
SECOND = [
    (CE, ("z", "z"), ONE, S[i] * (delta(i, j) - S[j])),
    (CE, ("z", "z"), (), S[i] * (delta(i, j) - S[j]) * sp.Sum(y[k], (k, 1, N))),
    ("L = logsumexp(z)", ("z", "z"), (), S[i] * (delta(i, j) - S[j])),
    ("L = -Σ_k (y_k log σ(z_k) + (1 - y_k) log(1 - σ(z_k)))", ("z", "z"), (),
     sigmoid(z[i]) * (1 - sigmoid(z[i])) * delta(i, j)),
    ("L = Σ_k softplus(z_k)", ("z", "z"), (), sigmoid(z[i]) * (1 - sigmoid(z[i])) * delta(i, j)),
    ("L = -Σ_k y_k log(softmax(z/T)_k)", ("z", "z"), ONE, S[i] * (delta(i, j) - S[j]) / T**2),
    (CE, ("z", "y"), (), S[i] - delta(i, j)),   # mixed: rows z_i, columns y_j
    (LAYER, ("b", "b"), ONE, S[i] * (delta(i, j) - S[j])),
]


@pytest.mark.parametrize("of, wrt, assume, expected", SECOND)
def test_a_second_derivative_is_the_first_differentiated_again(of, wrt, assume, expected):
    d = defined_derivation(of, wrt, assume=assume)
    assert sp.expand(d.result - expected) == 0, d.result
    assert d.check.passed and d.first.check.passed
    assert d.lhs == sp.Derivative(sp.Symbol("L"), sp.IndexedBase(wrt[0])[i],
                                  sp.IndexedBase(wrt[1])[j])
    # The first chain ends at the first derivative in the gradient's index i.
    assert d.first.lhs == sp.Derivative(sp.Symbol("L"), sp.IndexedBase(wrt[0])[i])
    assert d.first.steps[-1].rhs == d.first.result and d.first.result.has(i)
    assert all(s.check is not None and s.check.proved for s in (*d.first.steps, *d.steps))
    # Symmetric with respect to one variable twice, proved by the rules for every N.
    assert (d.symmetry is not None and d.symmetry.proved) == (wrt[0] == wrt[1])


def test_the_assumption_is_applied_after_the_second_differentiation():
    # y appears in the gradient: differentiated in y, its general form is the one to use.
    d = defined_derivation(CE, ("z", "y"), assume=ONE)
    assert sp.expand(d.result - (S[i] - delta(i, j))) == 0
    g = gradient_definition(read_definition(CE), z[j], S[j] * sp.Sum(y[k], (k, 1, N)) - y[j])
    assert g.body == S[i] * sp.Sum(y[k], (k, 1, N)) - y[i] and g.outputs == (i,)


def test_an_asymmetric_result_is_an_error_not_output():
    d = defined_derivation(CE, ("z", "z"), assume=ONE)
    wrong = S[i] * delta(i, j) - S[i] ** 2 * S[j]
    with pytest.raises(StepError, match="not symmetric"):
        _symmetry(wrong, d.definition, d.problem.variable, i, d.assumptions)


@pytest.mark.parametrize("of, wrt, message", [
    ("S_i = softmax(z)_i", ("z", "z"), "three indices"),
    (LAYER, ("W", "W"), "with respect to vectors"),
    (LAYER, ("x", "x"), "runs over the inputs D"),
    (CE, ("z", "z", "z"), "once .* or twice"),
    (CE, ("z", "q"), "does not occur"),
])
def test_what_is_not_a_matrix_is_refused_with_what_to_do(of, wrt, message):
    with pytest.raises(InputError, match=message):
        defined_derivation(of, wrt)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_the_catalogue_hessian_at_n(n):
    d = derivation("softmax-cross-entropy-hessian", n)
    s = sp.symbols(f"S_1:{n + 1}")
    assert d.matrix == sp.Matrix(n, n, lambda a, b: s[a] * (int(a == b) - s[b]))
    assert d.matrix == d.matrix.T and d.check.passed and d.exact.passed
    assert [st.rule for st in d.first.steps][-1] == "assumption"


def test_the_catalogue_hessian_is_the_definition_derived_twice():
    catalogue = derivation("softmax-cross-entropy-hessian", "N")
    mine = defined_derivation(CE, ("z", "z"), assume=ONE)
    assert catalogue.result == mine.result and catalogue.general == mine.general
    assert catalogue.symmetry == mine.symmetry


# (claim, extra arguments, verdict, diagnosis or None).
CLAIMS = [
    ("diag(S) - S Sᵀ", {}, "holds", None),
    ("S_i(δ_ij - S_j)", {}, "holds", None),
    ("∂²L/∂z_i∂z_j = S_i(δ_ij - S_j)", {}, "holds", None),
    ("∂²L/∂z_a∂z_b = S_a(δ_ab - S_b)", {}, "holds", None),
    ("d²L/dz² = diag(S) - S Sᵀ", {}, "holds", None),
    (r"\frac{\partial^2 L}{\partial z_i \partial z_j} = S_i(\delta_{ij} - S_j)", {}, "holds",
     None),
    ("H = Σ_k y_k (diag(S) - S Sᵀ)", {}, "holds", None),
    ("diag(S) - S Sᵀ", {"classes": "N"}, "holds", None),
    ("S Sᵀ - diag(S)", {}, "fails", "sign"),
    ("diag(S * (1 - S))", {}, "fails", "diagonal"),
    ("diag(S) - S Sᵀ + 1e-9", {}, "fails", None),
]


@pytest.mark.parametrize("claim, extra, verdict, diagnosis", CLAIMS)
def test_claims_about_the_hessian(claim, extra, verdict, diagnosis):
    for how in ({"against": "softmax-cross-entropy-hessian"},
                {"of": CE, "wrt": ("z", "z"), "assume": ONE}):
        v = verify(claim, **{"classes": 3, **extra, **how})
        assert v.verdict == verdict, (how, v)
        if diagnosis and "against" in how:
            assert diagnosis in v.diagnosis


# A mixed second derivative is not symmetric: the letters a left side or a label gives
# decide which index is the row (∂²L/∂z_i∂y_j = S_i − δ_ij).
@pytest.mark.parametrize("claim, verdict", [
    ("∂²L/∂z_b∂y_a = S_b - δ_ab", "holds"),
    ("∂²L/∂z_a∂y_b = S_b - δ_ab", "fails"),
    ("H_ji = S_j - δ_ij", "holds"),
    ("H_ji = S_i - δ_ij", "fails"),
    ("J_ij = S_i - δ_ij", "holds"),
    ("∂²L/∂z∂y_i = S_j - δ_ij", "holds"),      # one letter: the column; j is the row
    ("∂²L/∂z∂y_i = S_i - δ_ij", "fails"),
    ("∂²L/∂z_j∂y = S_j - δ_ij", "holds"),
    ("∂²L/∂z_j∂y = S_i - δ_ij", "fails"),
])
def test_a_mixed_left_side_names_rows_and_columns(claim, verdict):
    assert verify(claim, of=CE, wrt=("z", "y")).verdict == verdict


@pytest.mark.parametrize("claim, verdict", [
    ("J_ij = δ_ij - S_j", "holds"), ("J_ji = δ_ij - S_j", "fails"),
    ("∂L_a/∂z_b = δ_ab - S_b", "holds"), ("∂L_b/∂z_a = δ_ab - S_b", "fails"),
])
def test_a_jacobians_left_side_names_rows_and_columns_too(claim, verdict):
    assert verify(claim, of="L_i = log_softmax(z)_i", wrt="z").verdict == verdict


@pytest.mark.parametrize("claim, message", [
    ("∂L/∂z_j = S_j - y_j", "differentiated as ∂²L/∂z_i∂z_j"),
    ("∂²L/∂y_i∂z_j = S_i", "differentiated as ∂²L/∂z_i∂z_j"),
    ("H_i = S_i(δ_ij - S_j)", "names 1 of the 2 indices"),
    ("∂²L/∂z_k∂z_b = S_a(δ_ab - S_b)", "write the same letters on both sides"),
])
def test_a_left_side_of_another_order_is_refused(claim, message):
    with pytest.raises(InputError, match=message):
        verify(claim, of=CE, wrt=("z", "z"), assume=ONE)


def _hessian(z, y):
    s = np.exp(z - z.max())
    s /= s.sum()
    return np.diag(s) - np.outer(s, s)


def _diagonal(z, y):
    s = np.exp(z - z.max())
    s /= s.sum()
    return np.diag(s * (1 - s))


@pytest.mark.parametrize("function, verdict", [(_hessian, "holds"), (_diagonal, "fails")])
def test_a_numpy_hessian(function, verdict):
    assert verify(function, against="softmax-cross-entropy-hessian", classes=4).verdict == verdict


def test_show_prints_both_chains_and_the_symmetry():
    result = CliRunner().invoke(main, ["show", "--of", CE, "--wrt", "z", "--wrt", "z",
                                       "--assume", ONE[0], "-n", "N"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("first derivative:") < out.index("    ∂L/∂z_i") < out.index("∂²L/∂z_i∂z_j")
    assert "  ∂²L/∂z_i∂z_j = S_i(δ_ij − S_j)" in out and "matrix form: diag(S) − S Sᵀ" in out
    assert "symmetric, ∂²L/∂z_i∂z_j = ∂²L/∂z_j∂z_i: proved for every N" in out
    assert "finite differences of ∂L/∂z_i" in out


@pytest.mark.parametrize("arguments, message", [
    (["show", "softmax-cross-entropy-grad", "--wrt", "z", "--wrt", "z"], "goes with --of"),
    (["show", "--of", CE, "--wrt", "z", "--wrt", "z", "--wrt", "z"], "once"),
    (["check", "S", "--against", "softmax-jacobian", "--wrt", "z", "--wrt", "z"],
     "goes with --of"),
])
def test_the_cli_refuses_a_repeated_wrt_where_it_means_nothing(arguments, message):
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 2 and message in result.output, result.output


def test_json_markdown_and_latex_carry_the_first_derivative_and_the_symmetry():
    from derive.render.json import derivation_json
    from derive.render.latex import derivation_latex
    from derive.render.markdown import derivation_markdown
    d = derivation("softmax-cross-entropy-hessian", "N")
    data = json.loads(derivation_json(d))
    assert data["lhs"]["latex"] == r"\frac{\partial^{2} L}{\partial z_i \partial z_j}"
    assert data["first"]["result"]["text"] == "S_i − y_i"
    assert data["symmetry"]["proved_for_every_N"] and data["symmetry"]["exact_entries"] == 14
    for rendered in (derivation_latex(d), derivation_markdown(d)):
        assert "First derivative." in rendered and "Symmetric" in rendered


@pytest.mark.parametrize("of, assume, expected", [
    (CE, ONE, S[i] * (sp.IndexedBase("v")[i]
                      - sp.Sum(S[j] * sp.IndexedBase("v")[j], (j, 1, N)))),
    ("L = Σ_k softplus(z_k)", (), sigmoid(z[i]) * (1 - sigmoid(z[i])) * sp.IndexedBase("v")[i]),
])
def test_the_hessian_vector_product_is_derived_by_the_rules(of, assume, expected):
    d = defined_derivation(of, ("z", "z"), assume=assume)
    assert sp.expand(d.hvp.value - expected) == 0
    assert d.hvp.sizes == (1, 2, 3) and d.hvp.entries == 6


def test_a_mixed_second_derivative_has_no_vector_product():
    assert defined_derivation(CE, ("z", "y")).hvp is None


def test_a_rule_that_changed_the_vector_product_would_be_caught(monkeypatch):
    from derive.calculus import indexed, successive
    d = defined_derivation(CE, ("z", "z"), assume=ONE)
    original = indexed.sum_delta
    monkeypatch.setattr(indexed, "sum_delta",   # a broken rule: drops the picked term's sign
                        lambda expr, ranges, used=None: original(expr, ranges, used).replace(
                            lambda e: isinstance(e, sp.Indexed) and str(e.base) == "v"
                            and e.indices == (i,), lambda e: -e))
    with pytest.raises(StepError, match="differs from Σ_j H_ij v_j"):
        successive.hessian_vector_product(d.result, d.definition, i, j)


# ---- found by review: each was a wrong verdict, an untrue sentence or a refusal ---------

@pytest.mark.parametrize("claim, wrt, verdict", [
    ("2 S_i(δ_ij - S_j)", ("z", "z"), "holds"),   # Σ_k y_k = 2: symmetric, and checked
    ("S_i(δ_ij - S_j)", ("z", "z"), "fails"),
    ("2 S_j - y_j", "z", "holds"),
    ("S_j - y_j", "z", "fails"),                  # a counterexample with Σ_k y_k = 2
])
def test_an_assumption_with_another_sum_is_applied_and_sampled(claim, wrt, verdict):
    for classes in (3, "N"):
        v = verify(claim, of=CE, wrt=wrt, assume=("Σ_k y_k = 2",), classes=classes)
        assert v.verdict == verdict, (classes, v)


def test_a_mixed_second_derivative_in_matrix_notation_has_its_own_shape():
    v = verify("(diag(S) - S Sᵀ) W", of=LAYER, wrt=("b", "x"), assume=ONE)
    assert v.verdict == "holds"
    with pytest.raises(InputError, match=r"∂²L/∂z_i∂z is an N × N matrix"):
        verify("S - y", of=CE, wrt=("z", "z"))


def test_a_constant_is_not_a_variable():
    with pytest.raises(InputError, match="T: it is a scalar constant"):
        defined_derivation("L = -Σ_k y_k log(softmax(z/T)_k)", ("z", "T"), assume=ONE)


def test_a_failed_first_derivative_check_fails_the_second():
    # Written out, log Σ exp's gradient exp(z_i)/Σ exp(z_k) is NaN at z = 1000: the first
    # derivative's own numeric check fails there, and so does the command.
    result = CliRunner().invoke(main, ["show", "--of", "L = log(Σ_k exp(z_k))", "--wrt", "z",
                                       "--wrt", "z", "-n", "3", "--result-only"])
    assert result.exit_code == 1 and "definition FAILED" in result.output


# ---- found by the second review -------------------------------------------------------

@pytest.mark.parametrize("claim, of, verdict", [
    # A left side's letter renamed into the variable's must not be captured by a Σ_j.
    ("∂L/∂z_i = S_i Σ_j δ_ij y_j - y_i", CE, "fails"),
    ("∂L/∂z_i = Σ_j S_i y_j - y_i", CE, "holds"),
    ("S_i Σ_j δ_ij y_j - y_i", CE, "fails"),
    ("∂L_a/∂z_b = δ_ab - S_b Σ_j S_b", "L_i = log_softmax(z)_i", "fails"),
    ("∂L_a/∂z_b = δ_ab - S_b Σ_j δ_jb", "L_i = log_softmax(z)_i", "holds"),
])
def test_a_summation_letter_never_captures_a_renamed_one(claim, of, verdict):
    assert verify(claim, of=of, wrt="z").verdict == verdict


def test_a_left_side_naming_one_letter_twice_is_refused():
    with pytest.raises(InputError, match="one letter for two indices"):
        verify("∂L_i/∂z_i = 1 - S_i", of="L_i = log_softmax(z)_i", wrt="z")


@pytest.mark.parametrize("claim, verdict", [("(S_nj - Y_nj)/m", "holds"),
                                            ("(S_jn - Y_jn)/m", "holds"),
                                            ("(S_jn - Y_nj)/m", "fails")])
def test_a_batch_claims_letters_are_named_by_their_extents(claim, verdict):
    of = "L = -1/m Σ_{n=1}^{m} Σ_k Y_nk log(softmax(Z_n)_k)"
    assert verify(claim, of=of, wrt="Z", assume=("Σ_k Y_nk = 1",)).verdict == verdict


def _minus_three_y(z, y):
    return -3 * y


def _clipped_exp(z):
    return np.exp(np.minimum(z, 700.0))


def _exp(z):
    return np.exp(z)


@pytest.mark.parametrize("function, of, assume, verdict", [
    (_minus_three_y, CE, ("Σ_k y_k = 0",), "fails"),   # y ≡ 0 was sampled: "holds"
    (_clipped_exp, "L = Σ_k exp(z_k)", (), "fails"),    # finite where e^{1000} overflows
    (_exp, "L = Σ_k exp(z_k)", (), "holds"),            # the same infinity is right
])
def test_degenerate_samples_and_overflowing_derivatives_decide_nothing_wrong(
        function, of, assume, verdict):
    from derive.verdicts.defined_code import check_definition_callable
    assert check_definition_callable(function, of, "z", 3, assume=assume).verdict == verdict


@pytest.mark.parametrize("claim, classes, verdict", [("-y_j", 3, "holds"), ("-y_j", "N", "holds"),
                                                     ("0", 3, "fails"), ("0", "N", "fails")])
def test_labels_that_sum_to_zero(claim, classes, verdict):
    assert verify(claim, of=CE, wrt="z", assume=("Σ_k y_k = 0",),
                  classes=classes).verdict == verdict
