"""The child process of a :class:`~derive.verdicts.isolated.Worker`: where the user's code
runs, and nothing of the verifier's that matters.

It closes what it inherited, sets its limits (address space, CPU time, a deadline, its own
process group, death with its parent), imports the user's file (:class:`PythonFunction`),
then serves the parent's commands: each call's result is turned into a real-number array
here and sent back as a JSON header and raw bytes (:func:`write_message`).  The user's code
may have patched anything in this process (numpy, json, this module); the parent trusts
nothing it sends.

>>> PythonFunction("model", "grad")
Traceback (most recent call last):
...
derive.errors.InputError: model is not a Python file (FILE.py)
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..bounded import address_space
from ..errors import InputError

__all__ = ["PythonFunction", "Server", "run_child", "write_message", "read_lines",
           "MAX_TEXT"]

# Everything here runs in the child, where the user's code runs too: it may have patched
# any of it (numpy, json, this module).  Nothing it sends is trusted by the parent.

MAX_TEXT = 300             # characters of a message from the child that are shown
_MODULE = "_derive_user_module"


@dataclass(frozen=True)
class PythonFunction:
    """The function ``name`` of the file ``path``, named but not imported: the file is
    imported only in the worker that calls the function (``derive check --python
    FILE.py:FUNC``), never in the process that judges it.

    >>> PythonFunction("mygrad.txt", "grad")
    Traceback (most recent call last):
    ...
    derive.errors.InputError: mygrad.txt is not a Python file (FILE.py)
    """

    path: str
    name: str

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise InputError(f"{self.name!r} is not the name of a function; give "
                             "FILE.py:FUNC")
        if not isinstance(self.path, (str, os.PathLike)) or Path(self.path).suffix != ".py":
            raise InputError(f"{self.path} is not a Python file (FILE.py)")
        if not Path(self.path).exists():
            raise InputError(f"{self.path} does not exist (looked in {Path.cwd()}); give the "
                             "path of your Python file, FILE.py:FUNC")
        if not Path(self.path).is_file():
            raise InputError(f"{self.path} is not a file; give the path of your Python file, "
                             "FILE.py:FUNC")

    def __str__(self) -> str:
        return f"{self.path}:{self.name}"


def run_child(worker, commands: int, results: int) -> None:
    """Set the limits, load the function, then serve the parent's commands until it
    closes the channel (``worker``: the parent's Worker, with the function, the batches,
    the shape, the deadline and the memory)."""
    parent = os.getppid()
    _close_inherited(commands, results)
    os.setpgid(0, 0)
    _die_with(parent)
    _limit(worker.deadline, worker.memory)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)   # the user's prints go to stderr: stdout is the verdict's
    # Python's streams anew on those descriptors: the caller's may write to files closed
    # above (pytest's capture, a Jupyter kernel's sockets).
    sys.stdin = open(0, closefd=False)
    sys.stdout = open(1, "w", closefd=False, errors="backslashreplace")
    sys.stderr = open(2, "w", closefd=False, errors="backslashreplace")
    sys.dont_write_bytecode = True   # no __pycache__ left in the user's folder
    server = Server(worker.function, worker.batches, worker.shape)
    write_message(results, *server.load())
    lines = read_lines(commands)
    for line in lines:
        command = json.loads(line)
        for header, payload in server.run(command["batch"], command["bind"]):
            write_message(results, header, payload)


def _close_inherited(*keep: int) -> None:
    """Close every file descriptor but 0, 1, 2 and ``keep``: the caller's pipes (a
    derive.bounded worker's to its parent, which unpickles) are not the user's to write."""
    import resource
    low = 3
    for fd in sorted(keep):
        os.closerange(low, fd)
        low = fd + 1
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    os.closerange(low, soft if soft != resource.RLIM_INFINITY else 1 << 20)


def _die_with(parent: int) -> None:
    """Linux: the child gets SIGKILL when its parent ends (a worker of derive.bounded
    killed at its deadline must not leave a sleeping function behind)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):   # pragma: no cover - not Linux
        return
    if os.getppid() != parent:   # the parent ended before the call above
        os._exit(0)


def _limit(deadline: float | None, memory: int) -> None:
    import resource

    def lower(which, soft: int, hard: int) -> None:   # never above a limit already set
        _, ceiling = resource.getrlimit(which)
        if ceiling != resource.RLIM_INFINITY:
            soft, hard = min(soft, ceiling), min(hard, ceiling)
        resource.setrlimit(which, (soft, hard))

    lower(resource.RLIMIT_CORE, 0, 0)   # a crash must not leave a core file in the user's folder
    space = address_space() + memory
    lower(resource.RLIMIT_AS, space, space)
    if deadline is not None:   # SIGXCPU at the soft limit; the wall clock usually comes first
        cpu = int(max(deadline - time.monotonic(), 0)) + 1
        lower(resource.RLIMIT_CPU, cpu, cpu + 1)


