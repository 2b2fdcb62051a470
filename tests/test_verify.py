"""verify(): a table of right and wrong claims in every notation, each with its verdict and,
for the wrong ones, the diagnosis that a person would want."""

import json

import pytest
from click.testing import CliRunner

from cli import main
from derive.errors import InputError
from derive.read.parse import ParseError
from derive.verdicts.verify import verify

J, LJ, CE, SCE, SP = ("softmax-jacobian", "log-softmax-jacobian", "cross-entropy-grad",
                      "softmax-cross-entropy-grad", "sparse-softmax-cross-entropy-grad")
TJ = "temperature-softmax-jacobian"
LS = "label-smoothing-cross-entropy-grad"
BCE = "sigmoid-binary-cross-entropy-grad"

NEGATED = "sign is flipped"
FACTOR = "constant factor"
DIAGONAL = "matches the diagonal (i = j) but not the off-diagonal"
OFF_DIAGONAL = "matches the off-diagonal entries but not the diagonal"
TRANSPOSED = "transposed"
ARRANGEMENT = "wrong places"
TARGET_CLASS = "only at the target class"
SHAPE = "shape mismatch"
ONLY_DIAGONAL = "the diagonal i = j of the Jacobian only"   # one index: no counterexample
NONE = "no common mistake recognised"
UNDER = "labels-sum-to-one"

