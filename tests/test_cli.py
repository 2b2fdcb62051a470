"""The command line: output, exit status, one-line errors."""

import json
import os
import re
from pathlib import Path

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
    # A letter the target's own definition sums over: never captured by a sum.
    (["show", "batch-softmax-cross-entropy-grad", "--classes", "n"],
     "n already names an index in the derivation of batch-softmax-cross-entropy-grad"),
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


# --- derive list: the results for every N ---------------------------------------------

def test_list_gives_each_result_for_every_n_in_both_notations():
    from derive import derivation
    from derive.render.text import form_text, text
    result = run("list")
    assert result.exit_code == 0 and result.stderr == ""
    for line, name in zip(result.output.splitlines(), TARGETS, strict=True):
        d = derivation(name, "N", check=False, steps=False)
        assert line.startswith(name + " ")
        assert f"  {text(d.lhs)} = {text(d.result)}  " in line
        assert f"  {form_text(d.form)}" in line


def test_list_json_says_for_which_n():
    rows = {row["target"]: row for row in json.loads(run("list", "--format", "json").output)}
    assert rows["softmax-jacobian"]["statement"] == "for all N ≥ 1"
    assert rows["softmax-jacobian"]["form"]["text"] == "diag(S) − S Sᵀ"
    assert rows["linear-softmax-jacobian"]["statement"] == "for all N ≥ 1 and D ≥ 1"
    assert rows["softmax-cross-entropy-grad"]["general"]["text"] == \
        "∂L/∂z_j = S_j Σ_{k=1}^N y_k − y_j"
    assert rows["cross-entropy-grad"]["general"] is None


# --- --timeout: one line, exit 3, what was not done --------------------------------------

def _sleeps(*args, **kwargs):
    import time
    time.sleep(60)


@pytest.mark.parametrize("args, work, message", [
    (["list", "--timeout", "1"], "_result",
     "too large to list the targets: not done within 1 s (the work was stopped); try a "
     "longer --timeout"),
    (["show", "softmax-jacobian", "--timeout", "1"], "_derive_and_evaluate",
     "too large to derive softmax-jacobian: not done within 1 s (the work was stopped); "
     "try a smaller N or a longer --timeout"),
    (["show", "softmax-jacobian", "-n", "N", "--timeout", "1.5"], "_derive_and_evaluate",
     "too large to derive softmax-jacobian: not done within 1.5 s (the work was stopped); "
     "try a longer --timeout"),
    (["export", "x.md", "cross-entropy-grad", "--timeout", "1"], "_derive_one",
     "too large to derive cross-entropy-grad: not done within 1 s (the work was stopped); "
     "try a smaller N or a longer --timeout"),
])
def test_work_past_the_timeout_is_stopped_with_status_3(tmp_path, monkeypatch, args, work,
                                                         message):
    import cli
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, work, _sleeps)   # the worker, forked, runs this
    result = run(*args)
    assert result.exit_code == 3
    assert (result.stdout, result.stderr) == ("", f"derive: undetermined: {message}\n")
    assert not (tmp_path / "x.md").exists()


@pytest.mark.parametrize("args", [
    ["list", "--timeout", "0"], ["show", "softmax-jacobian", "--timeout", "601"],
    ["export", "x.md", "--timeout", "2m"], ["check", "S - y", "--against",
                                            "softmax-cross-entropy-grad", "--timeout", "-1"],
])
def test_a_bad_timeout_is_refused_before_any_work(args):
    result = run(*args)
    assert result.exit_code == 2 and "is not a number of seconds from 1 to 600" in result.output


def _refuses(*args, **kwargs):
    raise AssertionError("no work should start")


@pytest.mark.parametrize("args, message", [
    (["show", "softmax-jacobian", "-o", "exists.txt"], "'exists.txt' exists; pass --force"),
    (["show", "softmax-jacobian", "--format", "latex", "--at", "z=[1, 2, 3]"],
     "--at is shown in the text and json formats only"),
    (["show", "softmax-jacobian", "--format", "markdown", "--standalone"],
     "--standalone applies to --format latex only"),
    (["show", "softmax-jacobian", "--cross-validate"], "needs a symbolic number"),
])
def test_what_can_be_refused_is_refused_before_the_work(tmp_path, monkeypatch, args, message):
    import cli
    monkeypatch.chdir(tmp_path)
    (tmp_path / "exists.txt").write_text("mine")
    monkeypatch.setattr(cli, "_derive_and_evaluate", _refuses)
    result = run(*args)
    assert result.exit_code == 2 and message in result.stderr
    assert (tmp_path / "exists.txt").read_text() == "mine"


