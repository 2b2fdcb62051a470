"""Exact verification at a concrete N: the naive SymPy baseline against ``derive.check.exact``.

Both sides decide the same question for every entry, exactly: is the derivative of the
construction for N classes equal to the canonical form, ``S_i(δ_ij − S_j)`` for the
softmax Jacobian (N² entries) and ``S_j − y_j`` for the softmax-cross-entropy gradient
(N entries, under Σ_k y_k = 1)?

* **baseline** — what one writes first: ``sympy.diff`` of each entry of
  ``exp(z_i)/Σ_k exp(z_k)`` (and of ``−Σ_k y_k log S_k``), then
  ``sympy.simplify(entry − expected) == 0``, the last label written as ``1 − Σ`` the others;
* **derive** — :func:`derive.check.exact.check_exactly` with the same canonical form.

Every figure is one fresh process, timed after the imports (SymPy's caches cold, as for
a user's first call); the baseline runs under a time limit and is reported as capped
when it hits it.  Peak memory is the process's maximum resident set size (including
Python, SymPy and NumPy themselves, about 100 MB).

derive alone runs up to N = 1024, past the library's limit of 512 classes (and 512²
entries) for a check: the bench raises the two constants in its own process to time the
algorithm where the targets of issue 21 are set (the Jacobian's N² entries at N = 1024 in
12 s; the cross-entropy gradient at N = 1024 in 1 s).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

TARGETS = ("softmax-jacobian", "softmax-cross-entropy-grad")

# The softmax for n classes in plain SymPy, as the naive sides write it (also bench.show).
SOFTMAX = """
import json, sys, time
import sympy as sp
name, n = sys.argv[1], int(sys.argv[2])
z = sp.symbols(f"z1:{n + 1}")
y = sp.symbols(f"y1:{n + 1}")
total = sum(sp.exp(u) for u in z)
S = [sp.exp(u) / total for u in z]
start = time.perf_counter()
"""

_BASELINE = SOFTMAX + """
ok = True
if name == "softmax-jacobian":
    for i in range(n):
        for j in range(n):
            entry = sp.diff(S[i], z[j])
            expected = S[i] * ((1 if i == j else 0) - S[j])
            ok &= sp.simplify(entry - expected) == 0
else:
    L = -sum(y[k] * sp.log(S[k]) for k in range(n))
    last = {y[-1]: 1 - sum(y[:-1])}          # the assumption Σ_k y_k = 1
    for j in range(n):
        entry = sp.diff(L, z[j])
        ok &= sp.simplify((entry - (S[j] - y[j])).subs(last)) == 0
print(json.dumps({"seconds": time.perf_counter() - start, "proved": bool(ok)}))
"""

_DERIVE = """
import json, resource, sys, time
import sympy as sp
import derive.check.exact
from derive.check.exact import check_exactly
from derive.functions import S, i, j, y
name, n = sys.argv[1], int(sys.argv[2])
# Past the library's limits (512 classes, 512² entries), for the bench only.
derive.check.exact.MAX_EXACT_CLASSES = max(derive.check.exact.MAX_EXACT_CLASSES, n)
derive.check.exact.MAX_EXACT_ENTRIES = max(derive.check.exact.MAX_EXACT_ENTRIES, n * n)
claim = (S[i] * (sp.KroneckerDelta(i, j) - S[j]) if name == "softmax-jacobian"
         else S[j] - y[j])
start = time.perf_counter()
check = check_exactly(name, n, claim)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "proved": check.passed, "entries": check.entries,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_fresh(script: str, name: str, n: int, limit: float) -> dict:
    """``script TARGET N`` in a fresh Python: the JSON it prints, or ``{"seconds": None,
    "capped": limit}`` when it does not finish within ``limit`` seconds."""
    try:
        done = subprocess.run([sys.executable, "-c", script, name, str(n)], check=True,
                              capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "capped": limit}
    return json.loads(done.stdout)


def growth_exponent(sizes, seconds) -> float | None:
    """The least-squares slope of log(time) against log(N): time ∝ N^slope."""
    pairs = [(math.log(n), math.log(t)) for n, t in zip(sizes, seconds) if t]
    if len(pairs) < 2:
        return None
    mx = sum(a for a, _ in pairs) / len(pairs)
    my = sum(b for _, b in pairs) / len(pairs)
    return (sum((a - mx) * (b - my) for a, b in pairs)
            / sum((a - mx) ** 2 for a, _ in pairs))


def main(quick: bool = False) -> dict:
    """Time both sides; return ``{"side_by_side": rows, "scaling": rows, "exponent": …}``."""
    compared = (4,) if quick else (4, 8, 16, 32)
    alone = (8,) if quick else (64, 128, 256, 512, 1024)
    limit = 20.0 if quick else 120.0
    side_by_side, scaling = [], []
    for name in TARGETS:
        for n in compared:
            base = run_fresh(_BASELINE, name, n, limit)
            ours = run_fresh(_DERIVE, name, n, limit)
            ratio = base["seconds"] / ours["seconds"] if base.get("seconds") else None
            side_by_side.append({"target": name, "N": n, "baseline": base, "derive": ours,
                                 "ratio": ratio})
            print(f"{name:28s} N={n:4d}  baseline {_seconds(base):>12s}  derive "
                  f"{ours['seconds']:7.3f} s  ratio {_ratio(ratio)}", flush=True)
        for n in alone:
            ours = run_fresh(_DERIVE, name, n, 600.0)
            scaling.append({"target": name, "N": n, "derive": ours})
            print(f"{name:28s} N={n:4d}  derive {ours['seconds']:7.2f} s  peak "
                  f"{ours['peak_mb']:.0f} MB", flush=True)
    exponents = {}
    for name in TARGETS:
        rows = [r for r in side_by_side + scaling if r["target"] == name and r["N"] >= 32]
        exponents[name] = growth_exponent([r["N"] for r in rows],
                                          [r["derive"]["seconds"] for r in rows])
    return {"side_by_side": side_by_side, "scaling": scaling, "exponents": exponents,
            "limit": limit}


def _seconds(side: dict) -> str:
    if side.get("seconds") is None:
        return f"> {side['capped']:.0f} s (capped)"
    return f"{side['seconds']:.2f} s" + ("" if side.get("proved", True) else " (not proved)")


def _ratio(ratio) -> str:
    return f"{ratio:.0f}×" if ratio else "—"


if __name__ == "__main__":
    main("--quick" in sys.argv)