# (claim, target, classes, verdict, assumption or diagnosis)
TABLE = [
    # ---- softmax Jacobian: index notations -------------------------------------------
    ("S_i*(delta(i,j) - S_j)", J, 3, "holds", None),
    ("S_i*(KroneckerDelta(i,j) - S_j)", J, 4, "holds", None),
    ("S_i*δ_ij - S_i*S_j", J, 3, "holds", None),
    ("S_i (δ_ij − S_j)", J, 3, "holds", None),
    ("S_i·(δ_ij − S_j)", J, 2, "holds", None),
    ("S[i]*((i==j) - S[j])", J, 3, "holds", None),
    ("p_i (δ_ij - p_j)", J, 3, "holds", None),
    ("yhat_i*(delta_ij - yhat_j)", J, 3, "holds", None),
    ("ŷ_i (δ_ij − ŷ_j)", J, 3, "holds", None),
    ("S_j*(delta(i,j) - S_i)", J, 3, "holds", None),   # symmetric: not a transposition
    ("exp(z_i)*(delta(i,j)*sum_k(exp(z_k)) - exp(z_j))/sum_k(exp(z_k))^2", J, 3, "holds", None),
    ("S_i*(1 - S_j)", J, 4, "fails", DIAGONAL),
    ("-S_i*S_j", J, 3, "fails", OFF_DIAGONAL),
    ("S_i*δ_ij", J, 3, "fails", NONE),
    ("-S_i*(δ_ij - S_j)", J, 3, "fails", NEGATED),
    ("S_i*(δ_ij - S_j)/2", J, 3, "fails", FACTOR),
    ("2*S_i*(δ_ij - S_j)", J, 3, "fails", FACTOR),
    ("S_i*(δ_ij - S_i)", J, 3, "fails", DIAGONAL),
    ("S_i*(δ_ij + S_j)", J, 3, "fails", NONE),
    # ---- softmax Jacobian: matrix notations -----------------------------------------
    ("diag(S) - outer(S, S)", J, 3, "holds", None),
    ("np.diag(S) - np.outer(S, S)", J, 4, "holds", None),
    ("diag(S) - S Sᵀ", J, 3, "holds", None),
    ("diag(S) - S S.T", J, 3, "holds", None),
    ("diag(p) - p pᵀ", J, 3, "holds", None),
    ("diag(softmax(z)) - outer(softmax(z), softmax(z))", J, 3, "holds", None),
    ("outer(S, S) - diag(S)", J, 3, "fails", NEGATED),
    ("diag(S) - S", J, 3, "error", "cannot combine a matrix and a column"),
    ("S*(1 - S)", J, 3, "fails", SHAPE),
    ("S - y", J, 3, "error", "y is not a variable of this target"),
    ("I - outer(S, S)", J, 3, "fails", OFF_DIAGONAL),
    # ---- log-softmax Jacobian: a transposition is visible here ----------------------
    ("δ_ij - S_j", LJ, 3, "holds", None),
    ("I - outer(ones, S)", LJ, 3, "holds", None),   # ones: 𝟙, the all-ones vector
    ("delta(i,j) - exp(z_j)/sum_k(exp(z_k))", LJ, 3, "holds", None),
    ("δ_ij - S_i", LJ, 3, "fails", TRANSPOSED),
    ("S_j - δ_ij", LJ, 3, "fails", NEGATED),
    ("1 - S_j", LJ, 3, "fails", ONLY_DIAGONAL),
    ("I - S", LJ, 3, "error", "cannot combine a matrix and a column"),
    ("S_i - S_i^2", J, 3, "fails", ONLY_DIAGONAL),
    # ---- cross-entropy in the probabilities -----------------------------------------
    ("-y/S", CE, 3, "holds", None),
    ("-y_j/S_j", CE, 3, "holds", None),
    ("-y_k/S_k", CE, 5, "holds", None),
    ("y/S", CE, 3, "fails", NEGATED),
    ("-y/(2*S)", CE, 3, "fails", FACTOR),
    ("-log(S)", CE, 3, "fails", NONE),
    ("-y_j/S_j^2", CE, 3, "fails", NONE),
    # ---- softmax cross-entropy: the assumption Σ_k y_k = 1 --------------------------
    ("S - y", SCE, 3, "holds", UNDER),
    ("S_j - y_j", SCE, 5, "holds", UNDER),
    ("S_c - y_c", SCE, 3, "holds", UNDER),       # any letter for the one free index
    ("ŷ - y", SCE, 3, "holds", UNDER),
    ("softmax(z) - y", SCE, 4, "holds", UNDER),
    ("S_j Σ_k y_k - y_j", SCE, 3, "holds", None),
    ("S_j*Sum(y_k, (k, 1, N)) - y_j", SCE, 3, "holds", None),
    ("S_j*sum_k(y_k) - y_j", SCE, 3, "holds", None),
    ("S*sum(y) - y", SCE, 3, "holds", None),
    ("exp(z_j)/sum_k(exp(z_k)) - y_j", SCE, 3, "holds", UNDER),
    ("y - S", SCE, 3, "fails", NEGATED),
    ("(S - y)/3", SCE, 3, "fails", FACTOR),
    ("S_j - 1", SCE, 3, "fails", TARGET_CLASS),
    ("S - 1", SCE, 4, "fails", TARGET_CLASS),
    ("S", SCE, 3, "fails", NONE),
    ("diag(S) - outer(S, S)", SCE, 3, "fails", SHAPE),
    # ---- sparse (integer label c) ---------------------------------------------------
    ("S - e_c", SP, 3, "holds", None),
    ("S_j - delta(j, c)", SP, 3, "holds", None),
    ("S_j - (j == c)", SP, 4, "holds", None),
    ("e_c - S", SP, 3, "fails", NEGATED),
    ("S_j - 1", SP, 3, "fails", NONE),
    # ---- LaTeX (detected) ------------------------------------------------------------
    (r"S_i(\delta_{ij} - S_j)", J, 3, "holds", None),
    (r"S_i \left( \delta_{ij} - S_j \right)", J, "N", "holds", None),
    (r"\operatorname{diag}(S) - S S^\top", J, 3, "holds", None),
    (r"\mathrm{diag}(S) - S S^{\intercal}", J, 3, "holds", None),
    (r"\frac{e^{z_i}}{\sum_{k=1}^{N} e^{z_k}} (\delta_{ij} - \frac{e^{z_j}}{\sum_{k} e^{z_k}})",
     J, 3, "holds", None),
    (r"\hat{y}_j - y_j", SCE, 3, "holds", UNDER),
    (r"S_j \sum_k y_k - y_j", SCE, "N", "holds", None),
    (r"\frac{\partial L}{\partial z_j} = S_j - y_j", SCE, 3, "holds", UNDER),
    (r"\frac{\partial \log S_i}{\partial z_j} = \delta_{ij} - S_i", LJ, 3, "fails", TRANSPOSED),
    (r"-\frac{y_j}{S_j}", CE, 3, "holds", None),
    (r"S_i(1 - S_j)", J, 3, "fails", DIAGONAL),
    (r"\frac{1}{2}(S - y)", SCE, 3, "fails", FACTOR),
    # ---- symbolic N: proved for every N, or refuted at a concrete N ------------------
    ("S_i*(δ_ij - S_j)", J, "N", "holds", None),
    ("diag(S) - S Sᵀ", J, "N", "holds", None),
    ("S - y", SCE, "N", "holds", UNDER),
    ("S_j Σ_k y_k - y_j", SCE, "N", "holds", None),
    ("S_j Σ_k S_k - y_j", SCE, "N", "holds", UNDER),
    ("-y/S", CE, "N", "holds", None),
    ("S_j - δ_jc", SP, "N", "holds", None),
    ("S_i*(1 - S_j)", J, "N", "fails", DIAGONAL),
    ("y - S", SCE, "N", "fails", NEGATED),
    ("S*sum(y) - y", SCE, "N", "holds", None),
    ("S_k Σ_j y_j - y_k", SCE, "N", "holds", None),   # j is bound: renaming k → j must not capture it
    # ---- temperature: S = softmax(z/T) ----------------------------------------------
    ("S_i*(δ_ij - S_j)/T", TJ, 3, "holds", None),
    ("(diag(S) - S Sᵀ)/T", TJ, 4, "holds", None),
    ("diag(softmax(z/T))/T - outer(S, S)/T", TJ, 3, "holds", None),
    (r"\frac{S_i(\delta_{ij} - S_j)}{T}", TJ, "N", "holds", None),
    ("S_i*(δ_ij - S_j)", TJ, 3, "fails", "off by a factor of T: your formula is T × the derivative"),
    ("S_i*(δ_ij - S_j)", TJ, "N", "fails", "the factor 1/T of the chain rule is missing"),
    ("S_i*(δ_ij - S_j)/T^2", TJ, 3, "fails", "off by a factor of 1/T"),
    ("T*S_i*(δ_ij - S_j)", TJ, 3, "fails", "factor of T²"),
    ("-S_i*(δ_ij - S_j)/T", TJ, 3, "fails", NEGATED),
    ("S_i*(1 - S_j)/T", TJ, 3, "fails", DIAGONAL),
    ("diag(softmax(z)) - S Sᵀ", TJ, 3, "error", r"read for the softmaxes the definition takes: softmax\(z/T\)"),
    ("S_i*(δ_ij - S_j)/T", J, 3, "error", "unknown symbol T"),
# ---- label smoothing: q = (1 − ε) y + ε/N ----------------------------------------
    ("S - q", LS, 3, "holds", UNDER),
    ("S_j - q_j", LS, "N", "holds", UNDER),
    ("S - (1 - ε) y - ε/N", LS, 4, "holds", UNDER),
    ("S - (1-eps)*y - eps/N", LS, "N", "holds", UNDER),
    ("S_j Σ_k q_k - q_j", LS, 3, "holds", None),
    (r"S_j - (1 - \varepsilon) y_j - \frac{\epsilon}{N}", LS, 3, "holds", UNDER),
    ("S - y", LS, 3, "fails", "the gradient without label smoothing"),
    ("S - (1 - ε) y", LS, 3, "fails", "the uniform part ε/N"),
    ("S - (1 - ε) y - ε", LS, 3, "fails", "is ε/N, not ε"),
    ("q - S", LS, 3, "fails", NEGATED),
    ("S_j - q_j", SCE, 3, "error", "variable of label-smoothing-cross-entropy-grad only"),
# ---- sigmoid + binary cross-entropy: N independent outputs ------------------------
    ("sigmoid(z) - y", BCE, 3, "holds", None),
    ("σ(z_j) - y_j", BCE, "N", "holds", None),
    ("σ(z) - y", BCE, 1, "holds", None),              # N = 1: the binary case
    (r"\sigma(z_j) - y_j", BCE, 3, "holds", None),
    ("1/(1 + exp(-z)) - y", BCE, 3, "holds", None),
    ("exp(z)/(1 + exp(z)) - y", BCE, "N", "holds", None),
    ("ŷ_j - y_j", BCE, "N", "holds", None),            # ŷ = σ(z) for this target
    ("y - sigmoid(z)", BCE, 3, "fails", NEGATED),
    ("(sigmoid(z) - y)/2", BCE, 4, "fails", FACTOR),
    ("sigmoid(z)*(1 - sigmoid(z)) - y", BCE, 3, "fails", NONE),
    ("diag(σ(z)) - y", BCE, 3, "error", "cannot combine a matrix and a column"),
    # ---- found by review: each once read wrongly -------------------------------------
    (r"-\frac{4 y_j}{S_j} / \frac{2}{2}", CE, 3, "fails", FACTOR),   # a fraction is one value
    ("S_i (δ_ij - S_j) + log(exp(z_i)) - z_i", J, 3, "holds", None),   # z is real
    ("2.5e-1*4*(S - y)", SCE, 3, "holds", UNDER),                    # exponent in a number
    ("diag(S) - S @ Sᵀ", J, 3, "holds", None),
    ("I (diag(S) - S Sᵀ)", J, 3, "holds", None),                      # juxtaposed matrices
    ("Σ_k y_k S - y", SCE, 3, "holds", None),                        # Σ_k takes the product
    (r"\frac{\partial \log S_j}{\partial z_i} = \delta_{ij} - S_i", LJ, 3, "holds", None),
    ("δ_ij (S_i - S_i^2)", J, 3, "fails", DIAGONAL),                  # a product, not a call
    ("δ_ij - exp(z_j)/Σ_k exp(z_k)", LJ, 3, "holds", None),
    ("S - y_j", SCE, 3, "error", "mixes vector notation with an indexed entry"),
    ("S_j - y_j + S_4", SCE, 3, "error", "S_4 is not an entry: the classes are 1..3"),
    ("(S_j == S_1)", SCE, 3, "error", "compares two indices"),
]


