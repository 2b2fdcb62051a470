"""``python -m bench [--runs R] [--out DIR]``: run every benchmark, print tables, write plots."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import symbolic


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per figure")
    parser.add_argument("--out", type=Path, default=Path("bench/results"),
                        help="directory for the JSON figures and the plots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    symbolic.main(args.runs, args.out)


if __name__ == "__main__":
    main()
