"""Markdown with ``$$ … $$`` maths blocks, which GitHub and Jupyter render."""

from __future__ import annotations

from .latex import number_latex, facts_latex, form_latex, latex, matrix_latex, steps_latex

__all__ = ["derivation_markdown", "document_markdown"]


def derivation_markdown(d, steps: bool = True, heading: str = "##") -> str:
    """One derivation: heading, steps (an ``aligned`` block), result, matrix, check.

    >>> from derive.derivation import derivation
    >>> derivation_markdown(derivation("softmax-cross-entropy-grad", 3)).splitlines()[0]
    '## softmax cross-entropy gradient (N = 3)'
    """
    lhs = latex(d.lhs)
    out = [f"{heading} {d.target.title} (N = {d.classes})", "", f"{d.target.summary}.", ""]
    if steps and d.steps:
        out += ["$$", steps_latex(d, environment="aligned"), "$$", ""]
        facts = facts_latex(d)
        if facts:
            out += ["where " + "; ".join(facts) + ".", ""]
    assumed = ", ".join(f"${a.latex}$" for a in d.assumptions)
    out += [f"**Result**{', assuming ' + assumed if assumed else ''}:", "", "$$",
            f"{lhs} = {latex(d.result)}" + (f", \\qquad {form_latex(d.form)}" if d.form else ""),
            "$$", ""]
    if d.assumptions:
        general = form_latex(d.general_form)
        out += ["In general, without the assumption:", "", "$$",
                f"{lhs} = {latex(d.general)}" + (f", \\qquad {general}" if general else ""),
                "$$", ""]
    out += [f"For N = {d.classes} ({d.target.layout}):", "", "$$", matrix_latex(d.matrix), "$$", ""]
    if d.check is not None:
        c = d.check
        out.append(f"Numeric cross-check {'passed' if c.passed else 'FAILED'}: largest relative "
                   f"error ${number_latex(c.max_rel_error)}$, {len(c.comparisons)} comparisons at "
                   f"{c.points} points ({c.extreme_points} with extreme logits), seed {c.seed}.")
        out.append("")
    return "\n".join(out)


def document_markdown(derivations, title: str = "Derivations of softmax and cross-entropy",
                      steps: bool = True) -> str:
    """Several derivations under one title."""
    parts = [f"# {title}", "",
             "Every step below was checked by the program against the mechanical derivative.", ""]
    parts += [derivation_markdown(d, steps) for d in derivations]
    return "\n".join(parts)
