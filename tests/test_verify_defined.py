"""Verdicts on claims against a user's definition: right answers hold, wrong answers fail
with a counterexample and the diagnosis of the mistake, and nothing undefined holds."""

import re

import pytest

import derive
from derive.errors import InputError
from derive.testing import assert_derivative

CE = "L = -Σ_k y_k log(softmax(z)_k)"
WEIGHTED = "L = -Σ_k w_k y_k log(softmax(z)_k)"
TEMPERATURE = "S_i = softmax(z/T)_i"
SIGMOID_SE = "L = 1/2 Σ_k (σ(z_k) - y_k)^2"
SUM_TO_ONE = ("Σ_k y_k = 1",)


@pytest.mark.parametrize("claim, of, classes, assume, verdict, diagnosis", [
    ("S_j - y_j", CE, "N", SUM_TO_ONE, "holds", None),
    ("softmax(z)_k - y_k", CE, 3, SUM_TO_ONE, "holds", None),
    ("S_j Σ_k y_k - y_j", CE, "N", (), "holds", None),
    ("S_j Σ_k w_k y_k - w_j y_j", WEIGHTED, "N", (), "holds", None),
    ("S_j Σ_k w_k y_k - w_j y_j", WEIGHTED, 4, (), "holds", None),
    ("S_i(δ_ij - S_j)/T", TEMPERATURE, "N", (), "holds", None),
    # p and ŷ name the softmax output, as for a target; a family called p stays itself.
    ("p_j - y_j", CE, "N", SUM_TO_ONE, "holds", None),
    (r"\hat{y}_j - y_j", CE, 3, SUM_TO_ONE, "holds", None),
    ("p_j", "L = Σ_k p_k z_k", "N", (), "holds", None),
    ("σ(z_j)(1 - σ(z_j))(σ(z_j) - y_j)", SIGMOID_SE, "N", (), "holds", None),
    # Wrong answers, each with its mistake named.
    ("S_j - y_j", CE, 3, (), "fails",
     'your formula is the derivative under Σ_k y_k = 1, which was not assumed: add '
     '--assume "Σ_k y_k = 1"'),
    ("y_j - S_j", CE, 3, SUM_TO_ONE, "fails",
     "the sign is flipped: your formula is minus the derivative"),
    ("S_i(δ_ij - S_j)", TEMPERATURE, 3, (), "fails",
     "your formula is the derivative times T: the factor 1/T is missing"),
    ("a_j(δ_ij - a_i)/T", "a_i = softmax(z/T)_i", "N", (), "holds", None),   # symmetric
    ("(1 - tanh(Σ_r W_jr x_r)^2) W_ji", "h_i = tanh(Σ_r W_ir x_r)", 3, (), "fails",
     "the indices i and j are exchanged: your formula is the transpose"),
    ("σ(z_j) - y_j", SIGMOID_SE, "N", (), "fails", None),
])
def test_verdicts_on_claims_against_a_definition(claim, of, classes, assume, verdict,
                                                  diagnosis):
    wrt = "x" if "x_r" in of else "z"
    v = derive.verify(claim, of=of, wrt=wrt, classes=classes, assume=assume)
    assert v.verdict == verdict
    assert v.diagnosis == diagnosis
    if verdict == "fails":
        ce = v.counterexample
        assert abs(ce.claimed - ce.expected) > 1e-6 * (1 + abs(ce.expected))


LAYER = "L = -Σ_k y_k log(softmax(z)_k); z_k = Σ_{r=1}^{D} W_kr x_r + b_k"
LAYER_T = "L = -Σ_k y_k log(softmax(z)_k); z_k = Σ_{r=1}^{D} W_rk x_r + b_k"
QUADRATIC = "L = 1/2 xᵀ A x - bᵀ x"
BATCH = "L = -1/m Σ_{n=1}^{m} Σ_k Y_nk log(softmax(Z_n)_k)"


