"""read_latex(): a table of LaTeX formulas and the text each becomes, the commands that must be
refused, and a few formulas checked end to end by verify()."""

import contextlib

import pytest

from derive.errors import InputError
from derive.read.parse import MAX_DEPTH, MAX_LENGTH, ParseError, parse
from derive.read.parse_latex import LatexClaim, looks_like_latex, read_latex
from derive.verdicts.verify import verify

J, LJ, SCE = "softmax-jacobian", "log-softmax-jacobian", "softmax-cross-entropy-grad"

# (LaTeX, the text it becomes); every text must also be accepted by derive.read.parse.
TRANSLATIONS = [
    # ---- index notation: juxtaposition stays juxtaposition (A B of matrices is A @ B) ------
    (r"S_i(\delta_{ij} - S_j)", "S_i (δ_ij - S_j)"),
    (r"S_i \left( \delta_{ij} - S_j \right)", "S_i (δ_ij - S_j)"),
    (r"S_{i}\,(\delta_{ij}-S_{j})", "S_i (δ_ij - S_j)"),
    (r"S_i\;\big(\delta_{ij}\!-\quad S_j\big)", "S_i (δ_ij - S_j)"),
    (r"S_i \left[ \delta_{ij} - S_j \right]", "S_i (δ_ij - S_j)"),
    (r"S_i \cdot \delta_{ij} - S_i \times S_j", "S_i·δ_ij - S_i*S_j"),
    (r"\delta_{i j}", "δ_ij"),
    (r"\delta_{i,j}", "δ_ij"),
    (r"\delta(i, j)", "delta(i, j)"),
    (r"S_{12}", "S_12"),
    (r"\hat{y}_j - y_j", "yhat_j - y_j"),
    (r"\hat y_j - y_j", "yhat_j - y_j"),
    (r"\hat{y_j} - y_j", "yhat_j - y_j"),
    (r"\mathbf{S} - \mathbf{y}", "S - y"),
    (r"\alpha_i + \lambda", "α_i + λ"),              # Greek constants, as in text
    (r"\boldsymbol{y} - \bm{S}", "y - S"),
    (r"\mathbf{S}_i - y_i", "S_i - y_i"),
    (r"SS", "S S"),                        # TeX letters are separate symbols
    (r"2S_i", "2 S_i"),
    # ---- matrices and transposes --------------------------------------------------------
    (r"\operatorname{diag}(S) - S S^\top", "diag(S) - S Sᵀ"),
    (r"\mathrm{diag}(S) - S S^T", "diag(S) - S Sᵀ"),
    (r"\text{diag}(S) - S S^{\intercal}", "diag(S) - S Sᵀ"),
    (r"\operatorname{diag}(\mathbf{S}) - \mathbf{S}\mathbf{S}^\mathsf{T}", "diag(S) - S Sᵀ"),
    (r"diag(S) - S S^{\top}", "diag(S) - S Sᵀ"),
    (r"\mathbb{I} - \mathrm{I} + I", "I - I + I"),
    (r"\operatorname{outer}(S, S)", "outer(S, S)"),
    # ---- exponentials, logarithms, sigmoid ----------------------------------------------
    (r"\frac{e^{z_i}}{\sum_{k=1}^{N} e^{z_k}}", "((e^(z_i))/(sum_k(e^(z_k))))"),
    (r"\dfrac{\exp(z_i)}{\sum_k \exp(z_k)}", "((exp(z_i))/(sum_k(exp(z_k))))"),
    (r"\tfrac{a}{b}", "((a)/(b))"),
    (r"\frac12 S", "((1)/(2)) S"),            # TeX reads one digit per bare argument
    (r"\exp\left(z_i\right)", "exp(z_i)"),
    (r"\exp z_i", "exp(z_i)"),
    (r"\sigma(z) - y", "sigmoid(z) - y"),
    (r"\log S_j", "log(S_j)"),
    (r"\log(S_j)", "log(S_j)"),
    (r"\ln S_j", "log(S_j)"),
    (r"\log \sum_k e^{z_k}", "log(sum_k(e^(z_k)))"),
    (r"\operatorname{softmax}(\mathbf{z})", "softmax(z)"),
    (r"x^{2}", "x^(2)"),
    (r"x^2", "x^(2)"),
    (r"x^{-1}", "x^(-1)"),
    (r"x^{2}3", "x^(2) 3"),                 # x^23 has two readings: see test_readings.py
    (r"\frac{a}{b}^{2}", "((a)/(b))^(2)"),
    (r"\frac{a}{b} / \frac{c}{d}", "((a)/(b))/((c)/(d))"),   # a fraction is one value
    (r"S_i^2", "S_i^(2)"),
    (r"9^{9^{9^{9}}}", "9^(9^(9^(9)))"),     # just text: the claim reader bounds exponents
    # ---- sums: the sum covers the rest of its product, and no further ---------------------
    (r"\sum_k y_k (\delta_{jk} - S_j)", "sum_k(y_k (δ_jk - S_j))"),
    (r"\sum_{k} y_k - y_j", "sum_k(y_k) - y_j"),
    (r"S_j \sum_{k=1}^{N} y_k - y_j", "S_j sum_k(y_k) - y_j"),
    (r"\sum\limits_{k=1}^N y_k", "sum_k(y_k)"),
    (r"-\sum_k y_k \log S_k + 1", "-sum_k(y_k log(S_k)) + 1"),
    (r"\sum_k \sum_{l} y_k y_l", "sum_k(sum_l(y_k y_l))"),
    (r"\sum_k^N y_k", "sum_k(y_k)"),
    (r"\sum_{k=2}^{N} y_k S_j - y_j", "Sum(y_k S_j, (k, 2, N)) - y_j"),   # other limits
    (r"\sum_{k=1}^{N-1} y_k", "Sum(y_k, (k, 1, N - 1))"),
    (r"\sum_{k=2} y_k", "Sum(y_k, (k, 2, N))"),
    # ---- delimiters ---------------------------------------------------------------------
    (r"$S - y$", "S - y"),
    (r"$$ S - y $$", "S - y"),
    (r"\[S - y\]", "S - y"),
    (r"\(S - y\)", "S - y"),
    ("  S −\ny  ", "S - y"),
]


