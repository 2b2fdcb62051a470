"""Pages generated from the library when the site is built (mkdocs-gen-files), so that
they cannot drift from what the program does:

* ``gallery/<target>.md`` — one page per target: its derivation with every step and its
  reason, the result, its assumptions, the LaTeX source to copy, the N × N example, the
  symbolic-N proof where the target has one, and a numeric example with ``--at``, each the
  output of the library or of the ``derive`` command itself;
* ``gallery/of-<name>.md`` — one page per function of :data:`derive.gallery.GALLERY`,
  beyond the catalogue (``derive show --of``): the derivation for every N with its
  steps, the LaTeX, the terminal output with the numeric check, and a claim verified;
* ``gallery/index.md`` — the list of targets and of those functions;
* ``benchmarks.md`` — ``bench/results.md`` with its plots;
* ``notation.md`` — the notation guide that ``derive notation`` prints
  (``derive/notation.md``, shipped with the package).
"""

from __future__ import annotations

import shlex
from pathlib import Path

import mkdocs_gen_files
from click.testing import CliRunner

from cli import main as derive
from derive.catalog import TARGETS
from derive.derivation import derivation
from derive.gallery import GALLERY
from derive.point import example_point
from derive.render.latex import derivation_latex
from derive.render.markdown import derivation_markdown

ROOT = Path(__file__).resolve().parent.parent


def run(command: str) -> str:
    """What ``derive …`` prints, as a reader would see it in a terminal."""
    result = CliRunner().invoke(derive, shlex.split(command)[1:])
    if result.exit_code not in (0, 1, 3):
        raise RuntimeError(f"{command!r} exited with {result.exit_code}: {result.output}")
    return result.output


def block(text: str, language: str = "text") -> str:
    return f"```{language}\n{text.rstrip()}\n```\n"


def target_page(name: str, target) -> str:
    n = 3 if target.min_classes <= 3 else target.min_classes
    d = derivation(name, n)
    at = example_point(d.problem.inputs, d.problem)
    lines = [f"# {name}", "",
             f"Everything on this page is the output of `derive` for this target, produced "
             f"when the site was built.", "",
             "## The derivation", "",
             derivation_markdown(d, heading="###").split("\n", 2)[2].strip(), "",
             "## LaTeX source", "",
             f"`derive show {name} --format latex` — a fragment to paste into a document "
             "(`--standalone` for a whole one that compiles):", "",
             block(derivation_latex(d), "latex"),
             "## In the terminal", "",
             block(f"$ derive show {name}\n" + run(f"derive show {name}")),
             "## At a point", "",
             f"The derivative evaluated at a point, and checked there against finite "
             "differences of a numerically stable implementation:", "",
             block(f"$ derive show {name} --at {shlex.quote(at)}\n"
                   + run(f"derive show {name} --at {shlex.quote(at)}"))]
    if target.symbolic:
        symbolic = derivation(name, "N")
        lines += ["## For every N", "",
                  f"`derive show {name} --classes N` derives and proves the result for every "
                  "number of classes at once:", "",
                  derivation_markdown(symbolic, heading="###").split("\n", 2)[2].strip(), ""]
    return "\n".join(lines) + "\n"


def definition_page(example) -> str:
    """A function the user defines, derived for every N, as the program shows it."""
    d = derivation(of=example.of, wrt=example.wrt, classes="N", assume=example.assume)
    of = f"--of {shlex.quote(example.of)} --wrt {example.wrt}" + "".join(
        f" --assume {shlex.quote(a)}" for a in example.assume)
    show = f"derive show {of} --classes N"
    check = f"derive check {shlex.quote(example.claim)} {of} --classes N"
    return "\n".join([
        f"# {example.title}", "",
        "Everything on this page is the output of `derive` for this definition, produced "
        "when the site was built: no result is stored, each comes from differentiating the "
        "definition and rewriting it by the rules.", "",
        block(f"$ {show}", "console"),
        "## The derivation, for every N", "",
        derivation_markdown(d, heading="###").split("\n", 2)[2].strip(), "",
        "## LaTeX source", "",
        block(derivation_latex(d), "latex"),
        "## In the terminal", "",
        block(f"$ {show}\n" + run(show)),
        "## A claim, verified", "",
        f"The result as people write it, `{example.claim}`, checked against the definition:",
        "", block(f"$ {check}\n" + run(check)), *_hessian_section(example)]) + "\n"


