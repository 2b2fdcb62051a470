"""``derive show`` at a concrete N against the naive SymPy way of getting the same matrix.

* **naive** — what one writes first to get the entries in closed form: ``sympy.diff`` of
  each entry of ``exp(z_i)/Σ_k exp(z_k)`` (N² entries), or of ``−Σ_k y_k log S_k``
  (N entries), then ``sympy.simplify`` of each; nothing checked.
* **derive** — :func:`derive.derivation.derivation` at that N, everything ``derive show``
  does: the steps and the result as an instance of the symbolic-N proof, the result
  checked exactly at N (:mod:`derive.check.exact`), SymPy's ``diff`` of every entry for N ≤ 8,
  and the numeric check against finite differences.

Each figure is one fresh process, timed after the imports; the naive side is capped and
reported as capped when it hits the cap.  The growth exponent is the least-squares slope
of log(time) against log(N) over the sizes that finished.

    python -m bench.show [--quick]
"""

from __future__ import annotations

import sys

from .exact import SOFTMAX, growth_exponent, run_fresh

TARGETS = ("softmax-jacobian", "softmax-cross-entropy-grad")

_NAIVE = SOFTMAX + """
if name == "softmax-jacobian":
    entries = [[sp.simplify(sp.diff(S[i], z[j])) for j in range(n)] for i in range(n)]
else:
    L = -sum(y[k] * sp.log(S[k]) for k in range(n))
    entries = [sp.simplify(sp.diff(L, z[j])) for j in range(n)]
print(json.dumps({"seconds": time.perf_counter() - start}))
"""

_DERIVE = """
import json, resource, sys, time
from derive.derivation import derivation
name, n = sys.argv[1], int(sys.argv[2])
start = time.perf_counter()
d = derivation(name, n)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "passed": d.check.passed and d.exact.passed,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main(quick: bool = False) -> dict:
    """Time both sides; return ``{"rows": …, "exponents": {target: {side: slope}}}``."""
    sizes = (4,) if quick else (8, 16, 32, 64)
    limit = 20.0 if quick else 120.0
    rows = []
    for name in TARGETS:
        for n in sizes:
            naive = run_fresh(_NAIVE, name, n, limit)
            ours = run_fresh(_DERIVE, name, n, 600.0)
            ratio = naive["seconds"] / ours["seconds"] if naive.get("seconds") else None
            rows.append({"target": name, "N": n, "naive": naive, "derive": ours,
                         "ratio": ratio})
            shown = (f"> {limit:.0f} s (capped)" if naive.get("seconds") is None
                     else f"{naive['seconds']:.2f} s")
            print(f"{name:28s} N={n:3d}  naive {shown:>18s}  derive show "
                  f"{ours['seconds']:7.2f} s", flush=True)
    exponents = {}
    for name in TARGETS:
        mine = [r for r in rows if r["target"] == name]
        exponents[name] = {side: growth_exponent([r["N"] for r in mine],
                                                 [r[side].get("seconds") for r in mine])
                           for side in ("naive", "derive")}
    return {"rows": rows, "exponents": exponents, "limit": limit}


if __name__ == "__main__":
    main("--quick" in sys.argv)
