"""The calculus stage: differentiation in index notation (sums with a symbolic number of
terms, entries of families, Kronecker deltas), one node at a time."""

from .derivative import derivative
from .reference import mechanical_matrix

__all__ = ["derivative", "mechanical_matrix"]
