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
])
def test_sample_output_is_what_the_command_prints(page, command):
    args = command.split("derive ", 1)[1].split()
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert _sample_after(page, command) == result.output


@pytest.mark.parametrize("page", ["docs/symbolic.md"])
def test_python_examples_run(page):
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / page).read_text(), re.S)
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for number, block in enumerate(blocks):
        test = parser.get_doctest(block, {}, f"{page}[{number}]", page, 0)
        runner.run(test)
    assert runner.failures == 0 and runner.tries > 0