@pytest.mark.parametrize("latex, text", TRANSLATIONS)
def test_translation(latex, text):
    claim = read_latex(latex)
    assert claim == LatexClaim(text, None, latex)
    parse(claim.text)   # the text notation's own parser accepts what we wrote


# (LaTeX, its left side, the right side as text)
LEFT_SIDES = [
    (r"\frac{\partial L}{\partial z_j} = S_j - y_j", ("L", "z_j"), "S_j - y_j"),
    (r"\frac{\partial S_i}{\partial z_j} = S_i(\delta_{ij}-S_j)", ("S_i", "z_j"),
     "S_i (δ_ij - S_j)"),
    (r"\frac{\partial \log S_i}{\partial z_j} = \delta_{ij} - S_j", ("log S_i", "z_j"),
     "δ_ij - S_j"),
    (r"\partial \log S_i / \partial z_j = \delta_{ij} - S_j", ("log S_i", "z_j"),
     "δ_ij - S_j"),
    (r"\nabla_z L = S - y", ("L", "z"), "S - y"),
    (r"\nabla_{\mathbf{z}} \mathcal{L} = S - y", ("L", "z"), "S - y"),
    (r"\frac{\partial L}{\partial z} = \hat{y} - y", ("L", "z"), "yhat - y"),
    (r"$\dfrac{\partial L}{\partial z_{j}} = S_j - y_j$", ("L", "z_j"), "S_j - y_j"),
]


@pytest.mark.parametrize("latex, lhs, text", LEFT_SIDES)
def test_left_side(latex, lhs, text):
    claim = read_latex(latex)
    assert (claim.lhs, claim.text, claim.source) == (lhs, text, latex)


