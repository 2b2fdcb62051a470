"""The pipeline for a user's definition: derivation, checked steps, proof, numeric check,
the instance at a concrete N — and that a wrong rule cannot slip through."""

import numpy as np
import pytest
import sympy as sp

import derive
from derive import definitions
from derive.calculus import strategy
from derive.check.defined import exact_entries, numeric_check
from derive.check.stable import evaluate
from derive.errors import InputError, StepError
from derive.read.definition import read_definition

CE = "L = -Σ_k y_k log(softmax(z)_k)"


@pytest.fixture(autouse=True)
def _fresh():
    definitions._symbolic.cache_clear()
    yield
    definitions._symbolic.cache_clear()


def test_a_definition_is_derived_for_every_n_with_checked_steps():
    d = derive.derivation(of=CE, wrt="z", classes="N", assume=("Σ_k y_k = 1",))
    assert sp.sstr(d.result) == "S[j] - y[j]"
    assert sp.sstr(d.general) == "S[j]*Sum(y[k], (k, 1, N)) - y[j]"
    assert d.proof.statement == "for all N ≥ 1"
    # The textbook opening: linearity, then the log-softmax Jacobian as a lemma derived by
    # the same rules.
    assert [s.rule for s in d.steps] == ["definition", "linearity", "lemma", "split-sums",
                                        "sum-delta", "assumption"]
    assert all(s.check.proved and s.check.sizes == (1, 2, 3) for s in d.steps)
    # Every entry at N = 1, 2, 3 compared exactly: 1 + 2 + 3 entries per step.
    assert all(s.check.exact_entries == s.check.entries == 6 for s in d.steps)
    assert d.steps[-1].assumes == d.assumptions
    assert d.check.passed and d.check.extreme_points > 0
    assert d.form is not None and d.definition.text == CE


@pytest.mark.parametrize("of, wrt, form", [
    ("L = xᵀ A x", "x", "A x + Aᵀ x"),
    ("L = 1/2 xᵀ A x - bᵀ x", "x", "1/2 A x + 1/2 Aᵀ x − b"),
    ("L = λ/2 wᵀ w", "w", "λ w"),
    ("L = xᵀ A x", "A", "x xᵀ"),
])
def test_a_quadratic_form_has_its_vector_form(of, wrt, form):
    from derive.render.unicode import form_text
    d = derive.derivation(of=of, wrt=wrt, classes="N", steps=False)
    assert form_text(d.form) == form and d.check.passed


def test_a_concrete_n_is_the_instance_checked_exactly_at_n():
    d = derive.derivation(of="S_i = softmax(z/T)_i", wrt="z", classes=4)
    assert d.classes == 4 and d.matrix.shape == (4, 4)
    assert d.exact.entries == 16 and d.exact.by_atoms == 16 and d.exact.passed
    assert str(d.matrix[0, 1]) == "-S_1*S_2/T"
    assert d.check.passed and d.check.sizes == (4,)


def test_a_wrong_rule_is_caught_by_the_independent_check(monkeypatch):
    """A rule that drops a term: the steps, compared with SymPy's diff of the written-out
    definition at N = 1, 2, 3, do not follow."""
    real = strategy.sum_delta

    def lossy(expr, ranges, used=None):
        out = real(expr, ranges, used)
        terms = sp.Add.make_args(out)
        return out - terms[-1] if len(terms) > 1 else out

    monkeypatch.setattr(strategy, "sum_delta", lossy)
    with pytest.raises(StepError, match="does not"):
        derive.derivation(of=CE, wrt="z", classes="N")


def test_exact_entries_find_a_wrong_formula():
    definition = read_definition(CE)
    j = sp.Symbol("j", integer=True, positive=True)
    variable = sp.IndexedBase("z")[j]
    wrong = sp.IndexedBase("S")[j] - sp.IndexedBase("y")[j]   # needs Σ y = 1
    good, total, differing = exact_entries(wrong, definition, variable, (), {"N": 3, "D": 2})
    assert (good, total) == (0, 3) and differing == [(1,), (2,), (3,)]


def test_the_stable_evaluation_is_finite_at_extreme_logits():
    definition = read_definition("L = -Σ_k y_k log(softmax(z)_k) + logsumexp(z)")
    values = {"z": np.array([[1000.0, -1000.0, 0.0], [5000.0, 4999.0, -3000.0]]),
              "y": np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])}
    out = evaluate(definition.body, definition, values, {"N": 3})
    assert np.isfinite(out).all()
    # −Σ y log S + logsumexp(z) = Σ_k y_k (lse − z_k) + lse.
    lse = np.log(np.exp(values["z"][1] - 5000.0).sum()) + 5000.0
    assert out[1] == pytest.approx((lse - 5000.0) + lse)


def test_the_numeric_check_fails_a_wrong_result():
    definition = read_definition(CE)
    j = sp.Symbol("j", integer=True, positive=True)
    report = numeric_check(sp.IndexedBase("S")[j] - sp.IndexedBase("y")[j], definition,
                           sp.IndexedBase("z")[j], [{"N": 3, "D": 2}])
    assert not report.passed


@pytest.mark.parametrize("call, message", [
    (lambda: derive.derivation("softmax-jacobian", of=CE), "not both"),
    (lambda: derive.derivation(), "give a target"),
    (lambda: derive.derivation(of=CE, convention="WTx"), "convention is an option of the"),
    (lambda: derive.derivation("softmax-jacobian", assume=("Σ_k y_k = 1",)), "goes with"),
    (lambda: derive.derivation(of=CE, classes=5000), "at most"),
    (lambda: derive.derivation(of=CE, wrt="q"), "q does not occur"),
    (lambda: derive.derivation(of="L = Σ_k (y_k - t_k)^2"), "give the variable"),
])
def test_requests_that_do_not_fit_are_refused(call, message):
    with pytest.raises(InputError, match=message):
        call()


