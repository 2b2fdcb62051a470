"""The layer and batch targets: a softmax fed by z = W x + b (both conventions), and a
batch of examples.  Each result is derived, rewritten, checked step by step (the full
chain and the shortcut) and cross-checked numerically; the tables say what it must be."""

from __future__ import annotations

import pytest
import sympy as sp
from click.testing import CliRunner

from cli import main
from derive import derivation
from derive.calculus.matrices import layout
from derive.errors import InputError
from derive.functions import S, W, Y, i, j, k, t, x, y
from derive.render.latex import form_latex
from derive.render.unicode import form_text, text

delta = sp.KroneckerDelta
m = sp.Symbol("m", integer=True, positive=True)

# (target, options, textbook index form at N = 3 classes, matrix / vector form)
TABLE = [
    ("linear-softmax-jacobian", {}, S[t] * (delta(t, i) - S[i]) * x[j],
     "(diag(S) − S Sᵀ) ⊗ xᵀ"),
    ("linear-softmax-jacobian", {"convention": "WTx"}, S[t] * (delta(t, j) - S[j]) * x[i],
     "xᵀ ⊗ (diag(S) − S Sᵀ)"),
    ("linear-softmax-jacobian", {"wrt": "b"}, S[t] * (delta(t, j) - S[j]), "diag(S) − S Sᵀ"),
    ("linear-softmax-cross-entropy-grad", {}, (S[i] - y[i]) * x[j], "(S − y) xᵀ"),
    ("linear-softmax-cross-entropy-grad", {"convention": "WTx"}, x[i] * (S[j] - y[j]),
     "x (S − y)ᵀ"),
    ("linear-softmax-cross-entropy-grad", {"wrt": "b"}, S[j] - y[j], "S − y"),
    ("linear-softmax-cross-entropy-grad", {"wrt": "x"},
     sp.Sum(W[k, j] * (S[k] - y[k]), (k, 1, 3)), "Wᵀ(S − y)"),
    ("linear-softmax-cross-entropy-grad", {"wrt": "x", "convention": "WTx"},
     sp.Sum(W[j, k] * (S[k] - y[k]), (k, 1, 3)), "W (S − y)"),
    ("batch-softmax-cross-entropy-grad", {}, (S[i, j] - Y[i, j]) / m, "(S − Y)/m"),
    ("batch-softmax-cross-entropy-grad", {"reduction": "sum", "batch": 3}, S[i, j] - Y[i, j],
     "S − Y"),
]


@pytest.mark.parametrize("name, options, expected, form", TABLE)
def test_result_form_steps_and_numeric_check(name, options, expected, form):
    d = derivation(name, 3, **options)
    assert sp.expand(d.result - expected) == 0, text(d.result)
    assert form_text(d.form) == form
    assert d.check.passed
    assert d.steps and all(s.check is not None for s in d.steps)
    assert sp.expand(d.steps[-1].rhs - d.result) == 0


@pytest.mark.parametrize("options, rows, cols", [
    ({"inputs": 2}, 3, 2), ({"inputs": 4, "convention": "WTx"}, 4, 3), ({"wrt": "x"}, 3, 1)])
def test_a_gradient_has_the_shape_of_its_variable(options, rows, cols):
    d = derivation("linear-softmax-cross-entropy-grad", 3, check=False, steps=False, **options)
    assert layout(d.matrix, d.problem).shape == (rows, cols)


def test_the_jacobian_is_n_by_n_times_d_with_w_row_by_row():
    d = derivation("linear-softmax-jacobian", 2, inputs=3, check=False, steps=False)
    assert d.matrix.shape == (2, 6)
    # Column (i, j) = (2, 1) is number (2 − 1)·3 + 1 = 4: ∂S_1/∂W_21 = −S_1 S_2 x_1.
    S1, S2, x1 = sp.symbols("S_1 S_2 x_1")
    assert sp.expand(d.matrix[0, 3] + S1 * S2 * x1) == 0


def test_the_shortcut_agrees_with_the_full_chain():
    d = derivation("linear-softmax-cross-entropy-grad", 3)
    assert [s.rule for s in d.steps] == ["definition", "linearity", "chain-rule", "differentiate",
                                         "split-sums", "sum-delta", "assumption"]
    assert len(d.shortcut) == 3
    assert "shapes (NxN)(NxND)" in d.steps[2].reason
    assert "shapes (1xN)(NxND)" in d.shortcut[0].reason
    assert sp.expand(d.shortcut[-1].rhs - d.steps[-1].rhs) == 0
    assert all(s.check.complete for s in d.shortcut)


