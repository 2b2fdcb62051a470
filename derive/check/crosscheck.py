"""The numeric cross-check of a derivation: three evaluations of one derivative must agree.

1. the mechanical derivative (raw ``sp.diff`` output, lambdified, in the logits);
2. the textbook form (entries in ``S_k`` and ``y_k``, evaluated with a stable softmax);
3. central finite differences of a numerically stable float64 implementation.

The textbook form is also checked at extreme logits (±1000, spreads of 10⁴), where the raw
form would overflow; with an assumption such as ``Σ_k y_k = 1`` the labels are drawn on
the simplex for the textbook form, and the general form is checked with unrestricted ones.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from .. import progress
from ..functions import instantiate
from .numeric import (EXACT_ATOL, EXACT_RTOL, FD_ATOL, FD_RTOL, CheckReport, compare,
                      entry_arguments, finite_differences, lambdify_entries, reference_for,
                      sample_points)

if TYPE_CHECKING:
    from ..record import Derivation

__all__ = ["cross_check", "cross_check_instances", "cross_validate", "CrossValidation",
           "evaluate_matrix",
           "ORDINARY_POINTS", "VALIDATION_SIZES"]

ORDINARY_POINTS = 24

# The concrete N at which `cross_validate` compares a symbolic-N result with SymPy's
# derivative of the concrete construction.
VALIDATION_SIZES = tuple(range(2, 9))


def cross_check(d: Derivation, seed: int = 0) -> CheckReport:
    """Run the comparisons for ``d`` at seeded random points and report the errors."""
    # Each comparison compiles a matrix of entries with lambdify: at N = 64, 4096 of them,
    # some twenty seconds each.
    count = (2 if d.mechanical is not None else 0) + 1 + (1 if d.assumptions else 0)
    with progress.stage(f"numeric check at N = {d.classes}", total=count):
        return _cross_check(d, seed)


def _cross_check(d: Derivation, seed: int) -> CheckReport:
    rng = np.random.default_rng(seed)
    problem, n = d.problem, d.classes
    reference = reference_for(d.target, problem)
    wrt = str(problem.wrt)
    labels = "simplex" if d.assumptions else "free"
    relative = wrt == "S"  # probabilities may be tiny: scale the step with them
    comparisons = []
    compiled: dict = {}   # a form evaluated twice (the general form; the result when equal)

    # The mechanical derivative, at ordinary points only: in raw exp(z) form it
    # overflows at extreme logits, which is why the textbook form exists.  (None: an
    # instance of a symbolic result whose steps were checked exactly at this N.)
    # (Drawn in either case: the later points stay those of the same seed.)
    plain = sample_points(problem.inputs, n, rng, ORDINARY_POINTS, extreme=False, labels="free",
                          problem=problem)
    if d.mechanical is not None:
        raw = evaluate_matrix(d.mechanical, plain, n, raw=True, problem=problem)
        fd_plain = finite_differences(reference, plain, wrt, relative)
        comparisons.append(compare("mechanical derivative vs finite differences", raw,
                                   fd_plain, plain, FD_RTOL, FD_ATOL))
        progress.advance()
        comparisons.append(compare("mechanical derivative vs general form", raw,
                                   evaluate_matrix(d.general_matrix, plain, n,
                                                   problem=problem, compiled=compiled),
                                   plain, EXACT_RTOL, EXACT_ATOL))
        progress.advance()

    # The textbook form, at ordinary and extreme points (labels per its assumptions).
    wide = sample_points(problem.inputs, n, rng, ORDINARY_POINTS, extreme=True, labels=labels,
                         problem=problem)
    comparisons.append(compare("textbook form vs finite differences",
                               evaluate_matrix(d.matrix, wide, n, problem=problem,
                                               compiled=compiled),   # = general, no assumption
                               finite_differences(reference, wide, wrt, relative), wide,
                               FD_RTOL, FD_ATOL))
    progress.advance()
    if d.assumptions:
        free = sample_points(problem.inputs, n, rng, ORDINARY_POINTS, extreme=True, labels="free",
                             problem=problem)
        comparisons.append(compare("general form vs finite differences",
                                   evaluate_matrix(d.general_matrix, free, n, problem=problem,
                                                   compiled=compiled),
                                   finite_differences(reference, free, wrt, relative), free,
                                   FD_RTOL, FD_ATOL))
        progress.advance()
    extreme = wide[problem.inputs[0]].shape[0] - ORDINARY_POINTS
    total = (ORDINARY_POINTS if d.mechanical is not None else 0) + \
        wide[problem.inputs[0]].shape[0] * (2 if d.assumptions else 1)
    return CheckReport(tuple(comparisons), seed, total, extreme * (2 if d.assumptions else 1))


def cross_check_instances(instances, seed: int = 0) -> CheckReport:
    """One report for a symbolic-N result instantiated at several concrete N.

    Each instance (from :func:`derive.instances.instantiate_derivation`) gets the full
    :func:`cross_check`; the comparisons are named after their N.
    """
    comparisons, points, extreme = [], 0, 0
    with progress.stage("numeric check of the instances", total=len(instances)):
        for offset, d in enumerate(instances):
            report = cross_check(d, seed + offset)
            comparisons += [replace(c, name=f"N = {d.classes}: {c.name}")
                            for c in report.comparisons]
            points += report.points
            extreme += report.extreme_points
            progress.advance()
    return CheckReport(tuple(comparisons), seed, points, extreme,
                       tuple(d.classes for d in instances))


@dataclass(frozen=True)
class CrossValidation:
    """A symbolic-N result compared with the concrete-N mechanical derivatives.

    Attributes:
        sizes: the N compared.
        entries: the entries compared exactly (rational-function zero test) over all N.
        points: the random points at which they were also compared numerically, per N.
        max_abs_error: the largest numeric difference.
        failure: ``None``, or what differed (size, form and entry).
    """

    sizes: tuple[int, ...]
    entries: int
    points: int
    max_abs_error: float
    failure: str | None = None
    # What the result was compared with: the target's construction, or the definition.
    against: str = "the concrete construction"

    @property
    def passed(self) -> bool:
        return self.failure is None


def cross_validate(d: Derivation, sizes=VALIDATION_SIZES, seed: int = 0) -> CrossValidation:
    """Instantiate the symbolic result (and its general form) at each N in ``sizes`` and
    compare it, entry by entry, with ``sp.diff`` of the concrete construction for that N.

    >>> from derive.derivation import derivation
    >>> cross_validate(derivation("cross-entropy-grad", "N", check=False), sizes=(2, 3)).passed
    True
    """
    sizes = tuple(sizes)
    with progress.stage(f"cross-validating at N = {sizes[0]}..{sizes[-1]}" if sizes
                        else "cross-validating", total=len(sizes)):
        if d.definition is not None:
            return _cross_validate_definition(d, sizes, seed)
        return _cross_validate(d, sizes, seed)


# The inputs and examples of a definition's cross-validation (D, m), at every N.
_VALIDATION_INPUTS = 2


def _cross_validate_definition(d: Derivation, sizes, seed: int) -> CrossValidation:
    """A user's definition: the result (and its general form) at each N against SymPy's
    ``diff`` of the written-out definition, every entry (exact zero test), and against
    finite differences of its stable evaluation at random points."""
    from .defined import numeric_check, sympy_entries
    definition, variable = d.definition, d.problem.variable
    entries, points, error = 0, 0, 0.0
    forms = [(d.result, d.assumptions, "the result")]
    if d.assumptions:
        forms.append((d.general, (), "the general form"))
    for n in sizes:
        at = {"N": n, "D": _VALIDATION_INPUTS, "m": _VALIDATION_INPUTS}
        for form, assumptions, name in forms:
            exact, total, differing = sympy_entries(form, definition, variable, assumptions, at)
            if differing:
                return CrossValidation(tuple(sizes), entries, points, error,
                                       f"N = {n}: {name} differs at entry {differing[0]}",
                                       against="the written-out definition")
            entries += exact
        report = numeric_check(d.result, definition, variable, [at], seed, d.assumptions)
        if not report.passed:
            worst = next(c for c in report.comparisons if not c.passed)
            return CrossValidation(tuple(sizes), entries, points, error,
                                   f"N = {n}: {worst.name}, entry {worst.worst['entry']}: "
                                   f"{worst.worst['analytic']:.6g} against "
                                   f"{worst.worst['numeric']:.6g}",
                                   against="the written-out definition")
        points = max(points, report.points)
        error = max(error, report.max_abs_error)
        progress.advance()
    return CrossValidation(tuple(sizes), entries, points, error,
                           against="the written-out definition")


def _cross_validate(d: Derivation, sizes, seed: int) -> CrossValidation:
    from ..calculus import mechanical_matrix
    from ..errors import StepError
    from .step_checks import check_steps
    from ..calculus.steps import Step

    entries, points, error = 0, 0, 0.0
    for n in sizes:
        problem = d.target.problem(n)
        claims = [Step(d.result.subs(d.classes, n), "the result", "result",
                       assumes=problem.assumptions)]
        if d.assumptions:
            claims.append(Step(d.general.subs(d.classes, n), "the general form", "general"))
        try:
            checked = check_steps(claims, problem, n, mechanical_matrix(problem, n), seed)
        except StepError as failure:
            return CrossValidation(tuple(sizes), entries, points, error,
                                   f"N = {n}: {str(failure).replace('step 1 (', '(')}")
        entries += sum(s.check.exact_entries for s in checked)
        points = max(points, max(s.check.points for s in checked))
        error = max(error, max(s.check.max_abs_error for s in checked))
        progress.advance()
    return CrossValidation(tuple(sizes), entries, points, error)


def evaluate_matrix(matrix, values: dict[str, np.ndarray], n: int, raw: bool = False,
                    problem=None, compiled: dict | None = None) -> np.ndarray:
    """Evaluate a matrix of entries at the points: shape (points, rows, cols).

    Entries in ``S_k`` get ``S = softmax(z)`` computed stably when the target has logits
    (``softmax(W x + b)`` for a layer, row by row for a batch); raw entries get the
    logits themselves.  A ``problem``'s parameters (the batch size m) get their values.
    ``compiled`` keeps the NumPy functions built, for a matrix evaluated at several sets
    of points.
    """
    convention = problem.convention if problem is not None else None
    args, arrays = entry_arguments(values, n, raw, convention)
    key = (matrix, tuple(args))
    f = compiled.get(key) if compiled is not None else None
    if f is None:
        fixed = dict(problem.parameters) if problem is not None else {}
        entries = [instantiate(e, n).xreplace(fixed) for e in matrix]  # Σ_k y_k written out
        f = lambdify_entries(entries, args)
        if compiled is not None:
            compiled[key] = f
    return f(*arrays).reshape(-1, matrix.rows, matrix.cols)