# Vector and matrix notation, read against the definition by the catalogue's claim reader.
@pytest.mark.parametrize("claim, of, wrt, classes, assume, verdict, diagnosis", [
    ("diag(S) - S Sᵀ", "S_i = softmax(z)_i", "z", "N", (), "holds", None),
    ("diag(a) - a aᵀ", "a_i = softmax(z)_i", "z", 3, (), "holds", None),
    (r"\operatorname{diag}(S) - S S^\top", "S_i = softmax(z)_i", "z", 3, (), "holds", None),
    ("(Σ_k w_k y_k) S - w * y", WEIGHTED, "z", "N", (), "holds", None),
    ("S - y", CE, "z", "N", SUM_TO_ONE, "holds", None),
    ("S - y", CE, "z", 3, (), "fails",
     'your formula is the derivative under Σ_k y_k = 1, which was not assumed: add '
     '--assume "Σ_k y_k = 1"'),
    ("(S - y) xᵀ", LAYER, "W", "N", ("Σ_k y_k = 1",), "holds", None),
    ("outer(S - y, x)", LAYER, "W", 3, ("Σ_k y_k = 1",), "holds", None),
    ("x (S - y)ᵀ", LAYER_T, "W", 3, ("Σ_k y_k = 1",), "holds", None),
    ("Wᵀ (S - y)", LAYER, "x", "N", ("Σ_k y_k = 1",), "holds", None),
    ("(y - S) xᵀ", LAYER, "W", 3, ("Σ_k y_k = 1",), "fails",
     "the sign is flipped: your formula is minus the derivative"),
    ("(S - Y)/m", BATCH, "Z", "N", ("Σ_k Y_nk = 1",), "holds", None),
    # At m = 2 (the batch of a concrete check), /2 is /m: every row's labels sum to one at
    # the points tried, as the assumption says (not the matrix as a whole).
    ("(S - Y)/2", BATCH, "Z", 3, ("Σ_k Y_nk = 1",), "holds", None),
    ("S - Y", BATCH, "Z", 3, ("Σ_k Y_nk = 1",), "fails",
     "your formula is the derivative times 2: the factor 1/2 is missing"),
    ("σ(z) - y", "L = -Σ_k (y_k log σ(z_k) + (1 - y_k) log(1 - σ(z_k)))", "z", "N", (),
     "holds", None),
    # A quadratic form: (A + Aᵀ) x, and the textbook 2 A x only for a symmetric A.
    ("(A + Aᵀ) x", "L = xᵀ A x", "x", "N", (), "holds", None),
    ("1/2 (A + Aᵀ) x - b", QUADRATIC, "x", "N", (), "holds", None),
    ("x xᵀ", "L = xᵀ A x", "A", "N", (), "holds", None),
    ("A x - b", QUADRATIC, "x", 3, (), "fails",
     "your formula holds only for a symmetric A (Aᵀ = A): the derivative has both A and Aᵀ"),
    ("2 Aᵀ x", "L = xᵀ A x", "x", 3, (), "fails",
     "your formula holds only for a symmetric A (Aᵀ = A): the derivative has both A and Aᵀ"),
    ("Aᵀ x", "L = xᵀ A x", "x", 3, (), "fails", None),
    ("W w", "L = wᵀ W x", "x", 3, (), "fails",
     "W is transposed: your formula has W where the derivative has Wᵀ (or the reverse); "
     "they agree only for a symmetric W"),
    ("softmax(z) - S", "L = -Σ_k S_k log(softmax(z)_k)", "z", "N", ("Σ_k S_k = 1",),
     "holds", None),   # the definition's softmax is P here: S is the labels
    # The constant 2 at N = 2 is also N times the derivative; the diagnosis is the one
    # that holds at the next N too.
    ("2", "L = Σ_k x_k", "x", 2, (), "fails",
     "your formula is the derivative times 2: the factor 1/2 is missing"),
])
def test_vector_claims_against_a_definition(claim, of, wrt, classes, assume, verdict,
                                            diagnosis):
    v = derive.verify(claim, of=of, wrt=wrt, classes=classes, assume=assume)
    assert (v.verdict, v.diagnosis) == (verdict, diagnosis)