def _hessian_section(example) -> list[str]:
    """A scalar's second derivative (``--wrt`` twice): derived, shown, a claim verified."""
    if not example.hessian:
        return []
    d = derivation(of=example.of, wrt=(example.wrt, example.wrt), classes="N",
                   assume=example.assume)
    of = (f"--of {shlex.quote(example.of)} --wrt {example.wrt} --wrt {example.wrt}"
          + "".join(f" --assume {shlex.quote(a)}" for a in example.assume))
    check = f"derive check {shlex.quote(example.hessian)} {of} --classes N"
    return ["", "## The second derivative", "",
            f"`--wrt {example.wrt}` given twice: the first derivative's steps, then its general "
            "form differentiated again, the symmetry proved and checked:", "",
            block(f"$ derive show {of} --classes N", "console"),
            derivation_markdown(d, heading="###").split("\n", 2)[2].strip(), "",
            f"The Hessian as people write it, `{example.hessian}`:", "",
            block(f"$ {check}\n" + run(check)),
            "## Generated code", "",
            "The gradient's Hessian as a NumPy module, with its O(N) Hessian-vector product: "
            "generated from the derivation and run against it before it was printed "
            "([code from a derivation](../code.md)):", "",
            block(f"$ derive show {of} --format numpy", "console"),
            block(run(f"derive show {of} --format numpy"), "python")]


def gallery() -> None:
    index = ["# Gallery", "",
             "One page per target of the catalog (`derive list`), generated from the library "
             "when the site is built: the steps with their reasons, the result and its "
             "assumptions, the LaTeX to copy, the N × N example and a numeric check at a "
             "point.", "", "| target | what it is |", "|---|---|"]
    for name, target in TARGETS.items():
        with mkdocs_gen_files.open(f"gallery/{name}.md", "w") as page:
            page.write(target_page(name, target))
        index.append(f"| [{name}]({name}.md) | {target.summary} |")
    index += ["", "## Your own functions", "",
              "Functions beyond the catalogue, as you would define them with `derive show "
              "--of` (the list is `derive.gallery.GALLERY`): each derived for every N with its "
              "steps, checked, exported to LaTeX, and a hand-written claim verified.", "",
              "| function | definition |", "|---|---|"]
    for example in GALLERY:
        with mkdocs_gen_files.open(f"gallery/of-{example.name}.md", "w") as page:
            page.write(definition_page(example))
        index.append(f"| [{example.title}](of-{example.name}.md) | `{example.of}` |")
    with mkdocs_gen_files.open("gallery/index.md", "w") as page:
        page.write("\n".join(index) + "\n")


def benchmarks() -> None:
    results = (ROOT / "bench" / "results.md").read_text()
    intro = ("The latest figures of `python -m bench` (see the README), as committed in "
             "`bench/results.md`, with the machine they were measured on.\n\n"
             "![exact verification: time against N](scaling.png)\n\n"
             "![symbolic-N derivations](symbolic.png)\n\n")
    title, _, body = results.partition("\n")
    with mkdocs_gen_files.open("benchmarks.md", "w") as page:
        page.write(f"{title}\n\n{intro}{body}")
    for plot in ("scaling.png", "symbolic.png"):
        with mkdocs_gen_files.open(plot, "wb") as out:
            out.write((ROOT / "bench" / plot).read_bytes())


def notation() -> None:
    with mkdocs_gen_files.open("notation.md", "w") as page:
        page.write((ROOT / "derive" / "notation.md").read_text())


gallery()
benchmarks()
notation()
