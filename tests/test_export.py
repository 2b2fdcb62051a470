"""LaTeX, Markdown and JSON export: exact strings, files, and a real pdflatex run."""

import json
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from cli import main
from derive import TARGETS, derivation
from derive.errors import DeriveError, InputError
from derive.export import compile_pdf, format_for, render, render_document, write
from derive.render.latex import derivation_latex, document_latex, facts_latex, steps_latex
from derive.render.markdown import derivation_markdown

SOFTMAX_JACOBIAN_STEPS = r"""\begin{align*}
\frac{\partial S_i}{\partial z_j} &= \frac{\partial}{\partial z_j} \frac{e^{z_i}}{\sum_{k} e^{z_k}} && \text{(1) definition of the softmax} \\
 &= \frac{\delta_{ij} e^{z_i} \sum_{k} e^{z_k} - e^{z_i} e^{z_j}}{\left(\sum_{k} e^{z_k}\right)^{2}} && \text{(2) quotient rule ($1 \le j \le 3$)} \\
 &= S_i \delta_{ij} - S_i S_j && \text{(3) recognise the softmax outputs} \\
 &= S_i \left(1 - S_i\right) && \text{(4) case $i = j$} \\
 &= - S_i S_j && \text{(5) case $i \neq j$} \\
 &= S_i \left(\delta_{ij} - S_j\right) && \text{(6) both cases in one with the Kronecker delta}
\end{align*}"""


def test_softmax_jacobian_steps_as_an_align_block():
    assert steps_latex(derivation("softmax-jacobian", 3, check=False)) == SOFTMAX_JACOBIAN_STEPS


def test_symbolic_steps_show_the_range_of_every_sum():
    expected = (SOFTMAX_JACOBIAN_STEPS.replace(r"\sum_{k}", r"\sum_{k=1}^{N}")
                .replace(r"\le 3", r"\le N"))
    assert steps_latex(derivation("softmax-jacobian", "N", check=False)) == expected


def test_long_steps_keep_only_their_numbers_in_the_column():
    # The binary cross-entropy's formulas are long: reasons would overrun the page.
    d = derivation("sigmoid-binary-cross-entropy-grad", 3, check=False)
    block = steps_latex(d)
    assert r"&& \text{(2)} \\" in block and "linearity" not in block
    facts = " ".join(facts_latex(d))
    assert "(2) linearity of the derivative" in facts
    assert (r"(3) chain rule through the sigmoid: $\frac{\partial \sigma(z_j)}{\partial z_j} = "
            r"\sigma(z_j) \left(1 - \sigma(z_j)\right)$") in facts


@pytest.mark.parametrize("fmt, expected", [
    ("text", ["for any number of classes N (symbolic)", "result, for all N ≥ 1 and 1 ≤ j ≤ N:",
              "∂L/∂z_j = S_j − y_j", "in general: ∂L/∂z_j = S_j Σ_{k=1}^N y_k − y_j",
              "✓ proved: each step reduces by the rules", "[for 1 ≤ j ≤ N]",
              "proof: the derivative of the definition", "at N = 1, 2, 3"]),
    ("latex", [r"\textbf{Result}, for all $N \ge 1$ and $1 \le j \le N$, assuming",
               r"S_j \sum_{k=1}^{N} y_k - y_j", r"\emph{sum-delta}",
               "(5) the Kronecker delta picks one term of the sum ($1 \\le j \\le N$)"]),
    ("markdown", ["## softmax cross-entropy gradient (symbolic N)",
                  "**Result**, for all $N \\ge 1$ and $1 \\le j \\le N$, assuming",
                  "**Proof**: the derivative of the definition"]),
])
def test_symbolic_n_in_every_format(fmt, expected):
    out = render(derivation("softmax-cross-entropy-grad", "N"), fmt)
    for fragment in expected:
        assert fragment in out, fragment
    assert "N = N" not in out and "pmatrix" not in out


def test_symbolic_n_as_json():
    data = json.loads(render(derivation("sparse-softmax-cross-entropy-grad", "N"), "json"))
    assert data["classes"] == "N" and data["symbolic"] and data["matrix"] is None
    assert data["proof"]["statement"] == "for all N ≥ 1"
    assert [c["text"] for c in data["proof"]["conditions"]] == ["1 ≤ c ≤ N", "1 ≤ j ≤ N"]
    assert data["result"]["text"] == "S_j − δ_jc"
    assert all(s["checked"]["proved"] and s["checked"]["sizes"] == [1, 2, 3]
               for s in data["steps"])
    assert data["check"]["passed"] and data["check"]["sizes"] == [1, 2, 3]


