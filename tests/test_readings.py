"""One notation, one reading (issue 20, class 2): a written form that both readers accept
means the same claim in both; a power binds to its base before a function applied without
parentheses; what has two readings is refused with both named; "read as" shows what was
understood, and reads back to it."""

import pytest
import sympy as sp

from derive.catalog import get_target
from derive.claims import claim_for
from derive.errors import InputError
from derive.functions import S, j, y, z
from derive.parse import ParseError
from derive.parse_latex import looks_like_latex, read_latex

GRADIENT = get_target("softmax-cross-entropy-grad").problem(3)
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
    (r"S_i j", "S_i*j"),
    (r"S_iS_j", "S_i*S_j"),                 # no reading of 'iS' as one subscript
    (r"S_j^{23}", "S_j^(23)"),
    (r"S_j^{2}3", "S_j^(2)*3"),
    (r"S_j^2 y_j", "S_j^(2)*y_j"),
    (r"S_j^2y_j", "S_j^(2)*y_j"),
    (r"S^2_j", "S_j^(2)"),                  # a digit takes no subscript: S_j²
    (r"2^{-1} S_j", "2^(-1)*S_j"),
    (r"e^{z_j}", "e^(z_j)"),
    (r"2e^{z_j}", "2*e^(z_j)"),
    (r"2 e^{z_j}", "2*e^(z_j)"),
    (r"2e", "2*e"),
    (r"10^{-2} S_j", "10^(-2)*S_j"),
    (r"S^T", "Sᵀ"),                         # of a vector, T is the transpose
    (r"(S - y)^T", "(S - y)ᵀ"),
    (r"S_i^\top", "S_iᵀ"),
    (r"S_i^{(T)}", "S_i^((T))"),
    # a sign after an explicit operator belongs to the factor, as in the text notation
    (r"S_j \cdot -y_j", "S_j*(-y_j)"),
    (r"S_j / -y_j^2", "S_j/(-y_j^(2))"),
]


@pytest.mark.parametrize("latex, text", UNAMBIGUOUS_LATEX)
def test_an_unambiguous_neighbour_is_read(latex, text):
    assert read_latex(latex).text == text


# (written form, target, a fragment of the message): refused by the claim reader, in
# whichever notation (limits are the claim reader's to check, in both).
REFUSED_CLAIMS = [
    (r"\sum_{k=0}^{N} y_k S_j - y_j", GRADIENT, "a sum over the classes runs within 1..3; got 0..3"),
    ("Sum(y_k S_j, (k, 0, N)) - y_j", GRADIENT, "a sum over the classes runs within 1..3; got 0..3"),
    (r"\sum_{k=1}^{M} y_k S_j - y_j", GRADIENT, "unknown symbol M"),
    (r"\sum_{k=1}^{N+1} y_k S_j - y_j", GRADIENT, "got 1..4"),
    (r"\operatorname{outer} S", JACOBIAN, "expected '(' after outer"),
    ("outer S", JACOBIAN, "outer is a function: write outer(…)"),
]


@pytest.mark.parametrize("source, problem, message", REFUSED_CLAIMS)
def test_refused_in_both_notations(source, problem, message):
    with pytest.raises(InputError) as caught:
        read(source, problem)
    assert message in str(caught.value)
