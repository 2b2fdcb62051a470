"""Jupyter: a :class:`~derive.record.Derivation` shown as rendered maths.

The derivation itself formats nothing; this module tells IPython how to show one, as SymPy's
``init_printing`` does for expressions (``formatter.for_type``): the steps as display maths
(``text/latex``) and the report as Markdown (``text/markdown``).  ``import derive`` calls
:func:`register` when IPython is running; outside IPython nothing happens.

>>> class Formatter:
...     def __init__(self): self.types = {}
...     def for_type(self, kind, show): self.types[kind] = show
>>> class Shell:
...     class display_formatter:
...         formatters = {"text/latex": Formatter(), "text/markdown": Formatter()}
>>> register(Shell())
True
>>> from derive.derivation import derivation
>>> show = Shell.display_formatter.formatters["text/latex"].types[Derivation]
>>> show(derivation("log-softmax-jacobian", 3))[:17]
'$$\\\\begin{aligned}'
"""

from __future__ import annotations

import sys

from ..record import Derivation
from .latex import latex, steps_latex
from .markdown import derivation_markdown

__all__ = ["register", "display_latex"]


def display_latex(d: Derivation) -> str:
    """The steps (or, without steps, the result) as one display-maths block."""
    if d.steps:
        return "$$" + steps_latex(d, environment="aligned") + "$$"
    return f"$${latex(d.lhs)} = {latex(d.result)}$$"


def register(shell=None) -> bool:
    """Register the formatters with ``shell`` (default: the running IPython, if any).

    Returns whether a shell was found.
    """
    if shell is None:
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
        if shell is None:
            return False
    formatters = shell.display_formatter.formatters
    formatters["text/latex"].for_type(Derivation, display_latex)
    formatters["text/markdown"].for_type(Derivation, derivation_markdown)
    return True
