"""The benchmark suite runs (at tiny sizes) and writes its report, so that it cannot rot.

Speed itself is measured by ``python -m bench``, never asserted here: timed asserts are
flaky on shared machines."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def quick(tmp_path_factory) -> Path:
    """One quick run of every part (shared: it takes half a minute)."""
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return out


def test_the_quick_run_writes_every_table(quick):
    tmp_path = quick
    report = (tmp_path / "results.md").read_text()
    for heading in ("## Exact verification at a concrete N", "## The CLI as whole processes",
                    "## derive show against diff + simplify", "## Numeric cross-checks",
                    "## Symbolic N", "## Your own functions (--of)", "## Generated code"):
        assert heading in report
    assert "Quick run: tiny sizes, not a measurement" in report
    figures = json.loads((tmp_path / "results.json").read_text())
    rows = figures["exact"]["side_by_side"]
    assert {r["target"] for r in rows} == {"softmax-jacobian", "softmax-cross-entropy-grad"}
    # Both sides decided every entry, and derive said the canonical forms hold.
    assert all(r["derive"]["proved"] and r["baseline"]["proved"] for r in rows)
    assert all(r["derive"]["proved"] for r in figures["exact"]["scaling"])
    assert [r["command"] for r in figures["cli"]][:2] == ["derive --help",
                                                         "derive show softmax-jacobian"]
    assert figures["cli"][-1]["units"] == 1.0   # the unit: import sympy, same run
    shows = figures["show"]["rows"]
    assert {r["target"] for r in shows} == {"softmax-jacobian", "softmax-cross-entropy-grad"}
    assert all(r["derive"]["passed"] for r in shows)
    assert all(r["passed"] for r in figures["numeric"] if r.get("numpy_s") is not None)
    assert all(r["proved"] and r["check"] for r in figures["gallery"]["rows"].values())
    assert all(r["agree"] for r in figures["code"]["rows"]) and figures["code"]["hvp"]["agree"]
    try:
        import matplotlib  # noqa: F401  (the bench extra)
    except ImportError:
        return
    assert (tmp_path / "scaling.png").stat().st_size > 1000


def test_one_part_is_run_again_and_the_others_kept(quick, tmp_path):
    """``--only cli`` times the CLI again and keeps every other part's figures."""
    out = tmp_path / "out"
    shutil.copytree(quick, out)
    figures = json.loads((out / "results.json").read_text())
    figures["exact"]["marked"] = True   # a part that must be kept as it stands
    figures["cli"] = []
    (out / "results.json").write_text(json.dumps(figures))
    again = subprocess.run([sys.executable, "-m", "bench", "--quick", "--only", "cli",
                            "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                           timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    figures = json.loads((out / "results.json").read_text())
    assert figures["exact"]["marked"] is True
    assert [r["command"] for r in figures["cli"]][:2] == ["derive --help",
                                                         "derive show softmax-jacobian"]
    assert "## The CLI as whole processes" in (out / "results.md").read_text()


def test_the_cli_is_timed_with_the_script_beside_the_interpreter(tmp_path, monkeypatch):
    """Not a shim on PATH first (pyenv's bash shim adds about 0.35 s to every process)."""
    from bench.cli import derive_script
    python, script = tmp_path / "bin" / "python", tmp_path / "bin" / "derive"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "derive").write_text("#!/bin/sh\n")
    (shims / "derive").chmod(0o755)
    monkeypatch.setenv("PATH", str(shims))
    monkeypatch.setattr(sys, "executable", str(python))
    assert derive_script() == [str(script)]
    script.unlink()
    assert derive_script() == [str(shims / "derive")]
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert derive_script()[1:] == ["-c", "import cli; cli.main()"]
