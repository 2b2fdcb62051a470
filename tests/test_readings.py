"""One notation, one reading (issue 20, class 2): a written form that both readers accept
means the same claim in both; a power binds to its base before a function applied without
parentheses; what has two readings is refused with both named; "read as" shows what was
understood, and reads back to it."""

import pytest
import sympy as sp

from derive.catalog import get_target
from derive.read.claims import claim_for
from derive.errors import InputError
from derive.functions import S, j, y, z
from derive.read.parse import ParseError
from derive.read.parse_latex import looks_like_latex, read_latex

GRADIENT = get_target("softmax-cross-entropy-grad").problem(3)
K = sp.Symbol("k", integer=True, positive=True)
JACOBIAN = get_target("softmax-jacobian").problem(3)


def _sigmoid(x):
    return 1 / (1 + sp.exp(-x))


def read(source: str, problem=GRADIENT) -> sp.Expr:
    """The claim as ``derive check`` reads it: LaTeX when it looks like LaTeX, else text."""
    text = read_latex(source).text if looks_like_latex(source) else source
    return claim_for(text, problem).expr


# (written form, what it means): a power binds to its base before a function applied
# without parentheses applies, in both readers; with parentheses the call is the base.
POWERS = [
    ("log S_j^2", sp.log(S[j] ** 2)),
    ("log S_j²", sp.log(S[j] ** 2)),
    ("log S_j**2", sp.log(S[j] ** 2)),
    ("ln S_j^2", sp.log(S[j] ** 2)),
    (r"\log S_j^2", sp.log(S[j] ** 2)),
    (r"\ln S_j^{2}", sp.log(S[j] ** 2)),
    (r"\log{S_j}^2", sp.log(S[j] ** 2)),          # braces group, they do not call
    ("exp z_j^2", sp.exp(z[j] ** 2)),
    ("exp z_j²", sp.exp(z[j] ** 2)),
    (r"\exp z_j^2", sp.exp(z[j] ** 2)),
    ("σ z_j^2", _sigmoid(z[j] ** 2)),
    ("sigmoid z_j^2", _sigmoid(z[j] ** 2)),
    (r"\sigma z_j^2", _sigmoid(z[j] ** 2)),
    ("log S_j^2^3", sp.log(S[j] ** 8)),           # powers are right-associative
    ("log S_j^-1", sp.log(1 / S[j])),
    ("log log S_j^2", sp.log(sp.log(S[j] ** 2))),
    (r"\log \log S_j^2", sp.log(sp.log(S[j] ** 2))),
    ("log exp(z_j)^2", sp.log(sp.exp(2 * z[j]))),  # the call is the base of the power
    (r"\log \exp(z_j)^2", sp.log(sp.exp(2 * z[j]))),
    # ---- with parentheses the call is the base ----------------------------------------
    ("log(S_j)^2", sp.log(S[j]) ** 2),
    ("log (S_j)^2", sp.log(S[j]) ** 2),
    ("log(S_j)²", sp.log(S[j]) ** 2),
    ("(log S_j)^2", sp.log(S[j]) ** 2),
    ("(log S_j)²", sp.log(S[j]) ** 2),
    (r"\log(S_j)^2", sp.log(S[j]) ** 2),
    (r"\log\left(S_j\right)^2", sp.log(S[j]) ** 2),
    (r"\left(\log S_j\right)^{2}", sp.log(S[j]) ** 2),
    ("exp(z_j)^2", sp.exp(2 * z[j])),
    (r"\exp(z_j)^2", sp.exp(2 * z[j])),
    ("σ(z_j)^2", _sigmoid(z[j]) ** 2),
    (r"\sigma(z_j)^2", _sigmoid(z[j]) ** 2),
    # ---- the argument is one operand: what follows it multiplies ---------------------
    ("log S_j^2 y_j", sp.log(S[j] ** 2) * y[j]),
    (r"\log S_j^2 y_j", sp.log(S[j] ** 2) * y[j]),
    ("log 2 S_j", sp.log(2) * S[j]),
    (r"\log 2 S_j", sp.log(2) * S[j]),
    ("exp z_j/S_j", sp.exp(z[j]) / S[j]),
    (r"\exp z_j / S_j", sp.exp(z[j]) / S[j]),
    ("exp z_j (1 - S_j)", sp.exp(z[j]) * (1 - S[j])),
    ("softmax z - y", S[j] - y[j]),
    (r"\operatorname{softmax} z - y", S[j] - y[j]),
]


