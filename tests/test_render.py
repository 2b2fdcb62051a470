"""Text and LaTeX printing: exact strings, the way a person writes them."""

import json

import pytest
import sympy as sp

from derive import TARGETS, derivation
from derive.functions import S, c, i, j, k, y, z
from derive.render.json import catalog_json, derivation_dict
from derive.render.latex import form_latex, latex
from derive.render.text import derivation_text, form_text, matrix_text, text

delta = sp.KroneckerDelta

EXPRESSIONS = [
    # (expression, text, latex)
    (S[i] * (delta(i, j) - S[j]), "S_i(δ_ij − S_j)", r"S_i \left(\delta_{ij} - S_j\right)"),
    (delta(i, j) - S[j], "δ_ij − S_j", r"\delta_{ij} - S_j"),
    (-y[j] / S[j], "−y_j/S_j", r"- \frac{y_j}{S_j}"),
    (S[j] - y[j], "S_j − y_j", "S_j - y_j"),
    (S[j] - delta(c, j), "S_j − δ_jc", r"S_j - \delta_{jc}"),
    (S[j] * sp.Sum(y[k], (k, 1, 3)) - y[j], "S_j Σ_k y_k − y_j", r"S_j \sum_{k} y_k - y_j"),
    (sp.Derivative(S[i], z[j]), "∂S_i/∂z_j", r"\frac{\partial S_i}{\partial z_j}"),
    (sp.Derivative(sp.log(S[i]), z[j]), "∂ log S_i/∂z_j",
     r"\frac{\partial \log S_i}{\partial z_j}"),
    (sp.Symbol("S_1") * (1 - sp.Symbol("S_1")), "S_1(1 − S_1)", r"S_1 \left(1 - S_1\right)"),
    (-sp.Symbol("S_1") * sp.Symbol("S_12"), "−S_1 S_12", r"- S_1 S_{12}"),
    (sp.Symbol("S_2")**2, "S_2²", "S_2^{2}"),
]


@pytest.mark.parametrize("expr, expected, _", EXPRESSIONS)
def test_text(expr, expected, _):
    assert text(expr) == expected


@pytest.mark.parametrize("expr, _, expected", EXPRESSIONS)
def test_latex(expr, _, expected):
    assert latex(expr) == expected


@pytest.mark.parametrize("name, plain, tex", [
    ("softmax-jacobian", "diag(S) − S Sᵀ", r"\operatorname{diag}(S) - S S^{\top}"),
    ("log-softmax-jacobian", "I − 𝟙 Sᵀ", r"I - \mathbf{1} S^{\top}"),
    ("cross-entropy-grad", "−y ⊘ S", r"- y \oslash S"),
    ("softmax-cross-entropy-grad", "S − y", "S - y"),
    ("sparse-softmax-cross-entropy-grad", "S − e_c", "S - e_c"),
])
def test_matrix_forms(name, plain, tex):
    d = derivation(name, 3, check=False)
    assert (form_text(d.form), form_latex(d.form)) == (plain, tex)


def test_general_form_of_softmax_cross_entropy():
    d = derivation("softmax-cross-entropy-grad", 3, check=False)
    assert form_text(d.general_form) == "(Σ_k y_k) S − y"


def test_large_matrices_are_elided_in_the_middle():
    shown = matrix_text(derivation("softmax-jacobian", 8, check=False).matrix)
    assert shown.count("\n") == 3 and "⋯" in shown and "S_8(1 − S_8)" in shown


def test_show_text_names_the_assumption_and_the_general_form():
    out = derivation_text(derivation("softmax-cross-entropy-grad", 3))
    assert "∂L/∂z_j = S_j − y_j" in out
    assert "assuming Σ_k y_k = 1" in out
    assert "in general: ∂L/∂z_j = S_j Σ_k y_k − y_j" in out
    assert "numeric check passed" in out


def test_json_round_trips_and_carries_everything():
    data = json.loads(json.dumps(derivation_dict(derivation("softmax-cross-entropy-grad", 3))))
    assert data["result"] == {"text": "S_j − y_j", "latex": "S_j - y_j"}
    assert data["assumptions"][0]["latex"] == r"\sum_{k} y_k = 1"
    assert data["check"]["passed"] is True and data["check"]["points"] > 0
    assert data["matrix"]["text"] == [["S_1 − y_1", "S_2 − y_2", "S_3 − y_3"]]


def test_catalog_json_lists_every_target():
    data = json.loads(catalog_json([derivation(t, 3, check=False) for t in TARGETS]))
    assert [row["target"] for row in data] == list(TARGETS)


def test_sums_with_a_symbolic_range_print_their_limits():
    import sympy as sp
    from derive.functions import k, l, y
    from derive.render.latex import latex
    from derive.render.unicode import text
    N = sp.Symbol("N", integer=True, positive=True)
    double = sp.Sum(sp.Sum(y[k] * y[l], (l, 1, N - 1)), (k, 1, N))
    assert text(sp.Sum(y[k], (k, 1, N))) == "Σ_{k=1}^N y_k"
    assert text(double) == "Σ_{k=1}^N Σ_{l=1}^{N − 1} y_k y_l"
    assert latex(double) == r"\sum_{k=1}^{N} \sum_{l=1}^{N - 1} y_k y_l"
