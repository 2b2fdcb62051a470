"""Property-based fuzzing of the formula readers with Hypothesis.

* Token soups and arbitrary Unicode text: the parser and the claim reader raise nothing
  but the project's own errors (``DeriveError``), and never hang (a deadline per
  example).
* Random expression trees, printed in every notation derive writes (its text output,
  SymPy's ``sstr``, its LaTeX), read back to the same expression: parse(print(e)) == e,
  equality decided exactly (``cancel`` of the difference).

CI runs a short fuzz (``DERIVE_FUZZ_EXAMPLES``, default 60 per property); for a longer
local run::

    DERIVE_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py
"""

import os

import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.catalog import get_target
from derive.claims import claim_for
from derive.errors import DeriveError
from derive.functions import S, i, j, z
from derive.parse import parse
from derive.parse_latex import read_latex
from derive.render.latex import latex
from derive.render.unicode import text

EXAMPLES = int(os.environ.get("DERIVE_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=5000, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])

JACOBIAN = get_target("softmax-jacobian").problem(3)
GRADIENT = get_target("softmax-cross-entropy-grad").problem(3)

TOKENS = st.sampled_from([
    "S_i", "S_j", "y_j", "z_k", "S", "y", "δ_ij", "delta(i,j)", "Σ_k", "sum_k", "Sum",
    "exp", "log", "sigmoid", "diag", "outer", "softmax", "N", "I", "e_c", "np.", "T", "ᵀ",
    "0", "1", "2.5", "1e30", "1e-31", "12345678901234567890123456789012",
    "+", "-", "−", "*", "·", "×", "/", "^", "**", "@", "==", "(", ")", "[", "]", ",", ".",
    "²", "⁻¹", "_", "__", "\\frac", "{", "}", "\\partial", "=", ";", "'", '"', "lambda",
    "import", "__import__", "ｅ", "\u200b", "\x00", "\\input", "\\def",
])


def _read(source: str, problem) -> None:
    """Parse and read ``source``; only the project's own errors may come out."""
    try:
        parse(source)
        claim_for(source, problem)
    except DeriveError:
        pass


@FUZZ
@given(st.lists(TOKENS, max_size=25), st.lists(st.sampled_from(["", " ", "  "]), max_size=25))
def test_token_soups_raise_only_the_projects_errors(tokens, spaces):
    source = "".join(t + (spaces[n] if n < len(spaces) else "") for n, t in enumerate(tokens))
    _read(source, GRADIENT)
    _read(source, JACOBIAN)


@FUZZ
@given(st.text(max_size=80))
def test_any_text_raises_only_the_projects_errors(source):
    _read(source, GRADIENT)
    try:
        read_latex(source)
    except DeriveError:
        pass


# --- round trips ----------------------------------------------------------------------

LEAVES = st.sampled_from([S[i], S[j], z[i], z[j], sp.KroneckerDelta(i, j), sp.Integer(2),
                          sp.Integer(3), sp.Rational(1, 2), sp.Integer(-1)])


def _trees(children):
    return st.one_of(
        st.tuples(children, children).map(lambda ab: ab[0] + ab[1]),
        st.tuples(children, children).map(lambda ab: ab[0] - ab[1]),
        st.tuples(children, children).map(lambda ab: ab[0] * ab[1]),
        st.tuples(children, st.sampled_from([S[i], S[j], 1 + S[i]])).map(
            lambda ab: ab[0] / ab[1]),
        # Negative powers only of what is never 0: 1/δ_ij is undefined for i ≠ j, and
        # refused as such (tests/test_hostile.py).
        st.tuples(children, st.sampled_from([2, 3])).map(lambda ab: ab[0] ** ab[1]),
        st.sampled_from([S[i], S[j], 1 + S[j]]).map(lambda a: a ** -1),
        # exp of a constant tower (e^(e^(e^3))) makes SymPy's own printer evaluate a
        # number with millions of digits: the CLI bounds that (tests/test_hostile.py).
        children.filter(lambda e: bool(e.free_symbols)).map(sp.exp),
        st.sampled_from([S[i], S[j], 1 - S[j]]).map(sp.log),
    )


EXPRESSIONS = st.recursive(LEAVES, _trees, max_leaves=8).map(lambda e: e + S[i] * S[j])


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    return sp.cancel(sp.together(a - b)) == 0


@FUZZ
@given(EXPRESSIONS)
def test_what_derive_prints_it_reads_back(expr):
    # SymPy's sstr writes Euler's number as E, a name derive leaves to the user.
    printers = (text, sp.sstr) if not expr.has(sp.E) else (text,)
    for printed in (show(expr) for show in printers):
        assert _same(claim_for(printed, JACOBIAN).expr, expr), printed
    read = read_latex(latex(expr))
    assert _same(claim_for(read.text, JACOBIAN).expr, expr), latex(expr)
