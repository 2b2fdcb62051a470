"""Verdicts: whether a hand-written formula or a NumPy function holds — proved, refuted by a
counterexample beyond rounding, or undetermined and why — with a diagnosis of the mistake."""