@pytest.mark.parametrize("source, meaning", POWERS)
def test_a_power_binds_to_its_base_before_the_function(source, meaning):
    assert read(source) == meaning


# (LaTeX, a fragment of the one-line message): a written form with two readings is refused
# with both named and what to write for each, at the column where it starts.
AMBIGUOUS_LATEX = [
    # a number glued to e and digits: the number (text, Python) or a product (TeX)
    (r"S_j - 1e-2", "'1e-2' at column 7 is ambiguous: the number 0.01, or 1·e − 2; "
                    r"write 10^{-2} (or 0.01) for the number, or 1 \cdot e - 2 for the product"),
    (r"3E5 S_j", r"'3E5' at column 1 is ambiguous: the number 300000, or 3·E·5; "
                 r"write 3 \cdot 10^{5} (or 300000)"),
    (r"\hat{y}_j - 2.5e+3", r"'2.5e+3' at column 13 is ambiguous: the number 2500, or "
                            r"2.5·e + 3; write 2.5 \cdot 10^{3} (or 2500)"),
    (r"S_j - 1e−2", "'1e−2' at column 7 is ambiguous: the number 0.01, or 1·e − 2"),
    (r"S_j 2e3", "'2e3' at column 5 is ambiguous: the number 2000, or 2·e·3"),
    # a script of more than one character: the text notation's (all of it) or TeX's (one)
    (r"S_i(\delta_ij - S_j)", r"'\delta_ij' at column 5 is ambiguous: \delta_{ij}, or "
                              r"\delta_{i} j as TeX sets it (one character per subscript); "
                              r"write \delta_{ij} or \delta_{i} j"),
    (r"S_ij", "'S_ij' at column 1 is ambiguous: S_{ij}, or S_{i} j"),
    (r"\hat{y}_12", r"'\hat{y}_12' at column 1 is ambiguous: \hat{y}_{12}, or \hat{y}_{1} 2"),
    (r"\sum_kl y_k", r"'\sum_kl' at column 1 is ambiguous: \sum_{kl}, or \sum_{k} l"),
    (r"S_j^23", "'S_j^23' at column 1 is ambiguous: S_j^{23}, or S_j^{2} 3 as TeX sets it "
                "(one character per superscript); write S_j^{23} or S_j^{2} 3"),
    (r"S_j^2.5", "'S_j^2.5' at column 1 is ambiguous: S_j^{2.5}, or S_j^{2} .5"),
    (r"2^-1 S_j", "'2^-1' at column 1 is ambiguous: 2^{-1}, or 2^{-} 1 as TeX sets it "
                  "(one character per superscript); write 2^{-1}"),
    (r"e^-z_j", "'e^-z_j' at column 1 is ambiguous: e^{-z_j}, or e^{-} z_j"),
    (r"e^z_j - y_j", "'e^z_j' at column 1 is ambiguous: e^{z_j}, or e_{j}^{z} as TeX sets it "
                     "(both scripts on e); write e^{z_j} or e_{j}^{z}"),
    # T after ^: the power T (text) or a transpose (LaTeX), where both could be meant
    (r"S_i^T", "'S_i^T' at column 1 is ambiguous: S_i to the power T, or S_i transposed; "
               r"write S_i^{(T)} for the power or S_i^\top for the transpose"),
    (r"S_{i}^{T} - y_i", "'S_{i}^{T}' at column 1 is ambiguous"),
    (r"e^T", "'e^T' at column 1 is ambiguous: e to the power T"),
    # a bracket after a name: an entry (text: S[1] is S_1) or a product (TeX)
    (r"S[1] - y", r"'S[' at column 1 is ambiguous: an entry of S (the text notation's S[i]), "
                  r"or S times a bracket; write S_{i} for an entry, or S \left[ … \right] for "
                  "the product"),
    (r"\hat{y}[j] - y_j", r"'\hat{y}[' at column 1 is ambiguous"),
]


@pytest.mark.parametrize("latex, message", AMBIGUOUS_LATEX)
def test_a_latex_form_with_two_readings_is_refused(latex, message):
    with pytest.raises(ParseError) as caught:
        read_latex(latex)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


