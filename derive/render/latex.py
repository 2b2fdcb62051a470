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

import re
from dataclasses import replace

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from ..calculus.matrices import MatrixForm, MatrixTerm, common_factor
from ..calculus.matrices import layout
from ..functions import sigmoid
from ..read.parse import GREEK
from .notation import (conventions, counted, element_vectors, factor_rank, grouped_conditions,
                       definition_notes,
                       index_order, product_sentences, shown_columns, shown_indices, signed_terms,
                       symmetry_sentence)

__all__ = ["DerivePrinter", "latex", "form_latex", "escape", "case_latex", "steps_latex", "facts_latex",
           "matrix_latex", "number_latex", "result_latex", "derivation_latex", "document_latex",
           "conditions_latex"]


# Greek names of constants and families (λ, μ, σ of a definition), as LaTeX commands.
_GREEK_NAMES = frozenset(GREEK.values()) | {"sigma"}


def _subscript(name: str) -> str:
    if name == "eps":   # the label smoothing ε
        return r"\varepsilon"
    base, *tails = name.split("_")
    if base in _GREEK_NAMES:
        base = "\\" + base
    if not base or not tails:
        return base
    if len(tails) > 1 and all(t.isdigit() for t in tails):   # W_2_3: W_{2,3}
        return f"{base}_{{{','.join(tails)}}}"
    tail = "_".join(tails)
    return f"{base}_{tail}" if len(tail) == 1 else f"{base}_{{{tail}}}"


