"""Terminal reports: ``derive show`` and ``derive list`` as Unicode text within 80 columns.

The maths itself is printed by :mod:`derive.render.unicode`; this module lays out the
steps, the result, the matrix, the value at a point and the numeric check.

>>> from derive.derivation import derivation
>>> print(derivation_text(derivation("log-softmax-jacobian", 2), steps=False).splitlines()[3])
  ∂ log S_i/∂z_j = δ_ij − S_j
"""

from __future__ import annotations

from sympy import Basic, Indexed, Sum, Symbol

from ..calculus.matrices import layout
from ..sizes import STEP_POINTS
from ..conditions import hidden, statement
from .notation import (conventions, counted, grouped_conditions, intermediates, shown_indices,
                       product_sentences, sizes_phrase, symmetry_sentence)
from .unicode import form_text, matrix_text, text

__all__ = ["text", "matrix_text", "form_text", "check_text", "case_text", "steps_text",
           "derivation_text", "catalog_text", "conditions_text", "validation_sentence",
           "verdict_text"]


def check_text(report, width: int = 80, letter: str = "N") -> str:
    """The numeric cross-check: verdict, errors, points (and the worst entry on failure)."""
    verdict = "passed" if report.passed else "FAILED"
    chunks = [f"numeric check {verdict}:", f"max rel error {report.max_rel_error:.1e},",
              f"max abs error {report.max_abs_error:.1e}",
              f"(entries up to {report.max_magnitude:.1e}),",
              f"{counted(len(report.comparisons), 'comparison')} at {report.points} points",
              f"({report.extreme_points} with extreme logits),", f"seed {report.seed}"]
    if report.sizes:
        chunks[-1] += ","
        chunks += ["at", f"{letter} = " + ", ".join(map(str, report.sizes))]
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


def validation_sentence(v, letter: str = "N") -> str:
    """One sentence on the cross-validation of a symbolic-N result at concrete N."""
    sizes = _sizes(v.sizes)
    if not v.passed:
        return f"cross-validation FAILED at {v.failure}"
    return (f"cross-validated: at {letter} = {sizes} the result equals SymPy's derivative of "
            f"{v.against} on all {v.entries} entries (exact zero test; numerically "
            f"to {v.max_abs_error:.1e} at {v.points} random points)")


def _sizes(sizes) -> str:
    sizes = list(sizes)
    if len(sizes) > 2 and sizes == list(range(sizes[0], sizes[-1] + 1)):
        return f"{sizes[0]}..{sizes[-1]}"
    return ", ".join(map(str, sizes))


def conditions_text(conditions) -> str:
    """``1 ≤ i, j ≤ N``.

    >>> from derive.calculus.indexed import ranges_of
    >>> from derive.functions import i, j
    >>> conditions_text(ranges_of((i, j), 3).values())
    '1 ≤ i, j ≤ 3'
    """
    return "; ".join(f"{text(low)} ≤ {', '.join(names)} ≤ {text(high)}"
                     for names, low, high in grouped_conditions(conditions))