def test_a_wrong_step_in_the_chain_is_caught():
    import dataclasses

    from derive.errors import StepError
    from derive.check.step_checks import check_steps
    from derive.derivation import textbook_chains
    d = derivation("linear-softmax-cross-entropy-grad", 2, inputs=2, check=False)
    steps = list(textbook_chains(d.target, d.problem)[0])
    steps[-1] = dataclasses.replace(steps[-1], rhs=S[i] * x[j] - y[i] * x[i])   # x_i for x_j
    with pytest.raises(StepError, match="step 7"):
        check_steps(steps, d.problem, 2, d.mechanical)


@pytest.mark.parametrize("options, message", [
    ({"wrt": "S"}, "with respect to W or x or b"),
    ({"convention": "xW"}, "unknown convention"),
    ({"inputs": 0}, "at least 1"),
    ({"inputs": 99}, "at most 32"),
    ({"batch": 2}, "takes no --batch"),
    ({"inputs": "D"}, "symbolic number of classes"),
])
def test_bad_options_are_input_errors(options, message):
    with pytest.raises(InputError, match=message):
        derivation("linear-softmax-cross-entropy-grad", 3, **options)


def test_latex_forms():
    d = derivation("linear-softmax-jacobian", 2, check=False, steps=False)
    assert form_latex(d.form) == (r"\left(\operatorname{diag}(S) - S S^{\top}\right) "
                                  r"\otimes x^{\top}")
    d = derivation("linear-softmax-cross-entropy-grad", 2, wrt="x", check=False, steps=False)
    assert form_latex(d.form) == r"W^{\top} \left(S - y\right)"


@pytest.mark.parametrize("args, status, needle", [
    (["show", "linear-softmax-cross-entropy-grad", "--inputs", "2"], 0, "(S − y) xᵀ"),
    (["show", "linear-softmax-cross-entropy-grad", "--wrt", "x", "--convention", "WTx"], 0,
     "W (S − y)"),
    (["show", "batch-softmax-cross-entropy-grad", "--batch", "3", "--format", "json"], 0,
     '"target"'),
    (["show", "linear-softmax-jacobian", "--format", "markdown"], 0, r"\otimes x^{\top}"),
    (["show", "linear-softmax-jacobian", "--classes", "N", "--result-only"], 0,
     "for all N ≥ 1 and D ≥ 1"),
    (["show", "batch-softmax-cross-entropy-grad", "--classes", "N", "--result-only"], 0,
     "for all N ≥ 1 and m ≥ 1"),
    (["show", "softmax-jacobian", "--inputs", "3"], 2, "takes no --inputs"),
    (["show", "linear-softmax-jacobian", "--inputs", "١٢"], 2, "not a number"),
    # --at with matrices; the sizes are read off the point (N from b, D from x, m from Z).
    (["show", "linear-softmax-cross-entropy-grad", "--result-only", "--at",
      "W=[[1,2],[3,4],[0,1]]; x=[1,-1]; b=[0,0,0]; y=[0,1,0]"], 0,
     "      [-0.666667, 0.666667]\n"),
    (["show", "linear-softmax-cross-entropy-grad", "--result-only", "--wrt", "x", "--at",
      "W=[[1,2],[3,4],[0,1]]; x=[1,-1]; b=[0,0,0]; y=[0,1,0]"], 0,
     "∂L/∂x_j = [-1.66667, -1.66667]"),   # Wᵀ(S − y), S = (⅓, ⅓, ⅓)
    (["show", "linear-softmax-jacobian", "--result-only", "--at",
      "W=[[1,2],[3,4],[0,1]]; x=[1,-1]; b=[0,0,0]"], 0,
     "[0.222222, -0.222222, -0.111111, 0.111111, -0.111111, 0.111111]"),
    (["show", "batch-softmax-cross-entropy-grad", "--result-only", "--at",
      "Z=[[1,2,3],[0,0,1000]]; Y=[[0,0,1],[1,0,0]]"], 0, "[-0.5, 0, 0.5]"),
    (["show", "batch-softmax-cross-entropy-grad", "--result-only", "--at",
      "Z=[[1,2,3],[0,0,1]]; Y=[[0,0.5,0],[1,0,0]]"], 0, "row 1 of Y sums to 0.5 ≠ 1"),
    (["show", "linear-softmax-cross-entropy-grad", "--at",
      "W=[[1,2,0],[3,4,1]]; x=[1,-1]; b=[0,0,0]; y=[0,1,0]"], 2,
     "this W is transposed: for it, give --convention WTx"),
    (["show", "linear-softmax-cross-entropy-grad", "--at",
      "W=[[1,2],[3,4],[0,1]]; x=[1,-1,3]; b=[0,0,0]; y=[0,1,0]"], 2,
     "W is 3 × 2, but N = 3 classes and D = 3 inputs need a 3 × 3 W"),
    (["show", "linear-softmax-cross-entropy-grad", "--at", "W=[[1,2],[3]]"], 2,
     "the rows of a matrix must have the same length"),
    (["show", "linear-softmax-cross-entropy-grad", "--at", "W=[[1,2],[3,nan]]"], 2,
     "not a decimal number"),
    (["show", "linear-softmax-cross-entropy-grad", "--at", "W=[[[1]]]"], 2,
     "two levels of brackets"),
])
def test_cli(args, status, needle):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == status, result.output
    assert needle in result.output
    assert "Traceback" not in result.output


