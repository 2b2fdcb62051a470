"""The code ``derive show --format numpy`` generates, timed against NumPy written by hand.

Each generated module is produced (and checked) by :func:`derive.generated.generated_numpy`
in this process, then its function is timed on a stack of points — ``P`` points of ``N``
classes along a leading axis — beside a hand-written vectorised version of the same
formula (max-subtraction softmax, as any careful hand would write it).  Figures are the
median of ``REPEATS`` calls after one warm-up, each on the same arrays, the two
versions' calls interleaved.

* the gradients at N = 10,000 × 1,000 points (target: generated ≤ 1.5 × hand-written);
* the Hessian-vector product of ``softmax-cross-entropy-hessian`` at N = 10⁶ (one point):
  milliseconds, where the N × N Hessian would not fit in memory (8 TB).
"""

from __future__ import annotations

import statistics
import time

import numpy as np

RATIO = 1.5          # generated ≤ 1.5 × hand-written
HVP_N = 1_000_000
GRADIENT_N, POINTS = 10_000, 1_000
REPEATS = 7


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _hand_sparse(z, c):
    g = _softmax(z)
    g[np.arange(len(c)), c] -= 1.0
    return g


# target → (hand-written function, its inputs by name)
HAND = {
    "softmax-cross-entropy-grad": lambda z, y: _softmax(z) - y,
    "sigmoid-binary-cross-entropy-grad": lambda z, y: 1.0 / (1.0 + np.exp(-z)) - y,
    "sparse-softmax-cross-entropy-grad": _hand_sparse,
    "label-smoothing-cross-entropy-grad":
        lambda z, y, eps: _softmax(z) - ((1 - eps) * y + eps / z.shape[-1]),
}


def _inputs(target: str, n: int, points: int, rng) -> dict:
    z = rng.normal(scale=3.0, size=(points, n))
    y = rng.dirichlet(np.ones(n), size=points) if target != "sigmoid-binary-cross-entropy-grad" \
        else rng.uniform(size=(points, n))
    if target == "sparse-softmax-cross-entropy-grad":
        return {"z": z, "c": rng.integers(0, n, size=points)}
    if target == "label-smoothing-cross-entropy-grad":
        return {"z": z, "y": y, "eps": 0.1}
    return {"z": z, "y": y}


def _load(target: str):
    from derive.generated import generated_numpy
    generated = generated_numpy(target)
    namespace: dict = {}
    exec(compile(generated.source, f"<{target}>", "exec"), namespace)  # derive's own code
    return namespace, generated.function


def _medians(first, second, values: dict) -> tuple[float, float]:
    """The median seconds of each function, their calls interleaved (so that a machine
    that slows down or speeds up mid-run favours neither)."""
    first(**values), second(**values)   # warm-up
    times: tuple[list, list] = ([], [])
    for _ in range(REPEATS):
        for function, seconds in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            function(**values)
            seconds.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def main(quick: bool = False) -> dict:
    n, points, hvp_n = (200, 20, 10_000) if quick else (GRADIENT_N, POINTS, HVP_N)
    rng = np.random.default_rng(0)
    rows = []
    for target, hand in HAND.items():
        namespace, name = _load(target)
        values = _inputs(target, n, points, rng)
        generated = namespace[name]
        agree = bool(np.allclose(generated(**values), hand(**values), rtol=1e-12, atol=1e-15))
        ours, theirs = _medians(generated, hand, values)
        rows.append({"target": target, "N": n, "points": points, "generated_s": ours,
                     "hand_s": theirs, "ratio": ours / theirs, "agree": agree})
        print(f"{target:38} N={n} × {points}: generated {ours * 1e3:8.1f} ms, "
              f"hand-written {theirs * 1e3:8.1f} ms, ratio {ours / theirs:.2f}"
              + ("" if agree else "  VALUES DIFFER"))
    namespace, name = _load("softmax-cross-entropy-hessian")
    z, y, v = rng.normal(scale=3.0, size=hvp_n), rng.dirichlet(np.ones(hvp_n)), \
        rng.normal(size=hvp_n)
    product = namespace[f"{name}_vector_product"]

    def hand(z, y, v):
        s = _softmax(z)
        return s * v - s * (s @ v)
    values = {"z": z, "y": y, "v": v}
    agree = bool(np.allclose(product(**values), hand(**values), rtol=1e-12, atol=1e-18))
    ours, theirs = _medians(product, hand, values)
    hvp = {"N": hvp_n, "generated_s": ours, "hand_s": theirs, "agree": agree,
           "hessian_bytes": 8 * hvp_n * hvp_n}
    print(f"Hessian-vector product at N = {hvp_n:,}: generated {ours * 1e3:.1f} ms, "
          f"hand-written {theirs * 1e3:.1f} ms (the Hessian itself: "
          f"{8 * hvp_n * hvp_n / 1e12:.0f} TB)")
    return {"rows": rows, "hvp": hvp, "ratio_target": RATIO}


if __name__ == "__main__":
    import sys
    main("--quick" in sys.argv)