@pytest.mark.skipif(__import__("shutil").which("pdflatex") is None,
                    reason="pdflatex is not installed (Debian: texlive-latex-base)")
def test_the_gallery_as_a_document_compiles_with_pdflatex(tmp_path):
    import subprocess
    from derive.gallery import GALLERY
    from derive.render.latex import document_latex
    tex = tmp_path / "gallery.tex"
    tex.write_text(document_latex([derive.derivation(of=e.of, wrt=e.wrt, classes="N",
                                                     assume=e.assume) for e in GALLERY]))
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                          "-no-shell-escape", "gallery.tex"], cwd=tmp_path, capture_output=True,
                         text=True, errors="replace", timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / "gallery.aux").read_text().count("{section}") == len(GALLERY)


@pytest.mark.parametrize("name", [e.name for e in __import__("derive.gallery").gallery.GALLERY])
def test_every_gallery_function_is_derived_checked_and_its_claim_holds(name):
    from derive.gallery import example
    e = example(name)
    d = derive.derivation(of=e.of, wrt=e.wrt, classes="N", assume=e.assume)
    assert not d.note and d.check.passed
    assert all(s.check.exact_entries == s.check.entries for s in d.steps)
    assert derive.verify(e.claim, of=e.of, wrt=e.wrt, classes="N",
                         assume=e.assume).verdict == "holds"
    if e.hessian:   # and its second derivative, with its symmetry
        h = derive.derivation(of=e.of, wrt=(e.wrt, e.wrt), classes="N", assume=e.assume)
        assert not h.note and h.check.passed and h.symmetry.proved
        assert derive.verify(e.hessian, of=e.of, wrt=(e.wrt, e.wrt), classes="N",
                             assume=e.assume).verdict == "holds"


def test_entries_not_decided_exactly_are_said_to_be_so():
    """A step entry that the exact tests could not decide (confirmed at 50 digits) is not
    called exact in the report."""
    from dataclasses import replace

    from derive.render.text import steps_text
    d = derive.derivation(of=CE, wrt="z", classes="N")
    assert "not decided exactly" not in "\n".join(steps_text(d))
    step = replace(d.steps[2], check=replace(d.steps[2].check, exact_entries=4,
                                              numeric_entries=2))
    partial = replace(d, steps=(*d.steps[:2], step, *d.steps[3:]))
    assert "(2 entries at 50 digits, not decided exactly)" in " ".join(steps_text(partial))


def test_cross_validation_of_a_definition_catches_a_wrong_result():
    from dataclasses import replace

    from derive.check.crosscheck import cross_validate
    d = derive.derivation(of=CE, wrt="z", classes="N", assume=("Σ_k y_k = 1",), check=False)
    v = cross_validate(d, sizes=(2, 3))
    assert v.passed and v.entries == 2 * (2 + 3) and v.against == "the written-out definition"
    wrong = replace(d, result=d.result.subs(sp.Symbol("j", integer=True, positive=True), 1))
    v = cross_validate(wrong, sizes=(2, 3))
    assert not v.passed and v.failure.startswith("N = 2: the result differs at entry")


@pytest.mark.parametrize("text, wrt", [
    ("S_i = softmax(z)_i", "z"),
    ("a_i = exp(q·k_i/√d)/Σ_m exp(q·k_m/√d)", "q"),
    ("L = -Σ_k y_k log(softmax(W x + b)_k)", "W"),
])
def test_all_steps_at_once_agree_with_each_step_alone(text, wrt):
    from derive.calculus.strategy import derive_definition
    from derive.check.defined import exact_entries, fast_steps
    definition = read_definition(text)
    derived = derive_definition(definition, wrt)
    sizes = {"N": 3, "D": 2, "m": 2}
    steps = [(s.rhs, s.case, ()) for s in derived.steps]
    # A wrong step among them (a sign flipped) is caught at every entry of its case.
    wrong = (-derived.steps[-1].rhs, derived.steps[-1].case, ())
    together = fast_steps(steps + [wrong], definition, derived.variable, (), sizes)
    alone = [exact_entries(s.rhs, definition, derived.variable, (), sizes, case=s.case)
             for s in derived.steps]
    assert together[:-1] == [(good, total, list(d)) for good, total, d in alone]
    good, total, differing = together[-1]
    assert good == 0 and len(differing) == total > 0


def test_a_softmax_named_after_a_semicolon_keeps_its_name():
    # The gradient of cross-entropy written as a definition: its Jacobian in z is the
    # Hessian, in the user's S (not a fresh P beside an S equal to it).
    from derive.definitions import defined_derivation
    d = defined_derivation("g_j = S_j Σ_k y_k - y_j; S_k = softmax(z)_k", "z", "N",
                           assume=("Σ_k y_k = 1",), check=False)
    assert {str(a.base) for a in d.result.atoms(sp.Indexed)} == {"S"}
    from derive.verdicts.verify import verify
    v = verify("diag(S) - S Sᵀ", of="g_j = S_j Σ_k y_k - y_j; S_k = softmax(z)_k", wrt="z",
               classes="N", assume=("Σ_k y_k = 1",))
    assert v.verdict == "holds"