@pytest.mark.parametrize("claim, of, wrt, message", [
    ("diag(S) - S Sᵀ", CE, "z", "∂L/∂z is a vector of N but 'diag(S) - S Sᵀ' is an N × N matrix"),
    ("exp(y - y)", "L = Σ_{r=1}^{D} x_r + Σ_k y_k^2", "x", "is a vector of D but"),
    # softmax(…) in a claim is a softmax the definition takes, never another one.
    ("2 (diag(softmax(z)) - outer(softmax(z), softmax(z)))", "S_i = softmax(2 z)_i", "z",
     "softmax(…) is read for the softmaxes the definition takes: softmax(2*z)"),
    ("T (diag(softmax(z/T)) - S Sᵀ)", "S_i = softmax(T z)_i", "z",
     "softmax(…) is read for the softmaxes the definition takes: softmax(T*z)"),
    ("softmax(z)", "L = Σ_k y_k z_k", "z", "the softmaxes the definition takes: none"),
    # The known names are the definition's: no S where it takes no softmax.
    ("y + Q", "L = Σ_k y_k z_k", "z", "unknown symbol Q; known: y, z, δ"),
    ("2 (S - y)", "L = -Σ_k (y_k log σ(2 z_k) + (1 - y_k) log(1 - σ(2 z_k)))", "z",
     "S is not a variable"),
    ("x (S - y)ᵀ", LAYER, "W", "transposed: the gradient ∂L/∂W has the shape of W, N × D, "
     "but your formula is D × N; the convention checked is z = W x + b, W of shape N × D; "
     "for z = Wᵀ x + b, W of shape D × N, write W_rk in the definition"),
    ("(S - y) x", LAYER, "W", "cannot combine a column of N and a column of D"),
    ("S - q", CE, "z", "mixes vector notation with an indexed entry (index q)"),
    # A Jacobian by a matrix is an N × N·D matrix (A ⊗ xᵀ) or an entry; the message speaks
    # of this one.
    ("(1 - h h) xᵀ", "h_i = tanh(Σ_{r=1}^{D} W_ir x_r + b_i)", "W",
     "the Jacobian ∂h/∂W is an N × N·D matrix (rows the outputs, columns W row by row) but "
     "'(1 - h h) xᵀ' is an N × D matrix: write its entry ∂h_i/∂W_jp"),
])
def test_vector_claims_of_the_wrong_shape_are_errors(claim, of, wrt, message):
    with pytest.raises(InputError, match=re.escape(message)):
        derive.verify(claim, of=of, wrt=wrt, assume=SUM_TO_ONE if "y_k log" in of else ())


def test_a_claim_that_divides_by_what_may_vanish_does_not_hold():
    v = derive.verify("(S_j - y_j) y_j / y_j", of=CE, wrt="z", classes=3, assume=SUM_TO_ONE)
    assert v.verdict == "undetermined"
    assert "divides by" in v.notes[0]
    # Dividing by a softmax output, positive by construction, is fine.
    assert derive.verify("(S_j - y_j) S_j / S_j", of=CE, wrt="z", classes=3,
                         assume=SUM_TO_ONE).verdict == "holds"
    # log(y_j/y_j) is 0 where y_j ≠ 0 only: what SymPy cancels is still read.
    v = derive.verify("S_j - y_j + log(y_j/y_j)", of=CE, wrt="z", classes="N",
                      assume=SUM_TO_ONE)
    assert v.verdict == "undetermined" and "y[j]" in v.notes[0]


ATTENTION = "a_i = exp(q·k_i/√d)/Σ_m exp(q·k_m/√d)"