def read_lines(fd: int) -> Iterator[bytes]:
    """The parent's commands, one JSON line each, until it closes the pipe."""
    buffer = b""
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        yield from lines


def write_message(fd: int, header: dict, payload: bytes = b"") -> None:
    for stream in (sys.stdout, sys.stderr):   # the user's prints first, then the answer
        try:
            stream.flush()
        except BaseException:
            pass
    data = json.dumps(header).encode()
    view = memoryview(len(data).to_bytes(4, "big") + data + payload)
    while view:
        view = view[os.write(fd, view):]


class Server:
    """The child's work: load the function, and call it at the points of a batch."""

    def __init__(self, function, batches, shape):
        self.function, self.batches, self.shape = function, batches, tuple(shape)

    def load(self) -> tuple[dict, bytes]:
        """Import the file (for a :class:`PythonFunction`), then read the signature."""
        import inspect
        import warnings

        if isinstance(self.function, PythonFunction):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    self.function = _import(self.function)
            except SystemExit as error:
                return {"kind": "import", "error": "exit", "code": _safe_repr(error.code)}, b""
            except MemoryError:
                return {"kind": "import", "error": "memory"}, b""
            except BaseException as error:
                return {"kind": "import", "error": "raised", "type": type(error).__name__,
                        "message": _safe_str(error)}, b""
            if self.function is None:
                return {"kind": "import", "error": "missing"}, b""
        try:
            parameters = [[p.name, p.kind.name, p.default is inspect.Parameter.empty]
                          for p in inspect.signature(self.function).parameters.values()]
        except BaseException:
            parameters = None
        return {"kind": "parameters", "parameters": parameters}, b""

    def run(self, batch: str, binding) -> Iterator[tuple[dict, bytes]]:
        """Two calls at every point, each answered by one record; the batch ends at the
        first error, or after a first call of another shape."""
        table = self.batches[batch]
        count = len(next(iter(table.values()), ()))
        for row in range(count):
            first = self._call(table, binding, row)
            yield first
            if first[0]["kind"] not in ("array", "shape"):
                return
            second = self._call(table, binding, row)
            yield second
            if second[0]["kind"] not in ("array", "shape") or first[0]["kind"] == "shape":
                return

    def _call(self, table, binding, row: int) -> tuple[dict, bytes]:
        import warnings

        # Copies: an in-place `z -= z.max()` must not change the next call's point.
        arguments = {name: _copy(table[variable][row]) for name, variable in binding}
        try:
            # The user's overflow warnings are not ours to raise: a non-finite result is
            # reported as such, with the point.
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                result = self.function(**arguments)
                try:
                    array = np.asarray(result)
                except (MemoryError, RecursionError):
                    raise
                except Exception:   # not an array at all
                    array = np.asarray(None, dtype=object)
        except MemoryError:
            return {"kind": "memory"}, b""
        except BaseException as error:   # SystemExit and KeyboardInterrupt are the user's too
            message = (_safe_repr(error.code) if isinstance(error, SystemExit)
                       else _safe_str(error))
            return {"kind": "raised", "type": type(error).__name__, "message": message}, b""
        if array.dtype.kind not in "biuf":
            return {"kind": "values", "dtype": str(array.dtype)}, b""
        if array.dtype.kind == "f" and array.dtype.itemsize > 8:   # long double
            array = array.astype(np.float64)
        shape = [int(x) for x in array.shape]
        if tuple(shape) != self.shape:
            return {"kind": "shape", "shape": shape}, b""
        array = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("="))
        return {"kind": "array", "dtype": array.dtype.str, "shape": shape}, array.tobytes()


def _import(function: PythonFunction):
    """The function of the file, imported as a module of its own (with its folder on the
    path, as ``python FILE.py`` has it); ``None`` if there is no such function."""
    import importlib.util

    file = Path(function.path).resolve()
    spec = importlib.util.spec_from_file_location(_MODULE, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[_MODULE] = module   # dataclasses and pickle look their module up
    sys.path.insert(0, str(file.parent))
    spec.loader.exec_module(module)
    found = getattr(module, function.name, None)
    return found if callable(found) else None


def _copy(value):
    return value.copy() if isinstance(value, np.ndarray) else value


def _safe_str(error: BaseException) -> str:
    try:
        return str(error)[:MAX_TEXT * 2]
    except BaseException:
        return ""


def _safe_repr(value) -> str:
    try:
        return repr(value)[:MAX_TEXT * 2]
    except BaseException:
        return "…"
