"""Notation shared by the text and LaTeX printers: index order, vectors, layout."""

from __future__ import annotations

import sympy as sp

__all__ = ["SHOWN", "EDGE", "counted", "index_order", "element_vectors", "factor_rank", "shown_indices",
           "shown_columns", "signed_terms", "sizes_phrase", "conventions",
           "grouped_conditions", "classes_phrase", "intermediates"]

# A matrix is shown whole up to SHOWN rows; past that, as NumPy prints a large array, by
# its first and last EDGE rows around a row of ⋮ (and ⋱ where an elided column crosses
# it).  Columns follow the same rule, and as many as fit the width where one is given
# (the terminal report's 80 columns, the LaTeX page): rows cost no width, columns do.
# With full=True (`--full`) every entry is shown, whatever the width; JSON always has all.
SHOWN = 12
EDGE = 3


def counted(number: int, noun: str) -> str:
    """``1 comparison``, ``2 comparisons``.

    >>> counted(1, "comparison"), counted(2, "comparison")
    ('1 comparison', '2 comparisons')
    """
    return f"{number} {noun}{'' if number == 1 else 's'}"


def index_order(symbol: sp.Basic) -> tuple[bool, str]:
    """Sort key for the indices of a delta: ``i < j < k …``, the class label ``c`` last."""
    name = str(symbol)
    return (name == "c", name != "t", name)   # δ_ti: the output index of a layer first


def element_vectors(element: sp.Expr, show=str) -> tuple[list[str], list[str]]:
    """The vectors of an element expression: ``y_i/S_i`` ↦ ``(["y"], ["S"])``.

    ``1`` gives ``([], [])``, the all-ones vector; ``σ(z_i)`` is the vector ``σ(z)``, shown
    with ``show`` (each renderer's printer).  Used by every renderer of a
    :class:`~derive.calculus.matrices.MatrixForm`.
    """
    from ..functions import sigmoid
    numerator, denominator = [], []
    for factor in sp.Mul.make_args(sp.sympify(element)):
        base, power = factor.as_base_exp()
        if isinstance(base, sigmoid) and isinstance(base.args[0], sp.Indexed) and power.is_Integer:
            target = numerator if power > 0 else denominator
            target.extend([show(sigmoid(sp.Symbol(str(base.args[0].base))))] * abs(int(power)))
        elif isinstance(base, sp.Indexed) and power.is_Integer:
            target = numerator if power > 0 else denominator
            target.extend([show(base.base)] * abs(int(power)))
        elif factor != 1:
            raise ValueError(f"no vector notation for the element {factor}")
    return numerator, denominator


def signed_terms(element: sp.Expr) -> list[tuple[bool, sp.Expr]]:
    """The terms of an element expression as ``(negative, magnitude)``, positive terms
    first: ``S_i − y_i`` ↦ ``[(False, S_i), (True, y_i)]``, for vectors such as ``S − y``."""
    terms = sorted(sp.Add.make_args(sp.sympify(element)),
                   key=lambda term: term.could_extract_minus_sign())
    return [(term.could_extract_minus_sign(),
             -term if term.could_extract_minus_sign() else term) for term in terms]


def factor_rank(factor: sp.Expr) -> int:
    """Plain factors, then derivatives, sums, brackets and the layer's input x:
    S_i(δ_ij − S_j), S_j Σ_k y_k, (S_i − y_i) x_j."""
    if isinstance(factor, sp.Indexed) and str(factor.base) == "x":
        return 4   # the layer's input last: S_t(δ_ti − S_i) x_j, (S_i − y_i) x_j
    if isinstance(factor, sp.Add):
        return 3
    if isinstance(factor, sp.Sum):
        return 2
    return int(isinstance(factor, sp.Derivative))


def shown_indices(size: int, full: bool = False) -> list[int | None]:
    """Rows (or columns) to show, 0-based: all up to :data:`SHOWN` (or with ``full``), else
    the first and last :data:`EDGE` around ``None``, the elided middle.

    >>> shown_indices(4), shown_indices(64)
    ([0, 1, 2, 3], [0, 1, 2, None, 61, 62, 63])
    """
    if full or size <= SHOWN:
        return list(range(size))
    return [*range(EDGE), None, *range(size - EDGE, size)]