def steps_text(d, width: int = 80, chain=None) -> list[str]:
    """Numbered steps, each with its reason, facts and assumptions under the equation
    (the steps of ``chain`` when given, such as the shortcut)."""
    # The left side on a line of its own keeps the right sides within 80 columns.
    lines, partial = [f"    {text(d.lhs)}"], False
    for number, step in enumerate(d.steps if chain is None else chain, start=1):
        lines.append(f"{number:>2}.  = {text(step.rhs)}")
        reason = f"{step.reason} {case_text(step.case)}" if step.case else step.reason
        chunks = [reason + (":" if step.facts else "")]
        chunks += [f"{text(a)} = {text(b)}" + (";" if m < len(step.facts) - 1 else "")
                   for m, (a, b) in enumerate(step.facts)]
        if step.conditions:
            chunks.append(f"[for {conditions_text(step.conditions)}]")
        if step.assumes:
            chunks.append("[assumes " + "; ".join(a.text.split(" (")[0] for a in step.assumes)
                          + "]")
        mark = "✓"
        if step.check is not None and not step.check.complete:
            mark, partial = "✓*", True
        lines += _fill(chunks, width, f"      {mark}", " " * 8)
    if d.proof is not None:   # proved for every N (and here an instance of that proof)
        sizes = d.steps[0].check.sizes if d.steps[0].check else ()
        letter = str(d.proof.classes)
        # Entries the exact test could not decide, confirmed at 50 digits instead (a user's
        # definition, where SymPy's zero test was the fallback): said, never hidden.
        undecided = sum(s.check.entries - s.check.exact_entries for s in d.steps if s.check)
        lines += _fill(["✓ proved: each step reduces by the rules to the same normal form",
                        f"as the mechanical derivative, for every {letter}"
                        + "".join(f" and {size}" for size in d.proof.others)
                        + ("" if d.symbolic else f", so at {letter} = {d.classes}") + ";",
                        "also checked exactly at",
                        f"{letter} = " + ", ".join(map(str, sizes)),
                        "on every entry, against the chain-rule derivative"
                        + (f" ({undecided} entries at 50 digits, not decided exactly)"
                           if undecided else "")]
                       + (["and numerically", f"at {letter} = {sizes[-1]}",
                           f"({max(s.check.points for s in d.steps)} points)",
                           "against finite differences",
                           "of the definition" if d.first is None else
                           f"of {text(d.first.lhs)}"]
                          if any(s.check and s.check.points for s in d.steps) else []),
                       width, "  ", "    ")
        return lines
    lines += _fill(["✓ checked: each step equals the mechanical derivative", "on every entry",
                    "(exact zero test)", f"and at {STEP_POINTS} random points (numerically)"],
                   width, "  ", "    ")
    if partial:
        lines += _fill(["✓* exact on the entries with indices in {1, 2, N−1, N} only (N > 8);",
                        "the result itself is checked on every entry"], width, "  ", "     ")
    return lines


def result_check_lines(d, width: int = 80) -> list[str]:
    """How the result at a concrete N was checked: exactly at that N against the
    chain-rule derivative (an instance of the proof for every N), and against SymPy's
    diff of every entry where that was done."""
    if d.exact is None:
        return []
    return _fill(result_check_words(d), width, "  ", "    ")


def result_check_words(d) -> list[str]:
    """The sentence of :func:`result_check_lines`, in chunks that do not break."""
    exact, n = d.exact, d.classes
    if exact.covered:
        chunks = [f"✓ the result at N = {n}: equal to the chain-rule derivative,",
                  "exactly, at one entry for each pattern of equal indices",
                  f"({exact.entries}), so at all {exact.covered}", "by the symmetry of the",
                  "construction under relabelling the classes"]
    else:
        chunks = [f"✓ the result at N = {n}: all {exact.entries} entries equal to the",
                  "chain-rule derivative, exactly", "(rational-function zero test)"]
    if exact.by_assumptions:
        chunks += ["under " + "; ".join(exact.assumptions)]
    if d.mechanical is not None:
        chunks[-1] += ";"
        chunks += ["also to SymPy's diff of every entry"]
    return chunks


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