@pytest.mark.parametrize("claim, target, classes, verdict, detail", TABLE)
def test_claims(claim, target, classes, verdict, detail):
    if verdict == "error":
        with pytest.raises(InputError, match=detail):
            verify(claim, against=target, classes=classes)
        return
    v = verify(claim, against=target, classes=classes)
    assert v.verdict == verdict, (v.diagnosis, v.methods)
    if verdict == "holds":
        assert [a.name for a in v.assumptions] == ([UNDER] if detail == UNDER else [])
        assert v.counterexample is None and v.diagnosis is None
    else:
        if detail:
            assert detail in v.diagnosis, v.diagnosis
        if detail not in (SHAPE, ONLY_DIAGONAL):
            ce = v.counterexample
            assert ce is not None and abs(ce.expected - ce.claimed) > 1e-9


def test_the_table_is_large_and_covers_every_target():
    assert len(TABLE) >= 60
    assert {row[1] for row in TABLE} == {J, LJ, CE, SCE, SP, TJ, LS, BCE}


def test_a_counterexample_is_readable_and_recomputed():
    v = verify("S_i*(1 - S_j)", against=J, classes=4)
    ce = v.counterexample
    assert ce.entry[0] != ce.entry[1] and len(ce.point["z"]) == 4
    assert "expected" in ce.describe() and "claimed" in ce.describe()