class DerivePrinter(LatexPrinter):
    """LaTeX for derivations; see the module docstring."""

    # Bypass the classes' own ``_latex`` methods so that the overrides below apply.
    printmethod = "_derive_latex"
    # classes: the N of a claim being shown; any sum's range other than 1..N is written out.
    _default_settings = {**LatexPrinter._default_settings, "classes": None}

    def __init__(self, settings=None):
        super().__init__({"mat_str": "pmatrix", "mat_delim": "", **(settings or {})})

    def _print_Symbol(self, expr, style="plain"):
        return _subscript(expr.name)

    def _print_Indexed(self, expr):
        indices = "".join(self._print(x) for x in expr.indices)
        return f"{self._print(expr.base)}_{indices if len(indices) == 1 else f'{{{indices}}}'}"

    def _print_sigmoid(self, expr, exp=None):
        shown = rf"\sigma({self._print(expr.args[0])})"
        return shown if exp is None else rf"{shown}^{{{exp}}}"

    def _print_IndexedBase(self, expr):
        return _subscript(str(expr.label))

    def _print_KroneckerDelta(self, expr, exp=None):
        a, b = sorted(expr.args, key=index_order)
        return rf"\delta_{{{self._print(a)}{self._print(b)}}}"

    def _print_Sum(self, expr):
        indices = "".join(str(limit[0]) for limit in expr.limits)
        body = self._print(expr.function)
        if isinstance(expr.function, sp.Add):
            body = rf"\left({body}\right)"
        classes = self._settings["classes"]
        if all(low == 1 and high.is_Integer and (classes is None or high == classes)
               for _bound, low, high in expr.limits):
            if classes is None:
                return rf"\sum_{{{indices}}} {body}"
            return " ".join(rf"\sum_{{{limit[0]}}}" for limit in reversed(expr.limits)) + \
                f" {body}"
        # Symbolic N, or a range other than 1..N: the ranges are part of the statement
        # (outermost sum first).
        signs = [rf"\sum_{{{bound}={self._print(low)}}}^{{"
                 rf"{'N' if isinstance(classes, int) and high == classes else self._print(high)}}}"
                 for bound, low, high in reversed(expr.limits)]
        return f"{' '.join(signs)} {body}"

    def _print_Derivative(self, expr):
        if len(expr.variables) > 1:   # \frac{\partial^{2} L}{\partial z_{i} \partial z_{j}}
            below = " ".join(rf"\partial {self._print(v)}" for v in expr.variables)
            order = len(expr.variables)
            if isinstance(expr.expr, (sp.Indexed, sp.Symbol)):
                return rf"\frac{{\partial^{{{order}}} {self._print(expr.expr)}}}{{{below}}}"
            return rf"\frac{{\partial^{{{order}}}}}{{{below}}} \left({self._print(expr.expr)}\right)"
        (variable, _count), = expr.variable_count
        inner, wrt = expr.expr, self._print(variable)
        atomic = isinstance(inner, (sp.Indexed, sp.Symbol, sigmoid)) or (
            isinstance(inner, sp.log)
            and isinstance(inner.args[0], (sp.Indexed, sp.Symbol, sigmoid)))
        if atomic:
            return rf"\frac{{\partial {self._print(inner)}}}{{\partial {wrt}}}"
        body = self._print(inner)
        if isinstance(inner, sp.Add) or inner.could_extract_minus_sign():
            body = rf"\left({body}\right)"
        return rf"\frac{{\partial}}{{\partial {wrt}}} {body}"

    def _print_log(self, expr, exp=None):
        (arg,) = expr.args
        if isinstance(arg, (sp.Indexed, sp.Symbol, sigmoid)):
            body = rf"\log {self._print(arg)}"
        else:
            body = rf"\log\left({self._print(arg)}\right)"
        # SymPy passes the exponent of log(…)ⁿ here: \left(\log S_i\right)^{2}, never lost.
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"

    def _print_exp(self, expr, exp=None):
        # e^{z_i/T}, not e^{\frac{z_i}{T}}: a fraction in an exponent is written inline.
        top, bottom = sp.fraction(expr.args[0])
        if bottom == 1 or not isinstance(bottom, (sp.Symbol, sp.Indexed)):
            return self._print_ExpBase(expr, exp)
        numerator = self._print(top)
        if isinstance(top, sp.Add):   # e^{(1 + S_i)/S_i}, not e^{1 + S_i/S_i}
            numerator = rf"\left({numerator}\right)"
        shown = rf"e^{{{numerator}/{self._print(bottom)}}}"
        return shown if exp is None else rf"\left({shown}\right)^{{{exp}}}"

    def _print_Mul(self, expr):
        if expr.could_extract_minus_sign():
            return f"- {self._print(-expr)}"
        numerator, denominator = sp.fraction(expr)
        if denominator != 1 and not numerator.has(sp.Sum, sp.Derivative):
            # \frac{S_i (δ_ij − S_j)}{T}: the numerator in the same order as a product.
            return rf"\frac{{{self._print(numerator)}}}{{{self._print(denominator)}}}"
        if denominator != 1:
            return super()._print_Mul(expr)
        # Plain factors, then sums, then brackets: S_i (δ_ij − S_j), as people write it.
        factors = sorted(sp.Mul.make_args(numerator), key=factor_rank)
        shown = []
        for position, f in enumerate(factors):
            if isinstance(f, sp.Add):
                shown.append(rf"\left({self._print(f)}\right)")
            elif isinstance(f, (sp.Sum, sp.Derivative)) and position == len(factors) - 1:
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


def latex(expr: sp.Basic, classes=None) -> str:
    """``expr`` as a LaTeX maths fragment; with ``classes`` (N), a claim as it was
    understood, every sum's range shown unless it is 1..N.

    >>> from derive.functions import S, y, j, k
    >>> latex(-y[j] / S[j])
    '- \\\\frac{y_j}{S_j}'
    >>> latex(sp.Sum(y[k], (k, 2, 3)), classes=3)
    '\\\\sum_{k=2}^{N} y_k'
    """
    return (_PRINTER if classes is None else DerivePrinter({"classes": classes})).doprint(expr)


def _vector(element) -> str:
    terms = signed_terms(element)
    if len(terms) > 1:   # S - y
        out = ""
        for position, (negative, magnitude) in enumerate(terms):
            sign = ("- " if negative else "") if position == 0 else (" - " if negative else " + ")
            out += sign + _vector(magnitude)
        return out
    scalars = [f for f in sp.Mul.make_args(sp.sympify(element)) if isinstance(f, sp.Sum)]
    if scalars:   # \left(\sum_k y_k\right) S: a scalar factor before the vector
        rest = _vector(sp.sympify(element) / sp.Mul(*scalars))
        return " ".join(rf"\left({latex(f)}\right)" for f in scalars) + " " + rest
    numerator, denominator = element_vectors(element, latex)
    top = r" \odot ".join(numerator) if numerator else r"\mathbf{1}"
    return r" \oslash ".join([top, *denominator]) if denominator else top


