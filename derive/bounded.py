"""Bounded work: a call that may blow up runs in a forked worker with limits on its time
and memory, and is killed when it passes them.

Symbolic work on a stranger's formula can take minutes or gigabytes (SymPy expanding a
power of a 60-term sum), and nothing inside the process can stop it reliably:
``signal.alarm`` is not delivered while GMP multiplies big integers, works only in the
main thread, and SymPy's broad ``except`` clauses can swallow the exception it raises.
So the call runs in a child process, forked from this one — SymPy and the target's
construction are already imported and built, so nothing is paid twice — with

* ``RLIMIT_AS`` (address space: :data:`MEMORY` more than the child inherits, so that a
  caller that has mapped much already, CUDA libraries say, is not refused at once): an
  allocation past it raises ``MemoryError`` in the child, which reports it;
* ``RLIMIT_CPU`` (CPU seconds, the time limit plus one): the kernel stops a child that
  computes past it;
* a wall-clock deadline in the parent (:data:`SECONDS`), after which the child gets
  ``SIGKILL``, whatever it is doing.

The result (or the library's exception) comes back pickled through a socket pair (a
pipe could be reopened through ``/proc`` by another process of the user's — the user's
function in a worker of this worker — and written to; a socket cannot), and the worker
is :func:`undumpable`.  On a system without ``fork`` (Windows) the call runs in this
process, unbounded.

>>> run_bounded(sum, [1, 2, 3], seconds=10)
6
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import socket
import sys
import time

from . import progress
from .errors import DeriveError, InputError, InternalError, TooLarge

__all__ = ["run_bounded", "map_bounded", "MAX_WORKERS", "checked_seconds", "address_space", "undumpable", "fork",
           "TooLarge", "SECONDS", "MEMORY", "MAX_SECONDS"]

SECONDS = 20.0               # the default wall-clock limit of `derive check`
MAX_SECONDS = 600.0          # the largest limit accepted (--timeout)
MEMORY = 4 * 2**30           # address space a worker may add to what it inherits: 4 GiB


def checked_seconds(value) -> float:
    """A time limit as given (``time_limit=``): a real number of seconds, more than 0 and
    at most :data:`MAX_SECONDS`; anything else (a bool, a string, NaN) is an InputError.

    >>> checked_seconds(20)
    20.0
    """
    import numbers
    # numpy's bool_ is no numbers.Real; Python's bool is one, and no number of seconds.
    if (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and 0 < float(value) <= MAX_SECONDS):
        return float(value)   # NaN fails the comparison
    raise InputError(f"the time limit must be a number of seconds from 0 to "
                     f"{MAX_SECONDS:g} (e.g. time_limit=20), got {value!r}"[:300])


def run_bounded(function, *args, seconds: float = SECONDS, memory: int = MEMORY,
                grace: float = 0.0, task: str = "decide exactly",
                tries: tuple[str, ...] = ("a smaller N", "a simpler claim"), **kwargs):
    """``function(*args, **kwargs)`` in a forked worker, within ``seconds`` of wall-clock
    time and ``memory`` bytes of address space.

    ``grace`` seconds more are given to a function that watches a deadline of its own
    (:func:`derive.verdicts.gradcheck.check_callable` stops the user's function at ``seconds``) to
    report it; the message of a worker stopped here still says ``seconds``.

    ``task`` says what was not done when a limit is passed (``too large to derive: …``),
    and ``tries`` what to try then (a longer ``--timeout`` is added when the time ran
    out).  What the worker drew of its progress (:mod:`derive.progress`) is cleared when
    it is stopped.

    Raises:
        TooLarge: the worker passed a limit (it is killed); the message says which.
        DeriveError: whatever the library raised in the worker, re-raised here.
        InternalError: anything else the worker raised (a bug), with its type and message.
    """
    seconds = checked_seconds(seconds)
    if not hasattr(os, "fork"):   # pragma: no cover - Windows: no worker, no bound
        return function(*args, **kwargs)
    worker = _start(function, args, kwargs, seconds + grace, memory)
    return _finish(worker, time.monotonic() + seconds + grace, seconds, memory, task, tries)


def map_bounded(function, items, *, workers: int | None = None, seconds: float = SECONDS,
                memory: int = MEMORY, task: str = "decide exactly",
                tries: tuple[str, ...] = ()) -> list:
    """``[function(item) for item in items]``, shared among forked workers that run at
    once (one per processor this process may use, at most :data:`MAX_WORKERS`), each
    bounded as by :func:`run_bounded`, all within one deadline of ``seconds``.

    For independent pieces of work that each take a fraction of a second: ``derive
    list`` derives its eleven targets on both processors of a small machine.  Only the
    first worker reports progress (two would draw over each other on one line).  When
    one worker fails or passes a limit, the others are stopped and its error is raised.

    >>> map_bounded(abs, [-1, 2, -3], seconds=10)
    [1, 2, 3]
    """
    seconds, items = checked_seconds(seconds), list(items)
    count = min(len(items), workers or _processors(), MAX_WORKERS)
    if count <= 1 or not hasattr(os, "fork"):
        return run_bounded(_mapped, function, items, seconds=seconds, memory=memory,
                           task=task, tries=tries) if items else []
    deadline = time.monotonic() + seconds
    # Interleaved shares: neighbours in a list are often alike in cost.
    started = []
    try:
        for number in range(count):
            started.append(_start(_mapped, (function, items[number::count],
                                            number == 0), {}, seconds, memory))
        shares = []
        while started:   # _finish closes and reaps its worker, whatever happens
            shares.append(_finish(started.pop(0), deadline, seconds, memory, task, tries))
    finally:
        for pid, read in started:   # a worker failed, or Ctrl-C: stop the others
            os.close(read)
            _kill(pid)
    results: list = [None] * len(items)
    for number, share in enumerate(shares):
        results[number::count] = share
    return results


# The most workers map_bounded starts: past a few, forking and the workers' own warm-up
# (SymPy's caches start empty in each) outweigh what another processor adds.
MAX_WORKERS = 4


def _processors() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _mapped(function, items, reports: bool = True) -> list:
    """In a worker: ``function`` of each item, drawing progress only if ``reports``."""
    if reports:
        return [function(item) for item in items]
    with progress.reporting(None):
        return [function(item) for item in items]


def _start(function, args, kwargs, seconds: float, memory: int) -> tuple[int, int]:
    """Fork a worker that calls ``function(*args, **kwargs)``: its pid and the socket to
    read its answer from."""
    sys.stdout.flush()
    sys.stderr.flush()
    read, write = (end.detach() for end in socket.socketpair())
    pid = fork()
    if pid == 0:   # the worker: never returns into the caller's code
        os.close(read)
        _work(write, function, args, kwargs, seconds, memory)
    os.close(write)
    return pid, read


def _finish(worker: tuple[int, int], deadline: float, seconds: float, memory: int,
            task: str, tries: tuple[str, ...]):
    """The worker's result by the deadline, or the error that says why not (the worker
    stopped and reaped either way; its socket closed)."""
    pid, read = worker
    try:
        data, finished = _collect(read, deadline)
    except BaseException:   # Ctrl-C while waiting: the worker must not outlive the call
        _kill(pid)
        progress.interrupted()
        raise
    finally:
        os.close(read)
    if not finished:
        _kill(pid)
        progress.interrupted()
        raise TooLarge(f"too large to {task}: not done within {seconds:g} s (the "
                       f"work was stopped){_advice(*tries, 'a longer --timeout')}")
    _, status = os.waitpid(pid, 0)
    if not data:   # the worker died without a word: the kernel stopped it
        progress.interrupted()
        signalled = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        cause = ("it used more than its CPU time" if signalled == signal.SIGXCPU else
                 # the hard CPU limit, or the system's out-of-memory killer: both SIGKILL
                 "it was killed (past its CPU time, or by the system for its memory)"
                 if signalled == signal.SIGKILL else f"it ended with status {status}")
        raise TooLarge(f"too large to {task}: {cause} (limit {seconds:g} s)")
    kind, value = pickle.loads(data)
    if kind == "result":
        return value
    if kind == "memory":
        raise TooLarge(f"too large to {task}: more than {memory / 2**30:g} GiB of "
                       f"memory needed (the work was stopped){_advice(*tries)}")
    if kind == "overflow":
        raise TooLarge(f"too large to {task}: a number overflowed ({value})")
    if kind == "recursion":
        raise InputError("the formula is nested too deeply to work with")
    if kind == "library":
        raise value
    raise InternalError(f"internal error in the worker: {value}")


def _advice(*choices: str) -> str:
    """``; try a``, ``; try a or b``, ``; try a, b, or c`` (nothing without a choice)."""
    if not choices:
        return ""
    if len(choices) < 3:
        return "; try " + " or ".join(choices)
    return "; try " + ", ".join(choices[:-1]) + f", or {choices[-1]}"


def _work(write: int, function, args, kwargs, seconds: float, memory: int) -> None:
    """In the child: set the limits, call, send ``(kind, value)``, and exit at once."""
    import resource
    status = 0
    try:
        try:
            undumpable()
            space = address_space() + memory
            resource.setrlimit(resource.RLIMIT_AS, (space, space))
            cpu = int(seconds) + 1
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
            message = ("result", function(*args, **kwargs))
        except MemoryError:
            message = ("memory", None)
        except OverflowError as error:   # a number past what float or mpmath can hold
            message = ("overflow", str(error))
        except RecursionError:
            message = ("recursion", None)
        except DeriveError as error:
            message = ("library", error)
        except BaseException as error:   # a bug: reported, never a traceback here
            message = ("bug", f"{type(error).__name__}: {error}")
        try:
            data = pickle.dumps(message)
        except Exception as error:   # a result that cannot travel back
            data = pickle.dumps(("bug", f"the result cannot be sent back: {error}"))
        view = memoryview(data)
        while view:
            view = view[os.write(write, view):]
    except BaseException:
        status = 70
    finally:
        os._exit(status)   # no atexit handlers, no flushing of the parent's buffers


def address_space() -> int:
    """Bytes of address space this process has mapped now (0 where ``/proc`` is not).

    >>> address_space() > 0
    True
    """
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):   # pragma: no cover - not Linux
        return 0


def fork() -> int:
    """``os.fork()``, without Python 3.12's DeprecationWarning about a multi-threaded
    process (a test suite with ``-W error`` and a thread somewhere would fail on it): the
    worker calls nothing that waits on another thread's lock, and never returns into the
    caller's code."""
    import warnings
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "This process .* is multi-threaded",
                                DeprecationWarning)
        return os.fork()


def undumpable() -> None:
    """This process (Linux): no core dump, and other processes of the same user cannot
    trace it or open its files and memory through ``/proc`` (``PR_SET_DUMPABLE`` 0).
    What a user's function does in its worker cannot reach derive's process that way
    (unless it runs as root); elsewhere this does nothing."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(4, 0)   # PR_SET_DUMPABLE
    except (OSError, AttributeError):   # pragma: no cover - not Linux
        pass


def _collect(read: int, deadline: float) -> tuple[bytes, bool]:
    """Everything the worker writes until it closes the pipe, or the deadline."""
    chunks = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return b"", False
        ready, _, _ = select.select([read], [], [], left)
        if not ready:
            return b"", False
        chunk = os.read(read, 1 << 16)
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