def test_holds_reports_both_methods():
    v = verify("S - y", against=SCE, classes=4)
    assert v.methods[0].startswith("exact: 4 entries") and v.methods[1].startswith("numeric")


def test_symbolic_proof_method():
    v = verify("S_i*(δ_ij - S_j)", against=J, classes="N")
    assert v.methods[0].startswith("proof for all N ≥ 2")


@pytest.mark.parametrize("claim, message", [
    ("S_j - Q_j", "unknown symbol Q; known: S"),
    ("S_j - (y_j", "expected ')' at column 11"),
    ("S_j $ y_j", "unexpected character '$' at column 5"),
    ("ｅｘｐ(z_j)", "unexpected character"),
    ("S_j^1000", "exponent 1000 is too large"),
    ("(" * 80 + "S_j" + ")" * 80, "nested more than"),
    ("S_j - " * 400, "at most 2000"),
    ("", "empty"),
    ("__import__('os')", "unexpected character '_'"),
    ("S.__class__", "unexpected character '_' at column 3"),
    ("np.system(S)", "expected one of np."),
    ("1/0", "undefined"),
    ("0/0", "undefined"),
    ("sqrt(-1)", "not real"),
    ("S" + "ᵀ" * 1999, "postfix operations"),
    ("((((64^64)^64)^64)^64)", "too large a number"),
])
def test_bad_claims_are_one_clear_error(claim, message):
    with pytest.raises((InputError, ParseError), match=message.replace("(", r"\(").replace(")", r"\)").replace("$", r"\$")):
        verify(claim, against=SCE, classes=3)


# ---- the command line -----------------------------------------------------------------