# --- progress: on a terminal's stderr only, never with --quiet, never on stdout -----------

def _final_line(drawn: str) -> str:
    """What a terminal shows on the progress line at the end: each \\r starts it again."""
    line = ""
    for segment in drawn.split("\r"):
        line = segment + line[len(segment):]
    return line


@pytest.mark.parametrize("terminal, quiet, drawn", [
    (True, False, True), (True, True, False), (False, False, False),
])
def test_progress_is_drawn_on_a_terminal_only_and_never_with_quiet(tmp_path, monkeypatch,
                                                                    terminal, quiet, drawn):
    import cli
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "_is_terminal", lambda stream: terminal)
    from derive.render.progress import ProgressLine
    monkeypatch.setattr(ProgressLine, "REDRAW", 0.0)   # every count drawn, however quick
    result = run("export", "x.md", "softmax-jacobian", "cross-entropy-grad",
                 *(["--quiet"] if quiet else []))
    assert result.exit_code == 0
    assert result.stdout == "wrote x.md\n"   # stdout: the output only
    if drawn:   # the export's own stage (what workers draw goes to their copy of stderr)
        assert "deriving  [----------" in result.stderr and "1/2" in result.stderr
        assert "\n" not in result.stderr and not _final_line(result.stderr).strip()
    else:
        assert result.stderr == ""


@pytest.mark.parametrize("args", [
    ["show", "softmax-cross-entropy-grad", "--quiet"], ["list", "-q"],
    ["check", "S - y", "--against", "softmax-cross-entropy-grad", "--quiet"],
])
def test_quiet_changes_nothing_else(monkeypatch, args):
    import cli
    loud = run(*[a for a in args if a not in ("--quiet", "-q")])
    monkeypatch.setattr(cli, "_is_terminal", lambda stream: True)
    quiet = run(*args)
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (loud.exit_code, loud.stdout, "")


def _draws_and_hangs():
    import time
    from derive import progress
    with progress.stage("hanging", total=10):
        progress.advance(3)
        time.sleep(60)


