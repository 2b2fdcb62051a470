"""The user's code, isolated: a function someone wrote runs only in a worker process of its
own, bounded in time and memory, and what it returns comes back as plain arrays.

Running a user's function in the verifier's process would let it change the verdict: its
module could set a tolerance to 1e300 or replace ``numpy.allclose`` and any gradient would
"hold".  So :class:`Worker` forks a child process, and everything that is the user's runs
there and only there — importing the file of a :class:`PythonFunction`, reading the
signature, every call, and turning each result into an array (``__array__``,
``__float__``).  The child sends back a JSON header and the raw bytes of a real-number
array in the shape asked for, nothing else; this process checks every header (kind,
dtype from a fixed list, shape, size) and never unpickles what the child wrote, so the
comparison, the tolerances and the diagnosis are computed where the user's code never ran.

The child has

* ``RLIMIT_AS``: :data:`~derive.bounded.MEMORY` (4 GiB) of address space beyond what it
  inherited (a 5 GiB allocation at import fails there, and the caller does not grow);
* ``RLIMIT_CPU`` and a wall-clock deadline, after which it is killed with its process
  group (``SIGKILL``) whatever it is doing — the import included;
* no terminal: stdin is ``/dev/null``, its stdout goes to stderr (the verdict on stdout
  stays the verdict), it runs in its own process group and dies with its parent;
* none of the caller's open files but stdin, stdout and stderr (it cannot write into
  another worker's channel).

It is not a sandbox: the file system, the network and the user's other processes are as
open to the code as to the user who runs it.  On a system without ``fork`` (Windows) the
function runs in this process, unbounded and not isolated.

>>> import numpy as np
>>> def double(x):
...     return 2 * x
>>> rows = {"x": [np.array([1.0, 2.0]), np.array([3.0, 4.0])]}
>>> with Worker(double, {"points": rows}, shape=(2,), seconds=10) as worker:
...     names = [p.name for p in worker.parameters()]
...     calls = worker.call("points", [("x", "x")])
>>> names, calls.values.tolist()
(['x'], [[2.0, 4.0], [6.0, 8.0]])
"""

from __future__ import annotations

import json
import math
import os
import re
import select
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..bounded import MEMORY, fork
from ..errors import InputError
from .worker_child import MAX_TEXT, PythonFunction, Server, run_child

__all__ = ["PythonFunction", "Parameter", "Calls", "Worker", "is_user_code"]

