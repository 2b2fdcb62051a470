"""What a formula needs in order to have a value, as written: its divisors, logarithms and
roots.

SymPy evaluates while it builds: ``(1 − Σ_k S_k)/(1 − Σ_k S_k)`` is ``1``, ``x − x`` is
``0`` and ``log a − log a`` is ``0`` before any check can see the divisor or the
logarithm.  So the readers (:mod:`derive.read.claims`) record a condition for every division,
logarithm and root they build, on the operand as written, and carry it through the same
renaming of indices as the claim itself; :mod:`derive.check.definedness` then decides it.

A condition is a SymPy object, so that renaming and substitution treat it exactly like
the claim: :class:`Nonzero` (a divisor), :class:`Positive` (the argument of a logarithm)
or :class:`Nonnegative` (the argument of a square root), wrapped in a ``Sum`` for every
sum that binds an index it contains — the ``Sum`` here is only a binder ("for every k in
1..N"), never added up.

>>> from derive.functions import S, y, j, k
>>> written = nonzero(1 - sp.Sum(S[k], (k, 1, 3)))
>>> unpack(written)
('nonzero', 1 - Sum(S[k], (k, 1, 3)), ())
>>> unpack(bind((positive(S[k] - y[j]),), k, 1, 3)[0])
('positive', S[k] - y[j], ((k, 1, 3),))
>>> written_form(S[k] - sp.Sum(y[k], (k, 1, 3)), classes=3)
'S_k − Σ_k y_k'
>>> written_form(sp.Sum(y[k], (k, 1, 2))**2, classes=3)
'(Σ_{k=1}^{2} y_k)^2'
>>> statement(bind((nonzero(S[j] - S[k]),), k, 1, 3)[0])
'S_j − S_k ≠ 0 for every k'
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.str import StrPrinter

__all__ = ["Nonzero", "Positive", "Nonnegative", "PowerBase", "Entry", "nonzero", "positive",
           "nonnegative", "power_base", "entry",
           "bind", "unpack", "conditions_of", "hidden", "statement", "written_form", "KINDS"]


class Nonzero(sp.Function):
    """A divisor as written: must not be 0."""
    nargs = 1


class Positive(sp.Function):
    """The argument of a logarithm (or of a power with a negative fractional exponent):
    must be > 0."""
    nargs = 1


class Nonnegative(sp.Function):
    """The argument of a square root (a fractional power): must be ≥ 0."""
    nargs = 1


class PowerBase(sp.Function):
    """The base of a fractional power other than the square root (``x^(1/3)``,
    ``x^(−1/2)``), with its exponent: ≥ 0 for a positive exponent, > 0 for a negative one."""
    nargs = 2


class Entry(sp.Function):
    """An entry written with a number (``S_7``): it must exist, at the N asked about, even
    where SymPy cancelled it (``S_7 − S_7``)."""
    nargs = 1


KINDS = {Nonzero: "nonzero", Positive: "positive", Nonnegative: "nonnegative", Entry: "entry",
         PowerBase: "power"}


def nonzero(expr: sp.Expr) -> sp.Basic | None:
    """The condition on a divisor; ``None`` for a number that is not 0 (nothing to ask)."""
    return None if expr.is_Number and expr != 0 else Nonzero(expr)


def positive(expr: sp.Expr) -> sp.Basic | None:
    """The condition on a logarithm's argument; ``None`` for a positive number."""
    return None if expr.is_Number and expr > 0 else Positive(expr)


def nonnegative(expr: sp.Expr) -> sp.Basic | None:
    """The condition on a root's argument; ``None`` for a number ≥ 0."""
    return None if expr.is_Number and expr >= 0 else Nonnegative(expr)


def power_base(base: sp.Expr, exponent: sp.Rational) -> sp.Basic | None:
    """The condition on the base of a fractional power: the square root's own condition
    for ``^(1/2)``; ``None`` for a positive number."""
    if exponent == sp.Rational(1, 2):
        return nonnegative(base)
    return None if base.is_Number and base > 0 else PowerBase(base, exponent)


def entry(indexed: sp.Expr) -> sp.Basic | None:
    """The condition that a written entry exists; ``None`` for one indexed by letters
    only (which runs within its range by construction)."""
    numbered = isinstance(indexed, sp.Indexed) and any(a.is_Integer for a in indexed.indices)
    return Entry(indexed) if numbered else None


def bind(conditions: tuple, index: sp.Symbol, low: sp.Expr, high: sp.Expr) -> tuple:
    """The conditions of a sum's body, for every value of the index it binds."""
    return tuple(sp.Sum(c, (index, low, high)) if index in c.free_symbols else c
                 for c in conditions)


def unpack(condition: sp.Basic) -> tuple[str, sp.Expr, tuple]:
    """``(kind, expression, binders)``; binders ``((k, low, high), …)``, outermost first.
    The kind of a power's base says its exponent's sign: ``"power+"`` (≥ 0 needed) or
    ``"power-"`` (> 0 needed)."""
    binders = []
    while isinstance(condition, sp.Sum):
        binders.extend(tuple(limit) for limit in condition.limits)
        condition = condition.function
    kind = KINDS[type(condition)]
    if kind == "power":
        kind = "power+" if condition.args[1] > 0 else "power-"
    return kind, condition.args[0], tuple(binders)