@pytest.mark.parametrize("claim, of, wrt, assume, verdict", [
    (r"\frac{\partial L}{\partial z_j} = S_j - y_j", CE, "z", SUM_TO_ONE, "holds"),
    (r"S_j \sum_k y_k - y_j", CE, "z", (), "holds"),
    (r"\frac{\partial S_i}{\partial z_j} = \frac{S_i(\delta_{ij} - S_j)}{T}", TEMPERATURE,
     "z", (), "holds"),
    (r"\frac{\partial a_i}{\partial q_j} = a_i (k_{ij} - \sum_n a_n k_{nj})/\sqrt{d}",
     ATTENTION, "q", (), "holds"),
    (r"\frac{\partial L}{\partial z_j} = y_j - S_j", CE, "z", SUM_TO_ONE, "fails"),
])
def test_latex_claims_against_a_definition(claim, of, wrt, assume, verdict):
    v = derive.verify(claim, of=of, wrt=wrt, classes="N", assume=assume)
    assert v.verdict == verdict


@pytest.mark.parametrize("claim, message", [
    (r"\frac{\partial S_i}{\partial z_j} = S_j - y_j", r"∂S_i/∂z_j, but .* ∂L/∂z_j"),
    (r"\frac{\partial L}{\partial W_{ij}} = S_j - y_j", r"∂L/∂W_ij, but .* ∂L/∂z_j"),
])
def test_a_latex_left_side_must_be_the_definitions_derivative(claim, message):
    with pytest.raises(InputError, match=message):
        derive.verify(claim, of=CE, wrt="z", assume=SUM_TO_ONE)


def test_a_claim_in_other_names_is_refused():
    with pytest.raises(InputError, match="unknown symbol Q"):
        derive.verify("Q_j - y_j", of=CE, wrt="z")
    with pytest.raises(InputError, match="undefined as written"):
        derive.verify("S_j - y_j + 0/0", of=CE, wrt="z")
    with pytest.raises(InputError, match="cannot tell which free index"):
        derive.verify("S_a(δ_ab - S_b)", of="S_i = softmax(z)_i", wrt="z")
    with pytest.raises(InputError, match="not both"):
        derive.verify("S_j", against="softmax-jacobian", of=CE)


def test_assert_derivative_takes_a_definition():
    assert_derivative("S_j - y_j", of=CE, wrt="z", assume=SUM_TO_ONE, classes="N")
    with pytest.raises(AssertionError, match="fails"):
        assert_derivative("S_j + y_j", of=CE, wrt="z", assume=SUM_TO_ONE)


# --- NumPy functions against a definition: numeric evidence, labelled so ----------------
import numpy as np  # noqa: E402


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def weighted_grad(z, y, w):
    return _softmax(z) * (w * y).sum() - w * y


def weighted_grad_from_s(S, y, w):        # the intermediate S, given stably by derive
    return S * (w * y).sum() - w * y


def weighted_grad_naive(z, y, w):        # overflows at z = 1000
    S = np.exp(z) / np.exp(z).sum()
    return S * (w * y).sum() - w * y


def tanh_jacobian(W, x, b):
    return (1 - np.tanh(W @ x + b) ** 2)[:, None] * W


def l2_grad(W, x, b, y, lam):
    return np.outer(_softmax(W @ x + b) - y, x) + lam * W


TANH = "h_i = tanh(Σ_{r=1}^{D} W_ir x_r + b_i)"
L2 = ("L = -Σ_k y_k log(softmax(z)_k) + λ/2 Σ_k Σ_{r=1}^{D} W_kr^2; "
      "z_k = Σ_{r=1}^{D} W_kr x_r + b_k")


