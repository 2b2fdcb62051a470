"""One notation, one reading (issue 20, class 2): a written form that both readers accept
means the same claim in both; a power binds to its base before a function applied without
parentheses; what has two readings is refused with both named; "read as" shows what was
understood, and reads back to it."""

import pytest
import sympy as sp

from derive.catalog import get_target
from derive.claims import claim_for
from derive.functions import S, j, y, z
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