def _bracketed(element) -> str:
    shown = _vector(element)
    return shown if " " not in shown else rf"\left({shown}\right)"


def _term_latex(term: MatrixTerm, form: MatrixForm) -> str:
    if term.kind == "diag":
        return "I" if term.left == 1 else rf"\operatorname{{diag}}({_vector(term.left)})"
    if term.kind == "outer":
        return rf"{_bracketed(term.left)} {_bracketed(term.right)}^{{\top}}"
    if term.kind == "onehot":
        return f"e_{form.label}"
    if term.kind == "matvec":
        weights = rf"{term.right}^{{\top}}" if term.transpose else str(term.right)
        return rf"{weights} {_bracketed(term.left)}"
    return _vector(term.left)


def form_latex(form: MatrixForm | None) -> str | None:
    r"""The matrix / vector notation in LaTeX: ``\operatorname{diag}(S) - S S^{\top}``."""
    if form is None:
        return None
    if form.kron is not None:   # (\operatorname{diag}(S) - S S^{\top}) \otimes x^{\top}
        side, element = form.kron
        inner = rf"\left({form_latex(replace(form, kron=None))}\right)"
        inputs = rf"{_vector(element)}^{{\top}}"
        return rf"{inner} \otimes {inputs}" if side == "right" else rf"{inputs} \otimes {inner}"
    factor, form = common_factor(form)
    if factor != 1:   # \frac{1}{T}\left(\operatorname{diag}(S) - S S^{\top}\right)
        return rf"{latex(factor)} \left({form_latex(form)}\right)"
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


_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
            "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
            "\\": r"\textbackslash{}", "<": r"\textless{}", ">": r"\textgreater{}",
            "|": r"\textbar{}"}


def escape(words: str) -> str:
    """Plain words made safe for LaTeX text mode."""
    return "".join(_SPECIAL.get(ch, ch) for ch in words)


# Mathematics inside derive's prose (step reasons, layouts, sentences), set as mathematics:
# S = softmax(z), shapes (NxND), dL/dz, N = 2, 3, 4, and a variable standing alone (u, W).
_PROSE_MATHS = re.compile(
    r"(?P<softmax>\b[A-Za-z] = softmax\([A-Za-z]\))"
    r"|(?P<shape>\((?:1|N|ND|D|m)x(?:1|N|ND|D|m)\))"
    r"|(?P<quotient>\bd[A-Za-z]/d[A-Za-z]\b)"
    r"|(?P<sizes>\b[A-Za-z] = \d+(?:, \d+)*(?: and \d+)?)"
    r"|(?P<letter>(?<![\w(\-'])[B-Zb-z](?![\w(\-']))")


def prose(words: str) -> str:
    r"""derive's prose for LaTeX text mode, its mathematics in math mode.

    >>> prose("definition, with S = softmax(z)")
    'definition, with $S = \\operatorname{softmax}(z)$'
    >>> prose("chain rule through z (dL/dz by the same rules), shapes (1xN)(NxND)")
    'chain rule through $z$ ($\\partial L/\\partial z$ by the same rules), shapes $(1 \\times N)$$(N \\times N D)$'
    """
    out, at = [], 0
    for match in _PROSE_MATHS.finditer(words):
        out.append(escape(words[at:match.start()]))
        kind, text = match.lastgroup, match.group()
        if kind == "softmax":
            maths = text.replace("softmax", r"\operatorname{softmax}")
        elif kind == "shape":
            rows, cols = text[1:-1].split("x")
            maths = rf"({' '.join(rows)} \times {' '.join(cols)})"
        elif kind == "quotient":
            top, bottom = text[1], text[-1]
            maths = rf"\partial {top}/\partial {bottom}"
        else:
            maths = text
        out.append(f"${maths}$")
        at = match.end()
    out.append(escape(words[at:]))
    return "".join(out)


def case_latex(case) -> str:
    p, q, equal = case
    relation = "=" if equal else r"\neq"
    return f"{p} {relation} {q}"


def conditions_latex(conditions) -> str:
    r"""``1 \le i, j \le N``."""
    return r",\ ".join(rf"{latex(low)} \le {', '.join(names)} \le {latex(high)}"
                       for names, low, high in grouped_conditions(conditions))


