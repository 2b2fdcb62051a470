"""An :class:`~derive.identities.Identity` in every output format (``derive prove``).

Each chain is printed as the derivations' steps are: the left side, then ``= rhs`` lines
with their reasons, facts and assumptions; the LaTeX forms are one ``align*`` (or
``aligned``) block per chain.
"""

from __future__ import annotations

import json as _json

from .latex import escape, latex
from .text import _fill, text

__all__ = ["identity_text", "identity_latex", "identity_markdown", "identity_json",
           "render_identity"]


def _reason_chunks(step) -> list[str]:
    """The reason, each fact and the assumptions: the pieces a line may wrap between."""
    chunks = (step.reason + (":" if step.facts else "")).split(" ")   # words may wrap
    chunks += [f"{text(a)} = {text(b)}" + (";" if m < len(step.facts) - 1 else "")
               for m, (a, b) in enumerate(step.facts)]
    if step.assumes:
        chunks.append("[assumes " + "; ".join(a.text.split(" (")[0] for a in step.assumes)
                      + "]")
    return chunks


def identity_text(identity, width: int = 80) -> str:
    """The chains as numbered steps, each marked ✓ once checked, then the conclusion."""
    lines = [identity.title, identity.summary, ""]
    for chain in identity.chains:
        lines.append(f"    {text(chain.lhs)}")
        for number, step in enumerate(chain.steps, start=1):
            lines.append(f"{number:>2}.  = {text(step.rhs)}")
            lines += _fill(_reason_chunks(step), width, "      ✓", " " * 8)
        lines.append("")
    points = identity.chains[0].steps[0].check.points
    lines += _fill(["✓ checked: each step equals the first line of its chain", "exactly",
                    "(rational functions in exp(z_1), exp(z_2) and the labels)",
                    f"and at {points} random points"], width, "  ", "    ")
    lines += ["", *_fill(("so " + identity.conclusion + ".").split(" "), width, "", "")]
    return "\n".join(lines)


def _chain_latex(chain, environment: str) -> str:
    rows = []
    for number, step in enumerate(chain.steps, start=1):
        left = latex(chain.lhs) if number == 1 else ""
        rows.append(rf"{left} &= {latex(step.rhs)} && \text{{({number})}}")
    body = " \\\\\n".join(rows)
    return f"\\begin{{{environment}}}\n{body}\n\\end{{{environment}}}"


def _notes_latex(chain) -> str:
    notes = []
    for number, step in enumerate(chain.steps, start=1):
        words = f"({number}) {escape(step.reason)}"
        if step.facts:
            words += ": " + ", ".join(f"${latex(a)} = {latex(b)}$" for a, b in step.facts)
        if step.assumes:
            words += ", assuming " + ", ".join(rf"$\textstyle {a.latex}$" for a in step.assumes)
        notes.append(words)
    return r"\noindent " + "; ".join(notes) + "."


def identity_latex(identity, environment: str = "align*") -> str:
    """A LaTeX fragment: per chain an ``align*`` with step numbers, then the reasons."""
    parts = [f"% derive: {identity.name}; every step checked by the program",
             identity.summary_latex]
    for chain in identity.chains:
        parts += [_chain_latex(chain, environment), _notes_latex(chain)]
    return "\n\n".join(parts) + "\n"


def identity_markdown(identity) -> str:
    out = [f"## {identity.title}", "", identity.summary_latex, ""]
    for chain in identity.chains:
        out += ["$$", _chain_latex(chain, "aligned"), "$$", "",
                _notes_latex(chain).replace(r"\noindent ", ""), ""]
    out.append(f"So {identity.conclusion}.")
    return "\n".join(out) + "\n"


def identity_json(identity) -> str:
    def formula(e) -> dict:
        return {"text": text(e), "latex": latex(e)}

    data = {
        "identity": identity.name, "title": identity.title, "summary": identity.summary,
        "conclusion": identity.conclusion,
        "assumptions": [{"name": a.name, "text": a.text, "latex": a.latex}
                        for a in identity.assumptions],
        "chains": [{"lhs": formula(chain.lhs), "steps": [
            {"rhs": formula(step.rhs), "reason": step.reason, "rule": step.rule,
             "facts": [{"lhs": formula(a), "rhs": formula(b)} for a, b in step.facts],
             "assumes": [a.name for a in step.assumes],
             "check": {"exact": step.check.exact, "points": step.check.points,
                       "max_abs_error": step.check.max_abs_error}}
            for step in chain.steps]} for chain in identity.chains],
    }
    return _json.dumps(data, indent=2, ensure_ascii=False)


def render_identity(identity, fmt: str) -> str:
    """``fmt`` is one of text, latex, markdown, json."""
    return {"text": identity_text, "latex": identity_latex, "markdown": identity_markdown,
            "json": identity_json}[fmt](identity)
