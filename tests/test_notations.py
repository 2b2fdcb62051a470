"""The notations people write, in text and LaTeX: each read, and decided as it should be.

One table: (claim, target, options, expected), where expected is a verdict or, for an
error, a fragment of its message.  The true forms hold, and a changed copy of each fails,
so the table cannot pass by reading everything as true.
"""

import pytest

from derive.errors import InputError
from derive.read.left_side import read_written
from derive.read.parse import ParseError
from derive.verdicts.verify import verify

J, LJ, CE = "softmax-jacobian", "log-softmax-jacobian", "cross-entropy-grad"
SCE, SP = "softmax-cross-entropy-grad", "sparse-softmax-cross-entropy-grad"
LAYER, LCE = "linear-softmax-jacobian", "linear-softmax-cross-entropy-grad"
BATCH, BCE = "batch-softmax-cross-entropy-grad", "sigmoid-binary-cross-entropy-grad"

NOTATIONS = [
    # ---- transposes in plain text: ^T and MATLAB's ' -------------------------------------
    ("diag(p) - p p^T", J, {}, "holds"),
    ("diag(p) - p^T p", J, {}, "fails"),            # pᵀp is a number: diag(p) minus it
    ("diag(S) - S S'", J, {}, "holds"),
    ("(S - y) x^T", LCE, {}, "holds"),
    ("x (S - y)^T", LCE, {}, "fails"),               # the transpose of ∂L/∂W
    ("W^T (S - y)", LCE, {"wrt": "x"}, "holds"),
    ("W' (S - y)", LCE, {"wrt": "x"}, "holds"),
    ("W (S - y)", LCE, {"wrt": "x", "inputs": 3}, "fails"),
    # ---- the all-ones vector, ⊘ and ⊙, ⊗ and kron ----------------------------------------
    ("I - 𝟙 Sᵀ", LJ, {}, "holds"),
    ("I - 𝟙 Sᵀ", LJ, {"classes": "N"}, "holds"),
    ("I - S 𝟙ᵀ", LJ, {}, "fails"),
    (r"I - \mathbf{1} S^{\top}", LJ, {}, "holds"),
    (r"I - \mathbb{1} S^\top", LJ, {}, "holds"),
    ("I - outer(ones, S)", LJ, {}, "holds"),
    ("-y ⊘ S", CE, {}, "holds"),
    ("-y ⊘ S", CE, {"classes": "N"}, "holds"),
    ("y ⊘ S", CE, {}, "fails"),
    (r"- y \oslash S", CE, {}, "holds"),
    ("S ⊙ (1 - S)", BCE, {}, "fails"),
    ("diag(S) - S ⊙ Sᵀ", J, {}, "error:cannot combine a column and a row with ⊙"),
    (r"\operatorname{diag}(S) - S \odot S", J, {}, "error:cannot combine"),
    ("(diag(S) - S Sᵀ) ⊗ xᵀ", LAYER, {}, "holds"),
    ("(diag(S) - S Sᵀ) ⊗ xᵀ", LAYER, {"classes": "N"}, "holds"),
    ("(diag(S) - S Sᵀ) ⊗ xᵀ", LAYER, {"classes": 2, "inputs": 4}, "holds"),
    ("kron(diag(S) - S Sᵀ, xᵀ)", LAYER, {}, "holds"),
    (r"\left(\operatorname{diag}(S) - S S^{\top}\right) \otimes x^{\top}", LAYER, {}, "holds"),
    ("(diag(S) + S Sᵀ) ⊗ xᵀ", LAYER, {}, "fails"),
    ("xᵀ ⊗ (diag(S) - S Sᵀ)", LAYER, {}, "fails:row by row"),
    ("(diag(S) - S Sᵀ) ⊗ x", LAYER, {}, "fails:A ⊗ bᵀ"),
    ("(diag(S) - S Sᵀ) ⊗ xᵀ", LAYER, {"wrt": "b"}, "fails:N × N·D"),
    ("((diag(S) - S Sᵀ) ⊗ xᵀ)ᵀ", LAYER, {}, "error:does not take its transpose"),
    # LaTeX juxtaposition of two matrices is their matrix product, as in text.
    (r"\operatorname{diag}(S) \left(I - \mathbf{1} S^\top\right)", J, {}, "holds"),
    ("diag(S) (I - 𝟙 Sᵀ)", J, {}, "holds"),
    ("diag(S) * (I - 𝟙 Sᵀ)", J, {}, "fails"),          # * is NumPy's elementwise product
    # · and \cdot multiply two matrices as matrices, × and \times as NumPy's * does.
    ("diag(S) · (I - 𝟙 Sᵀ)", J, {}, "holds"),
    (r"\operatorname{diag}(S) \cdot (I - \mathbf{1} S^\top)", J, {}, "holds"),
    ("diag(S) × (I - 𝟙 Sᵀ)", J, {}, "fails"),
    (r"\operatorname{diag}(S) \times (I - \mathbf{1} S^\top)", J, {}, "fails"),
    ("(𝟙 𝟙ᵀ) · (diag(S) - S Sᵀ)", J, {}, "fails"),      # 𝟙ᵀ J = 0: the product is 0
    # Kronecker products of two vectors are outer products, in either order.
    ("diag(S) - Sᵀ ⊗ S", J, {}, "holds"),
    ("xᵀ ⊗ (S - y)", LCE, {}, "holds"),
    ("diag(S) ⊗ xᵀ - S ⊗ (Sᵀ ⊗ xᵀ)", LAYER, {}, "error:derive reads the Kronecker product"),
    # A prime on a scalar may be a derivative; ^T of a scalar where T is the temperature
    # may be its power: refused, not guessed.
    ("σ(z_j)' - y_j", BCE, {}, "error:' after a number or an entry is not read"),
    ("(S_j - y_j)'", SCE, {}, "error:' after a number"),
    (r"\left(S_i(\delta_{ij} - S_j)\right)^{T} / T", "temperature-softmax-jacobian", {},
     "error:^T could be the power T"),
    # Roots of any degree, with a power after them.
    (r"\sqrt[3]{S_j^{27}}^{3} - y_j", SCE, {}, "fails"),
    (r"\sqrt[3]{S_j}^{3} - y_j", SCE, {}, "holds"),
    (r"\sqrt[0]{S_j} - y_j", SCE, {}, "error:divides by zero"),
    ("S_j - 𝟙_j", SCE, {}, "error:its entries are 1"),
    ("I_N - 𝟙 Sᵀ", LJ, {"classes": "N"}, "holds"),
    ("I_2 - 𝟙 Sᵀ", LJ, {}, "error:is not read"),
    # ---- piecewise: if/else and cases ---------------------------------------------------
    ("S_i(1-S_i) if i == j else -S_i S_j", J, {}, "holds"),
    ("S_i(1-S_i) if i==j else -S_i*S_j", J, {"classes": "N"}, "holds"),
    ("-S_i S_j if i != j else S_i(1-S_i)", J, {}, "holds"),
    ("S_i(1-S_i) if i != j else -S_i S_j", J, {}, "fails"),
    ("S_i if i == j else (0 if i == 1 else -S_i S_j)", J, {}, "fails"),
    (r"\begin{cases} S_i(1-S_i) & i = j \\ -S_i S_j & i \neq j \end{cases}", J, {}, "holds"),
    (r"\begin{cases} S_i(1-S_i) & \text{if } i = j \\ -S_i S_j & \text{otherwise} \end{cases}",
     J, {"classes": "N"}, "holds"),
    (r"\begin{cases} S_i(1+S_i) & i = j \\ -S_i S_j & \text{otherwise} \end{cases}", J, {},
     "fails"),
    (r"\begin{cases} S_i(1-S_i) & i = j \\ -S_i S_j & i = k \end{cases}", J, {},
     "error:a condition and its complement"),
    (r"\begin{pmatrix} 1 & 2 \end{pmatrix}", J, {}, "error:the cases environment only"),
    ("S_j if 1 else 0", SCE, {}, "error:expected a comparison of indices"),
    ("S_j if j == 1", SCE, {}, "error:expected 'else'"),
    # ---- indicators and one-hot ---------------------------------------------------------
    ("S_j - [j = c]", SP, {}, "holds"),
    ("S_j - [j = c]", SP, {"classes": "N"}, "holds"),
    ("S_j - [j ≠ c]", SP, {}, "fails"),
    ("S_j - 1_{j=c}", SP, {}, "holds"),
    ("S_j - 𝟙[j=c]", SP, {}, "holds"),
    ("S_j - 𝟙_{j=c}", SP, {}, "holds"),
    (r"S_j - \mathbb{1}[j=c]", SP, {}, "holds"),
    (r"S_j - \mathbb{1}_{j = c}", SP, {}, "holds"),
    (r"S_j - \mathbf{1}\{j = c\}", SP, {}, "holds"),
    (r"S_j - \mathbb{1}_{j \neq c}", SP, {}, "fails"),
    ("S_j - (j == c)", SP, {}, "holds"),
    ("S - onehot(c)", SP, {}, "holds"),
    ("S - one_hot(c)", SP, {"classes": "N"}, "holds"),
    ("S + one_hot(c)", SP, {}, "fails"),
    ("S - onehot(y)", SCE, {}, "holds"),
    ("S - onehot(S)", SCE, {}, "error:takes a class"),
    ("S_j - [S_j = c]", SP, {}, "error:compares two indices"),
    # ---- entries of calls, hats and bold ------------------------------------------------
    ("softmax(z)_i (δ_ij - softmax(z)_j)", J, {}, "holds"),
    ("softmax(z)_i (δ_ij - softmax(z)_j)", J, {"classes": "N"}, "holds"),
    ("softmax(z)_j (δ_ij - softmax(z)_i)", LJ, {}, "fails"),
    ("σ(z)_j - y_j", BCE, {}, "holds"),
    ("σ(z)_j + y_j", BCE, {}, "fails"),
    ("(S - y)_j", SCE, {"classes": "N"}, "holds"),
    ("(S - y)_jk", SCE, {}, "error:an entry takes one index of a vector"),
    (r"(\hat{Y} - Y)/m", BATCH, {}, "holds"),
    ("(Ŷ - Y)/m", BATCH, {}, "holds"),
    ("Ŷ - Y", BATCH, {}, "fails"),
    (r"\mathbf{S} - \mathbf{y}", SCE, {}, "holds"),
    (r"\hat{\mathbf{y}} - \mathbf{y}", SCE, {}, "holds"),
    # ---- left sides ---------------------------------------------------------------------
    ("dL/dz = S - y", SCE, {}, "holds"),
    ("dL/dz_j = S_j - y_j", SCE, {"classes": "N"}, "holds"),
    ("∂L/∂z_j = S_j - y_j", SCE, {}, "holds"),
    ("∇_z L = S - y", SCE, {}, "holds"),
    ("grad_z L = S - y", SCE, {}, "holds"),
    ("dz = S - y", SCE, {}, "holds"),
    ("dL_dz = S - y", SCE, {}, "holds"),
    ("J = diag(S) - S Sᵀ", J, {}, "holds"),
    ("J_kl = δ_kl - S_l", LJ, {}, "holds"),
    ("J_kl = δ_kl - S_k", LJ, {}, "fails:transposed"),
    (r"J_{kl} = \delta_{kl} - S_l", LJ, {}, "holds"),
    (r"J = \operatorname{diag}(S) - S S^\top", J, {}, "holds"),
    ("∂log S_i/∂z_j = δ_ij - S_j", LJ, {}, "holds"),
    ("∂S_t/∂W_ij = S_t(δ_ti - S_i) x_j", LAYER, {}, "holds"),
    ("dW = (S - y) x^T", LCE, {}, "holds"),
    ("dL/dZ = (S - Y)/m", BATCH, {}, "holds"),
    ("dW = (S - y) x^T", SCE, {}, "error:is not the derivative of"),
    ("dL/dz_j = S_i(δ_ij - S_j)", J, {}, "error:is not the derivative of"),
    ("L = S - y", SCE, {}, "error:cannot read the left side"),
    ("S - y =", SCE, {}, "error:nothing after '='"),
    ("dz = S - y = 0", SCE, {}, "error:a second '='"),
]