def test_fragment_has_no_sympy_spellings():
    for name in TARGETS:
        fragment = derivation_latex(derivation(name, 3))
        for bad in ["KroneckerDelta", "_{1}", r"\operatorname{Sum}", "Derivative", "−"]:
            assert bad not in fragment, (name, bad)


def test_assumption_is_in_every_format():
    d = derivation("softmax-cross-entropy-grad", 3)
    assert r"\sum_{k} y_k = 1" in derivation_latex(d)
    assert r"\sum_{k} y_k = 1" in derivation_markdown(d)
    assert json.loads(render(d, "json"))["steps"][-1]["assumptions"] == ["labels-sum-to-one"]
    assert "[assumes Σ_k y_k = 1]" in render(d, "text")


def test_markdown_uses_display_maths_blocks():
    md = derivation_markdown(derivation("softmax-jacobian", 3))
    assert md.count("$$") % 2 == 0 and r"\begin{aligned}" in md


class _Formatter:
    def __init__(self):
        self.shows = {}

    def for_type(self, kind, show):
        self.shows[kind] = show


class _Shell:
    def __init__(self):
        self.display_formatter = type("Display", (), {"formatters": {
            "text/latex": _Formatter(), "text/markdown": _Formatter()}})()


def test_jupyter_shows_a_derivation_as_maths():
    from derive.record import Derivation
    from derive.render.notebook import register
    shell = _Shell()
    assert register(shell)
    formatters = shell.display_formatter.formatters
    d = derivation("log-softmax-jacobian", 3)
    assert formatters["text/latex"].shows[Derivation](d).startswith("$$\\begin{aligned}")
    assert formatters["text/markdown"].shows[Derivation](d).startswith(
        "## log-softmax Jacobian")
    bare = derivation("log-softmax-jacobian", 3, steps=False, check=False)
    assert formatters["text/latex"].shows[Derivation](bare).startswith("$$\\frac{\\partial")
    assert not register()   # no IPython running here: nothing to register with


def test_json_steps_are_objects():
    data = json.loads(render(derivation("softmax-jacobian", 3), "json"))
    step = data["steps"][3]
    assert step["case"] == {"indices": ["i", "j"], "equal": True}
    assert step["rhs"] == {"text": "S_i(1 − S_i)", "latex": r"S_i \left(1 - S_i\right)"}
    assert step["checked"]["exact_entries"] == 6   # at N = 1, 2, 3: 1 + 2 + 3 with i = j


@pytest.mark.parametrize("path, fmt", [("a.tex", "latex"), ("a.md", "markdown"),
                                       ("a.JSON", "json"), ("a.txt", "text")])
def test_format_for(path, fmt):
    assert format_for(path) == fmt


def test_format_for_unknown_extension():
    with pytest.raises(InputError, match="cannot tell the format"):
        format_for("a.docx")


def test_write_refuses_to_overwrite(tmp_path):
    target = tmp_path / "x.md"
    write(target, "one")
    with pytest.raises(InputError, match="pass --force"):
        write(target, "two")
    write(target, "two", force=True)
    assert target.read_text() == "two\n"


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="pdflatex is not installed (Debian: texlive-latex-base)")
@pytest.mark.parametrize("classes", [3, "N"])
def test_the_standalone_document_compiles_with_pdflatex(tmp_path, classes):
    tex = tmp_path / "all.tex"
    names = [name for name, t in TARGETS.items() if t.symbolic or classes != "N"]
    tex.write_text(render_document([derivation(name, classes) for name in names], "latex"))
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                          "-no-shell-escape", "all.tex"], cwd=tmp_path, capture_output=True,
                         text=True, errors="replace", timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    pages = int(re.search(r"Output written on all\.pdf \((\d+) pages?", run.stdout).group(1))
    sections = (tmp_path / "all.aux").read_text().count("{section}")
    assert sections == len(names)
    assert 3 <= pages <= 11
    assert "Overfull" not in run.stdout
    # Vector fonts only: pdfTeX lists every font file it embeds, a bitmap one as …600pk.
    embedded = re.findall(r"<([^<>]+\.(?:pfb|\d+pk))>", run.stdout.replace("\n", ""))
    assert embedded and not [f for f in embedded if f.endswith("pk")], embedded
    # Each heading and its formula are one paragraph: no page break between them.
    text = tex.read_text()
    for heading in (r"\textbf{Result}", "In general, without the assumption:", r"\noindent For $"):
        for at in [m.start() for m in re.finditer(re.escape(heading), text)]:
            paragraph = text[at:text.index("\n\n", at)]
            assert r"\[" in paragraph, paragraph[:200]


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_cli_export_pdf(tmp_path, monkeypatch):
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["export", "notes.tex", "softmax-jacobian", "--pdf"])
    assert result.exit_code == 0, result.output
    with open("notes.pdf", "rb") as pdf:
        assert pdf.read(4) == b"%PDF"


