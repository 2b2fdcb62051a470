"""The documentation shows what the program does: samples are compared with real output."""

import doctest
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parent.parent


def _sample_after(page: str, command: str) -> str:
    """The fenced block that follows the line ``    <command>`` in a page."""
    text = (ROOT / page).read_text()
    match = re.search(re.escape(f"    {command}") + r"\n\n```\n(.*?)```", text, re.S)
    assert match, f"no sample output after {command!r} in {page}"
    return match.group(1)


@pytest.mark.parametrize("page, command", [
    ("README.md", "pip install . && derive show softmax-jacobian"),
    ("docs/symbolic.md", "derive show softmax-cross-entropy-grad --classes N"),
    ("docs/layers.md", "derive show linear-softmax-cross-entropy-grad --inputs 2"),
])
def test_sample_output_is_what_the_command_prints(page, command):
    args = command.split("derive ", 1)[1].split()
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert _sample_after(page, command) == result.output


@pytest.mark.parametrize("page", ["docs/symbolic.md", "derive/notation.md", "docs/exact.md",
                                  "docs/index.md", "docs/definitions.md"])
def test_python_examples_run(page):
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / page).read_text(), re.S)
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    # The blocks of a page are one session, as a reader would type them.
    runner.run(parser.get_doctest("\n".join(blocks), {}, page, page, 0))
    assert runner.failures == 0 and runner.tries > 0


def _commands(page: str) -> list[tuple[str, str]]:
    """Every ``    derive …`` line followed by a fenced sample of its output."""
    text = (ROOT / page).read_text()
    return re.findall(r"\n    (derive [^\n]+)\n\n```\n(.*?)```", text, re.S)


@pytest.mark.parametrize("page, count", [("docs/diagnoses.md", 8), ("README.md", 2),
                                         ("docs/definitions.md", 1),
                                         ("docs/exact.md", 3), ("docs/index.md", 4)])
def test_every_sample_is_the_real_output(page, count):
    import shlex
    pairs = _commands(page)
    assert len(pairs) >= count
    for command, sample in pairs:
        result = CliRunner().invoke(main, shlex.split(command)[1:])
        assert _rounding_free(result.output) == _rounding_free(sample), command


def _rounding_free(output: str) -> str:
    """Output with the leading digits of finite-difference error figures masked.

    The figure comes from float64 arithmetic in NumPy's exp and log, whose last bits
    differ between CPUs and builds (1.4e-08 here, 1.5e-08 there); its order of
    magnitude is what the sample documents, and that is still compared.
    """
    return re.sub(r"(error )\d\.\de(-\d+)", r"\1#.#e\2", output)


def _example_rows(page: str) -> list[tuple[str, str, str]]:
    rows = re.findall(r"^\| `(.+?)` \| `([a-z-]+)` \| (.+?) \|$", (ROOT / page).read_text(), re.M)
    return [row for row in rows if row[2].startswith(("holds", "fails"))]


def test_every_notation_example_has_its_verdict():
    from derive.verdicts.verify import verify
    rows = _example_rows("derive/notation.md")
    assert len(rows) >= 25
    for claim, target, expected in rows:
        verdict = verify(claim, against=target, classes=3)
        assert verdict.verdict == expected.split()[0], (claim, target)
        assert bool(verdict.assumptions) == ("under" in expected), (claim, target)
        if "every N" in expected:
            assert verify(claim, against=target, classes="N").holds, claim


def test_the_large_matrix_sample_is_the_real_matrix():
    """docs/derivations.md shows the 64-class Jacobian by its corners (derived entry by
    entry in minutes; its instance of the symbolic result prints the same matrix)."""
    from derive import derivation
    from derive.derivation import instantiate_derivation
    from derive.render.text import derivation_text
    text = (ROOT / "docs" / "derivations.md").read_text()
    sample = re.search(r"--result-only` ends:\n\n```\n(.*?)```", text, re.S).group(1)
    d = instantiate_derivation(derivation("softmax-jacobian", "N", check=False, steps=False),
                               64, mechanical=False)
    assert sample in derivation_text(d, steps=False) + "\n"


def test_the_targets_page_lists_each_targets_definition():
    from derive.catalog import TARGETS
    page = (ROOT / "docs" / "targets.md").read_text()
    for name, target in TARGETS.items():
        if target.definition:
            assert f"| `{name}` | `{target.definition}` |" in page


def test_the_readme_lists_the_targets_in_the_order_of_derive_list():
    from derive.catalog import TARGETS
    named = re.findall(r"^\| `([a-z-]+)` \|", (ROOT / "README.md").read_text(), re.M)
    assert [name for name in named if name in TARGETS] == list(TARGETS)