def _id(row):
    claim, target, options, expected = row
    return f"{claim}|{target}|{options}"


@pytest.mark.parametrize("claim, target, options, expected", NOTATIONS,
                         ids=[_id(r) for r in NOTATIONS])
def test_notation(claim, target, options, expected):
    kind, _, fragment = expected.partition(":")
    if kind == "error":
        with pytest.raises(InputError, match=None) as caught:
            verify(claim, against=target, **{"classes": 3, **options})
        assert fragment in str(caught.value), str(caught.value)
        return
    v = verify(claim, against=target, **{"classes": 3, **options})
    assert v.verdict == kind, (v.verdict, v.diagnosis, v.notes)
    if fragment:
        assert fragment in (v.diagnosis or ""), v.diagnosis


# The left side chooses the target when none is given.
@pytest.mark.parametrize("claim, target", [
    ("dL/dz = S - y", SCE),
    ("∂L/∂z_j = S_j - [j = c]", SP),
    (r"\frac{\partial L}{\partial z_j} = S_j - \mathbb{1}[j = c]", SP),
    ("dL/dz_j = S_j - delta(c, j)", SP),
    ("∂S_i/∂z_j = S_i(δ_ij - S_j)", J),
    ("d log(S_i)/d z_j = δ_ij - S_j", LJ),
    ("dz = σ(z) - y", BCE),
    ("dL/dx = W^T (S - y)", LCE),
])
def test_a_text_left_side_chooses_the_target(claim, target):
    v = verify(claim)
    assert v.verdict == "holds" and v.target == target