def shown_columns(widths: list[int], budget: int | None, gap: int, elided: int,
                  full: bool = False) -> list[int | None]:
    """Columns to show, given each column's width: :func:`shown_indices`, narrowed while
    the row is wider than ``budget`` (``None``: no limit) to the first and last columns
    that fit, taken from the left and the right in turn (at least the first and the last).

    ``gap`` is the width between two columns and ``elided`` the width of the ``⋯`` column.

    >>> shown_columns([10] * 9, budget=70, gap=3, elided=1)
    [0, 1, 2, None, 7, 8]
    """
    chosen = shown_indices(len(widths), full)
    size = len(widths)
    if full or budget is None or size <= 2 or _width(chosen, widths, gap, elided) <= budget:
        return chosen
    left, right = [0], [size - 1]
    while len(left) + len(right) < size - 1:   # one column at least stays elided
        if len(left) <= len(right) and len(left) < EDGE:
            trial = (left + [len(left)], right)
        elif len(right) < EDGE:
            trial = (left, [size - 1 - len(right)] + right)
        else:
            break
        if _width([*trial[0], None, *trial[1]], widths, gap, elided) > budget:
            break
        left, right = trial
    return [*left, None, *right]


def _width(columns: list[int | None], widths: list[int], gap: int, elided: int) -> int:
    """The width of a row showing ``columns`` (``None``: the ⋯ column)."""
    return sum(elided if c is None else widths[c] for c in columns) + gap * (len(columns) - 1)


def grouped_conditions(conditions) -> list[tuple[list[str], sp.Expr, sp.Expr]]:
    """Index ranges with equal bounds together: ``1 ≤ i, j ≤ N`` is ``(["i", "j"], 1, N)``.

    >>> from derive.calculus.indexed import ranges_of
    >>> i, j = sp.symbols("i j")
    >>> grouped_conditions(ranges_of((i, j), sp.Symbol("N")).values())
    [(['i', 'j'], 1, N)]
    """
    groups: dict[tuple, list[str]] = {}
    for c in conditions:
        groups.setdefault((c.low, c.high), []).append(str(c.index))
    return [(sorted(names, key=index_order), low, high) for (low, high), names in groups.items()]


def sizes_phrase(d) -> str:
    """``N = 3 classes, D = 4 inputs``: the sizes of a concrete derivation."""
    words = {"D": "inputs", "m": "examples"}
    extra = [f"{name} = {size} {words[name]}" for name, size in d.problem.sizes]
    return ", ".join([f"N = {d.classes} {d.target.unit}", *extra])


def conventions(d) -> list[str]:
    """The conventions an output states: the layer's shape, and how a derivative with
    respect to a matrix is laid out."""
    from ..functions import CONVENTIONS
    p = d.problem
    out = []
    if p.convention is not None:
        out.append(CONVENTIONS[p.convention])
    if p.batch:
        out.append("Z and Y of shape m × N, one example per row; S = softmax of each row")
    if len(p.wrt_indices) == 2:
        if p.output_index is None:
            out.append(f"the gradient ∂L/∂{p.wrt} has the shape of {p.wrt}")
        else:
            out.append(f"Jacobian rows = outputs, columns = the entries of {p.wrt} row by row")
    return out


def classes_phrase(d) -> str:
    """``N = 3`` for a concrete derivation, ``symbolic N`` for one proved for every N."""
    return f"symbolic {d.classes}" if d.symbolic else f"{d.classes} classes"


