"""User code runs only in its worker (derive.verdicts.isolated): it cannot change the verdict, and
whatever it does — exit, hang, allocate, crash, print — is one clear error (exit 2) or the
verdict of its values, never exit 0 by accident.

Every row runs through the command line (``derive check --python FILE.py:FUNC`` as a
whole process, in an empty directory, as in tests/test_hostile.py) and through the library
(``verify(PythonFunction(...))``); the call-time rows also as plain functions of this
module, whose patches would land in the test process if they were not isolated.
"""

import builtins
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy
import pytest

import derive.verdicts.gradcheck
from derive.errors import InputError
from derive.verdicts.isolated import PythonFunction, Worker
from derive.testing import TIME_LIMIT, assert_derivative
from derive.verdicts.verify import verify

VERIFY = sys.modules["derive.verdicts.verify"]   # the module (derive.verify is the function)

ROOT = Path(__file__).resolve().parent.parent
SCE = "softmax-cross-entropy-grad"
CE = ["--against", SCE]
BOUND = 60          # seconds: a guard against a hang of the test itself, not a measurement
SECONDS = 3         # the time limit given to the rows
HALF_DIAGNOSIS = "fails: off by a constant factor: your formula is 1/2 × the derivative."


def run(args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=BOUND)


def check_file(source: str, function: str, cwd: Path, *options):
    (cwd / "mine.py").write_text(source)
    return run(["check", "--python", f"mine.py:{function}", *CE,
                   "--timeout", str(SECONDS), *options], cwd)


# A wrong gradient (a forgotten factor 2) that the rows below dress up.
HALF = '''
import numpy

def _softmax(z):
    e = numpy.exp(z - z.max())
    return e / e.sum()

def half(z, y):
    return (_softmax(z) - y) / 2
'''

PATCH_NUMPY = '''
import numpy
numpy.allclose = lambda *a, **k: True
numpy.isclose = lambda a, b, *r, **k: numpy.ones(numpy.broadcast(a, b).shape, bool)
numpy.array_equal = lambda *a, **k: True
numpy.abs = numpy.absolute = lambda x, *a, **k: x * 0
numpy.isfinite = lambda x, *a, **k: numpy.ones(numpy.shape(x), bool)
numpy.maximum = lambda a, b, *r, **k: a * 0 + 1e300
'''

PATCH_DERIVE = '''
import importlib
import derive.verdicts.diagnoses, derive.verdicts.gradcheck, derive.check.numeric
verifier = importlib.import_module("derive.verdicts.verify")   # derive.verify is the function
derive.verdicts.gradcheck.CALLABLE_RTOL = derive.verdicts.gradcheck.CALLABLE_ATOL = 1e300
verifier.RTOL = verifier.ATOL = 1e300
verifier.Verdict.holds = property(lambda self: True)
derive.verdicts.gradcheck._compare = lambda d, *a, **k: verifier.Verdict(
    "holds", d.target.name, d.classes, None, d.result, d.general, d.lhs)
derive.verdicts.diagnoses.diagnose_values = lambda *a, **k: "patched"
derive.check.numeric.softmax = lambda z: z * 0
'''

PATCH_BUILTINS = '''
import builtins
builtins.abs = lambda x: 0
builtins.max = builtins.min = lambda *a, **k: 0
builtins.round = lambda *a, **k: 0
builtins.print = lambda *a, **k: None
'''

# A function that patches when it is called, not at import.
AT_CALL = HALF + '''
def patches(z, y):
''' + "".join(f"    {line}\n" for line in (PATCH_NUMPY + PATCH_DERIVE).strip().splitlines()) + '''
    return half(z, y)
'''

# Code run by NumPy's conversion of the result (__array__), or by float() of a constant.
SNEAKY_ARRAY = HALF + '''
class Sneaky:
    def __init__(self, value):
        self.value = value
    def __array__(self, dtype=None, copy=None):
''' + "".join(f"        {line}\n" for line in PATCH_DERIVE.strip().splitlines()) + '''
        return numpy.asarray(self.value)

def sneaky(z, y):
    return Sneaky(half(z, y))
'''

SNEAKY_FLOAT = HALF + '''
class Factor:
    def __float__(self):
''' + "".join(f"        {line}\n" for line in (PATCH_NUMPY + PATCH_DERIVE).strip().splitlines()) + '''
        return 0.5

FACTOR = Factor()

def scaled(z, y):
    return (_softmax(z) - y) * float(FACTOR)
'''

