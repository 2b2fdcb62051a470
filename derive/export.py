"""Writing derivations to files: formats by extension, no silent overwrite, PDF via pdflatex.

>>> format_for("notes.tex"), format_for("notes.md"), format_for("notes.json")
('latex', 'markdown', 'json')
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import DeriveError, InputError

__all__ = ["EXTENSIONS", "format_for", "check_format", "render", "render_document", "write",
           "compile_pdf", "PDFLATEX_TIMEOUT"]

EXTENSIONS = {".tex": "latex", ".md": "markdown", ".json": "json", ".txt": "text"}
PDFLATEX_TIMEOUT = 120  # seconds; a document of every target compiles in about one


def format_for(path: str | os.PathLike) -> str:
    """The output format that the file name's extension asks for."""
    suffix = Path(path).suffix.lower()
    if suffix not in EXTENSIONS:
        raise InputError(f"cannot tell the format of {str(path)!r} from its extension; "
                         f"use one of {', '.join(EXTENSIONS)}")
    return EXTENSIONS[suffix]


def check_format(fmt: str, *, standalone: bool = False, evaluation: bool = False) -> None:
    """Raise what :func:`render` would raise for these options, before any work.

    >>> check_format("markdown", evaluation=True)
    Traceback (most recent call last):
    ...
    derive.errors.InputError: --at is shown in the text and json formats only
    """
    if fmt not in ("text", "json", "latex", "markdown"):
        raise InputError(f"unknown format {fmt!r}; use text, latex, markdown or json")
    if standalone and fmt != "latex":
        raise InputError("--standalone applies to --format latex only")
    if evaluation and fmt not in ("text", "json"):
        raise InputError("--at is shown in the text and json formats only")


def render(d, fmt: str, *, steps: bool = True, standalone: bool = False, evaluation=None,
           full: bool = False) -> str:
    """One derivation in ``fmt`` (text, latex, markdown, json); a large matrix by its
    corners unless ``full`` (JSON has every entry always)."""
    check_format(fmt, standalone=standalone, evaluation=evaluation is not None)
    if fmt == "text":
        from .render.text import derivation_text
        return derivation_text(d, evaluation, steps=steps, full=full)
    if fmt == "json":
        from .render.json import derivation_json
        return derivation_json(d, evaluation)
    if fmt == "latex":
        from .render.latex import derivation_latex, document_latex
        return (document_latex([d], steps=steps, full=full) if standalone
                else derivation_latex(d, steps, full))
    if fmt == "markdown":
        from .render.markdown import derivation_markdown
        return derivation_markdown(d, steps, full=full)


def render_document(derivations, fmt: str, steps: bool = True, full: bool = False) -> str:
    """Several derivations as one document (a standalone article for LaTeX); large
    matrices by their corners unless ``full`` (JSON has every entry always)."""
    if fmt == "latex":
        from .render.latex import document_latex
        return document_latex(derivations, steps=steps, full=full)
    if fmt == "markdown":
        from .render.markdown import document_markdown
        return document_markdown(derivations, steps=steps, full=full)
    if fmt == "json":
        from .render.json import document_json
        return document_json(derivations)
    from .render.text import derivation_text
    return "\n\n".join(derivation_text(d, steps=steps, full=full) for d in derivations)


def write(path: str | os.PathLike, content: str, force: bool = False) -> Path:
    """Write ``content`` to ``path``; an existing file is replaced only with ``force``.

    Raises:
        InputError: the file exists (and not ``force``), or it cannot be written.
    """
    target = Path(path)
    if target.exists() and not force:
        raise InputError(f"{str(target)!r} exists; pass --force to overwrite it")
    if target.is_dir():
        raise InputError(f"{str(target)!r} is a directory; give a file name")
    try:
        target.write_text(content if content.endswith("\n") else content + "\n", encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot write {str(target)!r}: {error.strerror or error}") from None
    return target


def compile_pdf(tex: str | os.PathLike, force: bool = False) -> Path:
    """Compile a ``.tex`` file with ``pdflatex`` into the PDF beside it.

    ``pdflatex`` runs in a temporary directory with shell escape disabled, in batch mode,
    stopping at the first error, under a time limit.

    Raises:
        DeriveError: pdflatex is not installed, fails, or takes too long (the message
            quotes the first LaTeX error).
    """
    tex = Path(tex)
    pdf = tex.with_suffix(".pdf")
    if pdf.exists() and not force:
        raise InputError(f"{str(pdf)!r} exists; pass --force to overwrite it")
    program = shutil.which("pdflatex")
    if program is None:
        raise DeriveError("pdflatex is not installed; install TeX Live (Debian: apt-get install "
                          "texlive-latex-base texlive-latex-recommended) or leave out --pdf")
    with tempfile.TemporaryDirectory() as work:
        shutil.copy(tex, Path(work) / "document.tex")
        try:
            result = subprocess.run(
                [program, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                 "document.tex"], cwd=work, capture_output=True, text=True,
                errors="replace", timeout=PDFLATEX_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise DeriveError(f"pdflatex took longer than {PDFLATEX_TIMEOUT} s") from None
        built = Path(work) / "document.pdf"
        if result.returncode != 0 or not built.exists():
            first = next((line for line in result.stdout.splitlines() if line.startswith("!")),
                         f"exit status {result.returncode}")
            raise DeriveError(f"pdflatex failed on {str(tex)!r}: {first}")
        shutil.copy(built, pdf)
    return pdf
