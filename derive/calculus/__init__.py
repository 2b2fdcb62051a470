"""The calculus stage: differentiation in index notation (sums with a symbolic number of
terms, entries of families, Kronecker deltas), one node at a time."""

from .derivative import derivative

__all__ = ["derivative"]
