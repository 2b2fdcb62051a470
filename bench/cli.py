"""CLI start-up: how long the common commands take as whole processes (median of runs).

Each figure is the wall-clock time of a fresh process, import and all, the way a user
waits for it.  ``python -c "import sympy"`` is timed as the floor that every command
but ``--help`` pays.  The command is the ``derive`` script installed beside this Python
(else the one on PATH, else ``python -c "import cli; cli.main()"`` from the repository
root); the table says which.
Targets from issues 7 (seconds) and 21 (units of ``import sympy``).

    python -m bench.cli [--runs R]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (label, arguments after `derive`, target in seconds or None, target in units or None).
# A unit is `python -c "import sympy"` timed in the same run (issue 21: the machine is
# noisy, a ratio to SymPy's own start-up less so).
COMMANDS = (
    ("derive --help", ["--help"], 0.3, None),
    ("derive show softmax-jacobian", ["show", "softmax-jacobian"], 1.0, None),
    ('derive check "S - y" --against softmax-cross-entropy-grad',
     ["check", "S - y", "--against", "softmax-cross-entropy-grad"], 1.5, None),
    ("derive show softmax-jacobian --classes 64",
     ["show", "softmax-jacobian", "--classes", "64"], None, 5.0),
    ("derive show softmax-cross-entropy-grad --classes 64",
     ["show", "softmax-cross-entropy-grad", "--classes", "64"], None, 5.0),
    ("derive show softmax-jacobian --classes 256 --quiet",
     ["show", "softmax-jacobian", "--classes", "256", "--quiet"], None, 15.0),
    ("derive show softmax-cross-entropy-grad --classes 256 --quiet",
     ["show", "softmax-cross-entropy-grad", "--classes", "256", "--quiet"], None, 15.0),
    ("derive list", ["list"], None, 2.5),
    ('derive check "S - y" --against softmax-cross-entropy-grad --classes 512',
     ["check", "S - y", "--against", "softmax-cross-entropy-grad", "--classes", "512"],
     None, 10.0),
)
# The quick run (CI's smoke test) times the short commands only.
QUICK = 3


def derive_script() -> list[str]:
    """How to run the command line: the ``derive`` script installed next to this Python,
    else the one on PATH, else ``cli.py`` from the repository.

    Next to the interpreter first: a version manager's shim on PATH (pyenv's is a bash
    script that looks the version up, about 0.35 s here) would be timed, not derive."""
    beside = Path(sys.executable).parent / "derive"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    script = shutil.which("derive")
    if script is not None:
        return [script]
    return [sys.executable, "-c", "import cli; cli.main()"]


def _environment() -> dict:
    """This environment, with Python's bytecode cache allowed: ``pip install .`` compiles
    the package, and an editable install writes ``__pycache__`` on first import — unless
    ``PYTHONDONTWRITEBYTECODE`` is set (as on these machines), which would time compiling
    derive's source on every run instead of starting it."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _once(args: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, env=_environment())
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited with {done.returncode}: "
                           f"{done.stderr.strip()[-500:]}")
    return seconds


def _time(args: list[str], runs: int) -> tuple[float, list[float]]:
    subprocess.run(args, cwd=ROOT, capture_output=True, env=_environment())   # warm-up
    times = [_once(args) for _ in range(runs)]
    return statistics.median(times), times


def _paired(args: list[str], reference: list[str], runs: int):
    """``args`` and ``reference`` in turn (reference, command, reference, command, …):
    the command's times, the reference's, and the median of the ratios run by run —
    pairing keeps a ratio meaningful when the machine's speed drifts during the run
    (a reference timed once, minutes apart, can be a lucky or an unlucky moment)."""
    for command in (reference, args):   # warm-up
        subprocess.run(command, cwd=ROOT, capture_output=True, env=_environment())
    times, references = [], []
    for _ in range(runs):
        references.append(_once(reference))
        times.append(_once(args))
    ratios = [t / r for t, r in zip(times, references)]
    return times, references, statistics.median(ratios)


def time_command(args: list[str], runs: int) -> tuple[float, list[float]]:
    """``derive ARGS`` as a whole process: the median and every time of ``runs`` runs."""
    return _time(derive_script() + args, runs)


def main(runs: int, quick: bool = False) -> list[dict]:
    """Time every command ``runs`` times, each run paired with one of ``python -c "import
    sympy"`` (the unit); print a table; return one row per command."""
    derive = derive_script()
    unit_command = [sys.executable, "-c", "import sympy"]
    rows, all_references = [], []
    for label, args, target, unit_target in COMMANDS[:QUICK] if quick else COMMANDS:
        times, references, units = _paired(derive + args, unit_command, runs)
        all_references += references
        median = statistics.median(times)
        met = (target is None or median <= target) and \
            (unit_target is None or units <= unit_target)
        rows.append({"command": label, "median": median, "min": min(times),
                     "max": max(times), "target": target, "units": units,
                     "unit_target": unit_target, "met": met})
    unit = statistics.median(all_references)
    rows.append({"command": 'python -c "import sympy" (reference)', "median": unit,
                 "min": min(all_references), "max": max(all_references), "target": None,
                 "units": 1.0, "unit_target": None, "met": None})
    how = derive[0] if len(derive) == 1 else 'python -c "import cli; cli.main()"'
    print(f"CLI: seconds per whole process, median of {runs} runs ({how}); units: the "
          f"median ratio to `import sympy` run just before each run ({unit:.3f} s)")
    print(f"{'command':72s} {'median':>7s} {'units':>6s} {'target':>9s}")
    for row in rows:
        goal = ("" if row["target"] is None else f"{row['target']:.2f} s") or \
            ("" if row["unit_target"] is None else f"{row['unit_target']:g} u")
        mark = "" if row["met"] is None else ("  ok" if row["met"] else "  over")
        print(f"{row['command']:72s} {row['median']:7.3f} {row['units']:6.2f} "
              f"{goal:>9s}{mark}")
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.cli", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per command")
    parser.add_argument("--quick", action="store_true", help="the short commands only")
    arguments = parser.parse_args()
    main(arguments.runs, arguments.quick)