def test_compile_pdf_without_pdflatex_is_a_clear_error(tmp_path, monkeypatch):
    tex = tmp_path / "a.tex"
    tex.write_text(document_latex([derivation("softmax-jacobian", 2)]))
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(DeriveError, match="pdflatex is not installed"):
        compile_pdf(tex)


def test_cli_export_formats_and_force(tmp_path, monkeypatch):
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(main, ["export", "all.md"]).exit_code == 0
    with open("all.md", encoding="utf-8") as md:
        assert md.read().count("\n## ") == len(TARGETS)
    again = runner.invoke(main, ["export", "all.md"])
    assert again.exit_code == 2 and "pass --force" in again.output
    assert runner.invoke(main, ["export", "all.md", "--force"]).exit_code == 0
    assert runner.invoke(main, ["export", "some.json", "cross-entropy-grad"]).exit_code == 0
    with open("some.json", encoding="utf-8") as f:
        assert [d["target"] for d in json.load(f)] == ["cross-entropy-grad"]
    bad = runner.invoke(main, ["export", "x.md", "--pdf"])
    assert bad.exit_code == 2 and "--pdf needs a .tex file" in bad.output


@pytest.mark.parametrize("args, expected", [
    (["--format", "latex"], r"\begin{align*}"),
    (["--format", "latex", "--standalone"], r"\documentclass"),
    (["--format", "markdown"], "$$"),
    (["--result-only"], "matrix form"),
])
def test_show_formats(args, expected):
    result = CliRunner().invoke(main, ["show", "softmax-jacobian", *args])
    assert result.exit_code == 0 and expected in result.output


def test_show_result_only_leaves_out_the_steps():
    out = CliRunner().invoke(main, ["show", "softmax-jacobian", "--result-only"]).output
    assert "quotient rule" not in out and "S_i(δ_ij − S_j)" in out


def test_show_to_an_unwritable_path_is_exit_2(tmp_path):
    result = CliRunner().invoke(main, ["show", "softmax-jacobian", "-o",
                                       str(tmp_path / "missing" / "x.txt")])
    assert result.exit_code == 2 and "cannot write" in result.output


def _instance(name, n):
    """``name`` at ``n`` classes as an instance of its symbolic derivation (fast)."""
    from derive.derivation import instantiate_derivation
    return instantiate_derivation(derivation(name, "N", check=False, steps=False), n,
                                  mechanical=False)


def _pdflatex(tmp_path, document: str) -> str:
    (tmp_path / "big.tex").write_text(document)
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                          "-no-shell-escape", "big.tex"], cwd=tmp_path, capture_output=True,
                         text=True, errors="replace", timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    return run.stdout


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("full", [False, True])
def test_a_64_class_matrix_compiles(tmp_path, full):
    derivations = [_instance("softmax-jacobian", 64), _instance("softmax-cross-entropy-grad", 64),
                   _instance("linear-softmax-cross-entropy-grad", 20)]
    document = render_document(derivations, "latex", steps=False, full=full)
    assert (r"\ddots" in document) != full
    assert (r"\begin{array}{" + "c" * 64 + "}" in document) == full
    log = _pdflatex(tmp_path, document)
    if not full:   # by its corners, it fits the page; all of it cannot
        assert "Overfull" not in log


@pytest.mark.parametrize("full, rows", [(False, 7), (True, 20)])
def test_cli_full_in_every_format(tmp_path, monkeypatch, full, rows):
    monkeypatch.chdir(tmp_path)
    args = ["softmax-jacobian", "-n", "20", "--result-only"] + (["--full"] if full else [])
    text = CliRunner().invoke(main, ["show", *args])
    assert text.exit_code == 0, text.output
    assert text.output.count("S_20(1 − S_20)") == 1
    assert sum(line.startswith("  [ ") for line in text.output.splitlines()) == rows
    for fmt, row_end in (("latex", " \\\\\n"), ("markdown", " \\\\\n")):
        out = CliRunner().invoke(main, ["show", *args, "--format", fmt]).output
        block = out[out.index(r"\begin"):out.index(r"\end{", out.index(r"\begin"))]
        assert block.count(row_end) == rows - 1 and (r"\ddots" in block) != full
    written = CliRunner().invoke(main, ["export", "m.json", "softmax-jacobian", "-n", "20",
                                        "--result-only", *(["--full"] if full else [])])
    assert written.exit_code == 0, written.output
    data = json.loads((tmp_path / "m.json").read_text())
    assert len(data[0]["matrix"]["text"]) == 20   # all of it, with or without --full
    exported = CliRunner().invoke(main, ["export", "m.md", *args])
    assert exported.exit_code == 0 and ((r"\ddots" in (tmp_path / "m.md").read_text()) != full)