def conditions_of(expr: sp.Basic) -> tuple:
    """The conditions of an expression given as a SymPy tree (a SymPy claim): every
    negative power's base, every logarithm's argument, every fractional power's base.
    What the user's own SymPy already cancelled is gone before it gets here."""
    found: list = []

    def walk(node) -> None:
        if isinstance(node, sp.Sum):
            inner = conditions_of(node.function)
            for index, low, high in reversed(node.limits):
                inner = bind(inner, index, low, high)
            found.extend(inner)
            return
        if node.is_Pow and node.exp.is_Number:
            if node.exp.is_Integer and node.exp < 0:
                found.append(nonzero(node.base))
            elif not node.exp.is_Integer:
                found.append(power_base(node.base, node.exp))
        elif isinstance(node, sp.log):
            found.append(positive(node.args[0]))
        elif isinstance(node, sp.Indexed):
            found.append(entry(node))
        for arg in node.args:
            walk(arg)

    walk(expr)
    return tuple(c for c in dict.fromkeys(found) if c is not None)


def hidden(conditions, expr: sp.Expr) -> tuple:
    """The conditions that the built expression no longer shows: what SymPy cancelled
    (``y_j/y_j`` is 1, but was written with the divisor ``y_j``)."""
    shown = set(conditions_of(expr))

    def visible(condition) -> bool:
        if condition in shown or unpack(condition)[0] == "entry":
            return True
        if isinstance(condition, Nonzero):   # 1/(a b) shows as a⁻¹ b⁻¹: each factor
            factors = [f.base if f.is_Pow else f for f in sp.Mul.make_args(condition.args[0])
                       if not f.is_Number]
            return len(factors) > 1 and all(nonzero(f) in shown for f in factors)
        return False

    return tuple(c for c in conditions if not visible(c))


_RELATIONS = {"nonzero": "≠ 0", "positive": "> 0", "nonnegative": "≥ 0", "power+": "≥ 0",
              "power-": "> 0"}


def statement(condition: sp.Basic) -> str:
    """A condition in words: ``y_j > 0``, ``S_j − S_k ≠ 0 for every k``."""
    kind, expr, binders = unpack(condition)
    every = "".join(f" for every {written_form(index)}" + (
        "" if low == 1 else f" from {written_form(low)} to {written_form(high)}")
        for index, low, high in binders)
    return f"{written_form(expr)} {_RELATIONS[kind]}{every}"


class _Written(StrPrinter):
    """A condition's operand in the notation people type: ``S_j − Σ_k y_k``; a sum over
    another range than 1..N shows it (``Σ_{k=1}^{N−1}``), and a sum inside a product or
    under a power is bracketed (``(Σ_k y_k)^2``), so that the text reads back as meant."""

    printmethod = "_derive_written"   # not SymPy's own _sympystr: S_j, not S[j]

    def __init__(self, classes=None):
        super().__init__()
        self.classes = classes

    def parenthesize(self, item, level, strict=False):
        if isinstance(item, sp.Sum) and level > 0:   # a factor or a base, not an argument
            return f"({self._print(item)})"
        return super().parenthesize(item, level, strict)

    def _print_Mul(self, expr):
        coefficient, rest = expr.as_coeff_Mul()
        if coefficient == -1 and isinstance(rest, sp.Sum):   # 1 − Σ_k S_k: no brackets
            return "-" + self._print(rest)
        return super()._print_Mul(expr)

    def _print_Indexed(self, expr):
        indices = [self._print(a) for a in expr.indices]
        joined = "".join(indices) if all(len(a) == 1 for a in indices) else ",".join(indices)
        return f"{expr.base.label}_{joined}"

    def _print_KroneckerDelta(self, expr):
        return "δ_" + "".join(self._print(a) for a in expr.args)

    def _print_Sum(self, expr):
        body = self._print(expr.function)
        if expr.function.is_Add:
            body = f"({body})"
        for index, low, high in reversed(expr.limits):
            whole = low == 1 and (high == self.classes if self.classes is not None
                                  else getattr(high, "name", "") == "N")
            limits = "" if whole else (f"{{{self._print(index)}={self._print(low)}}}"
                                       f"^{{{self._print(high).replace(' ', '')}}}")
            body = f"Σ_{limits or self._print(index)} {body}"
        return body


def written_form(expr: sp.Expr, limit: int = 80, classes=None) -> str:
    """``expr`` as a person writes it, for a message; long forms are cut with ``…``.  With
    ``classes`` (N, a symbol or a number) a sum over 1..N is written ``Σ_k``."""
    text = _Written(classes).doprint(expr).replace("**", "^").replace("-", "−")
    return text if len(text) <= limit else text[:limit - 1] + "…"