# (LaTeX, its translation): the unambiguous neighbours of the refused forms still read.
UNAMBIGUOUS_LATEX = [
    (r"S_{ij}", "S_ij"),
    (r"\delta_{ij}", "δ_ij"),
    (r"S_i j", "S_i j"),
    (r"S_iS_j", "S_i S_j"),                 # no reading of 'iS' as one subscript
    (r"S_j^{23}", "S_j^(23)"),
    (r"S_j^{2}3", "S_j^(2) 3"),
    (r"S_j^2 y_j", "S_j^(2) y_j"),
    (r"S_j^2y_j", "S_j^(2) y_j"),
    (r"S^2_j", "S_j^(2)"),                  # a digit takes no subscript: S_j²
    (r"2^{-1} S_j", "2^(-1) S_j"),
    (r"e^{z_j}", "e^(z_j)"),
    (r"2e^{z_j}", "2 e^(z_j)"),
    (r"2 e^{z_j}", "2 e^(z_j)"),
    (r"2e", "2 e"),
    (r"10^{-2} S_j", "10^(-2) S_j"),
    (r"S^T", "Sᵀ"),                         # of a vector, T is the transpose
    (r"(S - y)^T", "(S - y)ᵀ"),
    (r"S_i^\top", "S_iᵀ"),
    (r"S_i^{(T)}", "S_i^((T))"),
    (r"e_c^T", "e_cᵀ"),                     # the one-hot vector, transposed
    (r"S \left[ S - y \right]", "S (S - y)"),
    (r"S_i [\delta_{ij} - S_j]", "S_i (δ_ij - S_j)"),
    (r"2 [S - y]", "2 (S - y)"),
    # a sign after an explicit operator belongs to the factor, as in the text notation
    (r"S_j \cdot -y_j", "S_j·(-y_j)"),
    (r"S_j / -y_j^2", "S_j/(-y_j^(2))"),
]


@pytest.mark.parametrize("latex, text", UNAMBIGUOUS_LATEX)
def test_an_unambiguous_neighbour_is_read(latex, text):
    assert read_latex(latex).text == text


# (written form, target, a fragment of the message): refused by the claim reader, in
# whichever notation (limits are the claim reader's to check, in both).
REFUSED_CLAIMS = [
    (r"\sum_{k=0}^{N} y_k S_j - y_j", GRADIENT, "a sum over the classes runs within 1..3; "
                                                "got 0..3"),
    ("Sum(y_k S_j, (k, 0, N)) - y_j", GRADIENT, "a sum over the classes runs within 1..3; "
                                                "got 0..3"),
    (r"\sum_{k=1}^{M} y_k S_j - y_j", GRADIENT, "unknown symbol M"),
    (r"\sum_{k=1}^{N+1} y_k S_j - y_j", GRADIENT, "got 1..4"),
    (r"\operatorname{outer} S", JACOBIAN, "expected '(' after outer"),
    ("outer S", JACOBIAN, "outer is a function with no argument here: write outer(…)"),
]


@pytest.mark.parametrize("source, problem, message", REFUSED_CLAIMS)
def test_refused_in_both_notations(source, problem, message):
    with pytest.raises(InputError) as caught:
        read(source, problem)
    assert message in str(caught.value)


