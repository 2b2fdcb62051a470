"""Terminal reports: ``derive show`` and ``derive list`` as Unicode text within 80 columns.

The maths itself is printed by :mod:`derive.render.unicode`; this module lays out the
steps, the result, the matrix, the value at a point and the numeric check.

>>> from derive.derivation import derivation
>>> print(derivation_text(derivation("log-softmax-jacobian", 2), steps=False).splitlines()[3])
  ∂ log S_i/∂z_j = δ_ij − S_j
"""

from __future__ import annotations

from ..steps import STEP_POINTS
from .unicode import form_text, matrix_text, text

__all__ = ["text", "matrix_text", "form_text", "check_text", "case_text", "steps_text",
           "derivation_text", "catalog_text"]


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
