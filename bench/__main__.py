"""``python -m bench [--quick] [--runs R] [--out DIR] [--only PART]``: run every benchmark
(or the parts named, keeping the others' figures), print the tables, and write
``results.md``, ``results.json``, ``scaling.png`` and ``symbolic.png``.

The parts (each also runs alone, ``python -m bench.exact``):

* :mod:`bench.exact`    — exact concrete-N verification: naive SymPy against derive.check.exact;
* :mod:`bench.cli`      — the CLI commands as whole processes;
* :mod:`bench.show`     — ``derive show`` at a concrete N against diff + simplify;
* :mod:`bench.numeric`  — the vectorised numeric checks against hand-written NumPy;
* :mod:`bench.symbolic` — the symbolic-N derivations;
* :mod:`bench.gallery`  — the gallery's own functions (``--of``): symbolic N and exact at
  N = 256;
* :mod:`bench.code`     — the code ``--format numpy`` generates against hand-written NumPy,
  and the Hessian-vector product at N = 10⁶.

``--quick`` runs every part at tiny sizes (the CI smoke test); its figures say nothing
about speed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
from pathlib import Path

from . import exact, symbolic


def machine() -> dict:
    """The facts a figure depends on."""
    import numpy
    import sympy
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = next(int(line.split()[1]) // 1024 // 1024
                      for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
    except (OSError, StopIteration):
        memory = None
    try:
        import flint   # noqa: F401  (not used: recorded because it would change nothing)
        flint_version = flint.__version__
    except ImportError:
        flint_version = None
    return {"date": datetime.date.today().isoformat(), "cpu": cpu, "cores": os.cpu_count(),
            "memory_gib": memory, "python": platform.python_version(),
            "platform": platform.platform(), "sympy": sympy.__version__,
            "numpy": numpy.__version__, "gmpy2": _version("gmpy2"),
            "python-flint": flint_version}


def _version(module: str) -> str | None:
    try:
        return __import__(module).__version__
    except ImportError:
        return None


PARTS = ("exact", "cli", "show", "numeric", "symbolic", "gallery", "code")
TITLES = {"exact": "exact verification at a concrete N", "cli": "the CLI as whole processes",
          "show": "derive show against diff + simplify", "numeric": "numeric checks",
          "symbolic": "symbolic N", "gallery": "your own functions (--of)",
          "code": "generated code"}


def _run(part: str, runs: int, args) -> object:
    if part == "exact":
        return exact.main(args.quick)
    if part == "cli":
        from . import cli
        return cli.main(runs, args.quick)
    if part == "show":
        from . import show
        return show.main(args.quick)
    if part == "numeric":
        from . import numeric
        return numeric.main(args.quick)
    if part == "gallery":
        from . import gallery
        return gallery.main(runs, args.quick)
    if part == "code":
        from . import code
        return code.main(args.quick)
    return symbolic.main(runs, args.out, quick=args.quick)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes, one run each: a smoke test, not a measurement")
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per figure")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent,
                        help="directory for results.md, results.json and the plots")
    parser.add_argument("--only", choices=PARTS, action="append",
                        help="run this part only (repeatable), keeping the other parts' "
                             "figures from the results.json in --out")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    args.out.mkdir(parents=True, exist_ok=True)
    figures = {"machine": machine(), "quick": args.quick, "runs": runs}
    if args.only:
        kept = json.loads((args.out / "results.json").read_text())
        figures.update({part: kept[part] for part in PARTS
                        if part not in args.only and part in kept})
    print("machine:", ", ".join(f"{k} {v}" for k, v in figures["machine"].items()))
    for part in PARTS:
        if args.only and part not in args.only:
            continue
        print(f"\n== {TITLES[part]} ==")
        figures[part] = _run(part, runs, args)
    (args.out / "results.json").write_text(json.dumps(figures, indent=2, default=str))
    from .report import plot, report
    (args.out / "results.md").write_text(report(figures))
    plot(figures, args.out / "scaling.png")
    print(f"\nwrote {args.out / 'results.md'}, {args.out / 'results.json'}")


if __name__ == "__main__":
    main()