# (text, LaTeX): the same written claim in the two notations; each must read to the same
# SymPy expression for the target (structurally: the same tree, not only the same value).
GRADIENT_PAIRS = [
    ("log S_j^2 - y_j", r"\log S_j^2 - y_j"),
    ("log S_j² - y_j", r"\log S_j^{2} - y_j"),
    ("exp z_j^2 - y_j", r"\exp z_j^2 - y_j"),
    ("log(S_j)^2 - y_j", r"\log(S_j)^2 - y_j"),
    ("log(S_j)^2 - y_j", r"\log\left(S_j\right)^2 - y_j"),
    ("σ z_j^2 - y_j", r"\sigma z_j^2 - y_j"),
    ("σ(z_j)^2 - y_j", r"\sigma(z_j)^2 - y_j"),
    ("log 2 S_j", r"\log 2 S_j"),
    ("log S_j y_j", r"\log S_j y_j"),
    ("exp z_j (1 - y_j)", r"\exp z_j (1 - y_j)"),
    ("exp(z_j) (1 - y_j)", r"\exp(z_j)(1 - y_j)"),
    ("e^(z_j)/Σ_k e^(z_k) - y_j", r"e^{z_j}/\sum_k e^{z_k} - y_j"),
    ("e^(z_j)/Σ_k e^(z_k) - y_j", r"\frac{e^{z_j}}{\sum_k e^{z_k}} - y_j"),
    ("exp(z_j)/Σ_k exp(z_k) - y_j", r"\exp(z_j)/\sum_{k=1}^{N} \exp(z_k) - y_j"),
    ("e^(z_j^2) - y_j", r"e^{z_j^2} - y_j"),
    ("e^2 z_j - y_j", r"e^2 z_j - y_j"),
    ("-S_j^2 + S_j - y_j", r"-S_j^2 + S_j - y_j"),
    ("-2^2 S_j", r"-2^2 S_j"),
    ("(-2)^2 S_j", r"(-2)^2 S_j"),
    ("2^(-1) S_j", r"2^{-1} S_j"),
    ("S_j^(-1) y_j", r"S_j^{-1} y_j"),
    ("S_j/y_j S_j", r"S_j/y_j S_j"),
    ("S_j/2 y_j", r"\frac{S_j}{2} y_j"),
    ("S_j/2 y_j", r"S_j/2 y_j"),
    ("S_j * -y_j", r"S_j \cdot -y_j"),
    ("S_j / -y_j^2", r"S_j / -y_j^2"),
    ("S_j^2 y_j", r"S_j^2 y_j"),
    ("e S_j", r"e S_j"),
    ("2e S_j - y_j", r"2e S_j - y_j"),
    ("2e^(z_j) - y_j", r"2e^{z_j} - y_j"),
    ("ŷ_j - y_j", r"\hat{y}_j - y_j"),
    ("softmax(z) - y", r"\operatorname{softmax}(z) - y"),
    ("softmax z - y", r"\operatorname{softmax} z - y"),
    ("S - y", r"\mathbf{S} - \mathbf{y}"),
    ("S_j Σ_k y_k - y_j", r"S_j \sum_k y_k - y_j"),
    ("Σ_k y_k S_j - y_j", r"\sum_{k=1}^{N} y_k S_j - y_j"),
    ("S_j Σ_{k=2}^N y_k - y_j", r"S_j \sum_{k=2}^{N} y_k - y_j"),
    ("S_j Σ_{k=1}^{N−1} y_k - y_j", r"S_j \sum_{k=1}^{N-1} y_k - y_j"),
    ("S_j Sum(y_k, (k, 2, N)) - y_j", r"S_j \sum_{k=2}^{N} y_k - y_j"),
    ("S_j Σ_k^N y_k - y_j", r"S_j \sum_k^N y_k - y_j"),
    ("-Σ_k y_k log S_k + S_j", r"-\sum_k y_k \log S_k + S_j"),
    ("Σ_k (1 - y_k) S_k - y_j", r"\sum_k (1 - y_k) S_k - y_j"),   # Σ takes the product
    ("Σ_k(y_k) S_k - y_j", r"\sum_k(y_k) S_k - y_j"),
    ("sqrt(S_j) - y_j", r"\sqrt{S_j} - y_j"),
    ("sqrt(S_j) - y_j", r"sqrt(S_j) - y_j"),          # a function's name is a call in both
    ("S sum(y) - y", r"S sum(y) - y"),
    ("yhat - y", r"yhat - y"),                        # a name of the text notation, not y·h·a·t
    ("yhat_j - y_j", r"\operatorname{yhat}_j - y_j"),
    ("log Σ_k exp(z_k) + z_j", r"\log \sum_k \exp(z_k) + z_j"),
]

JACOBIAN_PAIRS = [
    ("S_i (δ_ij - S_j)", r"S_i (\delta_{ij} - S_j)"),
    ("S_i δ_ij - S_i S_j", r"S_i \delta_{ij} - S_i S_j"),
    ("S_i (delta(i, j) - S_j)", r"S_i (delta(i, j) - S_j)"),
    ("S_i (delta_ij - S_j)", r"S_i (delta_{ij} - S_j)"),
    ("S_i (KroneckerDelta(i, j) - S_j)", r"S_i (KroneckerDelta(i, j) - S_j)"),
    ("diag(S) - S Sᵀ", r"\operatorname{diag}(S) - S S^\top"),
    ("diag S - S Sᵀ", r"\operatorname{diag} S - S S^T"),
    ("diag(S) - outer(S, S)", r"\operatorname{diag}(S) - \operatorname{outer}(S, S)"),
    ("exp(z_i) (δ_ij Σ_k exp(z_k) - exp(z_j))/(Σ_k exp(z_k))^2",
     r"\frac{e^{z_i}(\delta_{ij} \sum_k e^{z_k} - e^{z_j})}{(\sum_k e^{z_k})^2}"),
    ("S_i^2 (δ_ij - S_j)/S_i", r"\frac{S_i^2 (\delta_{ij} - S_j)}{S_i}"),
    ("(S_i - S_i S_j)^2", r"(S_i - S_i S_j)^2"),
    ("log S_i^2 δ_ij - S_j", r"\log S_i^2 \delta_{ij} - S_j"),
    ("σ z_i^2 δ_ij - S_j", r"\sigma z_i^2 \delta_{ij} - S_j"),
    ("exp z_i^2 - S_j", r"\exp z_i^2 - S_j"),
    ("S_i(δ_ij - S_j) Σ_{k=2}^N S_k", r"S_i(\delta_{ij} - S_j) \sum_{k=2}^{N} S_k"),
]


