"""Identities between targets: derived from the targets' own results, every step checked."""

import json
import shutil
import subprocess
from dataclasses import replace

import pytest
import sympy as sp
from click.testing import CliRunner

from cli import main
from derive.catalog import get_target
from derive.errors import StepError, UnknownTargetError
from derive.functions import S, sigmoid, y, z
from derive.identities import _checked, get_identity, two_class_softmax
from derive.render.identity import render_identity


def test_two_class_softmax_is_the_sigmoid_of_the_difference():
    first, second = two_class_softmax().chains
    assert first.lhs == S[1] and first.steps[-1].rhs == sigmoid(z[1] - z[2])
    assert sp.expand(second.steps[-2].rhs - (sigmoid(z[1] - z[2]) - y[1])) == 0
    assert second.steps[-1].rhs == S[1] - y[1]
    assert all(s.check.exact and s.check.max_abs_error < 1e-12
               for chain in (first, second) for s in chain.steps)


def test_a_wrong_step_is_caught():
    first = two_class_softmax().chains[0]
    broken = replace(first, steps=(*first.steps[:-1],
                                   replace(first.steps[-1], rhs=sigmoid(z[2] - z[1]))))
    problem = get_target("softmax-cross-entropy-grad").problem(2)
    with pytest.raises(StepError, match="step 3 .* does not follow"):
        _checked(broken, problem, 0)


def test_unknown_identity():
    with pytest.raises(UnknownTargetError, match="known: two-class-softmax"):
        get_identity("three-class-softmax")


@pytest.mark.parametrize("fmt, expected", [
    ("text", ["two-class softmax is a sigmoid", " 3.  = σ(z_1 − z_2)", "✓ checked"]),
    ("latex", [r"S_1 &= \frac{e^{z_1}}{e^{z_1} + e^{z_2}} && \text{(1)}",
               r"&= \sigma(z_1 - z_2) - y_1 && \text{(3)}"]),
    ("markdown", ["## two-class softmax is a sigmoid", r"\begin{aligned}"]),
])
def test_formats(fmt, expected):
    out = render_identity(two_class_softmax(), fmt)
    for fragment in expected:
        assert fragment in out, fragment


def test_command_line():
    runner = CliRunner()
    listed = runner.invoke(main, ["prove"])
    assert listed.exit_code == 0 and listed.output.startswith("two-class-softmax")
    data = json.loads(runner.invoke(main, ["prove", "two-class-softmax", "--format",
                                           "json"]).output)
    assert [len(c["steps"]) for c in data["chains"]] == [3, 4]
    assert all(s["check"]["exact"] for c in data["chains"] for s in c["steps"])
    bad = runner.invoke(main, ["prove", "nope"])
    assert bad.exit_code == 2 and "unknown identity" in bad.output


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
def test_latex_compiles(tmp_path):
    body = render_identity(two_class_softmax(), "latex")
    (tmp_path / "id.tex").write_text(
        "\\documentclass{article}\\usepackage[T1]{fontenc}\\usepackage{amsmath,amssymb}"
        "\\begin{document}\n" + body + "\\end{document}\n")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                          "-no-shell-escape", "id.tex"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert "Overfull" not in (tmp_path / "id.log").read_text()
