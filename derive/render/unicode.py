"""Unicode maths the way a person writes it, ``S_i(δ_ij − S_j)``.

:class:`TextPrinter` is a :class:`sympy.printing.str.StrPrinter` subclass: indexed
families print with subscripts (``S_i``), Kronecker deltas as ``δ_ij``, full sums as
``Σ_k``, products by juxtaposition, and the minus sign as ``−``.

>>> from derive.functions import S, i, j
>>> text(S[i] * (sp.KroneckerDelta(i, j) - S[j]))
'S_i(δ_ij − S_j)'
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp
from sympy.printing.str import StrPrinter

from ..calculus.matrices import MatrixForm, MatrixTerm, common_factor
from ..functions import sigmoid
from ..read.parse import GREEK
from .notation import (element_vectors, factor_rank, index_order, shown_columns, shown_indices,
                       signed_terms)

__all__ = ["MINUS", "TextPrinter", "text", "matrix_text", "form_text", "is_negative"]

MINUS = "\u2212"
SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


# Greek letters that a definition names by their English names (λ is "lambda" inside, so
# that SymPy's LaTeX printer writes \lambda), and the standard deviation σ_k ("sigma").
_GREEK = {"eps": "ε", "sigma": "σ", **{name: letter for letter, name in GREEK.items()}}

# What log and ∂ take without brackets.
_ATOMS = (sp.Indexed, sp.Symbol, sigmoid)


class TextPrinter(StrPrinter):
    """Print SymPy expressions as readable Unicode maths."""

    # SymPy's classes carry their own ``_sympystr``; a private method name makes every
    # class go through the ``_print_<Class>`` methods below instead.
    printmethod = "_derive_text"
    # classes: the N of a claim being shown ("read as"): a sum over 1..N is Σ_k, any
    # other range is written out (Σ_{k=2}^N), so that the text reads back to the claim.
    _default_settings = {**StrPrinter._default_settings, "classes": None}

    def _print_Indexed(self, expr):
        return f"{self._print(expr.base)}_{''.join(self._print(x) for x in expr.indices)}"

    def _print_sigmoid(self, expr):
        return f"σ({self._print(expr.args[0])})"

    def _print_Symbol(self, expr):
        base, *tails = expr.name.split("_")
        if len(tails) > 1 and all(t.isdigit() for t in tails):   # W_2_3 is W_2,3
            return f"{base}_{','.join(tails)}"
        return _GREEK.get(expr.name, expr.name)

    def _print_IndexedBase(self, expr):
        return _GREEK.get(str(expr.label), str(expr.label))

    def _print_softplus(self, expr):
        return f"softplus({self._print(expr.args[0])})"

    def _print_KroneckerDelta(self, expr):
        a, b = sorted(expr.args, key=index_order)
        return f"δ_{self._print(a)}{self._print(b)}"

    def _print_Sum(self, expr):
        body = expr.function
        inner = self._print(body)
        if isinstance(body, sp.Add):
            inner = f"({inner})"
        classes = self._settings["classes"]
        if all(low == 1 and high.is_Integer and (classes is None or high == classes)
               for _bound, low, high in expr.limits):
            if classes is None:   # derive's own results: Σ_lk
                return f"Σ_{''.join(str(limit[0]) for limit in expr.limits)} {inner}"
            return " ".join(f"Σ_{limit[0]}" for limit in reversed(expr.limits)) + f" {inner}"
        # Symbolic N, or a range other than 1..N: the ranges are part of the statement
        # (outermost sum first).
        signs = []
        for bound, low, high in reversed(expr.limits):
            top = "N" if isinstance(classes, int) and high == classes else self._print(high)
            top = top if len(top) == 1 else f"{{{top}}}"
            signs.append(f"Σ_{{{bound}={self._print(low)}}}^{top}")
        return f"{' '.join(signs)} {inner}"

    def _print_Derivative(self, expr):
        if len(expr.variables) > 1:   # ∂²L/∂z_i∂z_j, the variables in their order
            order = "²" if len(expr.variables) == 2 else str(len(expr.variables))
            below = "".join(f"∂{self._print(v)}" for v in expr.variables)
            if isinstance(expr.expr, (sp.Indexed, sp.Symbol)):
                return f"∂{order}{self._print(expr.expr)}/{below}"
            return f"∂{order}/{below} ({self._print(expr.expr)})"
        (variable, _count), = expr.variable_count
        inner = expr.expr
        if isinstance(inner, sp.log):   # ∂ log(1 − σ(z_k))/∂z_j: no doubt what is derived
            return f"∂ {self._print(inner)}/∂{self._print(variable)}"
        if isinstance(inner, (sp.Indexed, sp.Symbol)):
            return f"∂{self._print(inner)}/∂{self._print(variable)}"
        body = self._print(inner)
        if isinstance(inner, (sp.Add, sp.Mul)):
            body = f"({body})"
        return f"∂/∂{self._print(variable)} {body}"

    def _print_Exp1(self, expr):   # Euler's number as people write it (and derive reads it)
        return "e"

    def _print_log(self, expr):
        (arg,) = expr.args
        if isinstance(arg, _ATOMS):   # log S_k, log σ(z_k)
            return f"log {self._print(arg)}"
        return f"log({self._print(arg)})"

    def _print_exp(self, expr):
        return f"exp({self._print(expr.args[0])})"

    def _print_Pow(self, expr, rational=False):
        base, power = expr.as_base_exp()
        if power.is_Integer and power < 0:
            return f"1/{self._factor(base ** -power)}"
        shown = self._factor(base)
        if isinstance(base, (sp.Mul, sp.Pow)) or (base.is_Rational and not base.is_Integer) \
                or (base.is_Number and base.is_negative) \
                or (isinstance(base, sp.log) and shown.startswith("log ")):
            # (S_i S_j)^(1/2), not S_i S_j^(1/2); (log S_i)², not log S_i²
            shown = f"({self._print(base)})"
        if power.is_Integer:
            return f"{shown}{str(int(power)).translate(SUPERSCRIPTS)}"
        return f"{shown}^({self._print(power)})"

    def _print_Add(self, expr, order=None):
        terms = list(sp.Add.make_args(expr))
        # Positive terms first: δ_ij − S_j, S_j − y_j, as in the textbooks.
        terms.sort(key=lambda t: is_negative(t))
        out = ""
        for position, term in enumerate(terms):
            negative = is_negative(term)
            body = self._print(-term if negative else term)
            if position == 0:
                out = f"{MINUS}{body}" if negative else body
            else:
                out += f" {MINUS} {body}" if negative else f" + {body}"
        return out

    def _print_Mul(self, expr):
        if is_negative(expr):
            return f"{MINUS}{self._print(-expr)}"
        coeff, factors = expr.as_coeff_mul()
        numerator, denominator = [], []
        if coeff != 1:
            p, q = sp.fraction(coeff)
            if p != 1:
                numerator.append(p)
            if q != 1:
                denominator.append(q)
        for f in factors:
            base, power = f.as_base_exp()
            if power.is_Integer and power < 0:
                denominator.append(base ** -power)
            else:
                numerator.append(f)
        numerator.sort(key=factor_rank)
        if any(isinstance(f, sp.Derivative) for f in numerator):
            # (1 − y_k) ∂ log(…)/∂z_j: a bracket after "/∂z_j" would read as part of it.
            numerator.sort(key=lambda f: not isinstance(f, sp.Add))
        _number_order(numerator)
        top = self._juxtapose(numerator) if numerator else "1"
        if not denominator:
            return top
        bottom = self._juxtapose(denominator)
        if len(denominator) > 1:
            bottom = f"({bottom})"
        if isinstance(numerator[0] if len(numerator) == 1 else None, sp.Add):
            top = self._factor(numerator[0])
        return f"{top}/{bottom}"

    def _juxtapose(self, factors) -> str:
        out = ""
        for position, f in enumerate(factors):
            last = position == len(factors) - 1
            # A trailing Σ needs no brackets: nothing follows that it could swallow.
            shown = self._print(f) if last and isinstance(f, sp.Sum) else self._factor(f)
            if out and not shown.startswith("("):
                out += " "
            out += shown
        return out

    def _factor(self, expr) -> str:
        """A factor of a product, bracketed when it is a sum."""
        shown = self._print(expr)
        if isinstance(expr, (sp.Add, sp.Sum)) or (isinstance(expr, sp.Mul) and is_negative(expr)):
            return f"({shown})"
        return shown

    def _print_Integer(self, expr):
        return _scientific(expr) or str(expr.p).replace("-", MINUS)

    def _print_Rational(self, expr):
        return _scientific(expr) or super()._print_Rational(expr).replace("-", MINUS)


def _scientific(number: sp.Rational) -> str | None:
    """``1e30``, ``3e-20``: a number of more than 15 digits that is a short mantissa times
    a power of ten, as the text reader takes it (31 digits written out are not read back).

    >>> _scientific(sp.Integer(10)**30), _scientific(sp.Rational(-3, 10**20))
    ('1e30', '−3e-20')
    """
    p, q = int(number.p), int(number.q)
    if max(abs(p), q) < 10**15:
        return None
    digits, power = (p, 0) if q == 1 else (p, None)
    if q != 1:   # p / 10^k only
        k = len(str(q)) - 1
        if q != 10**k:
            return None
        digits, power = p, -k
    while digits and digits % 10 == 0:
        digits //= 10
        power += 1
    if abs(digits) >= 10**6 or not -30 <= power <= 30:
        return None
    # The exponent's sign stays ASCII: 1e−25 with a Unicode minus is refused as ambiguous.
    return f"{digits}".replace("-", MINUS) + f"e{power}"


def _entry_number(factor: sp.Expr) -> tuple[str, int] | None:
    """``S_12`` (or a power of it) ↦ ``("S", 12)``; None for anything else."""
    base = factor.as_base_exp()[0]
    if isinstance(base, sp.Symbol):
        name, _, tail = base.name.rpartition("_")
        if name and tail.isdigit():
            return (name, int(tail))
    return None


def _number_order(factors: list) -> None:
    """Put concrete entries in numeric order in place: S_2 S_11, not S_11 S_2."""
    slots = [m for m, f in enumerate(factors) if _entry_number(f) is not None]
    ordered = sorted((factors[m] for m in slots), key=_entry_number)
    for m, f in zip(slots, ordered):
        factors[m] = f


def is_negative(term: sp.Expr) -> bool:
    return term.could_extract_minus_sign()


_PRINTER = TextPrinter()


def text(expr: sp.Basic, classes=None) -> str:
    """``expr`` as Unicode maths; with ``classes`` (N), a claim as it was understood, every
    sum's range shown unless it is 1..N.

    >>> from derive.functions import S, y, j, k
    >>> text(-y[j] / S[j])
    '−y_j/S_j'
    >>> text(S[j] * sp.Sum(y[k], (k, 2, 3)) - y[j], classes=3)
    'S_j Σ_{k=2}^N y_k − y_j'
    """
    return (_PRINTER if classes is None else TextPrinter({"classes": classes})).doprint(expr)


def matrix_text(matrix: sp.MatrixBase, indent: str = "  ", width: int | None = 80,
                full: bool = False) -> str:
    """A grid with aligned columns.  Past :data:`~derive.render.notation.SHOWN` rows, the
    first and last three around a row of ``⋮``; columns likewise, and as many as fit in
    ``width`` characters (``None``: any width), around a column of ``⋯`` (``⋱`` where
    the two cross).  ``full`` shows every entry.

    >>> S1, S2 = sp.symbols("S_1 S_2")
    >>> print(matrix_text(sp.Matrix([[S1, -S1*S2], [-S1*S2, S2]])))
      [ S_1        −S_1 S_2 ]
      [ −S_1 S_2   S_2      ]
    >>> print(matrix_text(sp.Matrix(20, 20, lambda a, b: 10 * a + b), width=None))
      [ 0     1     2     ⋯   17    18    19  ]
      [ 10    11    12    ⋯   27    28    29  ]
      [ 20    21    22    ⋯   37    38    39  ]
      [ ⋮     ⋮     ⋮     ⋱   ⋮     ⋮     ⋮   ]
      [ 170   171   172   ⋯   187   188   189 ]
      [ 180   181   182   ⋯   197   198   199 ]
      [ 190   191   192   ⋯   207   208   209 ]
    """
    rows, cols = matrix.shape
    row_ids = shown_indices(rows, full)
    # Each column's width over the rows shown, then the columns that fit.
    present = [a for a in row_ids if a is not None]
    candidates = [b for b in shown_indices(cols, full) if b is not None]
    cells = {(a, b): text(matrix[a, b]) for a in present for b in candidates}
    widths = [0] * cols
    for b in candidates:
        widths[b] = max(len(cells[a, b]) for a in present)
    budget = None if width is None else width - len(indent) - len("[  ]")
    col_ids = shown_columns(widths, budget, gap=3, elided=1, full=full)
    grid = [[("⋱" if a is None else "⋯") if b is None else
             ("⋮" if a is None else cells[a, b])
             for b in col_ids] for a in row_ids]
    column_widths = [max(len(row[m]) for row in grid) for m in range(len(col_ids))]
    lines = []
    for row in grid:
        shown = "   ".join(cell.ljust(w) for cell, w in zip(row, column_widths))
        lines.append(f"{indent}[ {shown} ]")
    return "\n".join(lines)


def form_text(form: MatrixForm | None) -> str | None:
    """The matrix / vector notation: ``diag(S) − S Sᵀ``, ``S − y``, ``−y ⊘ S``.

    ``I`` is the identity, ``𝟙`` the all-ones vector, ``⊙``/``⊘`` elementwise product and
    division, ``e_c`` the one-hot vector of class c.
    """
    if form is None:
        return None
    if form.kron is not None:   # a layer's Jacobian: (diag(S) − S Sᵀ) ⊗ xᵀ
        side, element = form.kron
        inner, inputs = f"({form_text(replace(form, kron=None))})", f"{_vector(element)}ᵀ"
        return f"{inner} ⊗ {inputs}" if side == "right" else f"{inputs} ⊗ {inner}"
    factor, form = common_factor(form)
    if factor != 1:   # (diag(S) − S Sᵀ)/T
        inner = form_text(form)
        top, bottom = sp.fraction(factor)
        shown = f"({inner})" if top == 1 else f"{text(top)} ({inner})"
        return shown if bottom == 1 else f"{shown}/{_atom_text(bottom)}"
    out = ""
    terms = sorted(form.terms, key=lambda t: is_negative(sp.sympify(t.coeff)))
    for position, term in enumerate(terms):
        coeff = sp.sympify(term.coeff)
        negative = is_negative(coeff)
        magnitude = -coeff if negative else coeff
        body = _term_text(term, form)
        if magnitude != 1:
            shown = text(magnitude)
            if isinstance(magnitude, (sp.Add, sp.Sum)):
                shown = f"({shown})"
            body = f"{shown} {body}"
        if position == 0:
            out = f"{MINUS}{body}" if negative else body
        else:
            out += f" {MINUS} {body}" if negative else f" + {body}"
    return out or "0"


def _atom_text(e: sp.Expr) -> str:
    shown = text(e)
    return shown if e.is_Atom or isinstance(e, sp.Indexed) else f"({shown})"


def _vector(element) -> str:
    """``S``, ``y ⊘ S``, or ``S − y`` for an element that is a sum of terms."""
    terms = signed_terms(element)
    if len(terms) > 1:
        out = ""
        for position, (negative, magnitude) in enumerate(terms):
            sign = (MINUS if negative else "") if position == 0 else \
                (f" {MINUS} " if negative else " + ")
            out += sign + _vector(magnitude)
        return out
    scalars = [f for f in sp.Mul.make_args(sp.sympify(element)) if isinstance(f, sp.Sum)]
    if scalars:   # (Σ_k y_k) S: a scalar factor before the vector
        rest = _vector(sp.sympify(element) / sp.Mul(*scalars))
        return " ".join(f"({text(f)})" for f in scalars) + " " + rest
    numerator, denominator = element_vectors(element, text)
    top = " ⊙ ".join(numerator) if numerator else "𝟙"
    return " ⊘ ".join([top, *denominator]) if denominator else top


def _bracketed(element) -> str:
    shown = _vector(element)
    return shown if " " not in shown else f"({shown})"


def _term_text(term: MatrixTerm, form: MatrixForm) -> str:
    if term.kind == "diag":
        return "I" if term.left == 1 else f"diag({_vector(term.left)})"
    if term.kind == "outer":
        return f"{_bracketed(term.left)} {_bracketed(term.right)}ᵀ"
    if term.kind == "onehot":
        return f"e_{form.label}"
    if term.kind == "matvec":
        vector = _bracketed(term.left)
        if term.transpose:   # Wᵀ(S − y), Aᵀ x
            return f"{term.right}ᵀ" + ("" if vector.startswith("(") else " ") + vector
        return f"{term.right} {vector}"
    if term.kind == "matrix":
        return _vector(term.left)
    return _vector(term.left)