@pytest.mark.parametrize("written, lhs, text", [
    ("dL/dz = S - y", ("L", "z"), "S - y"),
    ("d log(S_i) / d z_j = δ_ij - S_j", ("log S_i", "z_j"), "δ_ij - S_j"),
    ("∂L/∂W_{i,j} = x", ("L", "W_ij"), "x"),
    ("∇_W L = x", ("L", "W"), "x"),
    ("dW = x", ("L", "W"), "x"),
    ("dLdz = x", ("L", "z"), "x"),
    ("J_klm = x", ("", "_klm"), "x"),
    ("J = x", None, "x"),
    ("g_k = x", ("", "_k"), "x"),
    ("Σ_{k=1}^N y_k", None, "Σ_{k=1}^N y_k"),       # '=' inside braces is a limit
    ("(i == j) - S_j", None, "(i == j) - S_j"),
    ("[j = c]", None, "[j = c]"),
])
def test_the_text_left_side(written, lhs, text):
    read = read_written(written)
    assert (read.lhs, read.text) == (lhs, text)


def test_a_left_side_with_a_definition():
    of = "L = -Σ_k y_k log(softmax(z)_k)"
    v = verify("dL/dz = S - y", of=of, assume=("Σ_k y_k = 1",))
    assert v.verdict == "holds"
    with pytest.raises(InputError, match="the left side is ∂L/∂W"):
        verify("dL/dW = S - y", of=of, assume=("Σ_k y_k = 1",))