def _reason(number: int, step) -> str:
    words = rf"({number}) {prose(step.reason)}"
    if step.case:
        words += f" ${case_latex(step.case)}$"
    if step.conditions:
        words += f" (${conditions_latex(step.conditions)}$)"
    if step.assumes:
        words += " " + ", ".join(rf"$\textstyle {a.latex}$" for a in step.assumes)
    return rf"\text{{{words}}}"


# An align's columns are as wide as their widest entry, so the longest formula and the
# longest reason (on whatever rows) share one line's width.  Past this many characters
# (plain-text formula + reason, a measure of the printed width that fits 10pt article),
# only the step numbers stay in the column and the reasons go below with the facts.
_LINE_BUDGET = 112


def _compact(d) -> bool:
    from .unicode import text
    if not d.steps:
        return False
    # Limits Σ_{k=1}^N print small, under and over the sign: about two characters' width.
    # A derivative of a layer's b + Σ W x prints as a fraction with tall brackets around a
    # sum, wider than its text.
    formula = max(len(re.sub(r"_\{[^}]*\}\^\w+", "  ", text(step.rhs)))
                  + 12 * sum(1 for a in step.rhs.atoms(sp.Derivative) if a.expr.has(sp.Sum))
                  for step in d.steps)
    reason = max(len(_plain(_reason(n, step))) for n, step in enumerate(d.steps, start=1))
    return formula + reason > _LINE_BUDGET


def _plain(tex: str) -> str:
    return re.sub(r"\\[A-Za-z]+|[{}$]", "", tex)


def steps_latex(d, environment: str = "align*") -> str:
    """The steps as one ``align*`` (or ``aligned``) block with ``\\text{reason}`` notes;
    for long formulas only the step numbers, the reasons then go with the facts below
    (:func:`facts_latex`)."""
    compact = _compact(d)
    rows = []
    for number, step in enumerate(d.steps, start=1):
        left = latex(d.lhs) if number == 1 else ""
        note = rf"\text{{({number})}}" if compact else _reason(number, step)
        rows.append(rf"{left} &= {latex(step.rhs)} && {note}")
    body = " \\\\\n".join(rows)
    return f"\\begin{{{environment}}}\n{body}\n\\end{{{environment}}}"


def facts_latex(d) -> list[str]:
    """One entry per step that used definitions or lemmas: ``(2) $a = b$, $c = d$``; when
    the steps are compact, one entry per step with its reason too."""
    compact = _compact(d)
    out = []
    for number, step in enumerate(d.steps, start=1):
        facts = ", ".join(f"${latex(a)} = {latex(b)}$" for a, b in step.facts)
        if compact:
            reason = _reason(number, step)[len(r"\text{"):-1]
            out.append(reason + (f": {facts}" if facts else ""))
        elif step.facts:
            out.append(f"({number}) {facts}")
    return out


# The width of a displayed matrix on the page, measured as the plain text of its entries
# (S_1(1 − S_1) is 12), with the gap between two columns: what fits the 11pt article of
# document_latex between its margins.  Wider matrices show fewer columns (not with --full).
_MATRIX_BUDGET = 96
_MATRIX_GAP = 3
# amsmath's pmatrix takes at most 10 columns (MaxMatrixCols); a wider matrix (with --full)
# is an array between brackets, which takes any number and needs nothing in the preamble.
_PMATRIX_COLUMNS = 10


def matrix_latex(matrix, full: bool = False) -> str:
    r"""A ``pmatrix``, shown like the text output: past
    :data:`~derive.render.notation.SHOWN` rows or columns (or wider than the page), the
    first and last ones around ``\vdots``, ``\cdots`` and ``\ddots``; ``full`` shows every
    entry (an ``array`` in brackets past 10 columns).

    >>> print(matrix_latex(sp.Matrix(20, 20, lambda a, b: a + b)).splitlines()[4])
    \vdots & \vdots & \vdots & \ddots & \vdots & \vdots & \vdots \\
    """
    from .unicode import text
    rows, cols = matrix.shape
    row_ids = shown_indices(rows, full)
    present = [a for a in row_ids if a is not None]
    widths = [0] * cols
    for b in shown_indices(cols, full):
        if b is not None:
            widths[b] = max(len(text(matrix[a, b])) for a in present)
    col_ids = shown_columns(widths, _MATRIX_BUDGET, _MATRIX_GAP, elided=2, full=full)
    lines = []
    for a in row_ids:
        cells = []
        for b in col_ids:
            if a is None:
                cells.append(r"\ddots" if b is None else r"\vdots")
            else:
                cells.append(r"\cdots" if b is None else latex(matrix[a, b]))
        lines.append(" & ".join(cells))
    body = " \\\\\n".join(lines)
    if len(col_ids) <= _PMATRIX_COLUMNS:
        return "\\begin{pmatrix}\n" + body + "\n\\end{pmatrix}"
    return (f"\\left(\\begin{{array}}{{{'c' * len(col_ids)}}}\n" + body
            + "\n\\end{array}\\right)")


