"""Terminal text: Unicode maths the way a person writes it, ``S_i(δ_ij − S_j)``.

:class:`TextPrinter` is a :class:`sympy.printing.str.StrPrinter` subclass: indexed
families print with subscripts (``S_i``), Kronecker deltas as ``δ_ij``, full sums as
``Σ_k``, products by juxtaposition, and the minus sign as ``−``.

>>> from derive.functions import S, i, j
>>> text(S[i] * (sp.KroneckerDelta(i, j) - S[j]))
'S_i(δ_ij − S_j)'
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.str import StrPrinter

from ..matrices import MatrixForm, MatrixTerm
from ..steps import STEP_POINTS

__all__ = ["TextPrinter", "text", "matrix_text", "form_text", "index_order", "element_vectors",
           "factor_rank", "derivation_text", "catalog_text", "check_text"]

MINUS = "\u2212"
SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
# Matrices larger than this are shown with their first and last rows and columns only.
SHOWN = 6


def index_order(symbol: sp.Basic) -> tuple[bool, str]:
    """Sort key for the indices of a delta: ``i < j < k …``, the class label ``c`` last."""
    name = str(symbol)
    return (name == "c", name)


def element_vectors(element: sp.Expr) -> tuple[list[str], list[str]]:
    """The vectors of an element expression: ``y_i/S_i`` ↦ ``(["y"], ["S"])``.

    ``1`` gives ``([], [])``, the all-ones vector.  Used by every renderer of a
    :class:`~derive.matrices.MatrixForm`.
    """
    numerator, denominator = [], []
    for factor in sp.Mul.make_args(sp.sympify(element)):
        base, power = factor.as_base_exp()
        if isinstance(base, sp.Indexed) and power.is_Integer:
            target = numerator if power > 0 else denominator
            target.extend([str(base.base)] * abs(int(power)))
        elif factor != 1:
            raise ValueError(f"no vector notation for the element {factor}")
    return numerator, denominator


class TextPrinter(StrPrinter):
    """Print SymPy expressions as readable Unicode maths."""

    # SymPy's classes carry their own ``_sympystr``; a private method name makes every
    # class go through the ``_print_<Class>`` methods below instead.
    printmethod = "_derive_text"

    def _print_Indexed(self, expr):
        return f"{self._print(expr.base)}_{''.join(self._print(x) for x in expr.indices)}"

    def _print_IndexedBase(self, expr):
        return str(expr.label)

    def _print_KroneckerDelta(self, expr):
        a, b = sorted(expr.args, key=index_order)
        return f"δ_{self._print(a)}{self._print(b)}"

    def _print_Sum(self, expr):
        body = expr.function
        indices = "".join(str(limit[0]) for limit in expr.limits)
        inner = self._print(body)
        if isinstance(body, sp.Add):
            inner = f"({inner})"
        return f"Σ_{indices} {inner}"

    def _print_Derivative(self, expr):
        (variable, _count), = expr.variable_count
        inner = expr.expr
        if isinstance(inner, sp.log) and isinstance(inner.args[0], (sp.Indexed, sp.Symbol)):
            return f"∂ {self._print(inner)}/∂{self._print(variable)}"
        if isinstance(inner, (sp.Indexed, sp.Symbol)):
            return f"∂{self._print(inner)}/∂{self._print(variable)}"
        body = self._print(inner)
        if isinstance(inner, (sp.Add, sp.Mul)):
            body = f"({body})"
        return f"∂/∂{self._print(variable)} {body}"

    def _print_log(self, expr):
        (arg,) = expr.args
        if isinstance(arg, (sp.Indexed, sp.Symbol)):
            return f"log {self._print(arg)}"
        return f"log({self._print(arg)})"

    def _print_exp(self, expr):
        return f"exp({self._print(expr.args[0])})"

    def _print_Pow(self, expr, rational=False):
        base, power = expr.as_base_exp()
        if power.is_Integer and power < 0:
            return f"1/{self._factor(base ** -power)}"
        shown = self._factor(base)
        if power.is_Integer:
            return f"{shown}{str(int(power)).translate(SUPERSCRIPTS)}"
        return f"{shown}^({self._print(power)})"

    def _print_Add(self, expr, order=None):
        terms = list(sp.Add.make_args(expr))
        # Positive terms first: δ_ij − S_j, S_j − y_j, as in the textbooks.
        terms.sort(key=lambda t: _is_negative(t))
        out = ""
        for position, term in enumerate(terms):
            negative = _is_negative(term)
            body = self._print(-term if negative else term)
            if position == 0:
                out = f"{MINUS}{body}" if negative else body
            else:
                out += f" {MINUS} {body}" if negative else f" + {body}"
        return out

    def _print_Mul(self, expr):
        if _is_negative(expr):
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
        if isinstance(expr, (sp.Add, sp.Sum)) or (isinstance(expr, sp.Mul) and _is_negative(expr)):
            return f"({shown})"
        return shown

    def _print_Integer(self, expr):
        return str(expr.p).replace("-", MINUS)


def factor_rank(factor: sp.Expr) -> int:
    """Plain factors, then derivatives, sums and brackets: S_i(δ_ij − S_j), S_j Σ_k y_k."""
    if isinstance(factor, sp.Add):
        return 3
    if isinstance(factor, sp.Sum):
        return 2
    return int(isinstance(factor, sp.Derivative))


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


def _is_negative(term: sp.Expr) -> bool:
    return term.could_extract_minus_sign()


_PRINTER = TextPrinter()


def text(expr: sp.Basic) -> str:
    """``expr`` as Unicode maths.

    >>> from derive.functions import S, y, j
    >>> text(-y[j] / S[j])
    '−y_j/S_j'
    """
    return _PRINTER.doprint(expr)


def matrix_text(matrix: sp.MatrixBase, indent: str = "  ") -> str:
    """A grid with aligned columns; large matrices show their corners around ``⋯``.

    >>> S1, S2 = sp.symbols("S_1 S_2")
    >>> print(matrix_text(sp.Matrix([[S1, -S1*S2], [-S1*S2, S2]])))
      [ S_1        −S_1 S_2 ]
      [ −S_1 S_2   S_2      ]
    """
    rows, cols = matrix.shape
    row_ids = _shown(rows)
    col_ids = _shown(cols)
    grid = [[("⋯" if b is None else ("⋮" if a is None else text(matrix[a, b])))
             for b in col_ids] for a in row_ids]
    widths = [max(len(row[m]) for row in grid) for m in range(len(col_ids))]
    lines = []
    for row in grid:
        cells = "   ".join(cell.ljust(w) for cell, w in zip(row, widths))
        lines.append(f"{indent}[ {cells} ]")
    return "\n".join(lines)


def _shown(size: int) -> list[int | None]:
    if size <= SHOWN:
        return list(range(size))
    return [0, 1, None, size - 1]


def form_text(form: MatrixForm | None) -> str | None:
    """The matrix / vector notation: ``diag(S) − S Sᵀ``, ``S − y``, ``−y ⊘ S``.

    ``I`` is the identity, ``𝟙`` the all-ones vector, ``⊙``/``⊘`` elementwise product and
    division, ``e_c`` the one-hot vector of class c.
    """
    if form is None:
        return None
    out = ""
    terms = sorted(form.terms, key=lambda t: _is_negative(sp.sympify(t.coeff)))
    for position, term in enumerate(terms):
        coeff = sp.sympify(term.coeff)
        negative = _is_negative(coeff)
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


def _vector(element) -> str:
    numerator, denominator = element_vectors(element)
    top = " ⊙ ".join(numerator) if numerator else "𝟙"
    return " ⊘ ".join([top, *denominator]) if denominator else top


def _term_text(term: MatrixTerm, form: MatrixForm) -> str:
    if term.kind == "diag":
        return "I" if term.left == 1 else f"diag({_vector(term.left)})"
    if term.kind == "outer":
        right = _vector(term.right)
        return f"{_vector(term.left)} {right if len(right) == 1 else f'({right})'}ᵀ"
    if term.kind == "onehot":
        return f"e_{form.label}"
    return _vector(term.left)


def check_text(report, width: int = 80) -> str:
    """The numeric cross-check: verdict, errors, points (and the worst entry on failure)."""
    verdict = "passed" if report.passed else "FAILED"
    chunks = [f"numeric check {verdict}:", f"max rel error {report.max_rel_error:.1e},",
              f"max abs error {report.max_abs_error:.1e}",
              f"(entries up to {report.max_magnitude:.1e}),",
              f"{len(report.comparisons)} comparisons at {report.points} points",
              f"({report.extreme_points} with extreme logits),", f"seed {report.seed}"]
    lines = _fill(chunks, width, "", "  ")
    for cmp in report.comparisons:
        if not cmp.passed:
            w = cmp.worst
            lines.append(f"  {cmp.name}: entry {w['entry']}: analytic {w['analytic']:.6g}, "
                         f"numeric {w['numeric']:.6g} at {w['point']}")
    return "\n".join(lines)


def case_text(case) -> str:
    p, q, equal = case
    return f"{p} {'=' if equal else '≠'} {q}"


def steps_text(d, width: int = 80) -> list[str]:
    """Numbered steps, each with its reason, facts and assumptions under the equation."""
    # The left side on a line of its own keeps the right sides within 80 columns.
    lines, partial = [f"    {text(d.lhs)}"], False
    for number, step in enumerate(d.steps, start=1):
        lines.append(f"{number:>2}.  = {text(step.rhs)}")
        reason = f"{step.reason} {case_text(step.case)}" if step.case else step.reason
        chunks = [reason + (":" if step.facts else "")]
        chunks += [f"{text(a)} = {text(b)}" + (";" if m < len(step.facts) - 1 else "")
                   for m, (a, b) in enumerate(step.facts)]
        if step.assumes:
            chunks.append("[assumes " + "; ".join(a.text.split(" (")[0] for a in step.assumes)
                          + "]")
        mark = "✓"
        if step.check is not None and not step.check.complete:
            mark, partial = "✓*", True
        lines += _fill(chunks, width, f"      {mark}", " " * 8)
    lines += _fill(["✓ checked: each step equals the mechanical derivative", "on every entry",
                    "(exact zero test)", f"and at {STEP_POINTS} random points (numerically)"],
                   width, "  ", "    ")
    if partial:
        lines += _fill(["✓* exact on the entries with indices in {1, 2, N−1, N} only (N > 8);",
                        "the result itself is checked on every entry"], width, "  ", "     ")
    return lines


def _fill(chunks: list[str], width: int, first: str, rest: str) -> list[str]:
    """Wrap at chunk boundaries only, so that no formula is broken across lines."""
    lines, current = [], first
    for chunk in chunks:
        if current.strip() and len(current) + 1 + len(chunk) > width:
            lines.append(current)
            current = rest + chunk
        else:
            current += ("" if not current.strip() else " ") + chunk
    lines.append(current)
    return lines


def derivation_text(d, evaluation=None, steps: bool = True) -> str:
    """The whole ``derive show`` report for a :class:`~derive.derivation.Derivation`."""
    lhs = text(d.lhs)
    lines = [f"{d.target.title}, N = {d.classes} classes", d.target.summary, ""]
    if steps and d.steps:
        lines += [*steps_text(d), "", "result:"]
    lines.append(f"  {lhs} = {text(d.result)}")
    for assumption in d.assumptions:
        lines.append(f"    assuming {assumption.text}")
    if d.assumptions:
        lines.append(f"  in general: {lhs} = {text(d.general)}")
    form = form_text(d.form)
    if form:
        lines += ["", f"  {'matrix' if d.form.is_matrix else 'vector'} form: {form}"
                  + (f"    (in general: {form_text(d.general_form)})" if d.assumptions else "")]
    lines += ["", f"  for N = {d.classes} ({d.target.layout}):", matrix_text(d.matrix)]
    if evaluation is not None:
        lines += ["", *_evaluation_lines(d, evaluation)]
    if d.check is not None:
        lines += ["", check_text(d.check)]
    return "\n".join(lines)


def _numbers(values) -> str:
    return "[" + ", ".join(f"{v:.6g}" for v in values) + "]"


def _evaluation_lines(d, e) -> list[str]:
    given = "; ".join(f"{k}={_numbers(v) if hasattr(v, '__len__') else v}"
                      for k, v in e.point.items() if k != "S" or "z" not in e.point)
    lines = [f"  at {given}:"]
    if "z" in e.point:
        lines.append(f"    S = softmax(z) = {_numbers(e.point['S'])}")
    lines += [f"    note: {note}" for note in e.notes]
    if e.value.ndim == 2:
        lines.append(f"    {text(d.lhs)} =")
        lines += [f"      {_numbers(row)}" for row in e.value]
    else:
        lines.append(f"    {text(d.lhs)} = {_numbers(e.value)}")
    verdict = "agree" if e.agrees else "DISAGREE"
    lines.append(f"    finite differences {verdict} (max abs error {e.max_abs_error:.1e})")
    return lines


def catalog_text(derivations) -> str:
    """``derive list``: one line per target with its derived textbook result."""
    width = max(len(d.target.name) for d in derivations)
    lines = []
    for d in derivations:
        line = f"{d.target.name.ljust(width)}  {text(d.lhs)} = {text(d.result)}"
        if d.assumptions:
            line += "   (" + "; ".join(a.text.split(" (")[0] for a in d.assumptions) + ")"
        lines.append(line)
    return "\n".join(lines)
