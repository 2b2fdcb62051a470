"""Hostile and malformed input: nothing runs that shouldn't, nothing hangs, every error is
one clear line.

Each row runs ``derive`` as a whole process in an empty directory, the way a web form or
a student's shell would: exit status 2, exactly one line on stderr that starts with
``derive: error:`` and says what was wrong, nothing on stdout, no traceback, done within
a generous bound (a hang is the failure, not slowness), and no canary file created by an
injected command.
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOUND = 30          # seconds: generous; the bounded worker stops symbolic work at --timeout
CANARY = "canary"   # what an injected `touch canary` would create

CE = ["--against", "softmax-cross-entropy-grad"]
JAC = ["--against", "softmax-jacobian"]
LAYER = ["--against", "linear-softmax-cross-entropy-grad"]


def check(claim, *options):
    return ["check", claim, *(options or CE)]


def at(point, target="softmax-cross-entropy-grad"):
    return ["show", target, "--at", point]


def derive(args, cwd: Path) -> subprocess.CompletedProcess:
    """``derive ARGS`` as a whole process in ``cwd``, bounded by BOUND seconds."""
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=BOUND)


# (id, arguments after `derive`, a fragment of the one-line message)
ROWS = [
    # --- code injection: Python -------------------------------------------------------
    ("import", check("__import__('os').system('touch canary')"), "unexpected character '_'"),
    ("dunder-mro", check("S.__class__.__mro__"), "unexpected character '_'"),
    ("getattr", check('getattr(S, "x")'), "unexpected character '\"'"),
    ("lambda", check("(lambda: 1)()"), "unexpected character ':'"),
    ("comprehension", check("[x for x in ()]"), "expected a number, a name or '('"),
    ("exec", check('exec("import os")'), "unexpected character '\"'"),
    ("statement", check("S_j; import os"), "unexpected character ';'"),
    ("open", check("open('canary', 'w')"), "expected a number, a name or '('"),
    ("conditional", check("S_j if 1 else 0"), "expected a comparison of indices after 'if'"),
    ("builtins", check("__builtins__"), "unexpected character '_'"),
    ("dunder-subscript", check("S___class__"), "unexpected character '_'"),
    # --- code injection: LaTeX --------------------------------------------------------
    ("tex-input", check(r"\input{/etc/passwd}"), r"unsupported LaTeX command \input"),
    ("tex-include", check(r"\include{x}"), r"unsupported LaTeX command \include"),
    ("tex-write18", check(r"\write18{touch canary}"), r"unsupported LaTeX command \write"),
    ("tex-immediate", check(r"\immediate\write18{touch canary}"), r"\immediate"),
    ("tex-def", check(r"\def\x{S_j}\x"), r"unsupported LaTeX command \def"),
    ("tex-csname", check(r"\csname S\endcsname"), r"unsupported LaTeX command \csname"),
    ("tex-catcode", check(r"\catcode`\^=7 S_j"), r"unsupported LaTeX command \catcode"),
    # --- huge numbers -----------------------------------------------------------------
    ("tower", check("9**9**9**9"), "is too large (at most 64"),
    ("ten-tower", check("S_j - y_j + 10**10**10"), "is too large (at most 64"),
    ("factorial", check("factorial(10**9)"), "unknown symbol factorial"),
    ("big-power", check("S_j^(10^6)"), "is too large (at most 64"),
    ("power-tower", check("2^64^64"), "is too large"),
    ("long-number", check("1234567890123456789012345678901234567890 * S_j"), "too long"),
    ("huge-float", check("S_j*1e400"), "too long or too large"),
    ("symbolic-exponent", check("S_i^S_j", *JAC), "of a power must be a number"),
    ("power-of-a-sum", check("(S_j + y_j)^20"), "too large for a power of a sum"),
    # --- size and nesting -------------------------------------------------------------
    ("deep-parens", check("(" * 200 + "S_j" + ")" * 200), "nested more than 60 levels"),
    ("deep-minus", check("-" * 1500 + "S_j"), "nested more than 60 levels"),
    ("too-long", check("S_j+" * 1500 + "1"), "at most 2000 are read"),
    # --- empty, whitespace, brackets --------------------------------------------------
    ("empty", check(""), "the formula is empty"),
    ("blank", check("   "), "the formula is empty"),
    ("tab-newline", check("\t\n"), "the formula is empty"),
    ("open-paren", check("(S_j - y_j"), "expected ')' at column 11"),
    ("close-paren", check("S_j - y_j)"), "at column 10, found ')'"),
    ("parens-only", check("(((("), "found the end"),
    ("bad-subscript", check("S_[j"), "unexpected character '_' at column 2"),
    # --- unknown names (with the closest known one) -----------------------------------
    ("unknown-function", check("foo(S_j)"), "unknown symbol foo"),
    ("typo-function", check("S_j - exq(y_j)"), "did you mean exp?"),
    ("typo-family", check("S_j - yy_j"), "did you mean y?"),
    ("typo-target", check("S - y", "--against", "softmax-jacobain"),
     "did you mean softmax-jacobian?"),
    ("unknown-target", check("S - y", "--against", "nosuchtarget"), "unknown target"),
    ("typo-identity", ["prove", "two-class-sofmax"], "did you mean two-class-softmax?"),
    # --- Unicode ----------------------------------------------------------------------
    ("full-width", check("ｅｘｐ(z_j)"), "unexpected character 'ｅ' at column 1"),
    ("zero-width", check("S_j − y_j\u200b"), "unexpected character '\\u200b'"),
    ("em-dash", check("S_j — y_j"), "unexpected character '—'"),
    ("rtl-override", check("\u202eS_j - y_j"), "unexpected character '\\u202e'"),
    ("imaginary", check("S_j - y_j + sqrt(-1)"), "not real"),
    ("log-zero", check("log(0)"), "the logarithm of 0"),
    ("undefined-at-scale", check("S_j - y_j + 1/(Σ_k y_k - 1)", *CE, "-n", "10"),
     "undefined at N = 10"),
    ("cancelled-divisor", check("(S_j - y_j)*(S_j-S_1)/(S_j-S_1)"),
     "undefined at N = 3, j = 1: a division by zero"),
    ("log-of-zero-at-entry", check("S_j - y_j + 0*log(S_j - S_1)", *CE, "-n", "N"),
     "undefined at N = 2, j = 1: the logarithm of 0"),
    # --- option values ----------------------------------------------------------------
    ("newline-in-option", check("S - y", *CE, "--wrt", "x\ny"), "--wrt x\\ny is not"),
    ("escape-in-option", check("S - y", *CE, "--format", "\x1b[31mred"), "'\\x1b[31mred'"),
    ("arabic-digits", check("S - y", *CE, "--classes", "١٢"), "not a number of classes"),
    ("underscore-digits", check("S - y", *CE, "--classes", "1_000"), "not a number of"),
    ("too-many-classes", check("S - y", *CE, "--classes", "100000"), "from 2 to 512"),
    ("negative-classes", check("S - y", *CE, "--classes", "-3"), "not a number of classes"),
    ("seed-underscore", check("S - y", *CE, "--seed", "1_000"), "plain digits 0-9"),
    ("seed-negative", check("S - y", *CE, "--seed", "-1"), "plain digits 0-9"),
    ("inputs-too-large", check("(S - y) xᵀ", *LAYER, "--inputs", "1000"), "at most 32"),
    ("batch-zero", check("S - Y", "--against", "batch-softmax-cross-entropy-grad",
                         "--batch", "0"), "at least 1"),
    ("timeout-zero", check("S - y", *CE, "--timeout", "0"), "from 1 to 600"),
    ("timeout-huge", check("S - y", *CE, "--timeout", "1e9"), "from 1 to 600"),
    ("bad-format", check("S - y", *CE, "--format", "xml"), "'xml' is not one of"),
    ("no-command", ["nosuch"], "No such command 'nosuch'"),
    ("unknown-option", check("S - y", *CE, "--bogus"), "no such option --bogus"),
    ("misspelt-option", check("S - y", *CE, "--clases", "4"), "did you mean --classes?"),
    ("two-claims", check("S - y", *CE, "y - S"), "more than one claim: 'S - y', 'y - S'"),
    # --- --at points ------------------------------------------------------------------
    ("at-nan", at("z=[nan,1,2]; y=[0,1,0]"),
     "nan and inf are not accepted"),
    ("at-inf", at("z=[inf,1,2]; y=[0,1,0]"),
     "nan and inf are not accepted"),
    ("at-overflow", at("z=[1e999,0,0]; y=[0,1,0]"),
     "overflows float64"),
    ("at-shape", at("z=[1,2]; y=[0,1,0]"),
     "z has 2 entries"),
    ("at-letters", at("z=[a,b,c]"),
     "'a' is not a decimal number"),
    ("at-code", at("__import__('os')"),
     "write name=[numbers]"),
    ("at-unknown", at("z=[1,2,3]; q=[1,2,3]"),
     "unknown variable q"),
    # ∂L/∂z_3 = S_3 Σ_k y_k − y_3 ≈ 2e308 here: past float64, though every input is finite
    ("at-overflowing-labels", at("z=[0,0,20]; y=[1e308,1e308,1e308]"), "not finite in float64"),
    ("at-log-zero", at("S=[0,0.5,0.5]; y=[1,0,0]", "cross-entropy-grad"),
     "the probabilities must be positive"),
    # --- files ------------------------------------------------------------------------
    ("python-missing", ["check", "--python", "missing.py:f", *CE], "missing.py does not exist"),
    ("python-not-py", ["check", "--python", "exists.md:f", *CE], "is not a Python file"),
    ("python-bad-name", ["check", "--python", "x.py:1abc", *CE], "give FILE.py:FUNC"),
    ("export-exists", ["export", "exists.md", "softmax-jacobian"], "pass --force"),
    ("export-pdf-exists", ["export", "exists.tex", "softmax-jacobian", "--pdf"],
     "'exists.pdf' exists"),
    ("export-all-too-large", ["export", "all.md", "-n", "512", "--inputs", "32",
                              "--result-only"], "has 8388608 entries"),
    ("export-directory", ["export", ".", "softmax-jacobian"], "is a directory"),
    ("export-no-dir", ["export", "nodir/x.md", "softmax-jacobian"], "cannot write"),
    ("export-extension", ["export", "x.exe", "softmax-jacobian"], "cannot tell the format"),
    ("show-exists", ["show", "softmax-jacobian", "-o", "exists.md"], "pass --force"),
]


@pytest.mark.parametrize("args, message", [row[1:] for row in ROWS], ids=[r[0] for r in ROWS])
def test_hostile_input_is_one_clear_line(args, message, tmp_path):
    (tmp_path / "exists.md").write_text("keep me\n")
    (tmp_path / "exists.pdf").write_text("keep me\n")
    start = time.monotonic()
    done = derive(args, tmp_path)
    elapsed = time.monotonic() - start
    lines = done.stderr.splitlines()
    assert done.returncode == 2, (done.returncode, done.stdout[-500:], done.stderr[-500:])
    assert len(lines) == 1 and lines[0].startswith("derive: error: "), done.stderr
    assert message in lines[0], lines[0]
    assert "Traceback" not in done.stderr + done.stdout and done.stdout == ""
    assert not (tmp_path / CANARY).exists()
    assert (tmp_path / "exists.md").read_text() == "keep me\n"
    assert sorted(f.name for f in tmp_path.iterdir()) == ["exists.md", "exists.pdf"]
    assert elapsed < BOUND


# Work past the limits is not the input's fault and no verdict: exit 3, one line.
TOO_LARGE = [
    ("timeout", check("(S_j - y_j)*(N - 39) + (Σ_k S_k)^6 - 1", *CE, "-n", "40",
                      "--timeout", "1"),
     "too large to decide exactly: not done within 1 s"),
    ("exp-tower", check("exp(exp(exp(exp(3)))) + S_j", *CE, "--timeout", "2"),
     "too large to decide exactly: not done within 2 s"),
]


@pytest.mark.parametrize("args, message", [row[1:] for row in TOO_LARGE],
                         ids=[r[0] for r in TOO_LARGE])
def test_work_past_the_limits_is_undetermined_in_one_line(args, message, tmp_path):
    done = derive(args, tmp_path)
    lines = done.stderr.splitlines()
    assert done.returncode == 3, (done.returncode, done.stdout[-500:], done.stderr[-500:])
    assert len(lines) == 1 and lines[0].startswith("derive: undetermined: "), done.stderr
    assert message in lines[0] and done.stdout == ""


def test_the_table_is_large_enough():
    assert len(ROWS) >= 40 and len({r[0] for r in ROWS}) == len(ROWS)


# --- user NumPy functions (--python): a verdict or one clear line, never a crash --------

USER_FUNCTIONS = '''
import numpy as np
def raises(z, y): raise ValueError("boom")
def multiline(z, y): raise ValueError("two\\nlines")
def shape(z, y): return np.zeros(7)
def text(z, y): return np.array(["a"] * len(z))
def nan(z, y): return np.full(len(z), np.nan)
def extra(z, y, w): return z
def hangs(z, y):
    while True:
        pass
def complex_(z, y): return z + 1j
def none(z, y): return None
def good(z, y):
    e = np.exp(z - z.max())
    return e / e.sum() - y
'''
EXITS = "import sys\nsys.exit(0)\n"   # a module that runs instead of defining

# (function, exit status, a fragment of the first line of output)
FUNCTIONS = [
    ("raises", 2, "your function raised ValueError: boom"),
    ("multiline", 2, "your function raised ValueError: two\\nlines"),
    ("shape", 1, "expected an array of shape (3,), got (7,)"),
    ("text", 2, "returned <U1 values, not real numbers"),
    ("nan", 1, "returns inf or NaN"),
    ("extra", 2, "parameter 'w' is not a variable of the target"),
    ("hangs", 2, "your function did not return: not done within 2 s"),
    ("complex_", 2, "returned complex128 values"),
    ("none", 2, "returned object values"),
    ("good", 0, "holds for N = 3"),
]


def test_a_module_that_exits_at_import_is_an_error_not_a_verdict(tmp_path):
    (tmp_path / "exits.py").write_text(EXITS)
    done = derive(["check", "--python", "exits.py:f", *CE], tmp_path)
    assert done.returncode == 2 and "called sys.exit(0)" in done.stderr


@pytest.mark.parametrize("function, status, message", FUNCTIONS)
def test_user_functions_get_a_verdict_or_one_clear_line(function, status, message, tmp_path):
    (tmp_path / "mine.py").write_text(USER_FUNCTIONS)
    done = derive(["check", "--python", f"mine.py:{function}", *CE, "--timeout", "2"],
                  tmp_path)
    assert done.returncode == status, done.stderr
    first = (done.stderr if status == 2 else done.stdout).splitlines()
    assert message in first[0] and "Traceback" not in done.stderr
    if status == 2:
        assert len(first) == 1 and done.stdout == ""


# --- the library: SymPy claims with odd nodes and names ---------------------------------

def _sympy_claims():
    import sympy as sp

    from derive.functions import S, j, k, y
    evil = "__import__('os').system('touch canary')"
    return [
        ("evil-symbol", S[j] - y[j] + sp.Symbol(evil), "names are letters"),
        ("evil-index", S[j] - y[j] + sp.Symbol(evil, integer=True), "names are letters"),
        ("evil-function", S[j] - y[j] + sp.Function(evil)(S[j]), "unknown function"),
        ("evil-family", S[j] - sp.IndexedBase(evil)[j], "names are letters"),
        ("integer-name", S[j] - y[j] + sp.Symbol("foo", integer=True), "unknown symbol foo"),
        ("float-index", S[sp.Float(1.5)] - y[j], "indexed by something other"),
        ("arithmetic-index", S[j + 1] - y[j], "indexed by something other"),
        ("min", sp.Min(S[j], 1) - y[j], "got Min"),
        ("derivative", sp.Derivative(S[j], S[j]), "got Derivative"),
        ("integral", sp.Integral(S[j], (k, 0, 1)), "got Integral"),
        ("huge-rational", S[j] - y[j] + sp.Rational(1, 10**5000), "more than 30 digits"),
        ("float", S[j] - y[j] + sp.Float(0.5), "got Float"),
    ]


@pytest.mark.parametrize("name, claim, message", _sympy_claims(),
                         ids=[c[0] for c in _sympy_claims()])
def test_sympy_claims_with_odd_nodes_are_input_errors(name, claim, message, tmp_path,
                                                       monkeypatch):
    from derive.errors import InputError
    from derive.verdicts.verify import verify
    monkeypatch.chdir(tmp_path)
    for classes in (3, 12):
        with pytest.raises(InputError, match=re.escape(message)):
            verify(claim, against="softmax-cross-entropy-grad", classes=classes)
    assert not (tmp_path / CANARY).exists()