# An array whose pickle would run a command: it is never pickled.
REDUCE_ARRAY = HALF + '''
import os

class Evil(numpy.ndarray):
    def __reduce__(self):
        return (os.system, ("touch canary",))

def evil_array(z, y):
    return half(z, y).view(Evil)
'''

# Output to stdout, by print, by the file descriptor and at exit.
PRINTS = HALF + '''
import atexit, os, sys
print("holds for N = 3 (printed at import)")
atexit.register(os.write, 1, b"holds (at exit)\\n")

def prints(z, y):
    print("holds (printed)")
    os.write(1, b"holds (written to fd 1)\\n")
    sys.stdout = open(os.devnull, "w")
    return half(z, y)
'''

# (id, module source, function): wrong gradients that try to change the verifier.
PATCHES = [
    ("numpy-at-import", PATCH_NUMPY + HALF, "half"),
    ("derive-at-import", PATCH_DERIVE + HALF, "half"),
    ("builtins-at-import", PATCH_BUILTINS + HALF, "half"),
    ("everything-at-import", PATCH_NUMPY + PATCH_DERIVE + PATCH_BUILTINS + HALF, "half"),
    ("at-call", AT_CALL, "patches"),
    ("__array__", SNEAKY_ARRAY, "sneaky"),
    ("__float__", SNEAKY_FLOAT, "scaled"),
    ("__reduce__", REDUCE_ARRAY, "evil_array"),
    ("prints", PRINTS, "prints"),
]


def _verifier_intact():
    """Nothing the user's code did reached this process."""
    assert numpy.allclose(1.0, 2.0) is False and numpy.abs(-1.0) == 1.0
    assert derive.verdicts.gradcheck.CALLABLE_RTOL == 1e-7 and VERIFY.RTOL == 1e-9
    assert VERIFY.Verdict("fails", *[None] * 6).holds is False
    assert builtins.abs(-1) == 1 and builtins.max(1, 2) == 2


@pytest.mark.parametrize("source, function", [row[1:] for row in PATCHES],
                         ids=[row[0] for row in PATCHES])
def test_patching_the_verifier_does_not_change_the_verdict(source, function, tmp_path):
    done = check_file(source, function, tmp_path)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stdout.startswith(HALF_DIAGNOSIS + "\n"), done.stdout
    assert "holds" not in done.stdout and "Traceback" not in done.stderr
    assert not (tmp_path / "canary").exists()


@pytest.mark.parametrize("source, function", [row[1:] for row in PATCHES],
                         ids=[row[0] for row in PATCHES])
