"""The command line: output, exit status, one-line errors."""

import json

import pytest
from click.testing import CliRunner

from cli import main
from derive import TARGETS


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_show_softmax_jacobian_default():
    result = run("show", "softmax-jacobian")
    assert result.exit_code == 0, result.output
    for expected in ["N = 3 classes", "∂S_i/∂z_j = S_i(δ_ij − S_j)", "diag(S) − S Sᵀ",
                     "S_1(1 − S_1)", "−S_1 S_2", "numeric check passed"]:
        assert expected in result.output


def test_list_shows_every_target_with_its_result():
    result = run("list")
    assert result.exit_code == 0
    assert len(result.output.strip().splitlines()) == len(TARGETS)
    assert "∂L/∂z_j = S_j − δ_jc" in result.output
    assert "∂S_i/∂z_j = S_i(δ_ij − S_j)/T" in result.output


def test_independent_outputs_allow_one():
    result = run("show", "sigmoid-binary-cross-entropy-grad", "--classes", "1", "--result-only")
    assert result.exit_code == 0, result.output
    assert "N = 1 outputs" in result.output and "∂L/∂z_j = σ(z_j) − y_j" in result.output
    assert run("show", "sigmoid-binary-cross-entropy-grad", "--classes", "0").exit_code == 2


def test_list_json():
    data = json.loads(run("list", "--format", "json").output)
    assert data[0]["target"] == "softmax-jacobian"


@pytest.mark.parametrize("n", ["2", "5"])
def test_show_json(n):
    result = run("show", "softmax-cross-entropy-grad", "--classes", n, "--format", "json")
    data = json.loads(result.output)
    assert data["classes"] == int(n) and data["check"]["passed"]
    assert data["assumptions"][0]["name"] == "labels-sum-to-one"


def test_show_at_a_point_infers_the_number_of_classes():
    result = run("show", "sparse-softmax-cross-entropy-grad", "--at", "z=[0, 0, 0, 0]; c=2")
    assert result.exit_code == 0
    assert "N = 4 classes" in result.output
    assert "∂L/∂z_j = [0.25, -0.75, 0.25, 0.25]" in result.output
    assert "finite differences agree" in result.output


@pytest.mark.parametrize("args, message", [
    (["show", "softmax-jacobain"], "did you mean softmax-jacobian?"),
    (["show", "softmax-jacobian", "--classes", "1"], "at least 2"),
    (["show", "softmax-jacobian", "--classes", "1000"], "at most 512"),
    (["show", "softmax-jacobian", "--classes", "k"], "k already names something"),
    (["show", "softmax-jacobian", "--classes", "NM"], "neither a number nor one letter"),
    (["show", "softmax-jacobian", "--classes", "Ｎ"], "is not a number of classes"),
    (["show", "softmax-jacobian", "--classes", "N", "--at", "z=[1, 2]; y=[1]"],
     "different lengths"),
    (["show", "softmax-jacobian", "--cross-validate"], "needs a symbolic number"),
    (["show", "softmax-jacobian", "--classes", "١٢"], "is not a number of classes"),
    (["show", "softmax-jacobian", "--classes", "1_000"], "is not a number of classes"),
    (["show", "softmax-jacobian", "--at", "z=[1, nan, 2]"], "not a decimal number"),
    (["show", "softmax-jacobian", "--classes", "3", "--at", "z=[1, 2]"], "2 entries"),
])
def test_bad_input_is_one_line_with_status_2(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_help_lists_the_commands():
    result = run("--help")
    assert result.exit_code == 0 and "show" in result.output and "list" in result.output


@pytest.mark.parametrize("classes", ["N", "M", "symbolic"])
def test_show_symbolic_n(classes):
    result = run("show", "softmax-jacobian", "--classes", classes)
    letter = "N" if classes == "symbolic" else classes
    assert result.exit_code == 0, result.output
    for expected in [f"for any number of classes {letter} (symbolic)",
                     f"result, for all {letter} ≥ 1 and 1 ≤ i, j ≤ {letter}:",
                     "∂S_i/∂z_j = S_i(δ_ij − S_j)", "diag(S) − S Sᵀ",
                     f"Σ_{{k=1}}^{letter} exp(z_k)", "numeric check passed"]:
        assert expected in result.output, expected


def test_show_symbolic_n_at_a_point_uses_the_points_n():
    result = run("show", "softmax-cross-entropy-grad", "-n", "N", "--result-only",
                 "--at", "z=[0, 0, 0, 0]; y=[0, 1, 0, 0]")
    assert result.exit_code == 0, result.output
    assert "(N = 4):" in result.output
    assert "∂L/∂z_j = [0.25, -0.75, 0.25, 0.25]" in result.output


def test_show_symbolic_n_cross_validated():
    result = run("show", "cross-entropy-grad", "-n", "N", "--result-only", "--cross-validate",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    v = json.loads(result.output)["cross_validation"]
    assert v["passed"] and v["sizes"] == list(range(2, 9)) and v["exact_entries"] == 35


def test_export_symbolic_n(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("export", "proofs.md", "--classes", "N")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "proofs.md").read_text()
    symbolic = [t for t in TARGETS.values() if t.symbolic]
    assert text.count("(symbolic N)") == len(symbolic) and "proved for every N" in text
