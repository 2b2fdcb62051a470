"""Naming the mistake in a wrong derivative: from values at sample points, and across N.

:func:`diagnose_values` compares the expected and the claimed values of every entry at the
same points and names the usual slips (a flipped sign, a constant factor or one that varies
with T, a transposition, a reshape, only the diagonal right, a wrong smoothed label).
:func:`across_sizes` decides whether a diagnosis made at one N holds for every N.  Both are
used by :mod:`derive.verdicts.verify` (claims) and :mod:`derive.verdicts.gradcheck` (NumPy functions).

>>> import numpy as np
>>> E = np.array([[1.0, 2.0], [3.0, 4.0]])
>>> diagnose_values(None, 2, E, -E)
'the sign is flipped: your formula is the negative of the derivative'
>>> across_sizes("off by a constant factor: your formula is 1/2 × the derivative",
...              "off by a constant factor: your formula is 1/3 × the derivative", 2, "N")
'off by a factor of 1/N: your formula is 1/N × the derivative'
"""

from __future__ import annotations

import re

import numpy as np
import sympy as sp

__all__ = ["diagnose_values", "across_sizes", "Finding", "diagonal_message"]


class Finding(str):
    """A diagnosis in words that names an exact relation between the claim C and the
    derivative E, so that a caller can confirm it exactly before saying it:
    ``("factor", c)`` for C = c·E (a flipped sign is c = −1), ``("transpose",)`` for
    C_ij = E_ji, ``("matches", True)`` for C = E on the diagonal only (``False``: off it).
    Read from values at points, it is a hypothesis until confirmed.

    >>> f = Finding("the sign is flipped", ("factor", -1))
    >>> f, f.relation
    ('the sign is flipped', ('factor', -1))
    """

    relation: tuple = ()

    def __new__(cls, text: str, relation: tuple = ()):
        found = super().__new__(cls, text)
        found.relation = relation
        return found