def test_patching_the_verifier_does_not_change_the_verdict_of_verify(source, function,
                                                                      tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.py").write_text(source)
    for limit in (None, SECONDS):
        v = verify(PythonFunction("mine.py", function), against=SCE, time_limit=limit)
        assert v.verdict == "fails" and v.diagnosis.startswith("off by a constant factor")
    _verifier_intact()
    assert not (tmp_path / "canary").exists()


def test_the_verdict_on_stdout_is_all_that_is_on_stdout(tmp_path):
    clean = check_file(HALF, "half", tmp_path)
    printed = check_file(PRINTS, "prints", tmp_path)
    assert printed.returncode == clean.returncode == 1
    assert printed.stdout == clean.stdout
    assert "holds for N = 3 (printed at import)" in printed.stderr   # the user's, on stderr
    assert "holds (at exit)" not in printed.stdout + printed.stderr   # no atexit in a worker
    as_json = check_file(PRINTS, "prints", tmp_path, "--format", "json")
    assert json.loads(as_json.stdout)["verdict"] == "fails"


# Call-time patches from functions of this module: isolated, they never reach this process.

def _half(z, y):
    e = numpy.exp(z - z.max())
    return (e / e.sum() - y) / 2


def patches_numpy(z, y):
    numpy.allclose = lambda *a, **k: True
    numpy.abs = lambda x, *a, **k: x * 0
    numpy.isfinite = lambda x, *a, **k: numpy.ones(numpy.shape(x), bool)
    return _half(z, y)


def patches_derive(z, y):
    derive.verdicts.gradcheck.CALLABLE_RTOL = derive.verdicts.gradcheck.CALLABLE_ATOL = 1e300
    VERIFY.Verdict.holds = property(lambda self: True)
    return _half(z, y)


def patches_builtins(z, y):
    builtins.abs = lambda x: 0
    builtins.max = lambda *a, **k: 0
    return _half(z, y)


@pytest.mark.parametrize("function", [patches_numpy, patches_derive, patches_builtins])
@pytest.mark.parametrize("limit", [None, SECONDS])
def test_a_function_that_patches_when_called_changes_nothing_here(function, limit):
    v = verify(function, against=SCE, time_limit=limit)
    assert v.verdict == "fails" and v.diagnosis.startswith("off by a constant factor")
    _verifier_intact()


# --- import and call: one clear error each, exit 2 ---------------------------------------

CALL = '''
import ctypes, os, signal, sys, time
import numpy

def f(z, y):
    {body}
    return z
'''


def call(body: str) -> str:
    return CALL.format(body=body)


class_with_reduce = '''
import os
class Evil:
    def __reduce__(self):
        return (os.system, ("touch canary",))

def f(z, y):
    return Evil()
'''

array_exits = '''
import sys
class Exits:
    def __array__(self, dtype=None, copy=None):
        sys.exit(0)

def f(z, y):
    return Exits()
'''

garbage = '''
import os

def f(z, y):
    for fd in map(int, os.listdir("/proc/self/fd")):
        if fd > 2:
            try:
                os.write(fd, b"\\xff\\xff\\xff\\xffgarbage")
            except OSError:
                pass
    return z
'''

forged = '''
import json, os

def f(z, y):
    header = json.dumps({"kind": "array", "dtype": "<f8", "shape": [10**12]}).encode()
    for fd in map(int, os.listdir("/proc/self/fd")):
        if fd > 2:
            try:
                os.write(fd, len(header).to_bytes(4, "big") + header)
            except OSError:
                pass
    return z
'''

closes = call("os.closerange(3, 4096); time.sleep(1000)")
LATE = f"your function did not return: not done within {SECONDS} s"

# (id, module source, function, a fragment of the one-line message)
ERRORS = [
    # --- at import ------------------------------------------------------------------------
    ("import-loop", "while True:\n    pass\n", "f",
     f"importing mine.py did not finish within {SECONDS} s"),
    ("import-sleep", "import time\ntime.sleep(1000)\n", "f",
     f"importing mine.py did not finish within {SECONDS} s"),
    ("import-5-GiB", "x = bytearray(5 * 2**30)\n", "f",
     "importing mine.py needed more than 4 GiB of memory"),
    ("import-exit-0", "import sys\nsys.exit(0)\n", "f", "importing mine.py called sys.exit(0)"),
    ("import-exit-text", "raise SystemExit('bye')\n", "f", "called sys.exit('bye')"),
    ("import-keyboard", "raise KeyboardInterrupt\n", "f",
     "importing mine.py failed: KeyboardInterrupt"),
    ("import-os-exit", "import os\nos._exit(0)\n", "f",
     "importing mine.py ended the worker process (exit status 0)"),
    ("import-kill", "import os\nos.kill(os.getpid(), 9)\n", "f", "(killed by SIGKILL)"),
    ("import-error", "raise ImportError('no such module')\n", "f",
     "importing mine.py failed: ImportError: no such module"),
    ("syntax-error", "def f(:\n", "f", "importing mine.py failed: SyntaxError"),
    ("missing", "x = 1\n", "f", "mine.py has no function 'f'"),
    ("not-callable", "f = 3\n", "f", "mine.py has no function 'f'"),
    # --- when called ------------------------------------------------------------------------
    ("exit-0", call("sys.exit(0)"), "f", "your function called sys.exit(0) instead of returning"),
    ("exit-3", call("sys.exit(3)"), "f", "your function called sys.exit(3)"),
    ("keyboard", call("raise KeyboardInterrupt"), "f", "your function raised KeyboardInterrupt"),
    ("generator-exit", call("raise GeneratorExit"), "f", "your function raised GeneratorExit"),
    ("os-exit", call("os._exit(0)"), "f",
     "your function ended the worker process instead of returning (exit status 0)"),
    ("kill", call("os.kill(os.getpid(), signal.SIGKILL)"), "f", "(killed by SIGKILL)"),
    ("segfault", call("ctypes.string_at(0)"), "f", "(killed by SIGSEGV)"),
    ("5-GiB", call("x = bytearray(5 * 2**30)"), "f",
     "your function needed more than 4 GiB of memory"),
    ("sleep", call("time.sleep(1000)"), "f", LATE),
    ("loop", call("while True: pass"), "f", LATE),
    ("input", call("input()"), "f", "your function raised EOFError"),
    ("generator", "def f(z, y):\n    return (x for x in z)\n", "f",
     "returned object values, not real numbers"),
    ("reduce", class_with_reduce, "f", "returned object values, not real numbers"),
    ("array-exits", array_exits, "f", "your function called sys.exit(0)"),
    ("closes-its-channel", closes, "f", "your function closed the channel of its worker"),
    ("garbage", garbage, "f", "sent something that is not an answer"),
    ("forged", forged, "f", "sent something that is not an answer"),
]


@pytest.mark.parametrize("source, function, message", [row[1:] for row in ERRORS],
                         ids=[row[0] for row in ERRORS])
def test_user_code_errors_are_one_line_and_exit_2(source, function, message, tmp_path):
    done = check_file(source, function, tmp_path)
    lines = done.stderr.splitlines()
    assert done.returncode == 2, (done.returncode, done.stdout[-500:], done.stderr[-500:])
    assert len(lines) == 1 and lines[0].startswith("derive: error: "), done.stderr
    assert message in lines[0], lines[0]
    assert done.stdout == "" and not (tmp_path / "canary").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.py"]   # no core file


@pytest.mark.parametrize("source, function, message", [row[1:] for row in ERRORS],
                         ids=[row[0] for row in ERRORS])
def test_user_code_errors_are_input_errors_in_verify(source, function, message, tmp_path,
                                                     monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.py").write_text(source)
    with pytest.raises(InputError) as raised:
        verify(PythonFunction("mine.py", function), against=SCE, time_limit=SECONDS)
    assert message in str(raised.value) and "\n" not in str(raised.value)
    assert not (tmp_path / "canary").exists()
    _verifier_intact()


def exits(z, y):
    sys.exit(0)


def interrupts(z, y):
    raise KeyboardInterrupt


def ends(z, y):
    os._exit(0)


def sleeps(z, y):
    time.sleep(1000)


@pytest.mark.parametrize("function, message", [
    (exits, "your function called sys.exit(0) instead of returning (called with z, y)"),
    (interrupts, "your function raised KeyboardInterrupt (called with z, y)"),
    (ends, "ended the worker process instead of returning (exit status 0)"),
    (sleeps, LATE),
])
def test_functions_that_exit_or_hang_are_input_errors(function, message):
    import re
    limits = (SECONDS,) if function is sleeps else (SECONDS, None)   # None: no time limit
    for limit in limits:
        with pytest.raises(InputError, match=re.escape(message)):
            verify(function, against=SCE, time_limit=limit)
        with pytest.raises(InputError, match="your function"):
            assert_derivative(function, against=SCE, time_limit=limit)
    _verifier_intact()


# A pickle that runs a command where it is loaded, written into every pipe and socket of
# the worker's parent (the derive.bounded worker, whose result derive's process unpickles).
FORGES_A_PICKLE = '''
import os, pickle

class Boom:
    def __reduce__(self):
        return (os.system, ("touch canary",))

def f(z, y):
    data = pickle.dumps(("result", Boom()))
    parent = os.getppid()
    for fd in os.listdir(f"/proc/{parent}/fd"):
        try:
            if os.readlink(f"/proc/{parent}/fd/{fd}").startswith(("pipe:", "socket:")):
                with open(f"/proc/{parent}/fd/{fd}", "wb", buffering=0) as out:
                    out.write(data)
        except OSError:
            pass
    return -y
'''


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="Linux /proc")
def test_the_channel_of_the_bounded_worker_cannot_be_forged(tmp_path):
    (tmp_path / "mine.py").write_text(FORGES_A_PICKLE)
    done = subprocess.run([sys.executable, str(ROOT / "cli.py"), "check", "--python",
                           "mine.py:f", *CE, "--timeout", str(SECONDS)], cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          stdin=subprocess.DEVNULL, timeout=BOUND)
    assert done.returncode in (1, 2), done
    assert not (tmp_path / "canary").exists()


# --- time limits ---------------------------------------------------------------------------

def good(z, y):
    e = numpy.exp(z - z.max())
    return e / e.sum() - y


@pytest.mark.parametrize("limit", [0, -1, 601, 1e9, float("nan"), float("inf"), True, "5",
                                   [5], 1j])
@pytest.mark.parametrize("claim", [good, "S - y"], ids=["function", "formula"])
def test_a_bad_time_limit_is_an_input_error(limit, claim):
    with pytest.raises(InputError, match="the time limit must be a number of seconds"):
        verify(claim, against=SCE, time_limit=limit)
    with pytest.raises(InputError, match="the time limit must be a number of seconds"):
        assert_derivative(claim, against=SCE, time_limit=limit)


@pytest.mark.parametrize("limit", [None, 20, numpy.float64(30), 600])
def test_good_time_limits(limit):
    assert verify(good, against=SCE, time_limit=limit).holds


def test_assert_derivative_has_a_time_limit_by_default():
    import inspect
    default = inspect.signature(assert_derivative).parameters["time_limit"].default
    assert default == TIME_LIMIT and 0 < TIME_LIMIT <= 600


# --- the worker itself ------------------------------------------------------------------

def open_files(x):
    return numpy.array([len(os.listdir("/proc/self/fd"))])


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="Linux /proc")
def test_the_worker_inherits_no_open_files_but_its_own(tmp_path):
    with open(tmp_path / "held", "w"):   # open here: not in the worker
        with Worker(open_files, {"b": {"x": [0]}}, shape=(1,), seconds=10) as worker:
            calls = worker.call("b", [("x", "x")])
    # stdin, stdout, stderr, its two pipes and the listing's own descriptor
    assert calls.values.tolist() == [[6.0]]


