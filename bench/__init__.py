"""Benchmarks of derive: run ``python -m bench`` (see the README).  Figures, not tests."""