def test_a_stopped_worker_leaves_the_terminal_line_clean(tmp_path, monkeypatch):
    import cli
    from derive import progress
    from derive.bounded import run_bounded
    from derive.errors import TooLarge
    from derive.render.progress import ProgressLine
    monkeypatch.setenv("COLUMNS", "100")
    with open(tmp_path / "stderr", "a") as stream, \
            progress.reporting(ProgressLine(stream)), pytest.raises(TooLarge):
        run_bounded(_draws_and_hangs, seconds=1)
    drawn = (tmp_path / "stderr").read_bytes().decode()   # \r kept as written
    assert "hanging  [------" in drawn                   # drawn by the worker
    assert "\x1b" not in drawn and "\n" not in drawn     # plain characters, one line
    assert _final_line(drawn) == " " * 99                # cleared by the parent


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pseudo-terminals here")
def test_on_a_real_terminal_the_workers_draw_and_erase_their_progress(tmp_path):
    import fcntl
    import struct
    import subprocess
    import sys
    import termios
    root = Path(__file__).resolve().parent.parent
    main_end, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = subprocess.Popen([sys.executable, str(root / "cli.py"), "export", "x.md",
                             "softmax-jacobian", "cross-entropy-grad"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=terminal,
                            env={**os.environ, "PYTHONPATH": str(root)})
    os.close(terminal)
    drawn = b""
    while True:
        try:
            chunk = os.read(main_end, 4096)
        except OSError:   # EIO: every process has closed the terminal
            break
        if not chunk:
            break
        drawn += chunk
    os.close(main_end)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0 and out == b"wrote x.md\n"
    drawn = drawn.decode()
    assert "deriving 0/2 › softmax-jacobian › numeric check at N = 3" in drawn   # the worker's
    assert "\x1b" not in drawn and "\n" not in drawn
    assert not _final_line(drawn).strip()


# --- the limits in --help are the library's ---------------------------------------------

@pytest.mark.parametrize("command, module, constant", [
    ("show", "derive.sizes", "MAX_CLASSES"), ("export", "derive.sizes", "MAX_CLASSES"),
    ("check", "derive.sizes", "MAX_CLASSES"),
])
def test_help_states_the_librarys_limit(monkeypatch, command, module, constant):
    import importlib
    library = importlib.import_module(module)
    words = " ".join(run(command, "--help").output.split())
    top = getattr(library, constant)
    assert f"number of classes, 2..{top} (1..{top} for independent sigmoid outputs)" in words
    monkeypatch.setattr(library, constant, 999)
    assert "2..999 (1..999" in " ".join(run(command, "--help").output.split())


def test_help_states_the_size_limits():
    from derive.sizes import MAX_DERIVATIVE_ENTRIES, MAX_INPUTS
    words = " ".join(run("show", "--help").output.split())
    assert f"1..{MAX_INPUTS}, with at most {MAX_DERIVATIVE_ENTRIES} entries in the derivative" \
        in words
    assert "--timeout SECONDS wall-clock limit of the derivation" in words
    assert "[default: 120]" in words and "--full" in words and "--quiet" in words


@pytest.mark.parametrize("full, shown", [
    (False, "[0.015625, 0.015625, 0.015625, …, 0.015625, 0.015625, -0.984375]"),
    (True, "[" + "0.015625, " * 63 + "-0.984375]"),
])
def test_a_value_at_64_logits_is_shown_by_its_ends(full, shown):
    z, y = "[" + ", ".join(["0"] * 64) + "]", "[" + ", ".join(["0"] * 63 + ["1"]) + "]"
    result = run("show", "softmax-cross-entropy-grad", "-n", "N", "--result-only",
                 "--at", f"z={z}; y={y}", *(["--full"] if full else []))
    assert result.exit_code == 0, result.output
    assert f"    ∂L/∂z_j = {shown}\n" in result.output
    data = json.loads(run("show", "softmax-cross-entropy-grad", "-n", "N", "--result-only",
                          "--at", f"z={z}; y={y}", "--format", "json").output)
    assert len(data["value"]["value"]) == 64


def test_show_a_large_layer_jacobian_through_the_worker():
    """64 × 192 entries, built lazily in the bounded worker and sent back to be shown."""
    result = run("show", "linear-softmax-jacobian", "--classes", "64", "--result-only",
                 "--quiet")
    assert result.exit_code == 0, result.output
    assert "for N = 64, D = 3" in result.output and "⋯" in result.output
    assert "all 12288 entries equal to the" in " ".join(result.output.split())


# --- a function the user defines (--of) --------------------------------------------------
WEIGHTED = "L = -Σ_k w_k y_k log(softmax(z)_k)"


def test_show_of_a_definition_for_every_n():
    result = run("show", "--of", WEIGHTED, "--wrt", "z", "--classes", "N")
    assert result.exit_code == 0, result.output
    for expected in ["your definition: " + WEIGHTED, "where S = softmax(z)",
                     "∂L/∂z_j = S_j Σ_{k=1}^N w_k y_k − w_j y_j", "✓ log-softmax Jacobian",
                     "for all N ≥ 1", "numeric check passed"]:
        assert expected in result.output


def test_show_of_a_definition_at_a_concrete_n_with_an_assumption(tmp_path):
    result = run("show", "--of", "L = -Σ_k y_k log(softmax(z)_k)", "--assume", "Σ_k y_k = 1",
                 "-n", "3", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["result"]["text"] == "S_j − y_j"
    assert data["form"]["general_text"] == "(Σ_k y_k) S − y"
    assert data["definition"]["where"][0]["text"] == "S = softmax(z)"
    assert data["assumptions"][0]["text"] == "Σ_k y_k = 1"
    tex = tmp_path / "attention.tex"
    result = run("show", "--of", "a_i = exp(q·k_i/√d)/Σ_m exp(q·k_m/√d)", "--wrt", "q",
                 "--format", "latex", "--standalone", "-o", str(tex))
    assert result.exit_code == 0, result.output
    assert r"\sqrt{d}" in tex.read_text()


def test_show_of_a_definition_cross_validated():
    result = run("show", "--of", WEIGHTED, "--wrt", "z", "-n", "N", "--cross-validate",
                 "--result-only")
    assert result.exit_code == 0, result.output
    assert ("cross-validated: at N = 2..8 the result equals SymPy's derivative of the\n"
            "    written-out definition on all 35 entries") in result.output


@pytest.mark.parametrize("args, status, expected", [
    (["check", "S_j Σ_k w_k y_k - w_j y_j", "--of", WEIGHTED, "--wrt", "z"], 0, "holds for N = 3"),
    (["check", "S_j - w_j y_j", "--of", WEIGHTED, "--wrt", "z", "-n", "N"], 1, "counterexample"),
    (["check", "S_j - y_j", "--of", "L = -Σ_k y_k log(softmax(z)_k)", "--assume",
      "Σ_k y_k = 1", "-n", "N"], 0, "holds for all N ≥ 1 assuming Σ_k y_k = 1"),
    # LaTeX, with its left side, read against the definition too.
    (["check", r"\frac{\partial L}{\partial z_j} = S_j \sum_k w_k y_k - w_j y_j", "--of",
      WEIGHTED, "--wrt", "z"], 0, "holds for N = 3"),
    (["check", r"\frac{\partial S_i}{\partial z_j} = S_j", "--of", WEIGHTED, "--wrt", "z"], 2,
     "the left side is ∂S_i/∂z_j, but the definition is differentiated as ∂L/∂z_j"),
])
def test_check_against_a_definition(args, status, expected):
    result = run(*args)
    assert result.exit_code == status, result.output
    assert expected in result.output


@pytest.mark.parametrize("args, expected", [
    (["--of", WEIGHTED, "--at", "z=[1, 2, 3]; y=[0, 1, 0]; w=[1, 2, 1]"],
     ["at z=[1, 2, 3]; y=[0, 1, 0]; w=[1, 2, 1]:", "S = [0.0900306, 0.244728, 0.665241]",
      "∂L/∂z_j = [0.180061, -1.51054, 1.33048]", "finite differences agree"]),
    # N and D read off the point; the layer's output h at the point.
    (["--of", "h_i = tanh(W x + b)_i", "--wrt", "x", "--at",
      "W=[[1, 2], [0.5, -1], [0, 1]]; x=[0.3, -0.2]; b=[0, 0.1, 0]"],
     ["N = 3 classes, D = 2 inputs", "[0.990066, 1.98013]", "finite differences agree"]),
    # Where the stated assumption fails, the general form, and a note.
    (["--of", "L = -Σ_k y_k log(softmax(z)_k)", "--assume", "Σ_k y_k = 1",
      "--at", "z=[1, 2]; y=[1, 1]"],
     ["Σ_k y_k = 1 does not hold at this point (2): the general form is used",
      "∂L/∂z_j = [-0.462117, 0.462117]"]),
])
def test_show_a_definition_at_a_point(args, expected):
    result = run("show", *args, "--result-only")
    assert result.exit_code == 0, result.output
    for line in expected:
        assert line in result.output


@pytest.mark.parametrize("args, message", [
    (["show", "softmax-jacobian", "--of", WEIGHTED], "give a TARGET or --of DEFINITION, not both"),
    (["show"], "give a TARGET (see `derive list`) or --of DEFINITION"),
    (["show", "--of", "L = relu(z_1)"], "relu is not differentiable everywhere"),
    (["show", "--of", WEIGHTED, "--wrt", "q"], "q does not occur"),
    (["show", "--of", WEIGHTED, "--convention", "WTx"], "options of the catalogue targets"),
    (["show", "softmax-jacobian", "--assume", "Σ_k y_k = 1"], "--assume goes with --of"),
    (["show", "--of", WEIGHTED, "--at", "z=[1,2]"], "the point needs w, y"),
    (["show", "--of", WEIGHTED, "--at", "z=[1,2]; y=[1,0]; w=[1]"], "w has shape (1,)"),
    (["show", "--of", WEIGHTED, "--at", "z=[1,2]; y=[1,0]; w=[1,1]; q=[1]"],
     "q is not an input of the definition"),
    (["show", "--of", WEIGHTED, "--at", "z=[1,nan]; y=[1,0]; w=[1,1]"], "not a decimal number"),
    (["show", "--of", WEIGHTED, "--cross-validate", "-n", "3"],
     "--cross-validate needs a symbolic number of classes"),
    (["check", "S_j", "--of", WEIGHTED, "--against", "softmax-jacobian"], "not both"),
    (["check", "Q_j", "--of", WEIGHTED], "unknown symbol Q"),
])
def test_definition_errors_are_one_line_with_status_2(args, message):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_show_a_batch_definition_at_a_concrete_size():
    result = run("show", "--of", "L = -1/m Σ_{n=1}^{m} Σ_k Y_nk log(softmax(Z_n)_k)",
                 "--assume", "Σ_k Y_nk = 1", "--batch", "3", "-n", "2", "--result-only")
    assert result.exit_code == 0, result.output
    for expected in ["N = 2 classes, m = 3 examples", "∂L/∂Z_ij = (S_ij − Y_ij)/m",
                     "assuming Σ_k Y_nk = 1 for every n", "all 6 entries equal"]:
        assert expected in result.output


def test_export_definitions(tmp_path):
    out = tmp_path / "mine.md"
    result = run("export", str(out), "--of", WEIGHTED, "--of", "L = logsumexp(z)",
                 "--wrt", "z", "--classes", "N")
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.count("## ") == 2 and "logsumexp" in text


def test_check_a_python_file_against_a_definition(tmp_path):
    code = tmp_path / "mygrad.py"
    code.write_text("import numpy as np\n"
                    "def grad(z, y, w):\n"
                    "    e = np.exp(z - z.max())\n"
                    "    return e / e.sum() * (w * y).sum() - w * y\n"
                    "def wrong(z, y, w):\n"
                    "    return -grad(z, y, w)\n")
    result = run("check", "--python", f"{code}:grad", "--of", WEIGHTED, "--wrt", "z", "-n", "4")
    assert result.exit_code == 0, result.output
    assert "holds for N = 4" in result.output and "not a proof" in result.output
    result = run("check", "--python", f"{code}:wrong", "--of", WEIGHTED, "--wrt", "z")
    assert result.exit_code == 1, result.output
    assert "the sign is flipped" in result.output


@pytest.mark.parametrize("args", [
    ["show", "softmax-jacobian"],
    ["show", "--of", "L = logsumexp(z)", "--wrt", "z"],
])
def test_show_to_a_file_says_what_it_wrote(tmp_path, args):
    # As export does: the file named on stderr, nothing else on stdout.
    out = tmp_path / "result.txt"
    result = run(*args, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stderr.strip().endswith(f"wrote {out}") and result.stdout == ""
    assert "∂" in out.read_text()


def test_the_license_is_the_one_pyproject_names():
    root = Path(__file__).resolve().parents[1]
    assert 'license = { text = "MIT" }' in (root / "pyproject.toml").read_text()
    assert (root / "LICENSE").read_text().startswith("MIT License")


def test_the_top_level_help_is_not_cut_off():
    result = run("--help")
    commands = result.output.split("Commands:")[1]
    assert "..." not in commands and "--of" in commands
    assert set(re.findall(r"^  (\w+) ", commands, re.M)) == {"check", "export", "list",
                                                            "notation", "prove", "show"}


@pytest.mark.parametrize("words, offered", [
    ("derive show softmax-", {"softmax-jacobian", "softmax-cross-entropy-grad",
                              "softmax-cross-entropy-hessian"}),
    ("derive check S --against linear-", {"linear-softmax-jacobian",
                                          "linear-softmax-cross-entropy-grad"}),
    ("derive export out.tex batch", {"batch-softmax-cross-entropy-grad"}),
    ("derive show --cl", {"--classes"}),
])
def test_shell_completion_offers_targets_and_options(monkeypatch, words, offered):
    # The protocol of the README's `eval "$(_DERIVE_COMPLETE=bash_source derive)"`.
    monkeypatch.setenv("_DERIVE_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", words)
    monkeypatch.setenv("COMP_CWORD", str(len(words.split()) - 1))
    result = CliRunner().invoke(main, [], prog_name="derive")
    assert {line.split(",", 1)[1] for line in result.output.split()} == offered


@pytest.mark.parametrize("args, first, status", [
    (["notation"], "# Notation for `derive check`", 0),
    (["notation", "latex"], "## LaTeX", 0),
    (["notation", "LaTeX"], "## LaTeX", 0),
    (["notation", "reading"], "## One notation, one reading", 0),
    (["notation", "python"], "## SymPy expressions and Python (NumPy) functions", 0),
    (["notation", "nothing-such"], "derive: error: no topic 'nothing-such' in the notation "
     "guide; the topics: names, examples, latex", 2),
])
def test_the_notation_guide_is_printed_by_topic(args, first, status):
    # The guide ships with the package: an installed derive prints it, no docs/ needed.
    result = run(*args)
    assert result.exit_code == status
    assert result.output.splitlines()[0].startswith(first)


def test_errors_point_to_the_notation_command():
    result = run("check", "S ⊕ y", "--against", "softmax-cross-entropy-grad")
    assert result.exit_code == 2 and "(see `derive notation`)" in result.output
