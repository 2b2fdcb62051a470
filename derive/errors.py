"""The error hierarchy: every failure the library reports is a ``DeriveError``."""

from __future__ import annotations

__all__ = ["DeriveError", "UnknownTargetError", "InputError", "RewriteError", "StepError"]


class DeriveError(Exception):
    """Base class: a one-line message that says what went wrong and what to try."""


class UnknownTargetError(DeriveError, KeyError):
    """A target name that the catalog does not know; the message suggests close names."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class InputError(DeriveError, ValueError):
    """A user-supplied value (``classes``, an ``--at`` point, …) that cannot be used."""


class RewriteError(DeriveError):
    """A mechanical derivative that the rewriting rules cannot bring into textbook form.

    Raised, for example, when the derivative of a construction is not expressible through
    the softmax outputs ``S_k`` alone, or when entries that should share one index form
    do not.
    """


class StepError(DeriveError):
    """A step of a derivation that does not follow; the message names the step."""