def derivation_text(d, evaluation=None, steps: bool = True, full: bool = False) -> str:
    """The whole ``derive show`` report for a :class:`~derive.record.Derivation`; a
    large matrix (and value at a point) by its corners, unless ``full``."""
    lhs = text(d.lhs)
    if d.symbolic:
        title = f"{d.target.title}, for any number of {d.target.unit} {d.classes}"
        words = {"D": "inputs", "m": "examples"}
        others = d.proof.others if d.proof is not None else ()
        title += "".join(f" and of {words.get(str(size), 'size')} {size}" for size in others)
        title += " (symbolic)"
    else:
        title = f"{d.target.title}, {sizes_phrase(d)}"
    lines = [title, d.target.summary]
    named = intermediates(d, text)
    if named:
        lines += _fill(["where", *[f"{x}," for x in named[:-1]], named[-1]], 80, "", "  ")
    lines += [f"convention: {line}" for line in conventions(d)]
    lines.append("")
    if steps and d.first is not None and d.first.steps:
        first = d.first
        lines += ["first derivative:", *steps_text(first),
                  f"  so {text(first.lhs)} = {text(first.general)}", "",
                  *_fill(["second derivative: the first, in its general form (an",
                          "assumption holds at a point; it is not differentiated),",
                          "differentiated again:"], 80, "", ""), ""]
    if steps and d.steps:
        lines += [*steps_text(d), ""]
    if steps and d.shortcut:
        lines += ["shortcut (checked the same way; it agrees with the chain above):",
                  *steps_text(d, chain=d.shortcut)[1:], ""]
    if d.symbolic:
        lines.append(f"result, {d.proof.statement} and "
                     f"{conditions_text(d.proof.conditions)}:")
    elif steps and d.steps:
        lines.append("result:")
    lines.append(f"  {lhs} = {text(d.result)}")
    for assumption in d.assumptions:
        lines.append(f"    assuming {assumption.text}")
    if d.assumptions:
        lines.append(f"  in general: {lhs} = {text(d.general)}")
    if d.note:
        lines.append(f"  note: {d.note}")
    form = form_text(d.form)
    if form:
        lines += ["", f"  {'matrix' if d.form.is_matrix else 'vector'} form: {form}"
                  + (f"    (in general: {form_text(d.general_form)})"
                     if d.assumptions and d.general_form is not None else "")]
    symmetry = symmetry_sentence(d, text)
    if symmetry:
        lines += ["", *_fill(["  " + symmetry.split(": ")[0] + ":",
                              *symmetry.split(": ", 1)[1].split(" ")], 80, "", "    ")]
    product = product_sentences(d, text, form_text)
    if product:
        equation, form, how = product
        lines += ["", "  Hessian-vector product, O(N) per product (the matrix is O(N²)):",
                  f"    {equation}"] + ([f"    vector form: {form}"] if form else []) \
            + _fill(how.split(" "), 80, "    ", "    ")
    if d.symbolic:
        chunks = ["  proof: the derivative of the definition, reduced by the rules",
                  ", ".join(d.proof.rules) + ("" if d.proof.relies_on else ".")]
        if d.proof.relies_on:
            chunks[-1] += ";"
            chunks += ["sum-delta needs", conditions_text(d.proof.relies_on) + "."]
        lines += ["", *_fill(chunks, 80, "", "    ")]
        if d.validation is not None:
            sentence = validation_sentence(d.validation, str(d.classes))
            lines += ["", *_fill(sentence.split(" "), 80, "  ", "    ")]
    else:
        lines += ["", f"  for {sizes_phrase(d).replace(' ' + d.target.unit, '')} "
                  f"({d.target.layout}):", matrix_text(layout(d.matrix, d.problem), full=full)]
        lines += ["", *result_check_lines(d)]
    if evaluation is not None:
        lines += ["", *_evaluation_lines(d, evaluation, full)]
    if d.check is not None:
        lines += ["", check_text(d.check, letter=str(d.classes) if d.symbolic else "N")]
        if d.first is not None and d.first.check is not None:
            c = d.first.check
            sentence = (f"(finite differences of {text(d.first.lhs)}, whose own check against "
                        "finite differences of the definition "
                        + ("passed" if c.passed else "FAILED")
                        + f", max abs error {c.max_abs_error:.1e})")
            lines += _fill(sentence.split(" "), 80, "  ", "   ")
    return "\n".join(lines)


def _numbers(values, full: bool = True) -> str:
    """``[1, 0.5]``, or ``[[1, 2], [3, 4]]`` for a matrix; past
    :data:`~derive.render.notation.SHOWN` values, the first and last three around ``…``
    unless ``full``."""
    shown = [("…" if m is None else _numbers(values[m], full) if getattr(values[m], "ndim", 0)
              else f"{values[m]:.6g}") for m in shown_indices(len(values), full)]
    return "[" + ", ".join(shown) + "]"