def number_latex(x: float) -> str:
    mantissa, _, exponent = f"{x:.1e}".partition("e")
    if int(exponent) == 0:
        return mantissa
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def result_latex(d, full: bool = False) -> str:
    """The result, its assumptions, the general form, the matrix form and the matrix
    (for a symbolic N: the statement proved, its conditions and the rules instead); a
    large matrix by its corners unless ``full``."""
    lhs = latex(d.lhs)
    parts = []
    scope = ""
    if d.symbolic:
        scope = (rf", for all ${d.classes} \ge {d.proof.minimum}$ and "
                 rf"${conditions_latex(d.proof.conditions)}$")
    # A heading and its display are one paragraph: TeX breaks no page just before a
    # display (\predisplaypenalty), so a heading never ends a page without its formula.
    if d.assumptions:
        assumed = ", ".join(f"${a.latex}$" for a in d.assumptions)
        heading = rf"\medskip\noindent\textbf{{Result}}{scope}, assuming {assumed}:"
    else:
        heading = rf"\medskip\noindent\textbf{{Result}}{scope}:"
    form = form_latex(d.form)
    shape = "matrix" if d.form is not None and d.form.is_matrix else "vector"
    tail = rf", \qquad \text{{{shape} form: }} {form}" if form else ""
    parts.append(heading + "\n" + rf"\[ {lhs} = {latex(d.result)}{tail} \]")
    if d.assumptions:
        general = form_latex(d.general_form)
        parts.append(r"\noindent In general, without the assumption:" + "\n"
                     + rf"\[ {lhs} = {latex(d.general)}"
                     + (rf", \qquad {general}" if general else "") + r" \]")
    symmetry = symmetry_sentence(d, latex)
    if symmetry:
        parts.append(r"\noindent " + _with_maths(symmetry[:1].upper() + symmetry[1:]) + ".")
    product = product_sentences(d, latex, form_latex)
    if product:
        equation, form, how = product
        parts.append(r"\noindent Hessian-vector product, $O(N)$ per product (the matrix is "
                     r"$O(N^2)$), " + _with_maths(how) + ":\n"
                     + rf"\[ {equation}" + (rf", \qquad {form}" if form else "") + r" \]")
    if d.symbolic:
        parts.append(r"\noindent Proof: the derivative of the definition, computed by SymPy, "
                     r"reduces to this result by the rules "
                     + ", ".join(rf"\emph{{{escape(rule)}}}" for rule in d.proof.rules)
                     + (rf"; \emph{{sum-delta}} needs ${conditions_latex(d.proof.relies_on)}$."
                        if d.proof.relies_on else "."))
        if d.validation is not None:
            from .text import validation_sentence
            sentence = validation_sentence(d.validation, str(d.classes))
            parts.append(r"\noindent " + prose(sentence[:1].upper() + sentence[1:]) + ".")
    else:
        sizes = ", ".join([f"N = {d.classes}", *(f"{a} = {b}" for a, b in d.problem.sizes)])
        parts.append(rf"\noindent For ${sizes}$ ({prose(_ascii_layout(d))}):" + "\n"
                     + rf"\[ {matrix_latex(layout(d.matrix, d.problem), full)} \]")
    if d.check is not None:
        c = d.check
        verdict = "passed" if c.passed else "FAILED"
        letter = d.classes if d.symbolic else "N"
        sizes = (rf", with the result instantiated at ${letter} = {', '.join(map(str, c.sizes))}$"
                 if c.sizes else "")
        parts.append(
            rf"\noindent Numeric cross-check {verdict}: largest relative error "
            rf"${number_latex(c.max_rel_error)}$, largest absolute error ${number_latex(c.max_abs_error)}$ "
            rf"(entries up to ${number_latex(c.max_magnitude)}$ in size), "
            rf"{counted(len(c.comparisons), 'comparison')} at {c.points} points "
            rf"({c.extreme_points} with extreme logits){sizes}, seed {c.seed}"
            + (rf"; against finite differences of ${latex(d.first.lhs)}$, whose own check "
               rf"against those of the definition {_passed(d.first.check)}."
               if d.first is not None and d.first.check is not None else "."))
    return "\n\n".join(parts)


