"""The gallery's functions (``derive.gallery``), derived from their definitions (``--of``).

Every figure is the median over fresh Python processes, timed after ``import derive``
(SymPy's caches cold, as for a user's first call).  Measured per function:

* ``symbolic`` — ``derivation(of=…, classes="N")``: read the definition, differentiate it
  through its intermediates, the rules to normal form, the proof of every step, every
  step checked exactly at N = 1, 2, 3, the result against finite differences;
* ``exact`` — the result at N = 256 (D = 3), every entry checked exactly against the
  chain-rule derivative of the written-out definition
  (``derive.check.defined.exact_entries``), timed alone after the symbolic derivation.

Targets (issue 22): symbolic ≤ 1 s, exact at N = 256 ≤ 5 s, for every entry.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

SYMBOLIC_SECONDS = 1.0
EXACT_SECONDS = 5.0
EXACT_N = 256

_PROBE = """
import json, sys, time
import derive
from derive.derivation import derivation
from derive.gallery import example
e = example(sys.argv[1])
n = int(sys.argv[2])
start = time.perf_counter()
d = derivation(of=e.of, wrt=e.wrt, classes="N", assume=e.assume)
symbolic = time.perf_counter() - start
from derive.check.defined import exact_entries
start = time.perf_counter()
good, total, differing = exact_entries(d.result, d.definition, d.problem.variable,
                                       d.assumptions, {"N": n, "D": 3})
exact = time.perf_counter() - start
print(json.dumps({"symbolic": symbolic, "exact": exact, "entries": total,
                  "proved": good == total and not differing,
                  "steps": len(d.steps), "check": d.check.passed}))
"""


def _probe(name: str, n: int, runs: int) -> dict:
    rows = [json.loads(subprocess.run([sys.executable, "-c", _PROBE, name, str(n)],
                                      check=True, capture_output=True, text=True).stdout)
            for _ in range(runs)]
    return {"symbolic": statistics.median(r["symbolic"] for r in rows),
            "exact": statistics.median(r["exact"] for r in rows),
            "entries": rows[0]["entries"], "proved": all(r["proved"] for r in rows),
            "steps": rows[0]["steps"], "check": all(r["check"] for r in rows)}


def main(runs: int, quick: bool = False) -> dict:
    from derive.gallery import GALLERY
    n = 4 if quick else EXACT_N
    examples = GALLERY[:2] if quick else GALLERY
    rows = {e.name: _probe(e.name, n, runs) for e in examples}
    print(f"gallery: seconds after `import derive`, median of {runs} fresh processes; "
          f"exact at N = {n}")
    print(f"{'function':32s} {'symbolic':>9s} {'exact':>8s} {'entries':>8s}")
    for name, r in rows.items():
        print(f"{name:32s} {r['symbolic']:9.3f} {r['exact']:8.3f} {r['entries']:8d}"
              + ("" if r["proved"] and r["check"] else "  NOT PROVED"))
    return {"runs": runs, "n": n, "rows": rows}
