"""The error hierarchy: every failure the library reports is a ``DeriveError``.

Each kind has its own exit status on the command line: :class:`InputError` (the user's
input cannot be used, or is undefined) 2, :class:`TooLarge` (the work passed its time or
memory limit: undetermined) 3, :class:`InternalError` (a bug in derive) 70.
"""

from __future__ import annotations

__all__ = ["DeriveError", "UnknownTargetError", "InputError", "UndefinedClaim",
           "RewriteError", "StepError", "TooLarge", "InternalError"]


class DeriveError(Exception):
    """Base class: a one-line message that says what went wrong and what to try."""


class UnknownTargetError(DeriveError, KeyError):
    """A target name that the catalog does not know; the message suggests close names."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class InputError(DeriveError, ValueError):
    """A user-supplied value (``classes``, an ``--at`` point, …) that cannot be used."""


class UndefinedClaim(InputError):
    """The claim as written has no value somewhere it is asked about: a divisor that is
    0, a logarithm of 0 or of a negative number, a square root of a negative number.  The
    message says where (exit status 2: the input is not a formula that has a value)."""


class RewriteError(DeriveError):
    """A mechanical derivative that the rewriting rules cannot bring into textbook form.

    Raised, for example, when the derivative of a construction is not expressible through
    the softmax outputs ``S_k`` alone, or when entries that should share one index form
    do not.
    """


class StepError(DeriveError):
    """A step of a derivation that does not follow; the message names the step."""


class TooLarge(DeriveError):
    """The work passed its time or memory limit: too large to decide, which is not a
    verdict on the claim (``derive check`` exits 3, *undetermined*) nor a fault of the
    input (that is exit 2)."""


class InternalError(DeriveError):
    """A bug in derive (an exception it did not expect, in a worker): exit status 70."""
