"""derive reads what it writes.

* Every result form a derivation prints — the index form, the general form, the matrix form
  and its general form, in text and in LaTeX — read back by the verifier against its own
  target (or its own definition, for the gallery's --of functions), at a concrete N and for
  every N, holds.  The forms are taken from the JSON export,
  which carries every printed formula, so a new printer output cannot ship unreadable.
* Hypothesis: random index-form expressions in the notation (entries, δ, sums, exp, log,
  powers, roots, quotients) printed by the text and the LaTeX printer and read back by the
  claim reader are the same expression (equal at a random point, exactly).
"""

import json

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.catalog import TARGETS
from derive.derivation import derivation
from derive.functions import S, j, y
from derive.read.claims import claim_for
from derive.read.left_side import read_written
from derive.render.json import derivation_dict
from derive.render.latex import latex
from derive.render.text import text
from derive.verdicts.verify import verify

_FORMS = [("result", "text"), ("result", "latex"), ("general", "text"), ("general", "latex"),
          ("form", "text"), ("form", "latex"), ("form", "general_text"),
          ("form", "general_latex")]


def printed_forms(name: str, classes) -> dict[str, str]:
    data = json.loads(json.dumps(derivation_dict(derivation(name, classes, check=False))))
    forms = {f"{part}.{key}": data[part][key] for part, key in _FORMS
             if data.get(part) and data[part].get(key)}
    # The equation as printed, its left side too (∂S_i/∂z_j = …, ∂²L/∂z_i∂z_j = …).
    forms.update({f"equation.{key}": f"{data['lhs'][key]} = {data['result'][key]}"
                  for key in ("text", "latex")})
    return forms


@pytest.mark.parametrize("name", list(TARGETS))
def test_every_printed_form_reads_back_and_holds(name):
    for classes in (3, "N"):
        forms = printed_forms(name, classes)
        assert {"result.text", "result.latex", "general.text", "general.latex"} <= set(forms)
        for where, written in forms.items():
            v = verify(written, against=name, classes=classes)
            assert v.verdict == "holds", (classes, where, written, v.verdict, v.diagnosis,
                                          v.notes)


def _gallery_names():
    from derive.gallery import GALLERY
    return [g.name for g in GALLERY]


@pytest.mark.parametrize("name", _gallery_names())
def test_every_printed_form_of_a_definition_reads_back_and_holds(name):
    # The same for --of: the gallery's functions, printed and checked against themselves.
    from derive.definitions import defined_derivation
    from derive.gallery import GALLERY
    g = next(g for g in GALLERY if g.name == name)
    # Its second derivative too, where the gallery shows one (with its left side).
    for wrt in (g.wrt, (g.wrt, g.wrt)) if g.hessian else (g.wrt,):
        for classes in (3, "N"):
            d = defined_derivation(g.of, wrt, classes, assume=tuple(g.assume), check=False)
            data = json.loads(json.dumps(derivation_dict(d)))
            forms = {f"{part}.{key}": data[part][key] for part, key in _FORMS
                     if data.get(part) and data[part].get(key)}
            assert {"result.text", "result.latex"} <= set(forms)
            if isinstance(wrt, tuple):
                forms["equation"] = f"{data['lhs']['text']} = {data['result']['text']}"
            for where, written in forms.items():
                v = verify(written, of=g.of, wrt=wrt, classes=classes, assume=tuple(g.assume))
                assert v.verdict == "holds", (classes, where, written, v.verdict, v.diagnosis)


def test_the_matrix_forms_use_the_notations_that_needed_reading():
    # The printed forms that were once refused: 𝟙, ⊘ and ⊗ (text and LaTeX).
    seen = {form for name in TARGETS for form in printed_forms(name, 3).values()}
    for needed in ("I − 𝟙 Sᵀ", "−y ⊘ S", "(diag(S) − S Sᵀ) ⊗ xᵀ", r"\mathbf{1}", r"\oslash",
                   r"\otimes"):
        assert any(needed in form for form in seen), needed


# ---- Hypothesis: the printers and the reader agree on random expressions ----------------
k = sp.Symbol("k", integer=True, positive=True)
_PROBLEM = None


def _problem():
    global _PROBLEM
    if _PROBLEM is None:
        _PROBLEM = TARGETS["softmax-cross-entropy-grad"].problem(3)
    return _PROBLEM


def _positive(letters):
    """Positive expressions (so that logs, roots and quotients are defined)."""
    atoms = st.sampled_from([S[x] for x in letters] + [y[x] for x in letters]
                            + [sp.Integer(2), sp.Rational(1, 3), sp.Integer(5)])
    return st.recursive(atoms, lambda inner: st.one_of(
        st.builds(sp.exp, inner.map(lambda e: e / 4)),
        st.builds(lambda a, b: a + b, inner, inner),
        st.builds(lambda a, b: a * b, inner, inner),
        st.builds(lambda a, b: a / b, inner, inner),
        st.builds(lambda a, n: a ** n, inner, st.sampled_from([2, 3, -1, sp.Rational(1, 2)])),
    ), max_leaves=6)


def _signed(letters):
    positive = _positive(letters)
    return st.recursive(positive, lambda inner: st.one_of(
        st.builds(lambda a, b: a - b, inner, inner),
        st.builds(lambda a, b: a * b, inner, inner),
        st.builds(sp.log, positive),
        st.builds(lambda a: sp.KroneckerDelta(j, k) * a if k in a.free_symbols else a, inner),
    ), max_leaves=6)


_summed = _signed((j, k)).filter(lambda e: k in e.free_symbols).map(
    lambda e: sp.Sum(e, (k, 1, 3)))
_expressions = st.builds(lambda a, b: a + b * y[j], st.one_of(_signed((j,)), _summed),
                         st.sampled_from([1, 2, -1])).filter(lambda e: j in e.free_symbols)


def _value(expr, at, point):
    return sp.N(expr.xreplace({j: at}).doit().xreplace(point), 30)


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(_expressions, st.integers(1, 3),
       st.lists(st.integers(1, 9), min_size=6, max_size=6))
def test_printed_expressions_read_back_as_themselves(expr, at, numbers):
    problem = _problem()
    point = {**{S[n + 1]: sp.Rational(v, 10) for n, v in enumerate(numbers[:3])},
             **{y[n + 1]: sp.Rational(v, 7) for n, v in enumerate(numbers[3:])}}
    expected = _value(expr, at, point)
    for printed in (text(expr), latex(expr)):
        written = read_written(printed)
        got = _value(claim_for(written.text, problem).expr, at, point)
        assert abs(got - expected) <= 1e-20 * (1 + abs(expected)), (expr, printed, written.text)