@pytest.mark.parametrize("function, of, wrt, assume, verdict, diagnosis", [
    (weighted_grad, WEIGHTED, "z", (), "holds", None),
    (weighted_grad_from_s, WEIGHTED, "z", (), "holds", None),
    (lambda z, y, w: -weighted_grad(z, y, w), WEIGHTED, "z", (), "fails",
     "the sign is flipped: your function returns minus the derivative"),
    (lambda z, y, w: 2 * weighted_grad(z, y, w), WEIGHTED, "z", (), "fails",
     "your function is the derivative times 2"),
    (weighted_grad_naive, WEIGHTED, "z", (), "fails",
     "your function returns inf or NaN (subtract the maximum before exp, or use a stable "
     "log-sum-exp)"),
    (tanh_jacobian, TANH, "x", (), "holds", None),
    (lambda W, x, b: tanh_jacobian(W, x, b).T, TANH, "x", (), "fails",
     "your function returns the transpose (rows and columns exchanged)"),
    (l2_grad, L2, "W", SUM_TO_ONE, "holds", None),
])
def test_numpy_functions_against_a_definition(function, of, wrt, assume, verdict, diagnosis):
    v = derive.verify(function, of=of, wrt=wrt, classes=3, assume=assume)
    assert v.verdict == verdict
    assert v.diagnosis == diagnosis
    assert "numeric evidence for a NumPy function, not a proof" in v.methods[0]
    if verdict == "fails":
        ce = v.counterexample
        assert not np.isfinite(ce.claimed) or abs(ce.claimed - ce.expected) > 1e-6


def test_a_function_with_a_parameter_the_definition_lacks_is_refused():
    with pytest.raises(InputError, match="parameter 'q' is not a variable of the definition"):
        derive.verify(lambda z, q: z, of=WEIGHTED, wrt="z", classes=3)
    with pytest.raises(InputError, match="concrete number of classes"):
        derive.verify(weighted_grad, of=WEIGHTED, wrt="z", classes="N")


def test_assert_derivative_takes_a_numpy_function_and_a_definition():
    assert_derivative(weighted_grad, of=WEIGHTED, wrt="z", classes=4)


def test_the_smoothing_of_a_target_may_be_zero():
    """ε of label smoothing lies in [0, 1): dividing by it is not allowed everywhere."""
    v = derive.verify("(S_j - q_j) eps / eps", against="label-smoothing-cross-entropy-grad",
                      classes=3)
    assert v.verdict == "undetermined"


def test_a_claim_undefined_where_the_logits_vanish_does_not_hold():
    # z is any real number (the definition only takes exponentials of it): 1/z_j may be
    # 1/0, so a claim that divides by it is not said to hold, even where it agrees.
    v = derive.verify("S_j Σ_k y_k - y_j + 2/(z_j + 1/z_j) - 2 z_j/(1 + z_j^2)", of=CE,
                      wrt="z", classes=3)
    assert v.verdict == "undetermined" and "divides by" in v.notes[0]


def test_a_factor_is_named_only_where_it_holds_at_the_next_n_too():
    # At N = 2 the extra factor 1/2 is also 1/N: the diagnosis names the one that holds.
    for classes in ("N", 2):
        v = derive.verify("S_i (δ_ij - S_j)", of="S_i = softmax(2 z)_i", wrt="z",
                          classes=classes)
        assert v.diagnosis == "your formula is the derivative divided by 2: an extra factor 1/2"


def _stable_softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def _scaled_softmax(z):
    return 1.01 * _stable_softmax(z)


@pytest.mark.parametrize("function, verdict", [(_stable_softmax, "holds"),
                                               (_scaled_softmax, "fails")])
def test_a_derived_form_that_overflows_is_taken_at_50_digits_there(function, verdict):
    # ∂/∂z_j log Σ_k e^{z_k} is derived as e^{z_j}/Σ_k e^{z_k}, NaN in float64 at z = 1000:
    # a stable function that is right there was once said to fail by 3.6e-15.
    from derive.verdicts.defined_code import check_definition_callable
    v = check_definition_callable(function, "L = log(Σ_k exp(z_k))", "z", 3)
    assert v.verdict == verdict, v
