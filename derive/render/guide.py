"""The notation guide, for the terminal: ``derive notation [TOPIC]``.

The guide is one Markdown file shipped with the package (``derive/notation.md``), so that
an installed ``derive`` has it; the documentation site shows the same file as its
notation page.  A topic is one of its sections, named by a word of its heading.

>>> topics()[:3]
['names', 'examples', 'latex']
>>> notation_guide("latex").splitlines()[0]
'## LaTeX'
"""

from __future__ import annotations

import re
from importlib.resources import files

from ..errors import InputError

__all__ = ["notation_guide", "topics", "GUIDE"]

GUIDE = "notation.md"


def _text() -> str:
    return files("derive").joinpath(GUIDE).read_text(encoding="utf-8")


def _sections() -> list[tuple[str, str]]:
    """The ``## `` sections of the guide: (heading, text including the heading)."""
    parts = re.split(r"(?m)^(?=## )", _text())
    return [(part.splitlines()[0][3:].strip(), part.rstrip() + "\n") for part in parts[1:]]


def topics() -> list[str]:
    """One word for each section, the first of its heading that no earlier one took:
    ``names``, ``examples``, ``latex`` …"""
    out: list[str] = []
    for heading, _ in _sections():
        words = [w.lower() for w in re.findall(r"[A-Za-z]+", heading) if len(w) > 2]
        out.append(next((w for w in words if w not in out and w not in _SMALL), words[0]))
    return out


_SMALL = {"one", "the", "and", "what", "how", "is"}


def notation_guide(topic: str | None = None) -> str:
    """The whole guide, or the section ``topic`` names (a word of its heading, any case).

    Raises:
        InputError: a topic the guide has no section for, naming those it has.
    """
    if topic is None:
        return _text()
    wanted = topic.strip().lower()
    for name, (heading, text) in zip(topics(), _sections()):
        if wanted == name or wanted in heading.lower():
            return text
    raise InputError(f"no topic {topic!r} in the notation guide; the topics: "
                     + ", ".join(topics()) + " (or none, for the whole guide)")