def run(*args):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("args, status, expected", [
    (["S_i*(1 - S_j)", "--against", J, "--classes", "4"], 1,
     ["fails: your formula matches the diagonal (i = j) but not the off-diagonal entries.",
      "expected  ∂S_i/∂z_j = S_i(δ_ij − S_j)", "read as S_i(1 − S_j)", "i=1, j=2, z=["]),
    (["S - y", "--against", SCE], 0, ["holds for N = 3 assuming Σ_k y_k = 1"]),
    (["S - y", "--against", SCE, "-n", "N"], 0, ["holds for all N ≥ 2 assuming Σ_k y_k = 1"]),
    (["S_j - Q_j", "--against", SCE], 2, ["unknown symbol Q"]),
    (["S - y", "--against", "softmax-jacobain"], 2, ["did you mean softmax-jacobian?"]),
    (["S - y", "--against", SCE, "--wrt", "S"], 2, ["with respect to z; --wrt S"]),
    (["S - y", "--against", SCE, "--wrt", "z"], 0, ["holds"]),
    (["-y/S", "--against", CE], 0, ["holds for N = 3"]),
])
def test_check_command(args, status, expected):
    result = run("check", *args)
    assert result.exit_code == status, result.output
    for fragment in expected:
        assert fragment in result.output, fragment


