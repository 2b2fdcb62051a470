"""Checking: a formula written out at a concrete N, the exact zero test of every entry
against the chain-rule derivative, the step checks, and the numeric checks against finite
differences of a stable float64 implementation (lambdified per entry, or vectorised)."""
