"""Text and LaTeX printing: exact strings, the way a person writes them."""

import functools
import json
import re

import pytest
import sympy as sp

from derive import TARGETS, derivation
from derive.functions import S, c, i, j, k, y, z
from derive.render.json import catalog_json, derivation_dict
from derive.render.latex import form_latex, latex, matrix_latex
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


@functools.lru_cache(maxsize=None)
def instance(name: str, n: int):
    """The derivation of ``name`` at ``n`` classes, as an instance of the symbolic one
    (seconds at N = 64, where deriving entry by entry takes minutes)."""
    from derive.derivation import instantiate_derivation
    return instantiate_derivation(derivation(name, "N", check=False, steps=False), n,
                                  mechanical=False)


def _shown(name: str, n: int, full: bool = False) -> list[str]:
    from derive.calculus.matrices import layout
    d = instance(name, n)
    return matrix_text(layout(d.matrix, d.problem), full=full).splitlines()


# (target, N, full, rows shown, cells per row, the corner entries that must show)
MATRICES = [
    ("softmax-jacobian", 3, False, 3, 3, ["S_1(1 − S_1)", "S_3(1 − S_3)"]),
    ("softmax-jacobian", 12, False, 12, 5, ["S_12(1 − S_12)", "−S_1 S_12"]),  # rows all; 80 wide
    ("softmax-jacobian", 13, False, 7, 5, ["S_13(1 − S_13)", "−S_1 S_13"]),
    ("softmax-jacobian", 20, False, 7, 5, ["S_1(1 − S_1)", "S_20(1 − S_20)", "−S_3 S_20"]),
    ("softmax-jacobian", 64, False, 7, 5, ["S_1(1 − S_1)", "S_64(1 − S_64)", "−S_1 S_64",
                                           "−S_62 S_64", "−S_2 S_63"]),
    ("softmax-jacobian", 20, True, 20, 20, ["−S_10 S_11", "S_20(1 − S_20)"]),
    ("softmax-cross-entropy-grad", 64, False, 1, 6, ["S_1 − y_1", "S_64 − y_64"]),
    ("softmax-cross-entropy-grad", 64, True, 1, 64, ["S_32 − y_32"]),
    ("linear-softmax-cross-entropy-grad", 20, False, 7, 2, ["x_2(S_20 − y_20)"]),  # N × D
]


@pytest.mark.parametrize("name, n, full, rows, cells, corners", MATRICES)
def test_large_matrices_show_their_corners(name, n, full, rows, cells, corners):
    lines = _shown(name, n, full)
    assert len(lines) == rows
    # Cells are 3 spaces apart at least; an entry has single spaces (−S_1 S_2).
    assert all(len(re.split(" {3,}", line.strip()[1:-1].strip())) == cells for line in lines)
    text_ = "\n".join(lines)
    for entry in corners:
        assert entry in text_, entry
    # The middle row is ⋮ (⋱ where it crosses the column of ⋯): only past 12 rows.
    assert ("⋮" in text_) == (rows == 7 and not full)
    assert ("⋱" in text_) == ("⋮" in text_ and "⋯" in text_)
    if not full:
        assert max(map(len, lines)) <= 80


def test_the_text_report_shows_the_corners_or_everything():
    d = instance("softmax-jacobian", 64)
    elided, full = derivation_text(d), derivation_text(d, full=True)
    assert "⋱" in elided and "S_64(1 − S_64)" in elided and "−S_30 S_31" not in elided
    assert "⋱" not in full and full.count("S_64(1 − S_64)") == 1 and "−S_30 S_31" in full