def test_check_json_contract():
    result = run("check", "(S - y)/2", "--against", SCE, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["verdict"] == "fails" and "constant factor" in data["diagnosis"]
    for key in ("assumptions", "methods", "expected", "claimed", "counterexample"):
        assert key in data
    assert data["claimed"]["text"] == "(S_j − y_j)/2" or "S_j" in data["claimed"]["text"]
    assert set(data["counterexample"]["entry"]) == {"j"}


def test_no_confirmed_counterexample_means_undetermined(monkeypatch):
    # A "fails" rests on an exact proof of a difference or on a counterexample proved by
    # intervals: with neither, the verdict is undetermined (never "holds").
    import sys
    module = sys.modules["derive.verdicts.at_n"]   # where a concrete N is decided
    monkeypatch.setattr(module, "separated", lambda *args: None)
    v = verify("S_i*(1 - S_j)", against=J, classes=3)   # the exact test proves it wrong
    assert v.verdict == "fails" and v.counterexample is None
    assert "no counterexample is shown" in " ".join(v.methods)
    monkeypatch.setattr(module, "_same", lambda a, b: None)   # … and now nothing is proved
    v = verify("S_i*(1 - S_j)", against=J, classes=3)
    assert v.verdict == "undetermined" and v.counterexample is None
    result = run("check", "S_i*(1 - S_j)", "--against", J)
    assert result.exit_code == 3 and result.output.startswith("undetermined")


@pytest.mark.parametrize("latex, target", [
    (r"\frac{\partial L}{\partial z_j} = \hat{y}_j - y_j", SCE),
    (r"\frac{\partial L}{\partial z_j} = S_j - \delta_{jc}", SP),
    (r"\frac{\partial S_i}{\partial z_j} = S_i(\delta_{ij} - S_j)", J),
    (r"\frac{\partial \log S_i}{\partial z_j} = \delta_{ij} - S_j", LJ),
    (r"\frac{\partial L}{\partial S_j} = -\frac{y_j}{S_j}", CE),
    (r"\nabla_z L = S - y", SCE),
])
def test_a_latex_left_side_chooses_the_target(latex, target):
    v = verify(latex)
    assert v.target == target and v.holds
    assert v.notes[0].startswith(f"the target {target} was chosen from the left side")


@pytest.mark.parametrize("latex, against, message", [
    (r"\frac{\partial L}{\partial S_j} = -y_j/S_j", J, "is not the derivative of softmax-jacobian"),
    (r"S_j - y_j", None, "say which derivative"),
    (r"\frac{\partial y_j}{\partial z_j} = 0", None, "no target is the derivative"),
    (r"\input{/etc/passwd}", SCE, r"unsupported LaTeX command \\input at column 1"),
    (r"\write18{rm -rf /}", SCE, "unsupported LaTeX command"),
])
def test_latex_errors(latex, against, message):
    with pytest.raises(InputError, match=message):
        verify(latex, against=against)


def test_latex_from_the_command_line():
    result = run("check", r"\frac{\partial L}{\partial z_j} = \hat{y}_j - y_j")
    assert result.exit_code == 0 and "chosen from the left side" in result.output
    forced = run("check", "S_i(1 - S_j)", "--against", J, "--latex")
    assert forced.exit_code == 1 and "read as S_i(1 − S_j)" in forced.output, forced.output
    text = run("check", "S_{i} (δ_ij - S_{j})", "--against", J, "--no-latex")
    assert text.exit_code == 0, text.output


# ---- found by review of the temperature, label-smoothing and sigmoid targets ------------

def test_sympy_claims_may_use_the_targets_scalars_and_families():
    import sympy as sp
    S, y, q = sp.IndexedBase("S"), sp.IndexedBase("y"), sp.IndexedBase("q")
    i, j = sp.symbols("i j")
    T, eps = sp.Symbol("T"), sp.Symbol("ε")
    assert verify(S[i] * (sp.KroneckerDelta(i, j) - S[j]) / T, against=TJ).holds
    assert verify(S[j] - q[j], against=LS).holds
    assert verify(S[j] - (1 - eps) * y[j] - eps / sp.Symbol("N"), against=LS, classes="N").holds
    assert verify(S[j] - y[j], against=BCE, classes=1).holds   # S is σ(z) there
    with pytest.raises(InputError, match="unknown function f"):
        verify(sp.Function("f")(S[j]) - y[j], against=SCE)


@pytest.mark.parametrize("claim, classes, expected", [
    ("(σ(z) - y)/N", "N", "off by a factor of 1/N"),
    ("(σ(z) - y)*N", "N", "off by a factor of N:"),
    ("(σ(z) - y)*2/N", "N", "off by a factor of 2/N"),
    ("(σ(z) - y)/2", "N", "off by a constant factor: your formula is 1/2"),
    ("S - (1-eps) y - eps/(N-1)", "N", "spread ε over the N − 1 other classes"),
])
def test_symbolic_n_diagnoses_hold_for_every_n(claim, classes, expected):
    target = LS if "eps" in claim else BCE
    v = verify(claim, against=target, classes=classes)
    assert v.verdict == "fails" and expected in v.diagnosis, v.diagnosis


def test_the_letter_of_n_may_be_written_in_the_claim():
    assert verify("S - (1-eps) y - eps/n", against=LS, classes="n").holds
    assert verify("S - (1-eps) y - eps/M", against=LS, classes="M").holds
    with pytest.raises(InputError, match="T already names something"):
        verify("S_i (δ_ij − S_j)/T", against=TJ, classes="T")


def test_sigmoid_counterexamples_show_the_logits():
    v = verify("σ(z)(1 - σ(z))", against=BCE, classes=3)
    assert "z" in v.counterexample.point and all(0 <= x <= 1 for x in v.counterexample.point["y"])


def test_a_symmetric_result_is_never_called_transposed():
    v = verify("S_i(δ_ij − S_j)/T + 1e-12", against=TJ, classes=3)
    assert v.verdict == "fails" and "transposed" not in v.diagnosis


def test_caret_t_of_a_matrix_is_its_transpose_even_where_t_is_the_temperature():
    # S^T of a vector cannot be a power (an exponent is a number); S_i^T stays refused.
    assert run("check", "(diag(S) - S S^T)/T", "--against", TJ).exit_code == 0
    result = run("check", "S_i^T", "--against", TJ)
    assert result.exit_code == 2 and "must be a number" in result.output, result.output


@pytest.mark.parametrize("args, message", [
    (["S_i (δ_ij − S_j)/T", "--against", TJ, "--classes", "T"], "T already names something"),
])
def test_review_errors_from_the_command_line(args, message):
    result = run("check", *args)
    assert result.exit_code == 2 and message in result.output, result.output


def test_a_tiny_constant_difference_is_a_confirmed_failure():
    # The exact test says the two differ; 30-digit arithmetic confirms it at a point.
    v = verify("S - q + 1e-14", against=LS, classes=3)
    assert v.verdict == "fails"
    ce = v.counterexample
    assert abs(ce.claimed - ce.expected - 1e-14) < 1e-15
    assert repr(ce.expected) in ce.describe()   # digits enough to see the difference


@pytest.mark.parametrize("claim, target", [
    ("z_j - y_j", "softmax-cross-entropy-grad"),
    ("exp(z_j) - y_j", "softmax-cross-entropy-grad"),
    ("z_i*delta(i,j)", "softmax-jacobian"),
])
def test_a_claim_the_rules_cannot_write_in_s_is_decided_at_concrete_n(claim, target):
    """For every N, a claim in the logits that the rules cannot reduce is refuted by a
    counterexample at a concrete N — a verdict, not an error about the derivation."""
    v = verify(claim, against=target, classes="N")
    assert v.verdict == "fails" and v.counterexample is not None
    assert any("decided at N =" in note for note in v.notes)


@pytest.mark.parametrize("n", [3, 9])
def test_a_factor_of_e_is_named_e(n):
    v = verify("e*S_i*(delta(i,j) - S_j)", against="softmax-jacobian", classes=n)
    assert v.verdict == "fails" and "your formula is e × the derivative" in v.diagnosis