def diagnose_values(problem, n: int, E: np.ndarray, C: np.ndarray,
                    scalars: dict[str, np.ndarray] | None = None) -> str:
    """Name the mistake from expected and claimed values, shape (points, entries).

    Entries are in the order of the target's indices (row-major for a Jacobian).
    Symmetric results are not called transposed: for them a transposition is invisible.
    ``scalars`` gives the scalar inputs at each point (the temperature T), so that a
    factor that varies with them (a forgotten 1/T) is named; with the label smoothing
    ``eps`` it also has the labels ``y``, so that a wrong smoothed label is named.
    """
    def close(a, b) -> bool:
        return bool(np.all(np.abs(a - b) <= 1e-7 + 1e-7 * np.maximum(np.abs(a), np.abs(b))))

    if close(C, -E):
        return Finding("the sign is flipped: your formula is the negative of the derivative",
                       ("factor", sp.Integer(-1)))
    scalars = dict(scalars or {})
    labels = scalars.pop("y", None)
    if labels is not None and "eps" in scalars:   # label smoothing: which part of q is off?
        e = scalars["eps"][:, None]
        q = (1 - e) * labels + e / n
        if close(C - E, q - labels):
            return ("your formula is the gradient without label smoothing (S − y); with "
                    "smoothed labels it is S − q, q = (1 − ε) y + ε/N")
        if close(C - E, np.broadcast_to(e / n, E.shape)):
            return "the uniform part ε/N of the smoothed labels q = (1 − ε) y + ε/N is missing"
        if close(C - E, np.broadcast_to(e / n - e, E.shape)):
            return "the uniform part of the smoothed labels is ε/N, not ε"
    for name, values in scalars.items():
        if name != "T":   # a factor T^p; the smoothing ε is not a factor
            continue
        for power in (1, -1, 2, -2):
            if close(C, E * (values ** power)[:, None]):
                shown = {1: name, -1: f"1/{name}", 2: f"{name}²", -2: f"1/{name}²"}[power]
                why = {1: f" (the factor 1/{name} of the chain rule is missing)",
                       -1: f" (the factor 1/{name} is applied twice)"}.get(power, "")
                return Finding(f"off by a factor of {shown}: your formula is {shown} × the "
                               f"derivative{why}", ("factor", problem.temperature ** power))
    scale = np.abs(E) > 1e-6
    if scale.any():
        with np.errstate(all="ignore"):
            factor = float(np.median(C[scale] / E[scale]))
        # A factor within 1e-6 of 1 is rounding (float32 arithmetic), not a mistake; an
        # infinite or huge one (1e308 ×) is no factor a derivation loses.
        if np.isfinite(factor) and 1e-12 < abs(factor) < 1e12 and abs(factor - 1) > 1e-6 \
                and close(C, factor * E):
            exact = sp.nsimplify(factor, rational=True, tolerance=1e-9)
            if max(abs(exact.p), exact.q) > 1000:   # not a small fraction: e, π, e²?
                named = sp.nsimplify(factor, [sp.E, sp.pi], tolerance=1e-12)
                if named.has(sp.E, sp.pi) and len(sp.sstr(named)) <= 12:
                    exact = named
            batch = _batch_mean(problem)
            if batch is not None and exact == batch:
                return Finding(f"off by a factor of m = {batch}: your formula is the gradient "
                               "of the summed loss; the mean over the m examples divides it by "
                               "m (for the sum, give --reduction sum)", ("factor", exact))
            if (problem is not None and problem.batch and problem.option("reduction") == "sum"
                    and exact == sp.Rational(1, problem.extent("m"))):
                return Finding(f"off by a factor of 1/m = {sp.sstr(exact)}: your formula is "
                               "the gradient of the mean loss; the summed loss has no 1/m (for "
                               "the mean, leave out --reduction sum)", ("factor", exact))
            shown = sp.sstr(exact)
            if exact.has(sp.E, sp.pi):   # e and π as people write them
                from ..render.unicode import text
                shown = text(exact)
            return Finding(f"off by a constant factor: your formula is {shown} × the "
                           "derivative", ("factor", exact))
    if problem is not None and len(problem.wrt_indices) == 2:
        return _layout(problem, E, C, close)
    jacobian = problem.output_index is not None and problem.name.has(problem.output_index)
    if jacobian:
        square = lambda a: a.reshape(-1, n, n)  # noqa: E731
        symmetric = close(square(E), np.transpose(square(E), (0, 2, 1)))
        if not symmetric and close(square(C), np.transpose(square(E), (0, 2, 1))):
            return Finding("transposed: your formula is the derivative with rows and columns "
                           "swapped", ("transpose",))
        if not symmetric and close(np.sort(C, axis=1), np.sort(E, axis=1)):
            return ("the right entries in the wrong places (a reshape instead of a "
                    "transpose?)")
        diagonal = np.eye(n, dtype=bool).ravel()
        on, off = close(C[:, diagonal], E[:, diagonal]), close(C[:, ~diagonal], E[:, ~diagonal])
        if on and not off:
            return Finding("your formula matches the diagonal (i = j) but not the "
                           "off-diagonal entries", ("matches", True))
        if off and not on:
            return Finding("your formula matches the off-diagonal entries but not the "
                           "diagonal (i = j)", ("matches", False))
    return "no common mistake recognised; see the counterexample"


def diagonal_message(result: sp.Expr, i, j) -> str:
    """What to say of a claim that is the diagonal ``i = j`` of the Jacobian ``result``."""
    from ..render.unicode import text
    return (f"your formula is the diagonal {i} = {j} of the Jacobian only: the whole "
            f"Jacobian is {text(result)}, which off the diagonal is "
            f"{text(result.subs(sp.KroneckerDelta(i, j), 0))}")


def _batch_mean(problem) -> int | None:
    """The batch size m of a mean over examples, or None."""
    if problem is None or not problem.batch or problem.option("reduction") != "mean":
        return None
    return problem.extent("m")


