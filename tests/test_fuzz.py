"""Property-based fuzzing of the formula readers with Hypothesis.

* Token soups and arbitrary Unicode text: the parser and the claim reader raise nothing
  but the project's own errors (``DeriveError``), and never hang (a deadline per
  example).
* Random expression trees, printed in every notation derive writes (its text output,
  SymPy's ``sstr``, its LaTeX), read back to the same expression: parse(print(e)) == e,
  equality decided exactly (``cancel`` of the difference).
* Random claims written the same way in the text notation and in LaTeX read to the same
  claim in both readers (or are refused by both), and what ``derive check`` shows as
  "read as" reads back to the claim (one notation, one reading: issue 20).

CI runs a short fuzz (``DERIVE_FUZZ_EXAMPLES``, default 60 per property); for a longer
local run::

    DERIVE_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py
"""

import os

import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.catalog import get_target
from derive.read.claims import claim_for
from derive.conditions import hidden
from derive.errors import DeriveError
from derive.functions import S, i, j, z
from derive.read.parse import parse
from derive.read.parse_latex import looks_like_latex, read_latex
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


# --- one notation, one reading --------------------------------------------------------
#
# Random claims written twice, in the text notation and in LaTeX, the same written form in
# each: both readers must understand the same claim (or both refuse it), and what "read
# as" prints must read back to it.  A form is (text, LaTeX, kind); the kind says how it
# may stand inside another: "atom" (a name, a number, a call with parentheses), "power",
# "prefix" (a function without parentheses: log S_j²), "product", "sum" (± terms) and
# "sigma" (Σ_k …, which takes the product after it).

def _bracket(form, keep=("atom",)):
    text, tex, kind = form
    return (text, tex) if kind in keep else (f"({text})", rf"\left({tex}\right)")


def _power(form, exponent):
    (text, tex), (up, tex_up) = _bracket(form), exponent
    return (f"{text}{up}", f"{tex}{tex_up}", "power")


def _prefix(function, argument):
    text, tex = function
    return (f"{text} {argument[0]}", rf"{tex} {argument[1]}", "prefix")


def _call(function, form):
    text, tex = function
    return (f"{text}({form[0]})", rf"{tex}\left({form[1]}\right)", "atom")


def _product(a, b, explicit):
    left = _bracket(a, ("atom", "power", "prefix", "product"))
    right = _bracket(b, ("atom", "power", "prefix", "sigma"))
    if explicit:
        return (f"{left[0]} * {right[0]}", rf"{left[1]} \cdot {right[1]}", "product")
    return (f"{left[0]} {right[0]}", f"{left[1]} {right[1]}", "product")


def _signed(a, b, operator):
    """``a * -b``, ``a / -b``: after an operator the sign belongs to the factor."""
    left = _bracket(a, ("atom", "power", "prefix", "product"))
    right = _bracket(b, ("atom", "power", "prefix"))
    tex = r"\cdot" if operator == "*" else "/"
    return (f"{left[0]} {operator} -{right[0]}", f"{left[1]} {tex} -{right[1]}", "product")


def _quotient(a, b, fraction):
    if fraction:
        return (f"({a[0]})/({b[0]})", rf"\frac{{{a[1]}}}{{{b[1]}}}", "product")
    top = _bracket(a, ("atom", "power", "prefix", "product"))
    bottom = _bracket(b, ("atom", "power", "prefix"))
    return (f"{top[0]}/{bottom[0]}", f"{top[1]}/{bottom[1]}", "product")


def _sum(a, b, sign):
    right = _bracket(b, ("atom", "power", "prefix", "product", "sigma"))
    left = a if a[2] != "sigma" else _bracket(a)
    return (f"{left[0]} {sign} {right[0]}", f"{left[1]} {sign} {right[1]}", "sum")


EXPONENTS = st.sampled_from([("^2", "^2"), ("²", "^{2}"), ("^3", "^{3}"), ("^(-1)", "^{-1}")])
PREFIXES = st.sampled_from([("log", r"\log"), ("exp", r"\exp"), ("σ", r"\sigma"),
                            ("ln", r"\ln")])
CALLS = st.sampled_from([("log", r"\log"), ("exp", r"\exp"), ("σ", r"\sigma")])
LIMITS = st.sampled_from([("Σ_k", r"\sum_k"), ("Σ_{k=1}^N", r"\sum_{k=1}^{N}"),
                          ("Σ_{k=2}^N", r"\sum_{k=2}^{N}"), ("Σ_k^N", r"\sum_k^N"),
                          ("Σ_{k=1}^{N−1}", r"\sum_{k=1}^{N-1}"),
                          ("Σ_{k=2}^{N−1}", r"\sum_{k=2}^{N-1}")])
BODIES = st.sampled_from([("y_k", "y_k"), ("S_k", "S_k"), ("y_k log S_k", r"y_k \log S_k"),
                          ("exp(z_k)", r"e^{z_k}"), ("S_k^2 z_k", r"S_k^2 z_k"),
                          ("log S_k^2", r"\log S_k^2"), ("(1 - y_k) S_k", r"(1 - y_k) S_k")])