# derive check against the layer and batch targets: (claim, target, options, verdict, words
# the diagnosis or the message must contain).
CLAIMS = [
    ("(S - y) xᵀ", "linear-softmax-cross-entropy-grad", {}, "holds", ""),
    ("(S - y) @ x.T", "linear-softmax-cross-entropy-grad", {}, "holds", ""),
    ("outer(S - y, x)", "linear-softmax-cross-entropy-grad", {"inputs": 2}, "holds", ""),
    ("(S_i - y_i) x_j", "linear-softmax-cross-entropy-grad", {}, "holds", ""),
    ("(y - S) xᵀ", "linear-softmax-cross-entropy-grad", {}, "fails", "sign is flipped"),
    ("x (S - y)ᵀ", "linear-softmax-cross-entropy-grad", {"inputs": 2}, "fails",
     "transposed: the gradient ∂L/∂W has the shape of W, N × D"),
    ("x (S - y)ᵀ", "linear-softmax-cross-entropy-grad", {"convention": "WTx"}, "holds", ""),
    # With N = D the transposed claim has the right shape: its values say it.
    ("x (S - y)ᵀ", "linear-softmax-cross-entropy-grad", {"inputs": 3}, "fails",
     "for z = Wᵀ x + b, W of shape D × N, give --convention WTx"),
    ("W.T @ (S - y)", "linear-softmax-cross-entropy-grad", {"wrt": "x"}, "holds", ""),
    ("np.dot(W.T, S - y)", "linear-softmax-cross-entropy-grad", {"wrt": "x"}, "holds", ""),
    ("Σ_k W_kj (S_k - y_k)", "linear-softmax-cross-entropy-grad", {"wrt": "x"}, "holds", ""),
    ("W (S - y)", "linear-softmax-cross-entropy-grad", {"wrt": "x", "inputs": 2}, "fails",
     "cannot multiply an N × D matrix by a column of N"),
    ("W @ (S - y)", "linear-softmax-cross-entropy-grad", {"wrt": "x", "convention": "WTx"},
     "holds", ""),
    ("S - y", "linear-softmax-cross-entropy-grad", {"wrt": "b"}, "holds", ""),
    ("S_t (δ_ti - S_i) x_j", "linear-softmax-jacobian", {}, "holds", ""),
    ("S_t (δ_ti - S_t) x_j", "linear-softmax-jacobian", {}, "fails",
     "matches the entries t = i but not t ≠ i"),
    ("(S - Y)/m", "batch-softmax-cross-entropy-grad", {}, "holds", ""),
    ("S - Y", "batch-softmax-cross-entropy-grad", {}, "fails", "off by a factor of m = 2"),
    ("S - Y", "batch-softmax-cross-entropy-grad", {"reduction": "sum"}, "holds", ""),
    ("(S - Y).T/m", "batch-softmax-cross-entropy-grad", {}, "fails", "transposed"),
    # LaTeX with a left side: the target and the variable come from it.
    (r"\frac{\partial L}{\partial W_{ij}} = (S_i - y_i) x_j", None, {}, "holds", ""),
    (r"\frac{\partial L}{\partial x_j} = \sum_k W_{kj} (S_k - y_k)", None, {}, "holds", ""),
    (r"\frac{\partial L}{\partial Z_{ij}} = \frac{S_{ij} - Y_{ij}}{m}", None, {}, "holds", ""),
    (r"\frac{\partial S_t}{\partial W_{ij}} = S_t (\delta_{ti} - S_i) x_j", None, {}, "holds",
     ""),
]


