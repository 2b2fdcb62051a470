"""Numeric cross-checks at scale: ``derive.check.vectorised`` against hand-written NumPy.

Timed, the median over fresh processes (as bench/symbolic.py does) of interleaved runs of
derive and the hand-written NumPy, after a warm-up call that derives the result and
compiles it (its time is reported as ``derive_first_s``):

* the cross-entropy gradient check, ``S − y`` at N = 10,000 classes over 1,000 points
  (``check_at_scale("softmax-cross-entropy-grad", …)``) against hand-written NumPy doing
  the same arithmetic: the same seeded points and directions, the stable softmax,
  ``S − y``, directional central differences of the stable loss, the same comparison;
* the same with two random directions per point instead of one, for information;
* the softmax Jacobian check, ``S_i(δ_ij − S_j)`` at N = 512 over 100 points, against the
  same by hand;
* ``torch.autograd.gradcheck`` (float64, ``fast_mode``, which checks random directional
  derivatives too) on the same cross-entropy gradient, when torch is installed.

The hand-written versions process the points in the same chunks as derive, so that the
ratio measures what derive's generality costs (a SymPy-generated function, the plumbing),
not a different memory layout.  Both must report the same errors: the bench checks that.
Targets (issue 7): the cross-entropy check under 1 s and within 2× of hand NumPy; the
Jacobian check within 2×.  ``python -m bench.numeric [--quick]`` runs it alone.

>>> rows = main(quick=True)  # doctest: +ELLIPSIS
numeric checks: ...
>>> [row["name"] for row in rows if row["met"] is not None]
['cross-entropy gradient check', 'softmax Jacobian check']
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from derive.catalog import get_target
from derive.check.numeric import FD_ATOL, FD_RTOL, FD_STEP, compare, sample_points
from derive.at_scale import check_at_scale
from derive.check.vectorised import CHUNK_ENTRIES, DIRECTIONS, EXTREME_POINTS

__all__ = ["main", "SIZES", "QUICK_SIZES"]

# (classes, points) of each check: the sizes, and tiny ones for a CI smoke test.
SIZES = {"cross-entropy": (10_000, 1_000), "jacobian": (512, 100)}
QUICK_SIZES = {"cross-entropy": (50, 20), "jacobian": (50, 20)}


def _hand_chunks(target: str, n: int, points: int, chunk: int, labels: str, seed: int):
    """The same points as derive draws: chunk by chunk, the extreme ones last."""
    rng = np.random.default_rng(seed)
    problem = get_target(target).build(n)
    ordinary = points - EXTREME_POINTS
    for start, count, extreme in ([(s, min(chunk, ordinary - s), False)
                                   for s in range(0, ordinary, chunk)] + [(ordinary, 0, True)]):
        values = sample_points(problem.inputs, n, rng, count, extreme=extreme, labels=labels,
                               problem=problem)
        yield slice(start, start + len(values["z"])), values["z"], values.get("y"), rng


def _hand_steps(rng: np.random.Generator, points: int, n: int, directions: int) -> np.ndarray:
    # Steps h v, v = ±1/√n per point (unit directions), from the same random bytes as derive.
    bits = rng.integers(0, 256, size=(points, directions, -(-n // 8)), dtype=np.uint8)
    h = FD_STEP / np.sqrt(n)
    return np.where(np.unpackbits(bits, axis=-1, count=n), h, -h)


def hand_cross_entropy(n: int, points: int, seed: int = 0, directions: int = DIRECTIONS):
    """The cross-entropy gradient check written directly in NumPy."""
    analytic = np.empty((points, 1, directions))
    numeric = np.empty_like(analytic)

    def loss(logits, labels):   # −Σ y log softmax(z), stably
        shifted = logits - logits.max(axis=-1, keepdims=True)
        return -(labels * (shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True)))
                 ).sum(axis=-1)

    chunk = max(1, CHUNK_ENTRIES // n)
    for rows, z, y, rng in _hand_chunks("softmax-cross-entropy-grad", n, points, chunk,
                                        "simplex", seed):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        gradient = e / e.sum(axis=-1, keepdims=True) - y
        steps = _hand_steps(rng, len(z), n, directions)
        for d in range(directions):
            plus, minus = z + steps[:, d], z - steps[:, d]
            analytic[rows, 0, d] = np.einsum("pc,pc->p", gradient, plus - minus) / (2 * FD_STEP)
            numeric[rows, 0, d] = (loss(plus, y) - loss(minus, y)) / (2 * FD_STEP)
    return compare("S − y by hand", analytic, numeric, {"point": np.arange(1, points + 1)},
                   FD_RTOL, FD_ATOL)


def hand_jacobian(n: int, points: int, seed: int = 0, directions: int = DIRECTIONS):
    """The softmax Jacobian check written directly in NumPy."""
    analytic = np.empty((points, n, directions))
    numeric = np.empty_like(analytic)

    def softmax(logits):
        e = np.exp(logits - logits.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    eye = np.eye(n)
    chunk = max(1, CHUNK_ENTRIES // (n * n))
    for rows, z, _, rng in _hand_chunks("softmax-jacobian", n, points, chunk, "free", seed):
        s = softmax(z)
        jacobian = (eye - s[:, None, :]) * s[:, :, None]
        steps = _hand_steps(rng, len(z), n, directions)
        for d in range(directions):
            plus, minus = z + steps[:, d], z - steps[:, d]
            realised = (plus - minus)[:, :, None]
            analytic[rows, :, d] = (jacobian @ realised)[:, :, 0] / (2 * FD_STEP)
            numeric[rows, :, d] = (softmax(plus) - softmax(minus)) / (2 * FD_STEP)
    return compare("S_i(δ_ij − S_j) by hand", analytic, numeric,
                   {"point": np.arange(1, points + 1)}, FD_RTOL, FD_ATOL)


def _torch_gradcheck(n: int, points: int, seed: int = 0) -> bool:
    import torch
    problem = get_target("softmax-cross-entropy-grad").build(n)
    values = sample_points(problem.inputs, n, np.random.default_rng(seed),
                           points - EXTREME_POINTS, extreme=True, labels="simplex",
                           problem=problem)
    z = torch.tensor(values["z"], dtype=torch.float64, requires_grad=True)
    y = torch.tensor(values["y"], dtype=torch.float64)

    def loss(logits):
        return -(y * torch.log_softmax(logits, dim=-1)).sum(dim=-1)

    # fast_mode checks random directional derivatives, as derive does; the default mode
    # perturbs every one of the points × N inputs, which is out of reach at this size.
    return torch.autograd.gradcheck(loss, (z,), eps=FD_STEP, atol=FD_ATOL, rtol=FD_RTOL,
                                    fast_mode=True, raise_exception=False)


def _seconds(run) -> tuple[float, object]:
    start = time.perf_counter()
    out = run()
    return time.perf_counter() - start, out


_CHECKS = {   # kind: (target, hand-written version)
    "cross-entropy": ("softmax-cross-entropy-grad", hand_cross_entropy),
    "jacobian": ("softmax-jacobian", hand_jacobian),
}


def measure(kind: str, n: int, points: int, directions: int = DIRECTIONS,
            repeats: int = 3) -> dict:
    """Time derive's check and the hand-written one, interleaved, in this process.

    Returns the first call's seconds (it derives and compiles), the seconds of each
    repeat, and whether both passed with the same errors (the same arithmetic on the same
    points and directions gives the same errors, to rounding).
    """
    target, hand_check = _CHECKS[kind]
    first, report = _seconds(lambda: check_at_scale(target, n, points, directions=directions))
    hand_check(n, points, directions=directions)   # warm-up
    derive_s, hand_s = [], []
    for _ in range(repeats):                       # interleaved: the same machine load
        seconds, report = _seconds(
            lambda: check_at_scale(target, n, points, directions=directions))
        derive_s.append(seconds)
        seconds, hand = _seconds(lambda: hand_check(n, points, directions=directions))
        hand_s.append(seconds)
    ours = report.comparisons[0]
    return {"first": first, "derive": derive_s, "hand": hand_s,
            "passed": bool(report.passed and hand.passed),
            "same": bool(np.isclose(ours.max_abs_error, hand.max_abs_error, rtol=1e-6,
                                    atol=1e-15)),
            "max_abs_error": ours.max_abs_error}


_PROBE = "import json, sys; from bench.numeric import measure; " \
         "print(json.dumps(measure(sys.argv[1], *map(int, sys.argv[2:]))))"


def _fresh(kind: str, n: int, points: int, directions: int, repeats: int) -> dict:
    # A fresh process per measurement, as bench/symbolic.py does: the timings of the same
    # arithmetic vary by up to 2x from one process to the next on a shared machine (the
    # memory the chunks land in), and one process's earlier checks leave their mark.
    root = Path(__file__).resolve().parents[1]
    env = os.environ | {"PYTHONPATH": os.pathsep.join(
        filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-c", _PROBE, kind, str(n), str(points),
                          str(directions), str(repeats)],
                         check=True, capture_output=True, text=True, cwd=root, env=env)
    return json.loads(out.stdout)


def _row(name: str, kind: str, n: int, points: int, target: str, runs: int, quick: bool,
         limit: float | None, directions: int = DIRECTIONS, judged: bool = True) -> dict:
    if quick:   # one process, so that the smoke test takes a second
        samples = [measure(kind, n, points, directions, repeats=runs)]
    else:
        samples = [_fresh(kind, n, points, directions, repeats=2) for _ in range(runs)]
    # The median over processes of each process's median.
    derive_s = statistics.median(statistics.median(s["derive"]) for s in samples)
    hand_s = statistics.median(statistics.median(s["hand"]) for s in samples)
    ratio = derive_s / hand_s
    met = (ratio <= 2.0 and (limit is None or derive_s < limit)) if judged else None
    return {"name": name, "size": f"N={n:,} x {points:,} points", "derive_s": derive_s,
            "numpy_s": hand_s, "ratio": ratio, "target": target,
            "met": met if met is None else bool(met),
            "derive_first_s": statistics.median(s["first"] for s in samples),
            "passed": all(s["passed"] for s in samples),
            "same_errors": all(s["same"] for s in samples),
            "max_abs_error": max(s["max_abs_error"] for s in samples),
            "processes": len(samples)}


def main(quick: bool = False) -> list[dict]:
    """Time the checks (tiny sizes with ``quick``), print a table and return its rows."""
    sizes = QUICK_SIZES if quick else SIZES
    runs = 3 if quick else 5
    n, points = sizes["cross-entropy"]
    m, jac_points = sizes["jacobian"]
    rows = [
        _row("cross-entropy gradient check", "cross-entropy", n, points, "< 1 s and <= 2x",
             runs, quick, 1.0),
        _row("  the same, 2 directions per point", "cross-entropy", n, points,
             "for information", runs, quick, None, directions=2, judged=False),
        _row("softmax Jacobian check", "jacobian", m, jac_points, "<= 2x", runs, quick, None),
    ]
    rows.append(_torch_row(n, points, rows[0]["derive_s"], runs))
    _print(rows, runs, quick)
    return rows


def _torch_row(n: int, points: int, derive_s: float, runs: int) -> dict:
    row = {"name": "torch.autograd.gradcheck (fast_mode)",
           "size": f"N={n:,} x {points:,} points", "derive_s": derive_s, "numpy_s": None,
           "ratio": None, "target": "for comparison", "met": None}
    try:
        import torch  # noqa: F401  (optional, for comparison; not needed for the tests)
    except ImportError:
        return row | {"note": "skipped: torch is not installed"}
    _torch_gradcheck(n, points)   # warm-up
    times, passed = [], True
    for _ in range(runs):
        seconds, ok = _seconds(lambda: _torch_gradcheck(n, points))
        times.append(seconds)
        passed = passed and bool(ok)
    seconds = statistics.median(times)
    return row | {"torch_s": seconds, "ratio": derive_s / seconds, "passed": passed}


def _print(rows: list[dict], runs: int, quick: bool) -> None:
    how = (f"median of {runs} interleaved runs" if quick else
           f"median over {runs} fresh processes of 2 interleaved runs each")
    print(f"numeric checks: wall-clock seconds, {how}")
    print(f"{'check':40s} {'size':>24s} {'derive':>8s} {'NumPy':>8s} {'ratio':>6s}  target")
    for row in rows:
        other = row["numpy_s"] if row["numpy_s"] is not None else row.get("torch_s")
        cells = [f"{row['derive_s']:8.3f}",
                 f"{other:8.3f}" if other is not None else f"{'-':>8s}",
                 f"{row['ratio']:6.2f}" if row["ratio"] is not None else f"{'-':>6s}"]
        verdict = {True: "met", False: "MISSED", None: ""}[row["met"]]
        print(f"{row['name']:40s} {row['size']:>24s} {' '.join(cells)}  {row['target']} "
              f"{verdict}".rstrip())
        if "note" in row:
            print(f"  ({row['note']})")
        elif "torch_s" in row:
            print("  (the NumPy column is torch's time"
                  + (")" if row["passed"] else "; WARNING: gradcheck failed)"))
        elif not (row["passed"] and row["same_errors"]):
            print(f"  WARNING: passed={row['passed']}, same errors={row['same_errors']}")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