_MAX_HEADER = 1 << 16       # bytes of one JSON header from the child
_POLL = 0.1                 # seconds between looks at whether the child is still alive
# The dtypes an answer may have, by the name the child gives (native byte order).
_DTYPES = {np.dtype(name).str: np.dtype(name) for name in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64")}


def is_user_code(claim) -> bool:
    """Is ``claim`` code of the user's (a function, or a :class:`PythonFunction`) rather
    than a formula?  Some SymPy objects are callable (an undefined function ``f``); they
    are formulas."""
    import sympy as sp
    return isinstance(claim, PythonFunction) or (callable(claim)
                                                  and not isinstance(claim, sp.Basic))


@dataclass(frozen=True)
class Parameter:
    """A parameter of the user's function, as the worker read it from the signature."""

    name: str
    kind: str         # inspect.Parameter kind: "POSITIONAL_OR_KEYWORD", "VAR_POSITIONAL", …
    required: bool    # no default value

    @property
    def named(self) -> bool:
        """Can it be given by name (not ``*args``, ``**kwargs``)?"""
        return self.kind in ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD", "KEYWORD_ONLY")


@dataclass(frozen=True)
class Calls:
    """What the function returned at a batch of points, checked in this process.

    Attributes:
        values: ``(points, *shape)`` float64, the first call at each point; ``None`` when a
            result had another shape, which is then ``shape``.
        float32: some result was float32.
        nondeterministic: two calls at the same point gave different results.
    """

    values: np.ndarray | None
    shape: tuple[int, ...] | None = None
    float32: bool = False
    nondeterministic: bool = False


class _Late(Exception):
    """The deadline passed."""


class _Ended(Exception):
    """The child closed its channel or died."""


class _Garbled(Exception):
    """The child sent something that is not an answer."""


class Worker:
    """The user's function in a forked worker process; a context manager.

    Args:
        function: a callable (the child inherits it) or a :class:`PythonFunction` (the
            child imports it).
        batches: named batches of keyword arguments, ``{batch: {variable: values}}`` with
            one value per point; prepared here, before the fork, so nothing is sent.
        shape: the shape every result should have.
        seconds: the wall-clock limit shown in messages; ``None``: no time limit.
        deadline: when to stop, in :func:`time.monotonic` time (default: ``seconds`` from
            now); shared with the caller's own work.
        memory: bytes the child may allocate beyond what it inherits.

    Every method raises :class:`~derive.errors.InputError` with one line on what the
    user's code did: an import that fails, exits or hangs, a function that raises,
    returns something that is not real numbers, does not return in time, needs too much
    memory, or ends its process.
    """

    def __init__(self, function, batches: Mapping[str, Mapping[str, Sequence]],
                 shape: tuple[int, ...], *, seconds: float | None = None,
                 deadline: float | None = None, memory: int = MEMORY):
        if deadline is not None and seconds is None:
            raise ValueError("a deadline needs the seconds it stands for (for messages)")
        self.function, self.shape, self.seconds = function, tuple(shape), seconds
        self.deadline = (deadline if deadline is not None or seconds is None
                         else time.monotonic() + seconds)
        self.memory = memory
        self.batches = {name: dict(table) for name, table in batches.items()}
        self._parameters: tuple[Parameter, ...] | None = None
        self._buffer = bytearray()
        self._pid = None
        self._exited = None   # the child's waitid result once it has ended
        self._started = time.monotonic()
        self._calls = (0, 0)   # calls answered, and asked for, in the batch being read
        self._forked = hasattr(os, "fork")
        if self._forked:
            self._start()
        else:   # pragma: no cover - Windows: in this process, unbounded, not isolated
            self._server = Server(function, self.batches, self.shape)
            self._records: Iterator = iter(())

    # --- the parent's side ------------------------------------------------------------

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def parameters(self) -> tuple[Parameter, ...]:
        """The function's parameters, read by the worker (after importing the file)."""
        if self._parameters is None:
            self._parameters = self._exchange(self._read_parameters, "load")
        return self._parameters

    def call(self, batch: str, binding: Sequence[tuple[str, str]]) -> Calls:
        """Call the function twice at every point of ``batch``, with each parameter of
        ``binding`` (``(parameter, variable)`` pairs) given the variable's value."""
        self.parameters()
        names = ", ".join(name for name, _ in binding)
        self._send({"batch": batch, "bind": [list(pair) for pair in binding]})
        return self._exchange(lambda: self._read_calls(batch, names), "call", names)

    def close(self) -> None:
        """Stop the worker (and anything it started in its process group)."""
        if self._pid is None:
            return
        for fd in (self._commands, self._results):
            try:
                os.close(fd)
            except OSError:
                pass
        _kill(self._pid)
        self._pid = None

    def _start(self) -> None:
        # Anything buffered here would be written twice: once by the child.
        sys.stdout.flush()
        sys.stderr.flush()
        commands_read, commands_write = os.pipe()
        results_read, results_write = os.pipe()
        pid = fork()
        if pid == 0:   # the child: never returns into the caller's code
            status = 0
            try:
                os.close(commands_write)
                os.close(results_read)
                run_child(self, commands_read, results_write)
            except BaseException:
                status = 70
            finally:
                os._exit(status)
        os.close(commands_read)
        os.close(results_write)
        try:   # its own process group, from both sides: no race with the kill below
            os.setpgid(pid, pid)
        except OSError:
            pass
        self._pid, self._commands, self._results = pid, commands_write, results_read

    def _exchange(self, read: Callable, phase: str, names: str = ""):
        """``read()``, with the ways a child can fail turned into one-line errors."""
        try:
            return read()
        except _Late:
            self.close()
            raise InputError(self._late(phase)) from None
        except _Ended:
            cause = self._ending()
            self.close()
            raise InputError(self._ended(phase, cause, names)) from None
        except _Garbled as error:
            self.close()
            what = self._subject(phase)
            raise InputError(f"{what} sent something that is not an answer ({error}); "
                             "does it write to file descriptors it did not open?") from None

    def _subject(self, phase: str) -> str:
        if phase == "load" and isinstance(self.function, PythonFunction):
            return f"importing {self.function.path}"
        return "your function"

    def _late(self, phase: str) -> str:
        if phase == "load" and isinstance(self.function, PythonFunction):
            return (f"importing {self.function.path} did not finish within "
                    f"{self.seconds:g} s (it was stopped); a module given to --python must "
                    "define its function, not run")
        had = self.deadline - self._started
        # The limit is the whole check's: the derivation before may have used much of it.
        share = (f", of which it had {had:.1f} s after the derivation"
                 if had < 0.8 * self.seconds else "")
        answered, asked = self._calls
        done = (f"; {answered} of {asked} calls had returned" if answered else "")
        return (f"your function did not return: not done within {self.seconds:g} s{share} "
                f"(it was stopped{done}); if it is only slow, give a longer time limit "
                "(--timeout)")

    def _ended(self, phase: str, cause: str, names: str) -> str:
        subject = self._subject(phase)
        if cause.startswith("used more than"):
            verb = "did not return" if subject == "your function" else "did not finish"
            return f"{subject} {verb}: it {cause}"
        if subject != "your function":
            cause = "it closed its channel" if cause == "closed" else cause
            return (f"{subject} ended the worker process ({cause}); a module given to "
                    "--python must define its function, not run")
        called = f" (called with {names})" if names else ""
        if cause == "closed":
            return (f"your function closed the channel of its worker instead of returning"
                    f"{called}; does it close file descriptors it did not open?")
        return (f"your function ended the worker process instead of returning ({cause})"
                f"{called}; does it call os._exit, or kill its own process?")

    def _ending(self) -> str:
        """How the child ended, in words (it is given a moment to finish ending)."""
        until = time.monotonic() + 1.0
        while self._exited is None and time.monotonic() < until:
            self._exited = _ended(self._pid)
            if self._exited is None:
                time.sleep(0.01)
        if self._exited is None:   # alive, but its channel is closed
            return "closed"
        code, status = self._exited.si_code, self._exited.si_status
        if code == os.CLD_EXITED:
            return f"exit status {status}"
        if status == signal.SIGXCPU and self.seconds is not None:
            return f"used more than its CPU time (limit {self.seconds:g} s)"
        try:
            name = signal.Signals(status).name
        except ValueError:
            name = f"signal {status}"
        return f"killed by {name}"

    def _send(self, command: dict) -> None:
        data = (json.dumps(command) + "\n").encode()
        if not self._forked:   # pragma: no cover - Windows
            self._records = self._server.run(command["batch"], command["bind"])
            return
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._commands, view):]
        except OSError:   # the child is gone: reading says how
            pass

    def _read_parameters(self) -> tuple[Parameter, ...]:
        if not self._forked:   # pragma: no cover - Windows
            self._records = iter([self._server.load()])
        header = self._header()
        kind = header.get("kind")
        if kind == "import":
            raise InputError(self._import_error(header))
        if kind != "parameters":
            raise _Garbled(f"a {_text(kind)!r} record before the parameters")
        listed = header.get("parameters")
        if listed is None:
            raise InputError("cannot read the parameters of the function")
        if not isinstance(listed, list) or len(listed) > 256:
            raise _Garbled("parameters that are not a list")
        parameters = []
        for item in listed:
            if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], str)
                    and item[0].isidentifier() and len(item[0]) <= 100
                    and item[1] in _KINDS and isinstance(item[2], bool)):
                raise _Garbled("a parameter that is not a name, a kind and a flag")
            parameters.append(Parameter(*item))
        return tuple(parameters)

    def _import_error(self, header: dict) -> str:
        path = self.function.path if isinstance(self.function, PythonFunction) else "the file"
        error = header.get("error")
        if error == "exit":
            return (f"importing {path} called sys.exit({_text(header.get('code'))}); a module "
                    "given to --python must define its function, not run")
        if error == "memory":
            return (f"importing {path} needed more than {self.memory / 2**30:g} GiB of memory "
                    "(it was stopped)")
        if error == "missing":
            return f"{path} has no function {self.function.name!r}"
        return (f"importing {path} failed: {_name(header.get('type'))}"
                f"{_colon(header.get('message'))}")

    def _read_calls(self, batch: str, names: str) -> Calls:
        count = len(next(iter(self.batches[batch].values()), ()))
        out = np.empty((count, *self.shape))
        float32 = nondeterministic = False
        for row in range(count):
            self._calls = (2 * row, 2 * count)
            first = self._result(names)
            self._calls = (2 * row + 1, 2 * count)
            second = self._result(names)
            if isinstance(first, tuple):   # another shape: the caller says what it means
                return Calls(None, shape=first)
            float32 = float32 or first.dtype == np.float32
            same = (not isinstance(second, tuple) and np.array_equal(
                first, second, equal_nan=first.dtype.kind == second.dtype.kind == "f"))
            nondeterministic = nondeterministic or not same
            out[row] = first
        return Calls(out, float32=float32, nondeterministic=nondeterministic)

    def _result(self, names: str) -> np.ndarray | tuple[int, ...]:
        """One call's result: an array of the expected shape, or another shape."""
        header = self._header()
        kind = header.get("kind")
        called = f" (called with {names})"
        if kind == "raised":
            kind_of = _name(header.get("type"))
            if kind_of == "SystemExit":
                raise InputError(f"your function called sys.exit({_text(header.get('message'))})"
                                 f" instead of returning{called}")
            raise InputError(f"your function raised {kind_of}{_colon(header.get('message'))}"
                             f"{called}")
        if kind == "memory":
            raise InputError(f"your function needed more than {self.memory / 2**30:g} GiB of "
                             f"memory (it was stopped){called}")
        if kind == "values":
            dtype = header.get("dtype")
            dtype = dtype if isinstance(dtype, str) and re.fullmatch(
                r"[<>|=]?[A-Za-z][A-Za-z0-9_\[\]]{0,40}", dtype) else "non-numeric"
            raise InputError(f"your function returned {dtype} values, not real numbers")
        shape = header.get("shape")
        if not (isinstance(shape, list) and len(shape) <= 32 and all(
                isinstance(x, int) and not isinstance(x, bool) and 0 <= x < 2**62
                for x in shape)):
            raise _Garbled("a shape that is not a list of sizes")
        if kind == "shape":
            if tuple(shape) == self.shape:
                raise _Garbled("a shape mismatch of the expected shape")
            return tuple(shape)
        dtype = _DTYPES.get(header.get("dtype")) if isinstance(header.get("dtype"), str) else None
        if kind != "array" or dtype is None or tuple(shape) != self.shape:
            raise _Garbled(f"a {_text(kind)!r} record")
        payload = self._read(math.prod(self.shape) * dtype.itemsize)
        if dtype == np.bool_:   # only 0 and 1 are booleans
            return (np.frombuffer(payload, np.uint8) != 0).reshape(self.shape)
        return np.frombuffer(payload, dtype).reshape(self.shape)

    def _header(self) -> dict:
        if not self._forked:   # pragma: no cover - Windows
            header, payload = next(self._records, ({"kind": "end"}, b""))
            self._buffer = bytearray(payload)
            return header
        length = int.from_bytes(self._read(4), "big")
        if length > _MAX_HEADER:
            raise _Garbled(f"a header of {length} bytes")
        try:
            header = json.loads(self._read(length))
        except (ValueError, RecursionError):
            raise _Garbled("a header that is not JSON") from None
        if not isinstance(header, dict):
            raise _Garbled("a header that is not a JSON object")
        return header

    def _read(self, size: int) -> bytes:
        """Exactly ``size`` bytes from the child, by the deadline."""
        if not self._forked:   # pragma: no cover - Windows
            data, self._buffer = bytes(self._buffer[:size]), self._buffer[size:]
            return data
        while len(self._buffer) < size:
            wait = _POLL
            if self.deadline is not None:
                wait = min(wait, self.deadline - time.monotonic())
                if wait <= 0:
                    raise _Late
            ready, _, _ = select.select([self._results], [], [], wait)
            if ready:
                chunk = os.read(self._results, min(size - len(self._buffer), 1 << 20))
                if not chunk:
                    raise _Ended
                self._buffer += chunk
            elif self._exited is None:
                # A grandchild may hold the pipe open after the child died: look.
                self._exited = _ended(self._pid)
                if self._exited is not None and not select.select([self._results], [], [], 0)[0]:
                    raise _Ended
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data


_KINDS = ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD", "VAR_POSITIONAL", "KEYWORD_ONLY",
          "VAR_KEYWORD")


def _text(value) -> str:
    """A string from the child, as shown: a string, at most :data:`MAX_TEXT` characters."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def _name(value) -> str:
    """An exception's type name from the child, or a neutral word for anything else."""
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]{0,99}", value):
        return value
    return "an exception"


def _colon(message) -> str:
    return f": {_text(message)}" if isinstance(message, str) and message else ""


def _ended(pid: int):
    """The child's exit, if it has ended (not reaped: its pid stays its own until
    :func:`_kill`)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:   # pragma: no cover - reaped elsewhere
        return None


def _kill(pid: int) -> None:
    """SIGKILL to the child's process group (what it started too), then reap it."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
            break
        except (ProcessLookupError, PermissionError):
            continue
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:   # pragma: no cover - reaped elsewhere
        pass
