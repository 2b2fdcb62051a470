"""Symbolic N: how long each target's derivation for every N takes, in a fresh process.

Every figure is the median over fresh Python processes, timed after ``import derive``
(SymPy's import, about 0.45 s here, is not included), so that SymPy's caches are cold as
they are for a user's first call.  Measured per target:

* ``proof``  — the result for every N, as ``verify`` needs it
  (``derivation(t, "N", check=False, steps=False)``): the raw derivative, and the one
  strategy on the target's definition — its normal form, proved against the raw
  derivative;
* ``steps``  — the strategy with its textbook steps, each proved
  (:func:`derive.textbook.textbook`);
* ``full``   — ``derivation(t, "N")``: proof, steps, the exact check of every step at
  N = 1, 2, 3 against the chain-rule derivative and the finite-difference cross-check
  of the result there;

and the whole command ``derive show softmax-jacobian --classes N`` as a process.
Target (issue 4 / 7): each derivation well under a second, the proof under 0.5 s.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

def _targets() -> list[str]:
    from derive.catalog import TARGETS   # every target that takes a symbolic N
    return [name for name, target in TARGETS.items() if target.symbolic]

_PROBE = """
import json, sys, time
import derive
from derive.derivation import derivation
name, stage = sys.argv[1], sys.argv[2]
start = time.perf_counter()
if stage == "proof":
    derivation(name, "N", check=False, steps=False)
elif stage == "steps":
    # The one strategy on the target's definition: the steps, and their proof.
    import sympy as sp
    from derive.catalog import get_target
    from derive.textbook import textbook
    N = sp.Symbol("N", integer=True, positive=True)
    textbook(get_target(name), get_target(name).problem(N))
else:
    derivation(name, "N")
print(json.dumps(time.perf_counter() - start))
"""


def _probe(name: str, stage: str, runs: int) -> float:
    times = [json.loads(subprocess.run([sys.executable, "-c", _PROBE, name, stage],
                                       check=True, capture_output=True, text=True).stdout)
             for _ in range(runs)]
    return statistics.median(times)


def _command(args: list[str], runs: int) -> float:
    """A whole ``derive`` process, median of ``runs`` (as :mod:`bench.cli` runs it)."""
    from .cli import time_command
    return time_command(args, runs)[0]


def main(runs: int, out: Path, quick: bool = False) -> dict:
    names = _targets()[:2] if quick else _targets()
    rows = {name: {stage: _probe(name, stage, runs) for stage in ("proof", "steps", "full")}
            for name in names}
    cli = _command(["show", "softmax-jacobian", "--classes", "N"], runs)
    print(f"symbolic N: seconds after `import derive`, median of {runs} fresh processes")
    print(f"{'target':36s} {'proof':>7s} {'steps':>7s} {'full':>7s}")
    for name, row in rows.items():
        print(f"{name:36s} {row['proof']:7.3f} {row['steps']:7.3f} {row['full']:7.3f}")
    print(f"`derive show softmax-jacobian --classes N` (whole process): {cli:.2f} s")
    figures = {"runs": runs, "targets": rows, "cli_show_symbolic": cli}
    _plot(rows, out / "symbolic.png")
    return figures


def _plot(rows: dict, path: Path) -> None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(plot skipped: matplotlib is not installed; pip install '.[bench]')")
        return
    fig, ax = plt.subplots(figsize=(8, 3.5))
    stages = ("proof", "steps", "full")
    width = 0.27
    for offset, stage in enumerate(stages):
        ax.bar([x + (offset - 1) * width for x in range(len(rows))],
               [row[stage] for row in rows.values()], width, label=stage)
    ax.axhline(0.5, color="grey", linestyle="--", linewidth=0.8)
    ax.set_xticks(range(len(rows)), [n.replace("-", "-\n", 1) for n in rows], fontsize=7)
    ax.set_ylabel("seconds after import")
    ax.set_title("symbolic-N derivations (median of fresh processes)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"wrote {path}")
