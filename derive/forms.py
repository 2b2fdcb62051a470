"""The matrix or vector notation a derivation shows beside its index form, where it reads
well: ``diag(S) − S Sᵀ`` for ``S_i(δ_ij − S_j)``, nothing for ``log S_j``."""

from __future__ import annotations

import sympy as sp

from .calculus.matrices import matrix_form

__all__ = ["shown_form"]


def shown_form(expr, problem):
    """The matrix or vector notation of ``expr``, or ``None`` where an element is not a
    product of entries (``log S_j`` has no vector notation): the index form only."""
    try:
        form = matrix_form(expr, problem)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if form is None or any(not _plain(e) for term in form.terms   # (a matvec's right: W)
                           for e in (term.left, None if term.kind == "matvec" else term.right)
                           if e is not None):
        return None
    # A notation that multiplies out a factored result (σ(1 − σ)(σ − y) as four terms)
    # reads worse than the index form: shown only when about as short.
    if sum(len(sp.Add.make_args(t.left)) if t.left is not None else 1
           for t in form.terms) > len(sp.Add.make_args(expr)) + 1:
        return None
    return form


def _plain(element) -> bool:
    """An element of a vector notation: a sum of products of integer powers of entries
    and of σ of entries (``S_i − y_i``, ``y_i/S_i``, ``σ(z_i)``), as every renderer writes
    them."""
    from .functions import sigmoid
    for term in sp.Add.make_args(sp.sympify(element)):
        for factor in sp.Mul.make_args(term):
            base, power = factor.as_base_exp()
            entry = isinstance(base, sp.Indexed) or (isinstance(base, sigmoid) and
                                                     isinstance(base.args[0], sp.Indexed))
            if not (factor.is_Number or (entry and power.is_Integer)):
                return False
    return True