@pytest.mark.parametrize("claim, target, options, verdict, words", CLAIMS)
def test_claims_against_layer_targets(claim, target, options, verdict, words):
    from derive.verdicts.verify import verify
    v = verify(claim, target, 3, **options)
    assert v.verdict == verdict, (v.diagnosis, v.methods)
    assert words in (v.diagnosis or "")
    if verdict == "fails" and "shape" not in " ".join(v.methods):
        assert v.counterexample is not None


LAYER_FUNCTIONS = """
import numpy as np

def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()

def grad_W(W, x, b, y):
    return np.outer(_softmax(W @ x + b) - y, x)

def grad_W_reshaped(W, x, b, y):          # the D × N layout, reshaped: wrong places
    return np.outer(x, _softmax(W @ x + b) - y).reshape(W.shape)

def grad_W_transposed(W, x, b, y):
    return np.outer(x, _softmax(W @ x + b) - y)

def grad_x(W, x, b, y):
    return W.T @ (_softmax(W @ x + b) - y)

def grad_Z(Z, Y):                         # forgets the 1/m of the mean
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True) - Y

def jacobian_W(W, x, b):
    S = _softmax(W @ x + b)
    return np.kron(np.diag(S) - np.outer(S, S), x[None, :])

def jacobian_W_columns(W, x, b):          # W's entries column by column
    S = _softmax(W @ x + b)
    return np.kron(x[None, :], np.diag(S) - np.outer(S, S))
"""


