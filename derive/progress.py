"""Progress of long work: the library says what it is doing; nobody listens by default.

The library marks its slow loops with :func:`stage` and :func:`advance` and knows nothing
of terminals.  A listener (a :class:`Reporter`) is installed with :func:`reporting`: the
command line installs one that draws click's progress bar on stderr when stderr is a
terminal and ``--quiet`` is not given; without one, both calls do nothing and cost a
global lookup.

Stages nest: a stage opened inside another (one target of an export, then the entries
of its check) is shown after its parent's name, and the parent is shown again when it
ends.  They work inside a forked worker of :func:`derive.bounded.run_bounded` too: the
worker inherits the listener and draws on the same stderr, and the parent calls
:func:`interrupted` when a worker is stopped with a stage open, so that what the worker
drew is cleared.

>>> with stage("checking entries", total=3):
...     for entry in range(3):
...         advance()
>>> class Printer:
...     def start(self, name, total): print("start", name, total)
...     def advance(self, steps): print("advance", steps)
...     def end(self): print("end")
...     def clear(self): print("clear")
>>> with reporting(Printer()), stage("deriving", total=2):
...     advance(2)
start deriving 2
advance 2
end
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Protocol, Sequence, TypeVar

T = TypeVar("T")

__all__ = ["Reporter", "stage", "advance", "counted", "reporting", "interrupted"]


class Reporter(Protocol):
    """What a listener implements; the calls come in order (``start`` … ``end``, nested)."""

    def start(self, name: str, total: int | None) -> None:
        """A stage begins: ``total`` steps to come, or ``None`` when unknown."""

    def advance(self, steps: int) -> None:
        """``steps`` more of the innermost stage are done."""

    def end(self) -> None:
        """The innermost stage is over (done, or left by an exception)."""

    def clear(self) -> None:
        """Something else drew on the terminal and stopped mid-way (a killed worker):
        clear the line and show the open stages again."""


_reporter: Reporter | None = None


@contextmanager
def stage(name: str, total: int | None = None) -> Iterator[None]:
    """Mark the work in the ``with`` block as one stage named ``name`` (a few words, such
    as ``"checking the steps at N = 64"``), of ``total`` steps when known.

    Args:
        name: what is being done, as the user reads it.
        total: how many :func:`advance` steps the stage has (``None``: unknown).
    """
    reporter = _reporter
    if reporter is None:
        yield
        return
    reporter.start(name, total)
    try:
        yield
    finally:
        reporter.end()


def advance(steps: int = 1) -> None:
    """``steps`` more steps of the innermost open :func:`stage` are done."""
    if _reporter is not None:
        _reporter.advance(steps)


def counted(items: Sequence[T], name: str) -> Iterator[T]:
    """The items, as one :func:`stage` named ``name`` that advances by one per item.

    >>> sum(row for row in counted((1, 2, 3), "adding rows"))
    6
    """
    with stage(name, total=len(items)):
        for item in items:
            yield item
            advance()


def interrupted() -> None:
    """A worker that may have drawn progress was stopped (:func:`derive.bounded.run_bounded`
    calls this): the listener clears what it left."""
    if _reporter is not None:
        _reporter.clear()


@contextmanager
def reporting(reporter: Reporter | None) -> Iterator[Reporter | None]:
    """Send the stages to ``reporter`` inside the ``with`` block (``None``: to nobody)."""
    global _reporter
    previous, _reporter = _reporter, reporter
    try:
        yield reporter
    finally:
        _reporter = previous
