"""``results.md`` and ``scaling.png`` from the figures of one ``python -m bench`` run."""

from __future__ import annotations

from pathlib import Path

# The targets of issue 7, as (figure, limit) pairs the report marks as met or not.
RATIO_AT_32 = 50.0        # derive ≥ 50× faster than the baseline at N = 32
SECONDS_AT_256 = 30.0     # N = 256 within 30 s …
PEAK_MB_AT_256 = 1024.0   # … and under 1 GiB
SYMBOLIC_SECONDS = 0.5    # each symbolic-N derivation after import
# The targets of issue 21: every entry, exactly, in the process (target, N) → seconds.
EXACT_SECONDS = {("softmax-jacobian", 512): 3.0, ("softmax-jacobian", 1024): 12.0,
                 ("softmax-cross-entropy-grad", 1024): 1.0}


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _seconds(value) -> str:
    if value is None:
        return "—"
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def report(figures: dict) -> str:
    m = figures["machine"]
    lines = ["# Benchmarks", "",
             f"Written by `python -m bench{' --quick' if figures['quick'] else ''}` on "
             f"{m['date']}. {'**Quick run: tiny sizes, not a measurement.** ' if figures['quick'] else ''}"
             "Every figure is a fresh process (SymPy's caches cold), timed after the imports "
             "unless it says *whole process*.", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; "
             f"{m['platform']}; Python {m['python']}, SymPy {m['sympy']}, NumPy {m['numpy']}; "
             f"gmpy2 {m['gmpy2'] or 'not installed'}, python-flint "
             f"{m['python-flint'] or 'not installed'}.", ""]
    lines += _exact(figures["exact"])
    lines += _cli(figures.get("cli"), figures["runs"])
    lines += _show(figures.get("show"))
    lines += _numeric(figures.get("numeric"))
    lines += _symbolic(figures["symbolic"])
    lines += _gallery(figures.get("gallery"))
    lines += _code(figures.get("code"))
    return "\n".join(lines) + "\n"


def _code(c) -> list[str]:
    if not c:
        return []
    lines = ["", "## Generated code", "",
             "`derive show TARGET --format numpy` (generated and checked in the process, then "
             "timed) against the same formula written by hand in NumPy (max-subtraction "
             "softmax), on a stack of points along a leading axis; median of interleaved calls "
             "after a warm-up. Target (issue 24): generated ≤ "
             f"{c['ratio_target']:g} × hand-written.", ""]
    rows = [[r["target"], f"{r['N']:,} × {r['points']:,}",
             f"{r['generated_s'] * 1e3:.1f} ms", f"{r['hand_s'] * 1e3:.1f} ms",
             f"{r['ratio']:.2f}", _mark(r["ratio"] <= c["ratio_target"]),
             "yes" if r["agree"] else "**no**"] for r in c["rows"]]
    lines += _table(["target", "N × points", "generated", "hand-written", "ratio",
                     f"≤ {c['ratio_target']:g}", "same values"], rows)
    h = c["hvp"]
    lines += ["", f"The Hessian-vector product of `softmax-cross-entropy-hessian` "
              f"(`…_vector_product`, O(N)) at N = {h['N']:,}: "
              f"{h['generated_s'] * 1e3:.1f} ms generated, {h['hand_s'] * 1e3:.1f} ms "
              f"hand-written (`s * v - s * (s @ v)`); same values: "
              f"{'yes' if h['agree'] else '**no**'}. The N × N Hessian itself would take "
              f"{h['hessian_bytes'] / 1e12:.0f} TB."]
    return lines


