"""JSON: the derivation as data, every formula in both text and LaTeX."""

from __future__ import annotations

import json as _json

from ..conditions import hidden, statement
from .latex import conditions_latex, form_latex, latex, matrix_latex
from .notation import conventions, intermediates, product_sentences, symmetry_sentence
from .text import conditions_text, form_text, text

__all__ = ["derivation_dict", "derivation_json", "document_json", "catalog_json",
           "verdict_json"]


def _formula(expr, classes=None) -> dict[str, str]:
    return {"text": text(expr, classes), "latex": latex(expr, classes)}


def derivation_dict(d, evaluation=None) -> dict:
    """A JSON-ready dict of a :class:`~derive.record.Derivation` (and a point's value).

    >>> from derive.derivation import derivation
    >>> derivation_dict(derivation("softmax-cross-entropy-grad", 3))["result"]["text"]
    'S_j − y_j'
    """
    out = {
        "target": d.target.name,
        "title": d.target.title,
        "classes": str(d.classes) if d.symbolic else d.classes,
        "symbolic": d.symbolic,
        "lhs": _formula(d.lhs),
        "assumptions": [{"name": a.name, "text": a.text, "latex": a.latex}
                        for a in d.assumptions],
        "result": _formula(d.result),
        "general": _formula(d.general),
        **({} if d.definition is None else {"definition": {
            "text": d.definition.text,
            "where": [{"text": t, "latex": x} for t, x in zip(intermediates(d, text),
                                                              intermediates(d, latex))],
            "note": d.note or None}}),
        "form": {"text": form_text(d.form), "latex": form_latex(d.form),
                 "general_text": form_text(d.general_form),
                 "general_latex": form_latex(d.general_form)},
        "layout": d.target.layout,
        "matrix": None if d.matrix is None else {
            "text": [[text(e) for e in _shaped(d).row(r)] for r in range(_shaped(d).rows)],
            # The LaTeX export's own matrix, every entry (an array past 10 columns).
            "latex": matrix_latex(_shaped(d), full=True)},
        "sizes": {name: size if isinstance(size, int) else str(size)
                  for name, size in (("N", d.classes), *d.problem.sizes)},
        "conventions": conventions(d),
        "proof": None if d.proof is None else {
            "statement": d.proof.statement,
            "minimum_classes": d.proof.minimum,
            "conditions": _conditions(d.proof.conditions),
            "relies_on": _conditions(d.proof.relies_on),
            "rules": list(d.proof.rules),
        },
    }
    if d.exact is not None:   # a concrete N: the result checked exactly at that N
        e = d.exact
        out["exact"] = {"passed": e.passed, "entries_compared": e.entries,
                        "entries_covered": e.covered or e.entries,
                        "by_symmetry": bool(e.covered),
                        "under_assumptions": e.by_assumptions,
                        "sympy_diff_compared": d.mechanical is not None}
    if d.validation is not None:
        v = d.validation
        out["cross_validation"] = {"passed": v.passed, "sizes": list(v.sizes),
                                   "exact_entries": v.entries, "numeric_points": v.points,
                                   "max_abs_error": v.max_abs_error, "failure": v.failure}
    if d.first is not None:   # a second derivative: the first, as it was derived
        out["first"] = {"lhs": _formula(d.first.lhs), "result": _formula(d.first.result),
                        "general": _formula(d.first.general),
                        "steps": _steps(d.first, d.first.steps),
                        "check_passed": None if d.first.check is None else
                        d.first.check.passed}
    if d.symmetry is not None:
        s = d.symmetry
        out["symmetry"] = {"text": symmetry_sentence(d, text),
                           "latex": symmetry_sentence(d, latex),
                           "proved_for_every_N": s.proved, "exact_sizes": list(s.sizes),
                           "exact_entries": s.entries}
    product = product_sentences(d, text, form_text)
    if product:
        latex_product = product_sentences(d, latex, form_latex)
        out["hessian_vector_product"] = {
            "vector": str(d.hvp.vector), "text": product[0], "latex": latex_product[0],
            "form": {"text": product[1], "latex": latex_product[1]},
            "how": product[2], "exact_sizes": list(d.hvp.sizes),
            "exact_entries": d.hvp.entries}
    out["steps"] = _steps(d, d.steps)
    if d.shortcut:
        out["shortcut"] = _steps(d, d.shortcut)
    if d.check is not None:
        out["check"] = {
            "passed": d.check.passed,
            "max_abs_error": d.check.max_abs_error,
            "max_rel_error": d.check.max_rel_error,
            "max_magnitude": d.check.max_magnitude,
            "points": d.check.points,
            "extreme_points": d.check.extreme_points,
            "seed": d.check.seed,
            "sizes": list(d.check.sizes),
            "comparisons": [{"name": c.name, "passed": c.passed, "points": c.points,
                             "max_abs_error": c.max_abs_error,
                             "max_rel_error": c.max_rel_error, "rtol": c.rtol, "atol": c.atol}
                            for c in d.check.comparisons],
        }
    if evaluation is not None:
        out["value"] = {
            "point": {k: (v.tolist() if hasattr(v, "tolist") else v)
                      for k, v in evaluation.point.items()},
            "value": evaluation.value.tolist(),
            "general_form_used": evaluation.general,
            "notes": list(evaluation.notes),
            "finite_differences": evaluation.finite_differences.tolist(),
            "max_abs_error": evaluation.max_abs_error,
            "agrees": evaluation.agrees,
            "compared": evaluation.compared,
        }
    return out


