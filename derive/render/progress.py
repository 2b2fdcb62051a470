r"""The progress line: :mod:`derive.progress` drawn on a terminal with click's progress bar.

One line of stderr, drawn over itself with a carriage return and erased when its stage
ends, so that the terminal keeps only the output.  Plain characters only — no escape
sequences, the cursor is never hidden (click's own bar hides it until it finishes) — so a
worker killed mid-bar leaves a line that :meth:`ProgressLine.clear` overwrites, nothing
else.  The command line installs it when stderr is a terminal and ``--quiet`` is not given.

>>> import io
>>> from derive import progress
>>> stream = io.StringIO()
>>> with progress.reporting(ProgressLine(stream, columns=60)):
...     with progress.stage("deriving", total=2):
...         progress.advance()
>>> stream.getvalue().split("\r")[1]
'deriving  [--------------------]  0/2'
"""

from __future__ import annotations

import os
import shutil
import time

import click

__all__ = ["ProgressLine"]


class ProgressLine:
    """A :class:`derive.progress.Reporter` that draws the open stages on ``stream``: the
    outer ones by name and count, the innermost with click's bar (``deriving 2/11 ›
    softmax-jacobian › numeric check at N = 3  [######----]  2/3``), cut to the
    terminal's width (``columns``, or asked at every draw)."""

    REDRAW = 0.1   # seconds between two redraws of the same stage

    def __init__(self, stream, columns: int | None = None):
        self.stream, self.stages, self.shown, self.drawn_at = stream, [], 0, 0.0
        self.columns = columns   # None: the terminal's width, asked at every draw

    def start(self, name: str, total: int | None) -> None:
        bar = None if total is None else click.progressbar(
            length=max(int(total), 1), label=name, file=self.stream, show_pos=True, width=20)
        self.stages.append((name, bar))
        self._draw(force=True)

    def advance(self, steps: int) -> None:
        if self.stages and self.stages[-1][1] is not None:
            self.stages[-1][1].make_step(steps)
            self._draw()

    def end(self) -> None:
        if self.stages:
            self.stages.pop()
        self._erase(self.shown)
        if self.stages:
            self._draw(force=True)

    def clear(self) -> None:
        self._erase(self._columns() - 1)
        if self.stages:
            self._draw(force=True)

    def _columns(self) -> int:
        """The width of the terminal that stderr is (stdout may be a file)."""
        if self.columns is not None:
            return self.columns
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
        return columns or shutil.get_terminal_size().columns   # 0: a terminal of no size

    def _line(self) -> str:
        """The open stages, outermost first: ``deriving 2/11 › softmax-jacobian …``."""
        shown = [name if bar is None else f"{name} {bar.format_pos()}"
                 for name, bar in self.stages[:-1]]
        name, bar = self.stages[-1]
        shown.append(f"{name} …" if bar is None else bar.format_progress_line())
        return " › ".join(shown)

    def _draw(self, force: bool = False) -> None:
        if not force and time.monotonic() - self.drawn_at < self.REDRAW:
            return
        self.drawn_at = time.monotonic()
        width = self._columns() - 1   # a full line would wrap
        line = self._line()
        if len(line) > width:
            line = line[:max(width - 1, 0)] + "…"
        self._write("\r" + line.ljust(self.shown))
        self.shown = len(line)

    def _erase(self, width: int) -> None:
        self._write("\r" + " " * width + "\r")
        self.shown = 0

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):   # stderr closed: nobody to show it to
            pass