# (LaTeX, what the one-line message must contain); every message names a column.
ERRORS = [
    (r"\input{x}", r"\input at column 1"),
    (r"S - \include{x}", r"\include at column 5"),
    (r"\write18{ls}", r"\write at column 1"),
    (r"\def\a{b}", r"\def at column 1"),
    (r"\csname x\endcsname", r"\csname at column 1"),
    (r"\newcommand{\x}{y}", r"\newcommand at column 1"),
    (r"\xi_i", r"\xi at column 1"),
    (r"\frac{a}", r"argument of \frac at column 9"),
    (r"S_{i", "'{' at column 3 is never closed"),
    (r"S_j - y_j }", "unmatched '}' at column 11"),
    (r"\sum y_k", "a sum runs over one index letter"),   # limits 0..N: test_readings.py
    (r"\sum_{k=}^{N} y_k", "a sum runs over one index letter"),
    (r"\sum_{kl} y_k", "a sum runs over one index letter"),
    (r"\sum_k", "expected a factor at column 7"),
    (r"a = b = c", "second '=' at column 7"),
    (r"S = y", "expected a derivative"),
    (r"\frac{\partial L}{\partial z_j} =", "empty"),
    (r"\left\{ S \right\}", r"\left at column 1 must be followed by"),
    (r"S % \input{x}", "'%' at column 3"),
    (r"S_i^2^3", "a second ^ at column 6"),
    (r"S_i_j", "a second _ at column 4"),
    (r"(S)_i", "subscript belongs on a name at column 4"),
    (r"x^", "argument of ^ at column 3"),
    (r"S \cdot", "expected a factor at column 8"),
    (r"\partial S", r"\partial at column 1"),
    (r"S^\top \top", r"\top at column 8"),
    (r"\hat{S S}", "expected } at column 8"),
    (r"S_{i+1}", "letters and numbers, found '+' at column 5"),
    (r"S_{1.5}", "letters and numbers, found '1.5' at column 4"),
    (r"outer(S, S", "expected ) at column 11"),
    (r"(S, y)", "expected ) at column 3"),
    ("", "empty"),
    ("$$", "empty"),
    ("$S", "'$' at column 1"),
    ("{" * (MAX_DEPTH + 1) + "S" + "}" * (MAX_DEPTH + 1), "nested more than"),
    ("(" * 400 + "S" + ")" * 400, "nested more than"),
    (r"\hat " * 300 + "y", "nested more than"),
    (r"\sum_k " * 200 + "y_k", "nested more than"),
    ("S" * (MAX_LENGTH + 1), "at most"),
]


@pytest.mark.parametrize("latex, message", ERRORS, ids=[latex[:24] for latex, _ in ERRORS])
def test_error(latex, message):
    with pytest.raises(ParseError) as caught:
        read_latex(latex)
    assert message in str(caught.value)
    assert "column" in str(caught.value) or "characters" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, InputError)


def test_not_text():
    with pytest.raises(ParseError, match="must be text"):
        read_latex(None)


def test_the_longest_inputs_are_read_or_refused():
    # Every token is read once, so these finish at once; speed is measured in bench/,
    # not asserted here (timed asserts are flaky on shared machines).
    worst = [r"x^{" * 20 + "1" + "}" * 20 + " + " + "a" * (MAX_LENGTH - 100),
             r"\frac{a}{b}" * (MAX_LENGTH // 12), "=" * MAX_LENGTH, "(" * MAX_LENGTH]
    for latex in worst:
        with contextlib.suppress(ParseError):
            read_latex(latex)


@pytest.mark.parametrize("source, expected", [
    ("S - y", False),
    ("S_i*(delta(i,j) - S_j)", False),
    ("diag(S) - S Sᵀ", False),
    ("\\hat{y}_j - y_j", True),
    ("e^{z_i}", True),
    ("S_{i}", True),
    ("$S - y$", True),
])
def test_looks_like_latex(source, expected):
    assert looks_like_latex(source) is expected


# (LaTeX, target, verdict): the translation means what the LaTeX means.
END_TO_END = [
    (r"S_i(\delta_{ij} - S_j)", J, "holds"),
    (r"\operatorname{diag}(\mathbf{S}) - \mathbf{S}\mathbf{S}^\top", J, "holds"),
    (r"\frac{\partial L}{\partial z_j} = \hat{y}_j - y_j", SCE, "holds"),
    (r"\frac{e^{z_j}}{\sum_{k=1}^{N} e^{z_k}} - y_j", SCE, "holds"),
    (r"S_j \sum_{k} y_k - y_j", SCE, "holds"),
    (r"\frac{\partial \log S_i}{\partial z_j} = \delta_{ij} - S_j", LJ, "holds"),
    (r"S_i(1 - S_j)", J, "fails"),
]


@pytest.mark.parametrize("latex, target, verdict", END_TO_END)
def test_end_to_end(latex, target, verdict):
    assert verify(read_latex(latex).text, against=target, classes=3).verdict == verdict
