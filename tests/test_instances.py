"""A concrete N is an instance of the proof for every N (issue 21): its result, its
matrix and its steps equal, entry by entry and exactly, those of the direct path — SymPy's
``diff`` of every concrete entry, each rewritten and each step checked at N itself — for
every target, N = 2 … 6, and D, m = 1 … 3 where a target has them."""

import pytest
import sympy as sp

from derive import TARGETS, derivation
from derive.derivation import mechanical_derivation
from derive.check.evaluator import zero_test
from derive.functions import instantiate
from derive.check.concrete import Concrete


def _cases():
    for name, target in TARGETS.items():
        sizes = range(max(2, target.min_classes), 7)
        extra = [("inputs", d) for d in (1, 2, 3)] if "inputs" in target.options else \
            [("batch", m) for m in (1, 2, 3)] if "batch" in target.options else [None]
        for n in sizes:
            for option in extra:
                if option is not None and n > 4:   # N × D entries derived directly: slow
                    continue
                yield pytest.param(name, n, dict([option]) if option else {},
                                   id=f"{name}-{n}" + (f"-{option[0]}{option[1]}" if option else ""))


def _equal(a: sp.Expr, b: sp.Expr) -> bool:
    difference = a - b
    decided = zero_test(difference)
    return decided if decided is not None else sp.cancel(sp.together(difference)) == 0


@pytest.mark.parametrize("name, n, options", list(_cases()))
def test_the_instance_is_the_direct_derivation(name, n, options):
    direct = mechanical_derivation(name, n, True, True, 0, tuple(sorted(options.items())))
    instance = derivation(name, n, **options)
    assert instance.proof is not None and instance.exact.passed and instance.check.passed
    problem = instance.problem
    concrete = Concrete(problem, n)
    keys = problem.keys(problem.indices)
    # The result and the general form, as index forms at every entry.
    for ours, theirs in ((instance.result, direct.result), (instance.general, direct.general)):
        for key in keys:
            assert _equal(concrete(ours, key, problem.assumptions),
                          concrete(theirs, key, problem.assumptions)), (name, key)
    # The matrices, entry by entry.
    for ours, theirs in ((instance.matrix, direct.matrix),
                         (instance.general_matrix, direct.general_matrix)):
        assert ours.shape == theirs.shape
        for a, b in zip(ours, theirs):
            # (the direct path keeps Σ_k y_k unexpanded in the general form's entries)
            a, b = (concrete.exponentials(instantiate(e, n)) for e in (a, b))
            assert _equal(a, b), (name, a, b)
    # The steps: the same textbook steps, each right side equal at every entry of its case.
    assert [s.rule for s in instance.steps] == [s.rule for s in direct.steps]
    for ours, theirs in zip(instance.steps, direct.steps):
        assert ours.case == theirs.case and ours.reason == theirs.reason
        for key in keys:
            if ours.case is not None:
                p, q, equal = ours.case
                values = dict(zip(problem.indices, key))
                if (values[p] == values[q]) != equal:
                    continue
            assert _equal(concrete(ours.rhs, key, ours.assumes),
                          concrete(theirs.rhs, key, theirs.assumes)), (name, ours.reason, key)