def _with_maths(sentence: str) -> str:
    """A sentence whose ``$…$`` parts are LaTeX already: the prose between them set by
    :func:`prose`."""
    pieces = sentence.split("$")
    if len(pieces) % 2 == 0:   # an unpaired $: all prose
        return prose(sentence)
    return "".join(f"${piece}$" if n % 2 else prose(piece) for n, piece in enumerate(pieces))


def _passed(check) -> str:
    return "passed" if check.passed else "FAILED"


def _ascii_layout(d) -> str:
    rows = "rows are outputs, columns are inputs"
    if d.problem.output_index is not None and len(d.problem.wrt_indices) == 2:
        rows = f"rows are outputs, columns are the entries of {d.problem.wrt} row by row"
    elif d.problem.output_index is None and len(d.problem.wrt_indices) == 2:
        return f"shaped like {d.problem.wrt}"
    unit = {"classes": "class", "outputs": "output"}.get(d.target.unit, d.target.unit)
    return rows if d.matrix.rows > 1 and d.matrix.cols > 1 else f"one entry per {unit}"


def _convention_latex(sentence: str) -> str:
    """A convention sentence with its maths in math mode (``W x + b`` → ``$W x + b$``)."""
    tex = escape(sentence)
    for plain, maths in (("z = Wᵀ x + b", r"$z = W^{\top} x + b$"), ("z = W x + b", "$z = W x + b$"),
                         ("N × D", r"$N \times D$"), ("D × N", r"$D \times N$"),
                         ("m × N", r"$m \times N$"), ("∂L/∂", r"$\partial L/\partial$ ")):
        tex = tex.replace(escape(plain), maths)
    return tex


def derivation_latex(d, steps: bool = True, full: bool = False) -> str:
    """A LaTeX fragment to paste into a document (needs ``amsmath``); ``full``: every
    entry of a large matrix."""
    if d.symbolic:
        parts = [f"% derive: {d.target.name}, symbolic {d.classes} (for all {d.classes} >= "
                 f"{d.proof.minimum}); every step proved by the program's rules"]
    elif d.proof is not None:
        parts = [f"% derive: {d.target.name}, N = {d.classes}: an instance of the proof for "
                 f"every {d.proof.classes}; the result checked exactly at N = {d.classes}"]
    else:
        parts = [f"% derive: {d.target.name}, N = {d.classes}; every step checked by the program"]
    if conventions(d):
        parts.append(r"\noindent Conventions: " + "; ".join(map(_convention_latex, conventions(d))) + ".")
    if steps and d.first is not None and d.first.steps:
        parts.append(r"\medskip\noindent\textbf{First derivative.}")
        parts.append(steps_latex(d.first))
        facts = facts_latex(d.first)
        if facts:
            parts.append(r"\noindent where " + "; ".join(facts) + ".")
        parts.append(rf"\noindent\textbf{{Second derivative:}} the first in its general form, "
                     rf"${latex(d.first.lhs)} = {latex(d.first.general)}$ (an assumption holds "
                     r"at a point; it is not differentiated), differentiated again:")
    if steps and d.steps:
        parts.append(steps_latex(d))
        facts = facts_latex(d)
        if facts:
            parts.append(r"\noindent where " + "; ".join(facts) + ".")
    if steps and d.shortcut:
        short = replace(d, steps=d.shortcut)
        parts.append(r"\noindent Shortcut, checked the same way (it agrees with the chain above):")
        parts.append(steps_latex(short))
        facts = facts_latex(short)
        if facts:
            parts.append(r"\noindent where " + "; ".join(facts) + ".")
    parts.append(result_latex(d, full))
    return "\n\n".join(parts) + "\n"