def _claims(names):
    """Written claims over ``names`` (pairs of text and LaTeX), with Σ_k sums over k."""
    leaves = st.one_of(
        st.sampled_from([(t, l, "atom") for t, l in names]
                        + [("2", "2", "atom"), ("3", "3", "atom"), ("e", "e", "atom"),
                           ("N", "N", "atom")]),
        st.tuples(LIMITS, BODIES).map(lambda lb: (f"{lb[0][0]} {lb[1][0]}",
                                                  f"{lb[0][1]} {lb[1][1]}", "sigma")))
    arguments = st.tuples(st.sampled_from(names + [("2", "2")]),
                          st.one_of(st.just(("", "")), EXPONENTS)).map(
        lambda ae: (ae[0][0] + ae[1][0], ae[0][1] + ae[1][1]))

    def grow(children):
        return st.one_of(
            st.tuples(children, EXPONENTS).map(lambda ce: _power(*ce)),
            st.tuples(PREFIXES, arguments).map(lambda fa: _prefix(*fa)),
            st.tuples(CALLS, children).map(lambda fc: _call(*fc)),
            children.map(lambda c: (f"e^({c[0]})", f"e^{{{c[1]}}}", "power")),
            st.tuples(children, children, st.booleans()).map(lambda abx: _product(*abx)),
            st.tuples(children, children, st.booleans()).map(lambda abf: _quotient(*abf)),
            st.tuples(children, children, st.sampled_from("*/")).map(lambda abo: _signed(*abo)),
            st.tuples(children, children, st.sampled_from("+-")).map(lambda abs_: _sum(*abs_)),
            children.map(lambda c: (f"-{_bracket(c, ('atom', 'power', 'prefix', 'product'))[0]}",
                                    f"-{_bracket(c, ('atom', 'power', 'prefix', 'product'))[1]}",
                                    "sum")),
        )
    return st.recursive(leaves, grow, max_leaves=6)


GRADIENT_CLAIMS = _claims([("S_j", "S_j"), ("y_j", "y_j"), ("z_j", "z_j"),
                           ("ŷ_j", r"\hat{y}_j")]).map(
    lambda c: (f"{c[0]} - y_j", f"{c[1]} - y_j"))
JACOBIAN_CLAIMS = _claims([("S_i", "S_i"), ("S_j", "S_j"), ("z_i", "z_i"),
                           ("δ_ij", r"\delta_{ij}")]).map(
    lambda c: (f"{c[0]} - S_i S_j", f"{c[1]} - S_i S_j"))
SYMBOLIC = get_target("softmax-cross-entropy-grad").problem(
    sp.Symbol("N", integer=True, positive=True))


def _reading(text: str, problem):
    """The claim, or the kind of error that refused it."""
    try:
        return claim_for(text, problem).expr
    except DeriveError as error:
        return type(error).__name__


@FUZZ
@given(st.one_of(GRADIENT_CLAIMS.map(lambda c: (c, GRADIENT)),
                 GRADIENT_CLAIMS.map(lambda c: (c, SYMBOLIC)),
                 JACOBIAN_CLAIMS.map(lambda c: (c, JACOBIAN))))
def test_text_and_latex_read_a_claim_alike(case):
    (text_form, latex_form), problem = case
    assert _reading(text_form, problem) == _reading(read_latex(latex_form).text, problem), \
        (text_form, latex_form)


def _equal(a: sp.Expr, b: sp.Expr) -> bool:
    """The same claim: the same tree, or the same value with the sums written out (at
    N = 4 for every N: Σ_k y_k/2 reads back as Σ_k (y_k/2))."""
    n = SYMBOLIC.classes
    return a == b or _same(a.subs(n, 4).doit(), b.subs(n, 4).doit())


@FUZZ
@given(st.one_of(GRADIENT_CLAIMS.map(lambda c: (c[0], GRADIENT)),
                 GRADIENT_CLAIMS.map(lambda c: (c[0], SYMBOLIC)),
                 JACOBIAN_CLAIMS.map(lambda c: (c[0], JACOBIAN))))
def test_read_as_reads_back_to_the_claim(case):
    source, problem = case
    claim = _reading(source, problem)
    if isinstance(claim, str):   # refused, as written: nothing is shown as read
        return
    if hidden(claim_for(source, problem).conditions, claim):
        # e^(log y_j) − y_j is 0, read as "0, where y_j > 0": the condition is shown in
        # words beside the expression, which alone is not the claim.
        return
    if any(abs(power.exp) > 8 and power.base.has(sp.Add, sp.Sum)
           for power in claim.atoms(sp.Pow) if power.exp.is_Number):
        # ((1 + S_j)³)³ is read, and SymPy makes it (1 + S_j)⁹, a power of a sum the claim
        # reader refuses as written (at most 8: it would expand to too many terms).
        return
    shown = text(claim, classes=problem.classes)   # what derive check prints as "read as"
    assert not looks_like_latex(shown), shown
    assert _equal(claim_for(shown, problem).expr, claim), (source, shown)
