"""Derivation steps: every target's textbook steps come from its definition by the one
strategy, every step is checked, broken steps are caught."""

import dataclasses

import pytest
import sympy as sp

from derive import TARGETS, derivation
from derive.derivation import mechanical_derivation
from derive.errors import StepError
from derive.functions import S, i, j, k, y
from derive.catalog import get_target
from derive.derivation import textbook_chains
from derive.check.step_checks import check_steps
from derive.sizes import EXACT_ENTRY_LIMIT


def route(name, problem):
    """The textbook steps of a target at the problem's sizes, as a list to break."""
    return list(textbook_chains(get_target(name), problem)[0])


@pytest.mark.parametrize("name", list(TARGETS))
def test_every_target_has_textbook_steps_from_its_definition(name):
    steps = route(name, get_target(name).problem(3))
    assert steps[0].rule == "definition" and len(steps) >= 3


@pytest.mark.parametrize("name", list(TARGETS))
@pytest.mark.parametrize("n", [2, 3, 5])
def test_every_step_is_checked_and_the_last_is_the_result(name, n):
    d = derivation(name, n)
    # Every entry exactly, or (a layer's N·N·D entries above the limit) the entries at
    # both ends of every index range.
    assert d.steps and all(s.check is not None and (s.check.complete or (
        s.check.entries > EXACT_ENTRY_LIMIT and s.check.exact_entries > 0)) for s in d.steps)
    assert sp.expand(d.steps[-1].rhs - d.result) == 0
    assert all(s.check.max_abs_error < 1e-9 for s in d.steps)


@pytest.mark.parametrize("name, rules", [
    ("softmax-jacobian", ["definition", "quotient-rule", "recognise-softmax", "case", "case",
                          "merge-cases"]),
    ("log-softmax-jacobian", ["definition", "log-quotient", "differentiate", "recognise-softmax"]),
    ("cross-entropy-grad", ["definition", "linearity", "differentiate", "sum-delta"]),
    ("softmax-cross-entropy-grad", ["definition", "linearity", "lemma", "split-sums", "sum-delta",
                                    "assumption"]),
    ("sparse-softmax-cross-entropy-grad", ["definition", "linearity", "lemma"]),
])
def test_steps_follow_the_textbook(name, rules):
    assert [s.rule for s in derivation(name, 3, check=False).steps] == rules


def test_softmax_cross_entropy_route_passes_through_the_general_form():
    steps = derivation("softmax-cross-entropy-grad", 4, check=False).steps
    assert sp.expand(steps[-2].rhs - (S[j] * sp.Sum(y[k], (k, 1, 4)) - y[j])) == 0
    assert [a.name for a in steps[-1].assumes] == ["labels-sum-to-one"]
    assert all(not s.assumes for s in steps[:-1])


def test_case_steps_are_checked_on_their_case_only():
    # The direct path checks each step at N itself; a concrete N derived as an instance of
    # the proof has its steps checked at N = 1, 2, 3 (1 + 2 + 3 diagonal entries).
    steps = mechanical_derivation("softmax-jacobian", 4, check=False).steps
    diagonal, off = steps[3], steps[4]
    assert (diagonal.check.entries, off.check.entries) == (4, 12)
    steps = derivation("softmax-jacobian", 4, check=False).steps
    diagonal, off = steps[3], steps[4]
    assert (diagonal.check.entries, off.check.entries) == (6, 8)
    assert diagonal.check.proved and diagonal.check.sizes == (1, 2, 3)


def test_reasons_are_plain_words():
    # Reasons go into LaTeX \text{} and Markdown unchanged: maths belongs in facts.
    for name in TARGETS:
        for step in derivation(name, 3, check=False).steps:
            assert step.reason.isascii(), step.reason


def _checked(name, n, broken):
    d = mechanical_derivation(name, n, check=False)
    steps = route(name, d.problem)
    steps[broken[0]] = dataclasses.replace(steps[broken[0]], rhs=broken[1](steps[broken[0]].rhs))
    return check_steps(steps, d.problem, n, d.mechanical)


@pytest.mark.parametrize("name, position, change, message", [
    # a missing δ_ij in the merged form
    ("softmax-jacobian", 5, lambda e: e.subs(sp.KroneckerDelta(i, j), 1),
     "step 6 (both cases in one with the Kronecker delta)"),
    # a flipped sign in the quotient rule
    ("softmax-jacobian", 1, lambda e: -e, "step 2 (quotient rule)"),
    # a lost factor 1/2
    ("cross-entropy-grad", 3, lambda e: e / 2, "step 4 (the Kronecker delta picks one term"),
    # the wrong sign in the lemma
    ("sparse-softmax-cross-entropy-grad", 2, lambda e: -e, "step 3 (log-softmax Jacobian)"),
])
def test_a_broken_step_is_caught_and_named(name, position, change, message):
    with pytest.raises(StepError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _checked(name, 3, (position, change))


def test_a_step_that_needs_an_unstated_assumption_is_caught():
    d = mechanical_derivation("softmax-cross-entropy-grad", 3, check=False)
    steps = route("softmax-cross-entropy-grad", d.problem)
    steps[-1] = dataclasses.replace(steps[-1], assumes=())   # S_j − y_j without Σy = 1
    with pytest.raises(StepError, match="step 6 \\(apply the assumption\\) does not follow"):
        check_steps(steps, d.problem, 3, d.mechanical)


def test_large_n_checks_representative_entries_and_says_so():
    d = mechanical_derivation("softmax-jacobian", 9, check=False)
    first = d.steps[0].check
    assert first.entries == 81 > EXACT_ENTRY_LIMIT and first.exact_entries == 16
    assert not first.complete