@pytest.mark.parametrize("function, target, options, verdict, words", [
    ("grad_W", "linear-softmax-cross-entropy-grad", {"inputs": 4}, "holds", ""),
    ("grad_W_reshaped", "linear-softmax-cross-entropy-grad", {"inputs": 4}, "fails",
     "a layout mistake (a reshape where a transpose was needed"),
    ("grad_W_transposed", "linear-softmax-cross-entropy-grad", {"inputs": 4}, "fails",
     "transposed"),
    ("grad_x", "linear-softmax-cross-entropy-grad", {"wrt": "x", "inputs": 2}, "holds", ""),
    ("grad_Z", "batch-softmax-cross-entropy-grad", {}, "fails", "off by a factor of m = 2"),
    ("grad_Z", "batch-softmax-cross-entropy-grad", {"reduction": "sum"}, "holds", ""),
    ("jacobian_W", "linear-softmax-jacobian", {}, "holds", ""),
    ("jacobian_W_columns", "linear-softmax-jacobian", {"inputs": 2}, "fails",
     "a layout mistake"),
])
def test_numpy_functions_for_layer_targets(tmp_path, function, target, options, verdict,
                                           words):
    file = tmp_path / "grads.py"
    file.write_text(LAYER_FUNCTIONS)
    args = ["check", "--python", f"{file}:{function}", "--against", target]
    for key, value in options.items():
        args += [f"--{key}", str(value)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == {"holds": 0, "fails": 1}[verdict], result.output
    assert result.output.startswith(verdict) and words in result.output


# Symbolic N (and D): proved by the rules for every N and D, checked at N = 1, 2, 3.
SYMBOLIC = [
    ("linear-softmax-jacobian", {}, "(diag(S) − S Sᵀ) ⊗ xᵀ"),
    ("linear-softmax-jacobian", {"convention": "WTx"}, "xᵀ ⊗ (diag(S) − S Sᵀ)"),
    ("linear-softmax-cross-entropy-grad", {}, "(S − y) xᵀ"),
    ("linear-softmax-cross-entropy-grad", {"wrt": "x"}, "Wᵀ(S − y)"),
    ("linear-softmax-cross-entropy-grad", {"wrt": "b", "inputs": 2}, "S − y"),
    ("batch-softmax-cross-entropy-grad", {}, "(S − Y)/m"),
    ("batch-softmax-cross-entropy-grad", {"reduction": "sum", "batch": 3}, "S − Y"),
]


@pytest.mark.parametrize("name, options, form", SYMBOLIC)
def test_symbolic_layer_results_are_proved(name, options, form):
    d = derivation(name, "N", **options)
    assert d.symbolic and form_text(d.form) == form
    size = "m" if name.startswith("batch") else "D"
    fixed = "inputs" in options or "batch" in options
    assert d.proof.statement == ("for all N ≥ 1" if fixed else f"for all N ≥ 1 and {size} ≥ 1")
    assert "recognise-softmax" in d.proof.rules   # the generic rules, none per target
    assert all(s.check.proved for s in d.steps) and d.check.passed
    if name.startswith("linear-softmax-cross"):
        assert d.shortcut and all(s.check.proved for s in d.shortcut)
    # The concrete derivation at N = 3 (D = 2, m = 2) gives the instantiated result.
    sizes = {"inputs": 2} if size == "D" else {"batch": 2}
    concrete = derivation(name, 3, **{**sizes, **options}, check=False, steps=False)
    symbol = sp.Symbol(size, integer=True, positive=True)
    value = options.get("inputs", options.get("batch", 2))
    assert sp.expand(d.result.subs({d.classes: 3, symbol: value})
                     - concrete.result.subs(symbol, value)) == 0


def test_a_wrong_symbolic_step_is_not_proved():
    import dataclasses

    from derive.calculus.strategy import derive_definition, prove_steps
    from derive.errors import StepError
    definition = derivation("linear-softmax-jacobian", "N", check=False).problem.definition
    derived = derive_definition(definition, "W")
    steps = list(derived.steps)
    steps[-1] = dataclasses.replace(steps[-1], rhs=S[t] * (delta(t, i) - S[t]) * x[j])
    with pytest.raises(StepError, match="does not reduce to the derivative"):
        prove_steps(steps, derived, definition)


@pytest.mark.parametrize("claim, options, verdict", [
    ("(S - y) xᵀ", {}, "holds"),
    ("W.T @ (S - y)", {"wrt": "x"}, "holds"),
    ("(y - S) xᵀ", {}, "fails"),
])
def test_symbolic_claims(claim, options, verdict):
    from derive.verdicts.verify import verify
    v = verify(claim, "linear-softmax-cross-entropy-grad", "N", **options)
    assert v.verdict == verdict
    if verdict == "holds":
        assert "proof for all N" in v.methods[0]


def test_symbolic_input_size_needs_symbolic_classes():
    with pytest.raises(InputError, match="symbolic number of classes"):
        derivation("linear-softmax-jacobian", 3, inputs="D")


@pytest.mark.parametrize("claim, target, options, verdict, words", [
    # The left side's letters name the indices: W_ji with (S_i − y_i) x_j is transposed.
    (r"\frac{\partial L}{\partial W_{ji}} = (S_i - y_i) x_j", None, {"inputs": 2}, "fails",
     "transposed"),
    (r"\frac{\partial L}{\partial W_{ji}} = (S_j - y_j) x_i", None, {"inputs": 2}, "holds", ""),
    (r"\frac{\partial L}{\partial Z_{ji}} = (S_{ij} - Y_{ij})/m", None, {}, "fails",
     "transposed"),
    # Other letters are named by the extent they run over.
    ("(S_a - y_a) x_b", "linear-softmax-cross-entropy-grad", {}, "holds", ""),
    ("(S_nk - Y_nk)/m", "batch-softmax-cross-entropy-grad", {}, "holds", ""),
    ("S_i (δ_ij - S_j)", "linear-softmax-jacobian", {"wrt": "b"}, "holds", ""),
    ("diag(S) - S Sᵀ", "linear-softmax-jacobian", {"wrt": "b"}, "holds", ""),
    # An index where another extent belongs: a shape mistake, never a crash.
    ("(S_j - y_j) x_i", "linear-softmax-cross-entropy-grad", {"inputs": 2}, "fails",
     "transposed"),
    ("(S_j - y_j) x_i", "linear-softmax-cross-entropy-grad", {"inputs": 4}, "fails",
     "transposed"),
    ("S_t (δ_tj - S_j) x_i", "linear-softmax-jacobian", {"inputs": 2}, "fails",
     "--convention WTx"),
    ("Σ_k W_jk (S_k - y_k)", "linear-softmax-cross-entropy-grad", {"wrt": "x"}, "fails",
     "--convention WTx"),
    ("(S_i - y_i) x_j + x_i", "linear-softmax-cross-entropy-grad", {"inputs": 2}, "fails",
     "runs over the classes"),
    ("(S - Y)/m", "batch-softmax-cross-entropy-grad", {"reduction": "sum", "batch": 3},
     "fails", "gradient of the mean loss"),
])
def test_letters_extents_and_left_sides(claim, target, options, verdict, words):
    from derive.verdicts.verify import verify
    v = verify(claim, target, 3, **options)
    assert v.verdict == verdict, (v.diagnosis, v.methods)
    assert words in (v.diagnosis or "")


def test_symbolic_claim_with_an_index_out_of_place_is_a_shape_mistake():
    from derive.verdicts.verify import verify
    v = verify("(S_j - y_j) x_i", "linear-softmax-cross-entropy-grad", "N")
    assert v.verdict == "fails" and "transposed" in v.diagnosis


@pytest.mark.parametrize("args, status, needle", [
    (["show", "linear-softmax-jacobian", "-n", "512", "--inputs", "32"], 2,
     "has 8388608 entries; at most 262144 are derived and checked"),
    (["show", "linear-softmax-cross-entropy-grad", "--at",
      "W=[[1e300,0],[0,0],[0,0]]; x=[1e10,0]; b=[0,0,0]; y=[0,1,0]"], 2,
     "W x + b overflows float64"),
    (["show", "linear-softmax-cross-entropy-grad", "--result-only", "--at",
      "W=[[1,0],[0,0],[0,0]]; x=[1,0]; b=[1e300,0,0]; y=[0,1,0]"], 0,
     "finite differences not compared at this point"),
])
def test_limits_and_extreme_points(args, status, needle):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == status, result.output
    assert needle in result.output and "Traceback" not in result.output


@pytest.mark.skipif(__import__("shutil").which("pdflatex") is None,
                    reason="pdflatex is not installed (Debian: texlive-latex-base)")
@pytest.mark.parametrize("name, classes, options", [
    ("linear-softmax-cross-entropy-grad", 3, {"wrt": "x"}),
    ("linear-softmax-cross-entropy-grad", 3, {"wrt": "b"}),
    ("linear-softmax-cross-entropy-grad", "N", {"wrt": "x", "convention": "WTx"}),
    ("linear-softmax-jacobian", 3, {"convention": "WTx"}),
    ("batch-softmax-cross-entropy-grad", "N", {}),
])
def test_layer_documents_compile_without_overfull_lines(tmp_path, name, classes, options):
    import subprocess

    from derive.export import render_document
    tex = tmp_path / "layer.tex"
    tex.write_text(render_document([derivation(name, classes, **options)], "latex"))
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                          "-no-shell-escape", "layer.tex"], cwd=tmp_path, capture_output=True,
                         text=True, errors="replace", timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert "Overfull" not in run.stdout


