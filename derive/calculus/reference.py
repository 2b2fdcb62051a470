"""SymPy's own derivative of every entry at a concrete N: the independent reference that
derive's results are compared with (up to N = 8 by default, and on request)."""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from ..functions import instantiate

__all__ = ["mechanical_matrix"]


@lru_cache(maxsize=128)
def mechanical_matrix(problem, n: int) -> sp.ImmutableMatrix:
    """``sp.diff`` of every entry of the construction, expanded for ``n`` classes
    (rows = outputs, one row for a scalar; columns = the variable's entries, row by row)."""
    variables = problem.variables()
    out = []
    for key in problem.output_keys():
        # xreplace, not subs: the output index is free, and subs re-evaluates every node.
        f = (problem.function.xreplace({problem.output_index: sp.Integer(key[0])}) if key
             else problem.function)
        f = instantiate(f, n)
        out.append([sp.diff(f, v) for v in variables])
    return sp.ImmutableMatrix(out)
