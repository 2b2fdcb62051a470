"""The catalogue as data: each target's definition in the notation of ``--of``, given to
the one engine (derive.calculus.strategy), gives the target's own result — for every N,
every variable a target takes."""

import pytest
import sympy as sp
from click.testing import CliRunner

from cli import main
from derive.catalog import TARGETS, Target
from derive.derivation import derivation
from derive.definitions import defined_derivation
from derive.functions import S, j, k, y
from derive.verdicts.verify import verify

N = sp.Symbol("N", integer=True, positive=True)

CASES = [(name, wrt) for name, target in TARGETS.items() if target.definition
         for wrt in (target.wrt_choices or (None,))]


def test_every_target_has_a_definition():
    assert all(t.definition for t in TARGETS.values())


@pytest.mark.parametrize("name, wrt", CASES)
def test_the_engine_gives_the_catalogue_result_from_the_definition(name, wrt):
    target = TARGETS[name]
    variable = wrt or str(target.problem(3).wrt)
    ours = defined_derivation(target.definition, (variable,) * target.order, "N",
                              assume=target.assume)
    theirs = derivation(name, "N", **({"wrt": wrt} if wrt and len(target.wrt_choices) > 1
                                       else {}))
    assert ours.result == theirs.result
    assert ours.general == theirs.general or not target.assume
    assert ours.problem.variable == theirs.problem.variable
    assert not ours.note and ours.check.passed


# ---- a new target is a few lines of data ------------------------------------------------

BRIER = Target("brier-grad", "Brier score gradient",
               "gradient of L = Σ_k (S_k − y_k)² with respect to the logits z",
               "L = Σ_k (softmax(z)_k - y_k)^2", ("z", "y"), "", "entry j = ∂L/∂z_j")


@pytest.fixture
def brier(monkeypatch):
    monkeypatch.setitem(TARGETS, BRIER.name, BRIER)
    return BRIER.name


def test_a_target_that_is_only_data_is_derived_checked_and_verified(brier):
    # No builder, no rules, no reference implementation: the construction, the result
    # and the steps come from the definition; the numeric check differences the
    # definition evaluated stably.
    d = derivation(brier, "N")
    expected = 2 * S[j] * (S[j] - y[j] - sp.Sum(S[k] ** 2, (k, 1, N))
                           + sp.Sum(S[k] * y[k], (k, 1, N)))
    assert sp.expand(d.result - expected) == 0
    assert d.check.passed and d.steps[0].rule == "definition" and d.steps[-1].rhs == d.result
    at_4 = derivation(brier, 4)
    assert at_4.exact.passed and at_4.check.passed
    claim = "2 S_j (S_j - y_j) - 2 S_j Σ_k S_k (S_k - y_k)"
    assert [verify(claim, against=brier, classes=n).verdict for n in ("N", 4)] == ["holds"] * 2
    assert verify("2 (S_j - y_j)", against=brier, classes="N").verdict == "fails"


def test_a_data_target_is_shown_by_the_cli(brier):
    result = CliRunner().invoke(main, ["show", brier, "--classes", "3"])
    assert result.exit_code == 0, result.output
    assert "numeric check passed" in result.output