def _exact(e: dict) -> list[str]:
    lines = ["## Exact verification at a concrete N", "",
             "Every entry derived mechanically and proven equal to the canonical form "
             "(`S_i(δ_ij − S_j)`, N² entries; `S_j − y_j` under Σ_k y_k = 1, N entries). "
             "Baseline: `sympy.diff` per entry, then `sympy.simplify(entry − expected) == 0` "
             f"(capped at {e['limit']:.0f} s). derive: `derive.check.exact.check_exactly`.", ""]
    rows = []
    for r in e["side_by_side"]:
        base = r["baseline"]
        shown = (f"> {base['capped']:.0f} s (capped)" if base.get("seconds") is None
                 else _seconds(base["seconds"]) + ("" if base.get("proved") else " (not proved)"))
        ratio = r["ratio"]
        goal = ""
        if r["N"] == 32:
            goal = f"≥ {RATIO_AT_32:.0f}× {_mark(ratio is not None and ratio >= RATIO_AT_32)}"
        rows.append([r["target"], str(r["N"]), shown, _seconds(r["derive"]["seconds"]),
                     f"{ratio:.0f}×" if ratio else "—", goal])
    lines += _table(["target", "N", "baseline", "derive", "ratio", "target"], rows)
    lines += ["", "derive alone (peak memory: the whole process's resident set, Python and "
              "SymPy included):", ""]
    rows = []
    for r in e["scaling"]:
        d = r["derive"]
        goal = ""
        limit = EXACT_SECONDS.get((r["target"], r["N"]))
        if limit is not None:
            ok = d["seconds"] <= limit and d["peak_mb"] < PEAK_MB_AT_256
            goal = f"≤ {limit:g} s, < 1 GiB {_mark(ok)}"
        elif r["N"] == 256:
            ok = d["seconds"] < SECONDS_AT_256 and d["peak_mb"] < PEAK_MB_AT_256
            goal = f"< {SECONDS_AT_256:.0f} s, < 1 GiB {_mark(ok)}"
        rows.append([r["target"], str(r["N"]), str(d["entries"]), _seconds(d["seconds"]),
                     f"{d['peak_mb']:.0f} MB", goal])
    lines += _table(["target", "N", "entries", "derive", "peak memory", "target"], rows)
    lines += [""] + [f"Fitted growth exponent of derive's time, N = 32 … "
                     f"{max(r['N'] for r in e['scaling'])}: **{name}** time ∝ N^{x:.2f}"
                     + (" (per entry: N^" + f"{x - 2:.2f})" if name == "softmax-jacobian" else
                        " (per entry: N^" + f"{x - 1:.2f})")
                     for name, x in e["exponents"].items() if x is not None] + [""]
    return lines


def _cli(rows, runs: int) -> list[str]:
    lines = ["## CLI start-up", "",
             f"Whole processes, wall clock, median of {runs} runs (min – max), the `derive` "
             "script installed beside the Python that runs the bench (not a version "
             "manager's shim on PATH, which adds its own start-up), with Python's bytecode "
             "cache written (as after `pip install .`; "
             "one warm-up run first).", ""]
    body = []
    for r in rows or []:
        goal = ("" if r["target"] is None else f"< {r['target']} s") or \
            ("" if r.get("unit_target") is None else f"≤ {r['unit_target']:g} units")
        body.append([f"`{r['command']}`", _seconds(r["median"]),
                     f"{r['min']:.2f} – {r['max']:.2f} s",
                     f"{r['units']:.2f}" if r.get("units") is not None else "—",
                     f"{goal} {_mark(r['met'])}" if goal else ""])
    lines[0] = "## The CLI as whole processes"
    lines[2] += (" *units*: each run is paired with a run of `python -c \"import sympy\"` "
                 "just before it, and the figure is the median of the ratios run by run "
                 "(the machine's speed drifts; a pair shares its moment).")
    return lines + _table(["command", "median", "range", "units", "target"], body) + [""]


def _show(s) -> list[str]:
    if not s:
        return []
    lines = ["## derive show against diff + simplify", "",
             "A concrete N, fresh processes, timed after the imports. *naive*: `sympy.diff` "
             "of every entry, then `sympy.simplify` of each, nothing checked (capped at "
             f"{s['limit']:.0f} s). *derive*: `derivation(target, N)`, everything `derive "
             "show` does — the steps and result instantiated from the symbolic-N proof, the "
             "result checked exactly at N, SymPy's diff of every entry for N ≤ 8, the "
             "numeric check.", ""]
    body = []
    for r in s["rows"]:
        naive = r["naive"]
        shown = (f"> {naive['capped']:.0f} s (capped)" if naive.get("seconds") is None
                 else _seconds(naive["seconds"]))
        body.append([r["target"], str(r["N"]), shown, _seconds(r["derive"]["seconds"]),
                     f"{r['ratio']:.1f}×" if r.get("ratio") else "—",
                     f"{r['derive']['peak_mb']:.0f} MB"])
    lines += _table(["target", "N", "naive", "derive", "ratio", "derive's peak memory"],
                    body)
    sizes = sorted({r["N"] for r in s["rows"]})
    for name, sides in s["exponents"].items():
        shown = ", ".join(f"{side} ∝ N^{x:.2f}" for side, x in sides.items() if x is not None)
        if shown:
            lines += ["", f"Fitted growth exponents, N = {sizes[0]} … {sizes[-1]} (finished "
                          f"runs only): **{name}** {shown}"]
    return lines + [""]


