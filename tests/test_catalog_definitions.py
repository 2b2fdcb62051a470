"""The catalogue as data: each target's definition in the notation of ``--of``, given to
the one engine (derive.calculus.strategy), gives the target's own result — for every N,
every variable a target takes."""

import pytest
import sympy as sp

from derive.catalog import TARGETS
from derive.derivation import derivation
from derive.definitions import defined_derivation

CASES = [(name, wrt) for name, target in TARGETS.items() if target.definition
         for wrt in (target.wrt_choices or (None,))]


def test_every_target_has_a_definition():
    assert all(t.definition for t in TARGETS.values())


@pytest.mark.parametrize("name, wrt", CASES)
def test_the_engine_gives_the_catalogue_result_from_the_definition(name, wrt):
    target = TARGETS[name]
    ours = defined_derivation(target.definition, wrt or str(target.problem(3).wrt), "N",
                              assume=target.assume)
    theirs = derivation(name, "N", **({"wrt": wrt} if wrt and len(target.wrt_choices) > 1
                                       else {}))
    assert ours.result == theirs.result
    assert ours.general == theirs.general or not target.assume
    assert ours.problem.variable == theirs.problem.variable
    assert not ours.note and ours.check.passed