def test_a_verdict_states_every_size():
    result = CliRunner().invoke(main, ["check", "(S - Y)/N", "--against",
                                       "batch-softmax-cross-entropy-grad", "-n", "2"])
    # True at N = m = 2 only: the verdict says for which sizes.
    assert result.exit_code == 0 and result.output.startswith("holds for N = 2, m = 2")
    result = CliRunner().invoke(main, ["check", "(S - Y)/N", "--against",
                                       "batch-softmax-cross-entropy-grad", "-n", "3"])
    assert result.exit_code == 1


@pytest.mark.parametrize("name", ["linear-softmax-jacobian", "linear-softmax-cross-entropy-grad",
                                  "batch-softmax-cross-entropy-grad"])
@pytest.mark.parametrize("classes", ["3", "N"])
@pytest.mark.parametrize("fmt", ["text", "latex", "markdown", "json"])
def test_every_format_concrete_and_symbolic(name, classes, fmt):
    import json
    result = CliRunner().invoke(main, ["show", name, "-n", classes, "--format", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        data = json.loads(result.output)
        assert data["steps"] and data["sizes"]["N"] in (3, "N")


def test_claims_may_start_with_a_minus_sign():
    # No short -d / -m options: they would swallow "-delta(…" as an option value.
    result = CliRunner().invoke(main, ["check", "-S_i*(delta(i,j) - S_j)", "--against",
                                       "softmax-jacobian"])
    assert result.exit_code == 1 and "sign is flipped" in result.output
    result = CliRunner().invoke(main, ["check", "-y + softmax(z)", "--against",
                                       "softmax-cross-entropy-grad"])
    assert result.exit_code == 0


@pytest.mark.parametrize("name", ["linear-softmax-jacobian", "linear-softmax-cross-entropy-grad",
                                  "batch-softmax-cross-entropy-grad"])
def test_cross_validation_of_the_layer_and_batch_targets(name):
    # The problem at each N takes the target's default options (D = 3, m = 2).
    result = CliRunner().invoke(main, ["show", name, "--classes", "N", "--cross-validate",
                                       "--result-only"])
    assert result.exit_code == 0, result.output
    assert "cross-validated: at N = 2..8" in result.output
