"""The machine check of every step of a derivation.

:func:`check_steps` compares every step with the mechanical derivative, entry by entry
for concrete N: exactly (the difference, a rational function of ``e_m = exp(z_m)``, the
labels and the probabilities, must cancel to zero) and numerically (lambdified at random
points).  A step that does not follow raises :class:`~derive.errors.StepError` naming it.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import sympy as sp

from ..calculus.steps import Step, StepCheck
from .concrete import Concrete
from ..errors import StepError
from ..sizes import EXACT_ENTRY_LIMIT, STEP_POINTS
from .numeric import EXACT_ATOL, EXACT_RTOL, lambdify_entries

__all__ = ["check_steps", "check_steps_at"]




def _entries(indices, n: int, case, problem=None) -> list[tuple[int, ...]]:
    if problem is not None:
        keys = problem.keys(indices)
    else:
        keys = list(itertools.product(range(1, n + 1), repeat=len(indices)))
    if case is not None:
        p, q, equal = case
        a, b = indices.index(p), indices.index(q)
        keys = [key for key in keys if (key[a] == key[b]) == equal]
    return keys


def _representative(keys, n: int, problem=None) -> list[tuple[int, ...]]:
    """The entries whose every index is 1, 2 or one of the last two of its extent."""
    if problem is None:
        ends = {1, 2, n - 1, n}
        return [key for key in keys if set(key) <= ends]
    sizes = [problem.extent(problem.range_of(a)) for a in problem.indices]
    return [key for key in keys
            if all(v in {1, 2, size - 1, size} for v, size in zip(key, sizes))]


def check_steps(steps, problem, n: int, mechanical: sp.MatrixBase, seed: int = 0,
                exact: bool = True) -> tuple[Step, ...]:
    """Check every step against the mechanical derivative; return the steps with checks.

    With ``exact=False`` the entries are compared numerically only (for a symbolic-N
    step, which the rules have already proved: see :func:`derive.calculus.strategy.prove_steps`).

    Raises:
        StepError: naming the first step (1-based) whose right side differs from the
            derivative, with an entry where it differs.
    """
    return check_steps_at([(steps, problem, n, mechanical)], seed, exact)[0]


def check_steps_at(instances, seed: int = 0, exact: bool = True) -> list[tuple[Step, ...]]:
    """:func:`check_steps` for several ``(steps, problem, n, mechanical)`` at once.

    The numeric comparison of all of them is one vectorised evaluation: building the
    NumPy function (``lambdify``) is the costly part, not evaluating it.  Errors name N
    when there is more than one instance.
    """
    pairs, counts = [], []
    # Chains of the same problem and N (a derivation's steps and its shortcut) share the
    # concrete forms: the prepared expressions and the mechanical entries.
    shared: dict[tuple, tuple[Concrete, dict]] = {}
    several = len({n for _steps, _problem, n, _mechanical in instances}) > 1
    for instance, (steps, problem, n, mechanical) in enumerate(instances):
        where = f" at N = {n}" if several else ""
        concrete, truths = shared.setdefault((id(problem), id(mechanical), n),
                                             (Concrete(problem, n), {}))
        for number, step in enumerate(steps, start=1):
            keys = _entries(problem.indices, n, step.case, problem)
            chosen = keys if len(keys) <= EXACT_ENTRY_LIMIT else _representative(keys, n, problem)
            for key in chosen:
                memo = (key, tuple(a.name for a in step.assumes))
                if memo not in truths:
                    truths[memo] = concrete(mechanical[_row(key, problem)], key, step.assumes)
                truth = truths[memo]
                claim = concrete(step.rhs, key, step.assumes)
                if exact and not _zero(truth - claim):
                    raise StepError(
                        f"step {number} ({step.reason}) does not follow{where}: at entry {key} "
                        f"it gives {sp.sstr(claim)} but the derivative is {sp.sstr(truth)}")
                pairs.append(((instance, number), truth, claim))
            counts.append((len(chosen), len(keys)))
    errors = _numeric(pairs, np.random.default_rng(seed))
    out, position = [], 0
    for instance, (steps, _problem, n, _mechanical) in enumerate(instances):
        where = f" at N = {n}" if several else ""
        checked = []
        for number, step in enumerate(steps, start=1):
            chosen, total = counts[position]
            position += 1
            error = errors.get((instance, number), 0.0)
            if not error <= EXACT_ATOL + EXACT_RTOL:
                raise StepError(f"step {number} ({step.reason}) fails numerically{where} "
                                f"(max error {error:.3g})")
            # A case without entries for this N (i ≠ j when N = 1) is compared at no point.
            points = STEP_POINTS if chosen else 0
            checked.append(replace(step, check=StepCheck(
                chosen if exact else 0, total, points, error, numeric_entries=chosen)))
        out.append(tuple(checked))
    return out


def _zero(difference: sp.Expr) -> bool:
    """The exact zero test of a step's entry: Laurent polynomials in the atoms first
    (:func:`derive.check.evaluator.is_zero`, microseconds), SymPy's ``cancel`` when that does not
    show it (a log, a root, or a real difference: the error message comes from SymPy)."""
    from .evaluator import is_zero
    return is_zero(difference) or sp.cancel(sp.together(difference)) == 0


def _row(key, problem):
    """Position in the mechanical matrix of the entry with these index values."""
    outputs = 0 if problem.output_index is None else 1
    row = key[0] - 1 if outputs else 0
    return (row, problem.keys(problem.wrt_indices).index(tuple(key[outputs:])))


def _numeric(pairs, rng) -> dict[tuple[int, int], float]:
    """Per step, the largest relative difference of its pairs of entries at random points.

    ``e_m`` (standing for ``exp(z_m)``) is drawn at moderate logits, labels and
    probabilities uniformly in [0.05, 1].
    """
    if not pairs:
        return {}
    entries = [e for _number, truth, claim in pairs for e in (truth, claim)]
    symbols = sorted(set().union(*(e.free_symbols for e in entries)), key=str)
    f = lambdify_entries(entries, symbols)
    values = []
    for s in symbols:
        if s.name.startswith("e_"):  # e_m = exp(z_m) at moderate logits
            values.append(np.exp(rng.normal(0.0, 1.0, STEP_POINTS)))
        else:                      # labels and probabilities
            values.append(rng.uniform(0.05, 1.0, STEP_POINTS))
    out = f(*values)
    a, b = out[:, 0::2], out[:, 1::2]
    with np.errstate(all="ignore"):
        error = np.where(np.isfinite(a) & np.isfinite(b),
                         np.abs(a - b) / np.maximum(1.0, np.abs(a)), np.inf).max(axis=0)
    errors: dict[int, float] = {}
    for (number, _truth, _claim), e in zip(pairs, error):
        errors[number] = max(errors.get(number, 0.0), float(e))
    return errors