def _introduction(d) -> str:
    p = d.problem
    wrt = latex(p.wrt[p.wrt_index])
    name = latex(p.name)
    unit = d.target.unit
    classes = (rf"any number of {unit} ${d.classes} \ge {d.proof.minimum}$" if d.symbolic
               else rf"$N = {d.classes}$ {unit}")
    # What the names stand for, from the definition (the catalogue's and --of alike).
    given = [] if p.definition is None else definition_notes(
        p.definition, latex, [p.own(c) for c in p.definition.constants], outputs=False)
    if p.function.has(sigmoid) or (p.definition is not None and p.definition.body.has(sigmoid)):
        given.append(r"\sigma(x) = 1/(1 + e^{-x})")
    given = [f"${x}$" for x in given]
    if d.definition is not None and d.definition.body != d.definition.name:
        name = f"{name} = {latex(d.definition.body)}"   # the function as defined
    return (rf"We differentiate ${name}$ with respect to ${wrt}$ for {classes}"
            + (", with " + " and ".join(given) if given else "") + ".")


def _preface(derivations, steps: bool = True) -> str:
    """What the reader may rely on: how the derivations (or results) were checked."""
    concrete = (r"\noindent Each derivation below was produced by differentiating the definition "
                "mechanically\nand rewriting the result; every step was checked by the program "
                "against the mechanical\nderivative (an exact zero test and a numeric comparison "
                "at random points).")
    if not steps:
        concrete = (r"\noindent Each result below was produced by differentiating the "
                    "definition mechanically\nand rewriting the result, and was checked "
                    "numerically against finite differences.")
    letters = sorted({str(d.classes) for d in derivations if d.symbolic})
    n = "$, $".join(letters)
    symbolic = (rf"\noindent Each derivation below is for a symbolic number of classes ${n}$. "
                "The definition was\ndifferentiated by SymPy in index notation and every "
                f"step is proved for every ${n}$:\nit reduces by the program's rewriting rules "
                "to the same normal form as that\nderivative. Each step is also compared "
                f"exactly, entry by entry, with the derivative\nat several concrete ${n}$.")
    if not steps:
        symbolic = (rf"\noindent Each result below holds for every number of classes ${n}$: "
                    "the derivative of the\ndefinition in index notation reduces to it by "
                    "the program's rewriting rules.")
    kinds = {d.symbolic for d in derivations}
    return "\n\n".join(([concrete] if False in kinds else [])
                        + ([symbolic] if True in kinds else []))


def document_latex(derivations, title: str = "Derivations of softmax and cross-entropy",
                   steps: bool = True, full: bool = False) -> str:
    """A standalone ``article`` with one section per derivation; compiles with pdflatex
    (with ``full``, a matrix wider or taller than the page runs past its margins)."""
    from ..version import __version__
    sections = []
    for d in derivations:
        heading = escape(d.target.title[:1].upper() + d.target.title[1:]) \
            if d.definition is None else \
            rf"The derivative of ${latex(d.problem.name)}$ with respect to ${latex(d.problem.wrt)}$"
        sections.append(rf"\section{{{heading}}}"
                        + "\n\n" + _introduction(d) + "\n\n" + derivation_latex(d, steps, full))
    body = "\n".join(sections)
    return rf"""\documentclass[11pt]{{article}}
% Vector fonts: Latin Modern where it is installed, else Computer Modern in its Type 1
% cuts (T1 without lmodern would set the text in bitmap fonts).
\IfFileExists{{lmodern.sty}}{{\usepackage[T1]{{fontenc}}\usepackage{{lmodern}}}}{{}}
\usepackage{{amsmath,amssymb}}
\usepackage[margin=2.2cm]{{geometry}}
\allowdisplaybreaks
% The facts are paragraphs of long inline formulas: stretch the spaces, never overrun.
\setlength{{\emergencystretch}}{{3em}}
\title{{{escape(title)}}}
\author{{generated by \texttt{{derive}} {escape(__version__)}}}
\date{{}}
\begin{{document}}
\maketitle

{_preface(derivations, steps)}

{body}
\end{{document}}
"""
