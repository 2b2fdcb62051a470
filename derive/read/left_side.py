"""A claim as written, with the left side people put in front of it: ``∂L/∂z_j = S_j − y_j``,
``dL/dz = S - y``, ``∇_z L = …``, code's ``dz = …`` and ``dL_dW = …``, or a label ``J = …``.

:func:`read_written` is the one entry for a written claim: LaTeX goes to
:func:`derive.read.parse_latex.read_latex`, text is split here at its top-level ``=``.  Both
give a :class:`~derive.read.parse_latex.LatexClaim`: the right side in the text notation and
the left side as (quantity, variable), e.g. ``("L", "z_j")`` or ``("log S_i", "z_j")``.  A
label names no derivative: its quantity is ``""`` and its variable only the indices it
carries (``J_kl`` gives ``("", "_kl")``: output k, input l).

The left side is matched by patterns, not parsed: it is short (a few names), and nothing in
it is evaluated.

>>> read_written("dL/dz_j = S_j - y_j").lhs
('L', 'z_j')
>>> read_written("dW = (S - y) x^T").lhs
('L', 'W')
>>> read_written("J = diag(S) - S Sᵀ").text
'diag(S) - S Sᵀ'
>>> read_written("∂²L/∂z_i∂z_j = S_i(δ_ij - S_j)").lhs
('L', 'z_i z_j')
"""

from __future__ import annotations

import re

from .parse import ParseError, bounded
from .parse_latex import LatexClaim, looks_like_latex, read_latex

__all__ = ["read_written"]

_NAME = r"[A-Za-zŷ](?:_\{?[A-Za-z0-9,]{1,4}\}?)?"          # L, S_i, W_ij, W_{i,j}
_QUANTITY = rf"(?:log\s*\(\s*{_NAME}\s*\)|log\s+{_NAME}|{_NAME})"   # S_i, log S_i, log(S_i)
# ∂L/∂z_j, dL/dz, d log S_i / d z_j, ∂(log S_i)/∂z_j.
_QUOTIENT = re.compile(rf"[∂d]\s*\(?\s*(?P<of>{_QUANTITY})\s*\)?\s*/\s*[∂d]\s*(?P<wrt>{_NAME})")
# ∂²L/∂z_i∂z_j, ∂^2 L/∂z_i ∂z_j, d²L/dz² (the variable twice): a second derivative, whose
# variables come back separated by a space ("z_i z_j", "z z").
_TWO = r"(?:²|\^2|\^\{2\})"
_SECOND = re.compile(rf"[∂d]\s*{_TWO}\s*(?P<of>{_NAME})\s*/\s*(?:[∂d]\s*(?P<a>{_NAME})\s*[∂d]\s*"
                     rf"(?P<b>{_NAME})|[∂d]\s*(?P<twice>[A-Za-z])\s*{_TWO})")
# ∇_z L, ∇_W L, nabla_z L, grad_z L.
_NABLA = re.compile(rf"(?:∇|nabla|grad)_\{{?(?P<wrt>[A-Za-z])\}}?\s*(?P<of>{_NAME})?")
# Code's names for a gradient: dz, dW (of the loss), dL_dz, dLdz.
_CODE = re.compile(r"d(?:(?P<of>[A-Za-z])_?d)?(?P<wrt>[A-Za-z])")
# Labels: J = …, J_ij = …, g_j = …, grad = …
_LABEL = re.compile(r"(?P<label>J|H|G|g|grad|gradient|jac|jacobian|Jac)"
                    r"(?:_\{?(?P<sub>[A-Za-z]{1,3})\}?)?")
_KINDS = "∂L/∂z_j = …, dL/dz = …, ∇_z L = …, dz = …, ∂²L/∂z_i∂z_j = …, or a label J = …"


def read_written(claim: str, latex: bool | None = None) -> LatexClaim:
    """The claim's right side in the text notation and its left side, if it has one.

    ``latex``: read as LaTeX (``None``: when it looks like LaTeX).

    Raises:
        ParseError: a left side that names no derivative (``L = …`` is a definition: give
            it to ``--of``), or more than one ``=``.
    """
    if latex or (latex is None and looks_like_latex(claim)):
        return read_latex(claim)
    bounded(claim)
    equals = _top_level_equals(claim)
    if not equals:
        return LatexClaim(claim, None, claim)
    if len(equals) > 1:
        raise ParseError(f"a second '=' at column {equals[1] + 1}; give one formula, "
                         f"optionally with its derivative on the left ({_KINDS})")
    left, right = claim[:equals[0]].strip(), claim[equals[0] + 1:]
    if not right.strip():
        raise ParseError(f"nothing after '=' at column {equals[0] + 1}")
    return LatexClaim(right.strip(), _left_side(left), claim)


def _top_level_equals(text: str) -> list[int]:
    """The columns of '=' outside brackets, not part of ==, != or ≤-like operators."""
    out, depth = [], 0
    for at, ch in enumerate(text):
        depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(ch, 0)
        if ch == "=" and depth == 0 and text[at - 1:at] not in ("=", "!", "<", ">") \
                and text[at + 1:at + 2] != "=":
            out.append(at)
    return out


def _left_side(left: str) -> tuple[str, str] | None:
    """(quantity, variable) of a left side, ``("", "_ij")`` for a label with indices, or
    None for a bare label."""
    second = _SECOND.fullmatch(left)
    if second:
        wrt = (f"{second.group('twice')} {second.group('twice')}" if second.group("twice")
               else f"{_plain(second.group('a'))} {_plain(second.group('b'))}")
        return second.group("of"), wrt
    for pattern in (_QUOTIENT, _NABLA, _CODE):
        match = pattern.fullmatch(left)
        if match:
            of = re.sub(r"^log\s*\(\s*(.+?)\s*\)$", r"log \1", match.group("of") or "L")
            return re.sub(r"\s+", " ", of), _plain(match.group("wrt"))
    label = _LABEL.fullmatch(left)
    if label:
        return ("", "_" + label.group("sub")) if label.group("sub") else None
    raise ParseError(f"cannot read the left side {left[:40]!r}: write the derivative ({_KINDS}) "
                     "or leave it out; a definition such as L = … goes to --of")


def _plain(name: str) -> str:
    """``W_{i,j}`` → ``W_ij``: the subscript as letters."""
    base, _, sub = name.partition("_")
    sub = sub.strip("{}").replace(",", "")
    return f"{base}_{sub}" if sub else base