def _sleep_in_a_worker(pid_file: str) -> None:
    def sleeper(x):
        Path(pid_file).write_text(str(os.getpid()))
        time.sleep(1000)
    with Worker(sleeper, {"b": {"x": [0]}}, shape=()) as worker:   # no time limit
        worker.call("b", [("x", "x")])


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG")
def test_a_worker_does_not_outlive_its_parent(tmp_path):
    from derive.bounded import TooLarge, run_bounded
    pid_file = tmp_path / "pid"
    with pytest.raises(TooLarge):
        run_bounded(_sleep_in_a_worker, str(pid_file), seconds=5)
    pid = int(pid_file.read_text())
    for _ in range(100):   # its end is asynchronous: wait for it, up to 10 s
        if not _alive(pid):
            break
        time.sleep(0.1)
    assert not _alive(pid)


def test_what_the_function_starts_is_stopped_with_it(tmp_path):
    pid_file = tmp_path / "pid"

    def starts(x):
        child = subprocess.Popen(["sleep", "1000"])
        pid_file.write_text(str(child.pid))
        return numpy.float64(x)

    with Worker(starts, {"b": {"x": [1.0]}}, shape=(), seconds=10) as worker:
        assert worker.call("b", [("x", "x")]).values.tolist() == [1.0]
    pid = int(pid_file.read_text())
    for _ in range(100):
        if not _alive(pid):
            break
        time.sleep(0.1)
    assert not _alive(pid)


def test_without_fork_the_function_runs_here(monkeypatch):
    """Windows: no worker (not isolated, not bounded), the same verdicts."""
    monkeypatch.delattr(os, "fork")
    assert verify(good, against=SCE, time_limit=SECONDS).holds
    v = verify(_half, against=SCE)
    assert v.verdict == "fails" and v.diagnosis.startswith("off by a constant factor")
    with pytest.raises(InputError, match="your function raised KeyboardInterrupt"):
        verify(interrupts, against=SCE)


def test_a_python_function_is_checked_where_it_is_named():
    with pytest.raises(InputError, match="no-such-file.py does not exist"):
        PythonFunction("no-such-file.py", "f")
    with pytest.raises(InputError, match="notes.txt is not a Python file"):
        PythonFunction("notes.txt", "f")
    with pytest.raises(InputError, match="not the name of a function"):
        PythonFunction(__file__, "1f")
    v = verify(PythonFunction(__file__, "good"), against=SCE, classes=4)
    assert v.holds


def test_the_table_is_large_enough():
    assert len(ERRORS) >= 25 and len({r[0] for r in ERRORS}) == len(ERRORS)
    assert len(PATCHES) >= 8 and len({r[0] for r in PATCHES}) == len(PATCHES)