SMOOTHING = get_target("label-smoothing-cross-entropy-grad").problem(3)
LAYER = get_target("linear-softmax-cross-entropy-grad").build(3, inputs=2)
OTHER_PAIRS = [
    (SMOOTHING, "S - (1 - eps) y - eps/N", r"S - (1 - eps) y - eps/N"),
    (SMOOTHING, "S - (1 - ε) y - ε/N", r"S - (1 - \varepsilon) y - \varepsilon/N"),
    (SMOOTHING, "S_j - (1 - epsilon) y_j - epsilon/N", r"S_j - (1 - epsilon) y_j - epsilon/N"),
    (LAYER, "(S - y) xᵀ", r"(S - y) x^\top"),
    (LAYER, "(S - y) xᵀ", r"(S - y) x^T"),
    (LAYER, "(S_i - y_i) x_j", r"(S_i - y_i) x_j"),
    (LAYER, "(S_i - y_i) x_j", r"(S_{i} - y_{i}) x_{j}"),
]


@pytest.mark.parametrize("problem, text, latex",
                         [(GRADIENT, t, l) for t, l in GRADIENT_PAIRS]
                         + [(JACOBIAN, t, l) for t, l in JACOBIAN_PAIRS] + OTHER_PAIRS,
                         ids=[l for _, l in GRADIENT_PAIRS + JACOBIAN_PAIRS]
                         + [l for _, _, l in OTHER_PAIRS])
def test_text_and_latex_read_the_same_claim(problem, text, latex):
    assert claim_for(text, problem).expr == claim_for(read_latex(latex).text, problem).expr


@pytest.mark.parametrize("text, latex", GRADIENT_PAIRS[-8:])
def test_text_and_latex_agree_for_every_n(text, latex):
    problem = get_target("softmax-cross-entropy-grad").problem(
        sp.Symbol("N", integer=True, positive=True))
    assert claim_for(text, problem).expr == claim_for(read_latex(latex).text, problem).expr


# (text, a fragment of the message): the text notation's own forms with two readings.
# 1e-2 with an ASCII minus is the number 0.01 (Python, NumPy); with a Unicode minus, as
# derive prints minus signs, it could as well be 1·e − 2.
AMBIGUOUS_TEXT = [
    ("S_j - 1e−2", "'1e−2' at column 7 is ambiguous: the number 0.01, or 1·e − 2; write "
                   "1e-2 (with the ASCII minus) or 0.01 for the number, or 1·e − 2 for the "
                   "product"),
    ("S_j - 2E–5", "'2E–5' at column 7 is ambiguous: the number 0.00002, or 2·E − 5"),
    ("S_j - 2.5e−1 y_j", "'2.5e−1' at column 7 is ambiguous: the number 0.25"),
    ("S_j Σ_{k=}^N y_k", "the sum at column 5 has an empty limit"),
]


@pytest.mark.parametrize("text, message", AMBIGUOUS_TEXT)
def test_a_text_form_with_two_readings_is_refused(text, message):
    with pytest.raises(ParseError) as caught:
        claim_for(text, GRADIENT)
    assert message in str(caught.value)