@pytest.mark.parametrize("full, environment, rows", [
    (False, r"\begin{pmatrix}", 7),
    (True, r"\left(\begin{array}{" + "c" * 64 + "}", 64),
])
def test_markdown_and_latex_show_the_same_matrix(full, environment, rows):
    from derive.render.latex import derivation_latex
    from derive.render.markdown import derivation_markdown
    d = instance("softmax-jacobian", 64)
    for out in (derivation_latex(d, steps=False, full=full),
                derivation_markdown(d, steps=False, full=full)):
        block = out[out.index(environment):]
        block = block[:block.index(r"\end{")]
        assert block.count("\\\\") == rows - 1
        assert (r"\ddots" in block) == (not full) and (r"\cdots" in block) == (not full)
        assert r"S_{64} \left(1 - S_{64}\right)" in block


def test_matrix_latex_elides_like_numpy():
    assert matrix_latex(sp.Matrix(13, 13, lambda a, b: 13 * a + b + 1)) == r"""\begin{pmatrix}
1 & 2 & 3 & \cdots & 11 & 12 & 13 \\
14 & 15 & 16 & \cdots & 24 & 25 & 26 \\
27 & 28 & 29 & \cdots & 37 & 38 & 39 \\
\vdots & \vdots & \vdots & \ddots & \vdots & \vdots & \vdots \\
131 & 132 & 133 & \cdots & 141 & 142 & 143 \\
144 & 145 & 146 & \cdots & 154 & 155 & 156 \\
157 & 158 & 159 & \cdots & 167 & 168 & 169
\end{pmatrix}"""


def test_wider_than_amsmath_takes_is_an_array():
    """pmatrix stops at 10 columns (MaxMatrixCols); --full can have 64."""
    assert matrix_latex(sp.Matrix(2, 11, lambda a, b: 11 * a + b + 1), full=True) == (
        "\\left(\\begin{array}{ccccccccccc}\n"
        "1 & 2 & 3 & 4 & 5 & 6 & 7 & 8 & 9 & 10 & 11 \\\\\n"
        "12 & 13 & 14 & 15 & 16 & 17 & 18 & 19 & 20 & 21 & 22\n"
        "\\end{array}\\right)")


def test_json_has_every_entry():
    data = derivation_dict(instance("softmax-jacobian", 64))
    assert len(data["matrix"]["text"]) == 64 and {len(r) for r in data["matrix"]["text"]} == {64}
    assert data["matrix"]["text"][29][30] == "−S_30 S_31"
    assert data["matrix"]["latex"].count("\\\\") == 63 and "dots" not in data["matrix"]["latex"]


def test_show_text_names_the_assumption_and_the_general_form():
    out = derivation_text(derivation("softmax-cross-entropy-grad", 3))
    assert "∂L/∂z_j = S_j − y_j" in out
    assert "assuming Σ_k y_k = 1" in out
    assert "in general: ∂L/∂z_j = S_j Σ_k y_k − y_j" in out
    assert "numeric check passed" in out


@pytest.mark.parametrize("claim, target, words", [
    # The general form names the family the assumption is about, as the target writes it.
    ("S - Y", "batch-softmax-cross-entropy-grad", "(assuming nothing about Y)"),
    ("S - y/2", "softmax-cross-entropy-grad", "(assuming nothing about y)"),
    ("S_j Σ_k y_k - y_j", "softmax-cross-entropy-grad",
     "S_j − y_j under the stated assumption on y)"),
])
def test_a_verdict_says_what_the_general_form_assumes_nothing_about(claim, target, words):
    from derive.render.text import verdict_text
    from derive.verdicts.verify import verify
    assert words in verdict_text(verify(claim, against=target, classes=3))


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


@pytest.mark.parametrize("fmt, said", [
    ("text", "1 comparison at 100 points"),
    ("latex", "instantiated at $N = 20$"),
    ("markdown", "result instantiated at N = 20"),
])
def test_the_numeric_check_of_an_instance_names_its_n(fmt, said):
    """Past N = 16 the numeric check is vectorised (one comparison); its size is N = 20,
    not '20 = 20'."""
    from derive.derivation import derivation
    from derive.export import render
    shown = " ".join(render(derivation("softmax-jacobian", 20), fmt).split())
    assert said in shown and "20 = 20" not in shown and "1 comparisons" not in shown