def _conditions(conditions) -> list[dict]:
    return [{"index": str(c.index), "low": text(c.low), "high": text(c.high),
             "text": conditions_text([c]), "latex": conditions_latex([c])} for c in conditions]


def document_json(derivations) -> str:
    """Several derivations as one JSON array."""
    return _json.dumps([derivation_dict(d) for d in derivations], indent=2, ensure_ascii=False)


def derivation_json(d, evaluation=None) -> str:
    """:func:`derivation_dict` as indented JSON text (UTF-8 maths kept readable)."""
    return _json.dumps(derivation_dict(d, evaluation), indent=2, ensure_ascii=False)


def catalog_json(derivations) -> str:
    """``derive list --format json``: per target its name, title and summary, and its
    textbook result (index and matrix notation, with and without the assumptions), for
    every N when the derivation is symbolic (``statement``: for which N it holds)."""
    def equation(d, rhs) -> dict:
        return {"text": f"{text(d.lhs)} = {text(rhs)}", "latex": f"{latex(d.lhs)} = {latex(rhs)}"}

    return _json.dumps([{
        "target": d.target.name, "title": d.target.title, "summary": d.target.summary,
        "statement": d.proof.statement if d.symbolic else f"for N = {d.classes}",
        "result": equation(d, d.result),
        "form": None if d.form is None else {"text": form_text(d.form),
                                             "latex": form_latex(d.form)},
        "assumptions": [a.text for a in d.assumptions],
        "general": equation(d, d.general) if d.assumptions else None,
    } for d in derivations], indent=2, ensure_ascii=False)


def verdict_json(v) -> str:
    """``derive check --format json``: the verdict as data (see `derive notation`)."""
    ce = v.counterexample
    return _json.dumps({
        "verdict": v.verdict,
        "target": v.target,
        "classes": v.classes if isinstance(v.classes, int) else str(v.classes),
        "scope": v.scope,
        "sizes": {name: size if isinstance(size, int) else str(size) for name, size in v.sizes},
        "assumptions": [{"name": a.name, "text": a.text, "latex": a.latex}
                        for a in v.assumptions],
        "methods": list(v.methods),
        "lhs": _formula(v.lhs),
        "expected": _formula(v.expected),
        "general": _formula(v.general),
        "claimed": None if v.claim is None else {**_formula(v.claim.expr, v.classes),
                                                 "input": v.claim.text,
                                                 "shape": v.claim.shape,
                                                 # cancelled while built, still required
                                                 "where": [statement(c) for c in hidden(
                                                     v.claim.conditions, v.claim.expr)]},
        "counterexample": None if ce is None else {
            "entry": dict(zip(ce.indices, ce.entry)), "point": ce.point, "classes": ce.classes,
            "expected": ce.expected, "claimed": ce.claimed, "difference": ce.difference},
        "diagnosis": v.diagnosis,
        "notes": list(v.notes),
    }, indent=2, ensure_ascii=False)


def _steps(d, chain) -> list[dict]:
    """One dict per step of ``chain``: formula, reason, facts, and how it was checked."""
    return [{
        "number": number,
        "lhs": _formula(d.lhs),
        "rhs": _formula(step.rhs),
        "reason": step.reason,
        "rule": step.rule,
        "case": (None if step.case is None else
                 {"indices": [str(step.case[0]), str(step.case[1])], "equal": step.case[2]}),
        "facts": [{"lhs": _formula(a), "rhs": _formula(b)} for a, b in step.facts],
        "assumptions": [a.name for a in step.assumes],
        "conditions": _conditions(step.conditions),
        "checked": None if step.check is None else {
            "proved": step.check.proved, "sizes": list(step.check.sizes),
            "exact_entries": step.check.exact_entries, "entries": step.check.entries,
            "numeric_entries": step.check.numeric_entries,
            "numeric_points": step.check.points, "max_abs_error": step.check.max_abs_error},
    } for number, step in enumerate(chain, start=1)]


def _shaped(d):
    """The concrete matrix as printed: a gradient with the shape of its variable."""
    from ..calculus.matrices import layout
    matrix = layout(d.matrix, d.problem)
    return matrix.T if d.problem.output_index is None and matrix.cols == 1 else matrix
