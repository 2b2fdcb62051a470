"""Markdown with ``$$ … $$`` maths blocks, which GitHub and Jupyter render."""

from __future__ import annotations

from dataclasses import replace

from ..calculus.matrices import layout
from .latex import (conditions_latex, facts_latex, form_latex, latex, matrix_latex, number_latex,
                    steps_latex)
from .notation import (conventions, counted, intermediates, product_sentences, sizes_phrase,
                       symmetry_sentence)

__all__ = ["derivation_markdown", "document_markdown"]


def derivation_markdown(d, steps: bool = True, heading: str = "##", full: bool = False) -> str:
    """One derivation: heading, steps (an ``aligned`` block), result, matrix (by its
    corners when large, unless ``full``), check.

    >>> from derive.derivation import derivation
    >>> derivation_markdown(derivation("softmax-cross-entropy-grad", 3)).splitlines()[0]
    '## softmax cross-entropy gradient (N = 3)'
    """
    lhs = latex(d.lhs)
    classes = f"symbolic {d.classes}" if d.symbolic else sizes_phrase(d).replace(
        f" {d.target.unit}", "").replace(" inputs", "").replace(" examples", "")
    out = [f"{heading} {d.target.title} ({classes})", "", f"{d.target.summary}.", ""]
    named = intermediates(d, latex)
    if named:
        out += ["where " + ", ".join(f"${x}$" for x in named) + ".", ""]
    if conventions(d):
        out += ["Conventions: " + "; ".join(conventions(d)) + ".", ""]
    if steps and d.first is not None and d.first.steps:
        out += ["**First derivative.**", "", "$$", steps_latex(d.first, environment="aligned"),
                "$$", ""]
        facts = facts_latex(d.first)
        if facts:
            out += ["where " + "; ".join(facts) + ".", ""]
        out += [f"**Second derivative:** the first in its general form, ${latex(d.first.lhs)} = "
                f"{latex(d.first.general)}$ (an assumption holds at a point; it is not "
                "differentiated), differentiated again:", ""]
    if steps and d.steps:
        out += ["$$", steps_latex(d, environment="aligned"), "$$", ""]
        facts = facts_latex(d)
        if facts:
            out += ["where " + "; ".join(facts) + ".", ""]
    if steps and d.shortcut:
        short = replace(d, steps=d.shortcut)
        out += ["Shortcut, checked the same way (it agrees with the chain above):", "",
                "$$", steps_latex(short, environment="aligned"), "$$", ""]
        facts = facts_latex(short)
        if facts:
            out += ["where " + "; ".join(facts) + ".", ""]
    assumed = ", ".join(f"${a.latex}$" for a in d.assumptions)
    scope = (f", for all ${d.classes} \\ge {d.proof.minimum}$ and "
             f"${conditions_latex(d.proof.conditions)}$" if d.symbolic else "")
    out += [f"**Result**{scope}{', assuming ' + assumed if assumed else ''}:", "", "$$",
            f"{lhs} = {latex(d.result)}" + (f", \\qquad {form_latex(d.form)}" if d.form else ""),
            "$$", ""]
    if d.assumptions:
        general = form_latex(d.general_form)
        out += ["In general, without the assumption:", "", "$$",
                f"{lhs} = {latex(d.general)}" + (f", \\qquad {general}" if general else ""),
                "$$", ""]
    symmetry = symmetry_sentence(d, latex)
    if symmetry:
        out += [symmetry[:1].upper() + symmetry[1:] + ".", ""]
    product = product_sentences(d, latex, form_latex)
    if product:
        equation, form, how = product
        out += [f"Hessian-vector product, $O(N)$ per product (the matrix is $O(N^2)$), "
                f"{how}:", "", "$$", equation + (f", \\qquad {form}" if form else ""), "$$", ""]
    if d.symbolic:
        out += ["**Proof**: the derivative of the definition, computed by SymPy, reduces to the "
                "result by the rules " + ", ".join(f"`{rule}`" for rule in d.proof.rules)
                + (f"; `sum-delta` needs ${conditions_latex(d.proof.relies_on)}$."
                   if d.proof.relies_on else "."), ""]
        if d.validation is not None:
            from .text import validation_sentence
            sentence = validation_sentence(d.validation, str(d.classes))
            out += [sentence[:1].upper() + sentence[1:] + ".", ""]
    else:
        out += [f"For {classes} ({d.target.layout}):", "", "$$",
                matrix_latex(layout(d.matrix, d.problem), full), "$$", ""]
        if d.exact is not None:
            from .text import result_check_words
            sentence = " ".join(result_check_words(d)).replace("✓ ", "")
            out += [sentence[:1].upper() + sentence[1:] + ".", ""]
    if d.check is not None:
        c = d.check
        letter = d.classes if d.symbolic else "N"
        sizes = (f", result instantiated at {letter} = {', '.join(map(str, c.sizes))}"
                 if c.sizes else "")
        out.append(f"Numeric cross-check {'passed' if c.passed else 'FAILED'}: largest relative "
                   f"error ${number_latex(c.max_rel_error)}$, "
                   f"{counted(len(c.comparisons), 'comparison')} at "
                   f"{c.points} points ({c.extreme_points} with extreme logits){sizes}, "
                   f"seed {c.seed}.")
        out.append("")
    return "\n".join(out)


def document_markdown(derivations, title: str = "Derivations of softmax and cross-entropy",
                      steps: bool = True, full: bool = False) -> str:
    """Several derivations under one title."""
    letters = sorted({str(d.classes) for d in derivations if d.symbolic})
    n = ", ".join(letters)
    if steps:
        preface = (f"Every step below was proved for every {n} by the program's rules and "
                   f"checked exactly, entry by entry, at several concrete {n}." if letters else
                   "Every step below was checked by the program against the mechanical "
                   "derivative.")
    else:
        preface = (f"Every result below was proved for every {n} by the program's rules." if
                   letters else "Every result below was derived mechanically and checked "
                   "numerically against finite differences.")
    parts = [f"# {title}", "", preface, ""]
    parts += [derivation_markdown(d, steps, full=full) for d in derivations]
    return "\n".join(parts)