def transposed_message(problem) -> str:
    """A gradient with the shape of its variable's transpose, and the convention that would
    make it right."""
    from ..functions import convention_hint
    family = str(problem.wrt)
    rows, cols = problem.shape(family)
    message = (f"transposed: the gradient ∂L/∂{family} has the shape of {family}, "
               f"{rows} × {cols}, but your formula is {cols} × {rows}")
    if problem.convention is not None:
        message += "; " + convention_hint(problem)
    return message


def _layout(problem, E: np.ndarray, C: np.ndarray, close) -> str:
    """Mistakes of layout in a derivative with respect to a matrix (W, Z): a transpose, or
    the right entries in the wrong places (a reshape where a transpose was needed); for a
    layer's Jacobian, the cases t = i and t ≠ i."""
    n = problem.classes
    if problem.output_index is None:
        rows, cols = problem.size_of(str(problem.wrt))
        grid = lambda a: a.reshape(-1, rows, cols)  # noqa: E731
        if rows == cols and not close(grid(E), np.transpose(grid(E), (0, 2, 1))) and close(
                grid(C), np.transpose(grid(E), (0, 2, 1))):
            return transposed_message(problem)
        if close(np.sort(C, axis=1), np.sort(E, axis=1)) and not close(C, E):
            return ("the right entries in the wrong places: a layout mistake (a reshape "
                    "where a transpose was needed, or the wrong convention: "
                    f"∂L/∂{problem.wrt} has the shape of {problem.wrt})")
        return "no common mistake recognised; see the counterexample"
    # ∂S_t/∂W_ij: the class index of W is i in Wx (rows of W), j in WTx.
    d = problem.extent("D")
    blocks = lambda a: (a.reshape(-1, n, n, d) if problem.convention == "Wx"  # noqa: E731
                        else np.transpose(a.reshape(-1, n, d, n), (0, 1, 3, 2)))
    if close(np.sort(C, axis=1), np.sort(E, axis=1)) and not close(C, E):
        return (f"the right entries in the wrong places: a layout mistake (the columns are "
                f"the entries of {problem.wrt} row by row: column (i − 1)·D + j is "
                f"∂S_t/∂{problem.wrt}_ij; np.kron(A, xᵀ), not np.kron(xᵀ, A))"
                if problem.convention == "Wx" else
                f"the right entries in the wrong places: a layout mistake (the columns are "
                f"the entries of {problem.wrt} row by row)")
    same = np.eye(n, dtype=bool)
    on = close(blocks(C)[:, same], blocks(E)[:, same])
    off = close(blocks(C)[:, ~same], blocks(E)[:, ~same])
    if on and not off:
        return "your formula matches the entries t = i but not t ≠ i"
    if off and not on:
        return "your formula matches the entries t ≠ i but not t = i"
    return "no common mistake recognised; see the counterexample"


_FACTOR = re.compile(r"off by a constant factor: your formula is (-?\d+(?:/\d+)?) × the derivative")


def across_sizes(found: str, other: str | None, n: int, letter: str) -> str:
    """The diagnosis ``found`` at N = ``n`` given ``other`` at ``n + 1``: the same one
    stands; a factor 1/2 at N = 2 that is 1/3 at N = 3 is 1/N; otherwise no mistake is
    named for every N."""
    if other == found:
        return found
    here, there = _FACTOR.search(found), _FACTOR.search(other or "")
    if here and there:
        a, b = sp.Rational(here.group(1)), sp.Rational(there.group(1))
        factor = None
        if a * n == b * (n + 1):        # c/N: c/n at n, c/(n + 1) at n + 1
            c = a * n
            factor = f"1/{letter}" if c == 1 else f"{c}/{letter}"
        elif a * (n + 1) == b * n:      # c·N
            c = a / n
            factor = letter if c == 1 else f"{c}·{letter}"
        if factor is not None:   # a hypothesis from two sizes: the caller confirms it
            size = sp.Symbol(letter)
            value = c / size if a * n == b * (n + 1) else c * size
            return Finding(f"off by a factor of {factor}: your formula is {factor} × the "
                           "derivative", ("factor", value))
    return (f"no common mistake recognised that holds for every {letter} (at {letter} = {n}: "
            f"{found}); see the counterexample")
