"""Laurent polynomials in atoms: the values of the exact check (:mod:`derive.check.exact`).

A monomial is a sorted tuple of (atom, exponent) pairs, exponents nonzero; a polynomial a
dict monomial → coefficient (int or Fraction).  The atoms are numbered by the evaluator
(:class:`derive.check.evaluator.Evaluator`): variables, exponentials, sums.

>>> _mul({((1, 1),): 2}, {((1, -1), (2, 1)): 3})
{((2, 1),): 6}
"""

from __future__ import annotations

from fractions import Fraction

from ..errors import RewriteError

__all__ = ["Unsupported", "Undefined", "MAX_TERMS"]

# The most terms a polynomial may reach (a power of an N-term sum written out grows as
# N^k): beyond it the check stops with Unsupported instead of eating the memory.
MAX_TERMS = 200_000


class Unsupported(RewriteError):
    """The expression has a node the evaluator has no rule for (a root, an ``Abs``)."""


class Undefined(Unsupported):
    """The expression divides by 0 or takes the logarithm of 0 — at an entry, for every
    input, or under the target's assumptions: no value to compare, whatever the method."""


# --- Laurent polynomials in atoms -----------------------------------------------------
#
# A monomial is a sorted tuple of (atom, exponent) pairs, exponents nonzero; a polynomial
# a dict monomial → coefficient (int or Fraction).  Sparse monomials matter: with 2N + 1
# variables a dense exponent vector (SymPy's PolyElement) costs a 513-tuple per product
# at N = 256, while a softmax entry involves three atoms.

_ONE: tuple = ()


def _mono_mul(a: tuple, b: tuple) -> tuple:
    """The product of two monomials: a merge of their sorted (atom, exponent) pairs (twice
    as fast as a dict for the two or three atoms of a softmax entry)."""
    if not a:
        return b
    if not b:
        return a
    out = []
    i = j = 0
    la, lb = len(a), len(b)
    while i < la and j < lb:
        x, p = a[i]
        y, q = b[j]
        if x == y:
            if p + q:
                out.append((x, p + q))
            i += 1
            j += 1
        elif x < y:
            out.append(a[i])
            i += 1
        else:
            out.append(b[j])
            j += 1
    if i < la:
        out.extend(a[i:])
    if j < lb:
        out.extend(b[j:])
    return tuple(out)


def _coefficient(c):
    if type(c) is Fraction and c.denominator == 1:   # (isinstance asks an ABC: slow)
        return c.numerator
    return c


def _add(p: dict, q: dict, sign: int = 1) -> dict:
    if not q:
        return p
    if not p and sign == 1:
        return q
    out = dict(p)
    for mono, c in q.items():
        total = out.get(mono, 0) + sign * c
        if total:
            out[mono] = _coefficient(total)
        else:
            del out[mono]
    return out


def _add_into(p: dict, q: dict) -> None:
    """``p += q`` in place (``p`` must be the caller's own dict)."""
    for mono, c in q.items():
        total = p.get(mono, 0) + c
        if total:
            p[mono] = _coefficient(total)
        else:
            del p[mono]


def _mul(p: dict, q: dict) -> dict:
    if not p or not q:
        return {}
    if len(q) == 1 and _ONE in q:
        c = q[_ONE]
        return p if c == 1 else {m: _coefficient(a * c) for m, a in p.items()}
    if len(p) == 1 and _ONE in p:
        return _mul(q, p)
    if len(p) == 1 and len(q) == 1:   # a monomial times a monomial: most entries
        (m1, a), = p.items()
        (m2, b), = q.items()
        return {_mono_mul(m1, m2): _coefficient(a * b)}
    out: dict = {}
    for m1, a in p.items():
        for m2, b in q.items():
            mono = _mono_mul(m1, m2)
            total = out.get(mono, 0) + a * b
            if total:
                out[mono] = _coefficient(total)
            else:
                out.pop(mono, None)
        if len(out) > MAX_TERMS:
            raise Unsupported(f"a polynomial of more than {MAX_TERMS} terms (sums raised to "
                              "high powers, written out): too large to decide exactly")
    return out


def _constant(c) -> dict:
    return {_ONE: _coefficient(c)} if c else {}


def _monomial_inverse(p: dict) -> dict | None:
    """``1/p`` when ``p`` is one term, else ``None``."""
    if len(p) != 1:
        return None
    (mono, c), = p.items()
    return {tuple((atom, -power) for atom, power in mono): _coefficient(Fraction(1) / c)}


def _key(p: dict) -> frozenset:
    return frozenset(p.items())