def _scalar(v: float) -> str:
    """Short, unless that would change the number (ε = 0.9999999999999999 is not 1)."""
    short = f"{v:.6g}"
    return short if float(short) == v else repr(float(v))


def _evaluation_lines(d, e, full: bool = False) -> list[str]:
    if d.definition is not None:
        return _definition_evaluation_lines(d, e, full)
    scalars = ("T", "eps")
    # The class c counts from 1, as S_1 … S_N; a NumPy index would be c − 1.
    given = "; ".join(f"{k}={_scalar(v)}" if k in scalars
                      else f"{k}={_numbers(v, full)}" if hasattr(v, "__len__")
                      else f"c={v} (class {v} of S_1 … S_N; index {v - 1} from 0)" if k == "c"
                      else f"{k}={v}"
                      for k, v in e.point.items()
                      if (k != "S" or "S" in d.problem.inputs) and k not in ("q", "σ(z)"))
    n = next((len(v) for k, v in e.point.items() if hasattr(v, "__len__") and k not in scalars),
             None)
    lines = [f"  at {given}" + (f" ({d.classes} = {n}):" if d.symbolic else ":")]
    if "σ(z)" in e.point:
        lines.append(f"    σ(z) = {_numbers(e.point['σ(z)'], full)}")
    elif "z" in e.point:
        argument = "z/T" if d.problem.temperature is not None else "z"
        lines.append(f"    S = softmax({argument}) = {_numbers(e.point['S'], full)}")
    elif "S" in e.point and d.problem.convention is not None:
        argument = "W x + b" if d.problem.convention == "Wx" else "Wᵀ x + b"
        lines.append(f"    S = softmax({argument}) = {_numbers(e.point['S'], full)}")
    elif "S" in e.point and d.problem.batch:
        lines.append(f"    S = softmax of each row of Z = {_numbers(e.point['S'], full)}")
    if "q" in e.point:
        lines.append(f"    q = (1 − ε) y + ε/N = {_numbers(e.point['q'], full)}")
    return lines + _value_lines(d, e, full)


def _value_lines(d, e, full: bool) -> list[str]:
    """The notes, the value at the point, and its comparison with finite differences."""
    lines = [f"    note: {note}" for note in e.notes]
    if e.value.ndim == 2:
        lines.append(f"    {text(d.lhs)} =")
        lines += [f"      {'⋮' if m is None else _numbers(e.value[m], full)}"
                  for m in shown_indices(len(e.value), full)]
    else:
        lines.append(f"    {text(d.lhs)} = {_numbers(e.value, full)}")
    verdict = "agree" if e.agrees else "DISAGREE"
    if not e.compared:
        lines.append("    finite differences not compared at this point (see the note)")
    else:
        lines.append(f"    finite differences {verdict} (max abs error {e.max_abs_error:.1e})")
    return lines


def _definition_evaluation_lines(d, e, full: bool = False) -> list[str]:
    """A definition's derivative at a point: the inputs, the named intermediates there
    (S = softmax(z)), the value, and the comparison with finite differences."""
    named = {str(x.family) for x in d.definition.defined}

    def shown(v) -> str:
        if isinstance(v, float):
            return _scalar(v)
        return _numbers(v, full) if v.ndim == 1 else "[" + ", ".join(
            _numbers(row, full) for row in v) + "]"

    given = "; ".join(f"{text(Symbol(k))}={shown(v)}" for k, v in e.point.items()
                      if k not in named)
    lines = [f"  at {given}:"]
    lines += [f"    {k} = {shown(v)}" for k, v in e.point.items() if k in named]
    return lines + _value_lines(d, e, full)