def _numeric(rows) -> list[str]:
    lines = ["## Numeric cross-checks, vectorised, against hand-written NumPy", "",
             "The derived result (lambdified with `cse=True`, cached per target and N) at "
             "random points against central differences of the stable float64 function "
             "along a random direction per point (`derive.at_scale.check_at_scale`), and "
             "the same arithmetic written by hand in NumPy; wall clock in the process, median "
             "over fresh processes. *first call* includes deriving and compiling.", ""]
    body = []
    for r in rows or []:
        if r.get("numpy_s") is None:   # torch.autograd.gradcheck, for comparison
            torch = r.get("note") or (f"torch {_seconds(r['torch_s'])}"
                                      + ("" if r["passed"] else ", gradcheck failed"))
            body.append([r["name"].strip(), r["size"], _seconds(r["derive_s"]), torch,
                         f"{r['ratio']:.2f}" if r.get("ratio") else "—", r["target"], "—"])
            continue
        goal = r["target"] + (f" {_mark(r['met'])}" if r.get("met") is not None else "")
        body.append([r["name"].strip(), r["size"], _seconds(r["derive_s"]),
                     _seconds(r["numpy_s"]), f"{r['ratio']:.2f}", goal,
                     _seconds(r.get("derive_first_s"))])
    return lines + _table(["check", "size", "derive", "hand NumPy", "ratio", "target",
                           "first call"], body) + [""]


def _symbolic(s: dict) -> list[str]:
    lines = ["## Symbolic N", "",
             "Seconds after `import derive`, median of fresh processes: *proof* = the result for "
             "every N as `verify` needs it (the one strategy on the target's definition, the "
             "result proved against the raw derivative); *steps* = the strategy with its "
             "textbook steps, each proved; "
             "*full* = `derivation(t, \"N\")`, also every step checked exactly at N = 1, 2, 3 "
             "and the result against finite differences there.", ""]
    rows = [[name, _seconds(r["proof"]), _seconds(r["steps"]), _seconds(r["full"]),
             _mark(r["full"] < SYMBOLIC_SECONDS)]
            for name, r in s["targets"].items()]
    lines += _table(["target", "proof", "steps", "full", f"full < {SYMBOLIC_SECONDS} s"], rows)
    return lines + [""]


def _gallery(g) -> list[str]:
    if not g:
        return []
    from .gallery import EXACT_SECONDS, SYMBOLIC_SECONDS
    lines = ["## Your own functions (--of)", "",
             "The gallery's functions (`derive.gallery`), from their definitions. Seconds "
             "after `import derive`, median of fresh processes: *symbolic* = "
             "`derivation(of=…, classes=\"N\")` (the rules, the proof of every step, every "
             "step checked exactly at N = 1, 2, 3, the numeric check); *exact* = every entry "
             f"of the result at N = {g['n']} (D = 3) against the chain-rule derivative of the "
             "written-out definition.", ""]
    rows = [[name, _seconds(r["symbolic"]), _mark(r["symbolic"] <= SYMBOLIC_SECONDS),
             _seconds(r["exact"]), str(r["entries"]), _mark(r["exact"] <= EXACT_SECONDS),
             "yes" if r["proved"] and r["check"] else "**no**"]
            for name, r in g["rows"].items()]
    lines += _table(["function", "symbolic", f"≤ {SYMBOLIC_SECONDS:.0f} s", "exact",
                     "entries", f"≤ {EXACT_SECONDS:.0f} s", "all checks passed"], rows)
    return lines + [""]


def plot(figures: dict, path: Path) -> None:
    """Log-log time against N: the baseline and derive, for both targets."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(plot skipped: matplotlib is not installed; pip install '.[bench]')")
        return
    e = figures["exact"]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, colour in (("softmax-jacobian", "tab:blue"),
                         ("softmax-cross-entropy-grad", "tab:orange")):
        base = [(r["N"], r["baseline"]["seconds"]) for r in e["side_by_side"]
                if r["target"] == name and r["baseline"].get("seconds")]
        ours = sorted([(r["N"], r["derive"]["seconds"]) for r in e["side_by_side"] + e["scaling"]
                       if r["target"] == name])
        if base:
            ax.plot(*zip(*base), "--o", color=colour, label=f"{name}: diff + simplify")
        ax.plot(*zip(*ours), "-s", color=colour, label=f"{name}: derive.check.exact")
    for r_name, colour in (("softmax-jacobian", "tab:green"),
                           ("softmax-cross-entropy-grad", "tab:red")):
        rows = [r for r in (figures.get("show") or {}).get("rows", []) if r["target"] == r_name]
        naive = [(r["N"], r["naive"]["seconds"]) for r in rows if r["naive"].get("seconds")]
        shown = [(r["N"], r["derive"]["seconds"]) for r in rows]
        if naive:
            ax.plot(*zip(*naive), ":^", color=colour, label=f"{r_name}: show, naive")
        if shown:
            ax.plot(*zip(*shown), "-v", color=colour, label=f"{r_name}: derive show")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("N (classes)")
    ax.set_ylabel("seconds")
    ax.set_title("exact verification and show at a concrete N"
                 + (" (quick run)" if figures["quick"] else ""))
    ax.grid(True, which="both", linewidth=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"wrote {path}")