@pytest.mark.parametrize("claim, expected", [
    ("S_i(1-S_i) if i == j else -S_i S_j", "holds"),
    ("S_i(1-S_i) if i != j else -S_i S_j", "fails"),
    ("S_i [i = j] - S_i S_j", "holds"),
    ("S_i - S_i [i ≠ j] - S_i S_j", "holds"),
    ("S_i - S_i [i = j] - S_i S_j", "fails"),
])
def test_indicators_and_conditionals_in_a_definitions_claim(claim, expected):
    assert verify(claim, of="S_i = softmax(z)_i").verdict == expected


@pytest.mark.parametrize("definition, result", [
    ("L_c = Σ_k z_k [k ≠ c]", "1 - KroneckerDelta(c, j)"),
    ("L_c = -Σ_k [k = c] log(softmax(z)_k)", "-KroneckerDelta(c, j) + S[j]"),
    ("L_c = -Σ_k (log(softmax(z)_k) if k == c else 0)", "-KroneckerDelta(c, j) + S[j]"),
])
def test_indicators_in_a_definition(definition, result):
    from derive.definitions import defined_derivation
    d = defined_derivation(definition, "z", 3)
    assert str(d.result) == result and d.check.passed


@pytest.mark.parametrize("text", ["[j c]", "S_j [j = c", "𝟙_{j=}", "if i == j else 1"])
def test_malformed_notations_are_one_clear_error(text):
    with pytest.raises(ParseError):
        verify(text, against=SP, classes=3)


@pytest.mark.parametrize("claim, of, classes, expected", [
    ("diag(1 - h ⊙ h) ⊗ xᵀ", "h_i = tanh(Σ_{r=1}^{D} W_ir x_r + b_i)", 3, "holds"),
    ("diag(1 - h ⊙ h) ⊗ xᵀ", "h_i = tanh(Σ_{r=1}^{D} W_ir x_r + b_i)", "N", "holds"),
    ("diag(1 + h ⊙ h) ⊗ xᵀ", "h_i = tanh(Σ_{r=1}^{D} W_ir x_r + b_i)", 3, "fails"),
    ("(diag(S) - S Sᵀ) ⊗ xᵀ", "S_i = softmax(W x + b)_i", 3, "holds"),
])
def test_a_kronecker_product_against_a_definition(claim, of, classes, expected):
    assert verify(claim, of=of, wrt="W", classes=classes).verdict == expected


@pytest.mark.parametrize("claim, expected", [
    # \cdot and · between numbers are products; between vectors a definition's dot product.
    (r"S_j \cdot \sum_k y_k - y_j", "holds"),
    ("S_j · Σ_k y_k - y_j", "holds"),
    (r"\mathrm{diag}(S) \cdot y - y", "fails"),
])
def test_a_dot_between_numbers_is_a_product_in_a_definitions_claim(claim, expected):
    of = "L = -Σ_k y_k log(softmax(z)_k)"
    assert verify(claim, of=of, wrt="z", classes=3).verdict == expected