def catalog_text(derivations) -> str:
    """``derive list``: one line per target, in aligned columns: its name, its textbook
    result in index notation and in matrix notation (for every N when the derivations
    are symbolic), and the assumption the result needs.

    >>> from derive.derivation import derivation
    >>> print(catalog_text([derivation("cross-entropy-grad", "N", check=False, steps=False)]))
    cross-entropy-grad  ∂L/∂S_j = −y_j/S_j  −y ⊘ S
    """
    rows = [(d.target.name, f"{text(d.lhs)} = {text(d.result)}", form_text(d.form) or "",
             "; ".join(a.text.split(" (")[0] for a in d.assumptions)) for d in derivations]
    widths = [max(len(row[m]) for row in rows) for m in range(3)]
    lines = []
    for *columns, assumed in rows:
        line = "  ".join(c.ljust(w) for c, w in zip(columns, widths))
        lines.append((line + (f"  ({assumed})" if assumed else "")).rstrip())
    return "\n".join(lines)


def verdict_text(v, width: int = 80) -> str:
    """``derive check``: the verdict, what was expected and claimed, how it was decided."""
    lhs = text(v.lhs)
    if v.verdict == "holds":
        concrete = [(name, size) for name, size in v.sizes if not hasattr(size, "free_symbols")]
        symbolic = [name for name, size in v.sizes if hasattr(size, "free_symbols")]
        if isinstance(v.classes, int):
            scope = ", ".join([f"for N = {v.classes}"] + [f"{a} = {b}" for a, b in concrete])
        else:
            scope = v.scope + "".join(f" and {a} ≥ 1" for a in symbolic) + \
                "".join(f", {a} = {b}" for a, b in concrete)
        head = f"holds {scope}"
        if v.assumptions:
            head += " assuming " + "; ".join(a.text.split(" (")[0] for a in v.assumptions) + \
                (" (the stated assumption)" if v.target.startswith("of: ")
                 else " (the target's stated assumption)")
    elif v.verdict == "fails":
        head = f"fails: {v.diagnosis}" if v.diagnosis else \
            "fails: the claim differs from the derivative (no known mistake matches)"
    else:
        head = "undetermined: neither proved nor refuted"
    lines = [head + ("." if not head.endswith(".") else "")]
    if v.verdict == "holds" and not v.assumptions and v.general != v.expected:
        lines.append(f"  expected  {lhs} = {text(v.general)}   (in general; "
                     f"{text(v.expected)} under the stated assumption on "
                     f"{_summed(v.general)})")
    else:
        lines.append(f"  expected  {lhs} = {text(v.expected)}")
    if v.verdict == "fails" and v.general != v.expected:
        lines.append(f"            in general {lhs} = {text(v.general)} (assuming "
                     f"nothing about {_summed(v.general)})")
    if v.claim is not None:
        # What was understood, written so that it reads back to the same claim: a sum
        # over another range than 1..N shows its range.
        shown = text(v.claim.expr, classes=v.classes)
        # What SymPy cancelled while building is still part of what was understood.
        lost = hidden(v.claim.conditions, v.claim.expr)
        if lost:
            shown += ", where " + "; ".join(statement(c) for c in lost[:3]) + \
                (f" and {len(lost) - 3} more" if len(lost) > 3 else "")
        lines.append(f"  claimed   {v.claim.text}" + (f"   (read as {shown})"
                                                      if shown != v.claim.text else ""))
    if v.counterexample is not None:
        ce = v.counterexample
        at = f" at N = {ce.classes}" if ce.classes != v.classes else ""
        lines += _fill(["  counterexample" + at, ce.describe()], width, "", "    ")
    for position, method in enumerate(v.methods):
        lines += _fill(["  decided by" if position == 0 else " " * 13, *method.split(" ")],
                       width, "", " " * 13)
    lines += [f"  note: {note}" for note in v.notes]
    return "\n".join(lines)


def _summed(general) -> str:
    """The families whose sums the general form keeps (``y`` of ``S_j Σ_k y_k − y_j``,
    ``Y`` of a batch): what the stated assumption is about."""
    sums = general.atoms(Sum) if isinstance(general, Basic) else ()   # a derived form
    names = sorted({str(s.function.base) for s in sums if isinstance(s.function, Indexed)})
    return " and ".join(names) or "the labels"