# (text, what it means): glued forms with one reading only.
UNAMBIGUOUS_TEXT = [
    ("S_j - 1e-2", S[j] - sp.Rational(1, 100)),     # the number, as in Python
    ("S_j - 2.5e+1", S[j] - 25),
    ("S_j - 1 e − 2", S[j] - sp.E - 2),
    ("S_j - 1·e−2", S[j] - sp.E - 2),
    ("2e S_j", 2 * sp.E * S[j]),                     # 2e is no number: 2·e
    ("2e^(z_j)", 2 * sp.exp(z[j])),
    ("2 e^z_j", 2 * sp.exp(z[j])),
    ("e^z_j - y_j", sp.exp(z[j]) - y[j]),           # in text the subscript is z's
    ("sum_k(y_k) S_j - y_j", S[j] * sp.Sum(y[K], (K, 1, 3)) - y[j]),   # a call: sum_k(…)
    ("S_j Σ_{k=2}^N y_k", S[j] * sp.Sum(y[K], (K, 2, 3))),
]


@pytest.mark.parametrize("text, meaning", UNAMBIGUOUS_TEXT)
def test_a_glued_text_form_with_one_reading_is_read(text, meaning):
    assert claim_for(text, GRADIENT).expr == meaning


@pytest.mark.parametrize("source, latex", [
    ("Σ_{k=2}^N y_k S_j - y_j", False),    # derive's own text output, braces and all
    ("S_{j} y_j²", False),
    ("δ_{ij} - S_j", False),
    ("S_{j} - y_j", True),
    (r"\log S_j", True),
    ("e^{z_j}", True),
])
def test_text_characters_mark_text(source, latex):
    assert looks_like_latex(source) is latex


# (text, LaTeX, target, verdict): the same written claim gets the same verdict, and is
# shown as read the same way, in both notations.
VERDICTS = [
    ("log S_j^2 - y_j", r"\log S_j^2 - y_j", "softmax-cross-entropy-grad", "fails",
     "log(S_j²) − y_j"),
    ("exp(z_j)/Σ_k exp(z_k) - y_j", r"\frac{e^{z_j}}{\sum_k e^{z_k}} - y_j",
     "softmax-cross-entropy-grad", "holds", "exp(z_j)/Σ_k exp(z_k) − y_j"),
    ("S_j Σ_{k=2}^N y_k - y_j", r"S_j \sum_{k=2}^{N} y_k - y_j", "softmax-cross-entropy-grad",
     "fails", "Σ_{k=2}^N y_k"),
    ("δ_ij - exp z_j/Σ_k exp z_k", r"\delta_{ij} - \exp z_j / \sum_k \exp z_k",
     "log-softmax-jacobian", "holds", "δ_ij − exp(z_j)/Σ_k exp(z_k)"),
    ("S_i (δ_ij - S_j^2)", r"S_i(\delta_{ij} - S_j^2)", "softmax-jacobian", "fails",
     "S_i(δ_ij − S_j²)"),
]


@pytest.mark.parametrize("text, latex, target, verdict, shown", VERDICTS)
def test_the_same_claim_gets_the_same_verdict(text, latex, target, verdict, shown):
    from derive.render.text import verdict_text
    from derive.verdicts.verify import verify
    typed, written = verify(text, against=target, classes=3), verify(latex, against=target,
                                                                      classes=3)
    assert typed.verdict == written.verdict == verdict
    assert typed.claim.expr == written.claim.expr
    read_as = [line for line in verdict_text(written).splitlines() if "claimed" in line][0]
    assert shown in read_as.split("(read as ")[1], read_as


@pytest.mark.parametrize("source, shown", [
    ("S_j Σ_{k=2}^N y_k - y_j", "S_j Σ_{k=2}^N y_k − y_j"),
    (r"S_j \sum_{k=1}^{N-1} y_k - y_j", "S_j Σ_{k=1}^2 y_k − y_j"),
    ("S_j Sum(y_k, (k, 1, N)) - y_j", "S_j Σ_k y_k − y_j"),
    ("log S_j^2 - y_j", "log(S_j²) − y_j"),
    ("log(S_j)^2 - y_j", "(log S_j)² − y_j"),
    ("exp z_j^2 - y_j", "exp(z_j²) − y_j"),
    ("exp(z_j)^2 - y_j", "exp(2 z_j) − y_j"),
    ("σ z_j^2 - y_j", "1/(1 + exp(−z_j²)) − y_j"),
    ("S_j - 1e-2", "S_j − 1/100"),
])
def test_read_as_shows_what_was_understood_and_reads_back(source, shown):
    from derive.render.unicode import text
    expr = read(source)
    assert text(expr, classes=3) == shown
    assert claim_for(shown, GRADIENT).expr == expr
