"""LaTeX the way a person writes it: ``S_i \\left(\\delta_{ij} - S_j\\right)``.

:class:`DerivePrinter` subclasses SymPy's :class:`~sympy.printing.latex.LatexPrinter`:
indexed families and concrete entries print as ``S_i`` and ``z_1`` (not ``z_{1}``),
Kronecker deltas as ``\\delta_{ij}``, derivatives as ``\\frac{\\partial S_i}{\\partial z_j}``,
full sums as ``\\sum_{k}``, and positive terms come first.

>>> from derive.functions import S, i, j
>>> latex(S[i] * (sp.KroneckerDelta(i, j) - S[j]))
'S_i \\\\left(\\\\delta_{ij} - S_j\\\\right)'
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from ..matrices import MatrixForm, MatrixTerm
from .text import element_vectors, index_order

__all__ = ["DerivePrinter", "latex", "form_latex"]


def _subscript(name: str) -> str:
    base, _, tail = name.rpartition("_")
    if not base:
        return name
    return f"{base}_{tail}" if len(tail) == 1 else f"{base}_{{{tail}}}"


class DerivePrinter(LatexPrinter):
    """LaTeX for derivations; see the module docstring."""

    # Bypass the classes' own ``_latex`` methods so that the overrides below apply.
    printmethod = "_derive_latex"

    def __init__(self, settings=None):
        super().__init__({"mat_str": "pmatrix", "mat_delim": "", **(settings or {})})

    def _print_Symbol(self, expr, style="plain"):
        return _subscript(expr.name)

    def _print_Indexed(self, expr):
        indices = "".join(self._print(x) for x in expr.indices)
        return f"{self._print(expr.base)}_{indices if len(indices) == 1 else f'{{{indices}}}'}"

    def _print_IndexedBase(self, expr):
        return str(expr.label)

    def _print_KroneckerDelta(self, expr, exp=None):
        a, b = sorted(expr.args, key=index_order)
        return rf"\delta_{{{self._print(a)}{self._print(b)}}}"

    def _print_Sum(self, expr):
        indices = "".join(str(limit[0]) for limit in expr.limits)
        body = self._print(expr.function)
        if isinstance(expr.function, sp.Add):
            body = rf"\left({body}\right)"
        return rf"\sum_{{{indices}}} {body}"

    def _print_Derivative(self, expr):
        (variable, _count), = expr.variable_count
        return rf"\frac{{\partial {self._print(expr.expr)}}}{{\partial {self._print(variable)}}}"

    def _print_log(self, expr, exp=None):
        (arg,) = expr.args
        if isinstance(arg, (sp.Indexed, sp.Symbol)):
            return rf"\log {self._print(arg)}"
        return rf"\log\left({self._print(arg)}\right)"

    def _print_Mul(self, expr):
        if expr.could_extract_minus_sign():
            return f"- {self._print(-expr)}"
        numerator, denominator = sp.fraction(expr)
        if denominator != 1:
            return super()._print_Mul(expr)
        # Plain factors, then sums, then brackets: S_i (δ_ij − S_j), as people write it.
        factors = sorted(sp.Mul.make_args(numerator), key=lambda f: (
            2 if isinstance(f, sp.Add) else int(isinstance(f, sp.Sum))))
        shown = []
        for position, f in enumerate(factors):
            if isinstance(f, sp.Add):
                shown.append(rf"\left({self._print(f)}\right)")
            elif isinstance(f, sp.Sum) and position == len(factors) - 1:
                shown.append(self._print(f))  # a trailing sum swallows nothing
            else:
                shown.append(self.parenthesize(f, PRECEDENCE["Mul"]))
        return " ".join(shown)

    def _print_Add(self, expr, order=None):
        terms = sorted(sp.Add.make_args(expr), key=lambda t: t.could_extract_minus_sign())
        out = ""
        for position, term in enumerate(terms):
            negative = term.could_extract_minus_sign()
            body = self._print(-term if negative else term)
            if position == 0:
                out = f"- {body}" if negative else body
            else:
                out += f" - {body}" if negative else f" + {body}"
        return out


_PRINTER = DerivePrinter()


def latex(expr: sp.Basic) -> str:
    """``expr`` as a LaTeX maths fragment.

    >>> from derive.functions import S, y, j
    >>> latex(-y[j] / S[j])
    '- \\\\frac{y_j}{S_j}'
    """
    return _PRINTER.doprint(expr)


def _vector(element) -> str:
    numerator, denominator = element_vectors(element)
    top = r" \odot ".join(numerator) if numerator else r"\mathbf{1}"
    return r" \oslash ".join([top, *denominator]) if denominator else top


def _term_latex(term: MatrixTerm, form: MatrixForm) -> str:
    if term.kind == "diag":
        return "I" if term.left == 1 else rf"\operatorname{{diag}}({_vector(term.left)})"
    if term.kind == "outer":
        right = _vector(term.right)
        right = right if " " not in right else rf"\left({right}\right)"
        return rf"{_vector(term.left)} {right}^{{\top}}"
    if term.kind == "onehot":
        return f"e_{form.label}"
    return _vector(term.left)


def form_latex(form: MatrixForm | None) -> str | None:
    r"""The matrix / vector notation in LaTeX: ``\operatorname{diag}(S) - S S^{\top}``."""
    if form is None:
        return None
    out = ""
    terms = sorted(form.terms, key=lambda t: sp.sympify(t.coeff).could_extract_minus_sign())
    for position, term in enumerate(terms):
        coeff = sp.sympify(term.coeff)
        negative = coeff.could_extract_minus_sign()
        magnitude = -coeff if negative else coeff
        body = _term_latex(term, form)
        if magnitude != 1:
            shown = latex(magnitude)
            if isinstance(magnitude, (sp.Add, sp.Sum)):
                shown = rf"\left({shown}\right)"
            body = f"{shown} {body}"
        if position == 0:
            out = f"- {body}" if negative else body
        else:
            out += f" - {body}" if negative else f" + {body}"
    return out or "0"