def symmetry_sentence(d, printer) -> str | None:
    """How a second derivative's symmetry was established, with its equation printed by
    ``printer`` (``None`` when there is none to state: a first derivative, or a mixed
    second one).

    The equation names the transpose by the indices exchanged: ``∂²L/∂z_i∂z_j =
    ∂²L/∂z_j∂z_i``."""
    s = getattr(d, "symmetry", None)
    if s is None:
        return None
    row, column = d.problem.output_index, d.problem.wrt_indices[0]
    swapped = d.lhs.xreplace({row: column, column: row})
    equation = f"{printer(d.lhs)} = {printer(swapped)}"
    if printer.__name__ == "latex":
        equation = f"${equation}$"
    sizes = ", ".join(map(str, s.sizes))
    how = ("proved for every N (the rules bring it and its transpose to one normal form) "
           "and " if s.proved else "")
    return (f"symmetric, {equation}: {how}checked exactly at N = {sizes} on all "
            f"{s.entries} entries against the derivative")


def product_sentences(d, printer, form_printer) -> tuple[str, str | None, str] | None:
    """A symmetric Hessian's vector product: its equation ``(H v)_i = …``, its vector form
    (or ``None``), and how it was obtained and checked; ``None`` without one."""
    p = getattr(d, "hvp", None)
    if p is None:
        return None
    row = d.problem.output_index
    latex = printer.__name__ == "latex"
    name = (rf"(H {p.vector})_{{{row}}}" if latex else f"(H {p.vector})_{row}")
    form = form_printer(p.form) if p.form is not None else None
    total = (rf"$\sum_j H_{{{row}j}} {p.vector}_j$" if latex else f"Σ_j H_{row}j {p.vector}_j")
    how = (f"from {total} by the rules (linearity of the sum, the "
           f"Kronecker delta); equal to it exactly at N = {', '.join(map(str, p.sizes))} on "
           f"all {p.entries} entries")
    return f"{name} = {printer(p.value)}", form, how


def intermediates(d, printer) -> list[str]:
    """For a function the user defined: what each named family stands for, printed by
    ``printer`` (text or LaTeX): ``S = softmax(z/T)``, ``u_l = Σ_r k_lr q_r/√d``, ``T > 0``."""
    definition = getattr(d, "definition", None)
    return [] if definition is None else definition_notes(definition, printer)


def definition_notes(definition, printer, constants=None, outputs: bool = True) -> list[str]:
    """What the families of ``definition`` stand for, each once: a softmax with its
    argument (the reader's own name for an unnamed argument written inline: ``S =
    softmax(z/T)``, not ``u = z/T``), a family defined elementwise as a vector (``q = (1 −
    ε) y + ε/N``), any other entry by entry (the quantity itself unless ``outputs`` is
    false); then the constants, as ``constants`` gives them when given (ε ≥ 0).

    >>> from derive.read.definition import read_definition
    >>> definition_notes(read_definition("S_i = softmax(z/T)_i"), str)
    ['S = softmax(z/T)', 'T > 0']
    """
    softmax = r"\operatorname{softmax}" if printer.__name__ == "latex" else "softmax"
    out = []
    for item in definition.defined:
        if item.kind == "softmax":
            inner = definition.intermediate(item.argument)
            inline = definition.vector_form(inner) if inner is not None and inner.own else None
            argument = (printer(inline) if inline is not None
                        else printer(item.argument[item.rows]) if item.rows   # softmax(Z_n)
                        else printer(item.argument))
            name = printer(item.family[item.rows]) if item.rows else printer(item.family)
            out.append(f"{name} = {softmax}({argument})")
        elif item.own and definition.vector_form(item) is not None:
            continue   # written inside the softmax above
        elif item.kind == "output" and not outputs:
            continue   # the quantity itself, already shown
        elif item.kind == "argument" and definition.vector_form(item) is not None:
            out.append(f"{printer(item.family)} = {printer(definition.vector_form(item))}")
        else:
            out.append(f"{printer(item.family[item.index])} = {printer(item.body)}")
    # A constant as the problem knows it (``constants``): ε of label smoothing may be 0.
    for c in definition.constants if constants is None else constants:
        relation = ">" if c.is_positive else r"\ge" if printer.__name__ == "latex" else "≥"
        out.append(f"{printer(c)} {relation} 0")
    return out
