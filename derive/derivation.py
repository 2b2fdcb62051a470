"""The pipeline: build a target, differentiate it, rewrite the result, check it.

:func:`derivation` shows the whole flow in commented stages and returns an immutable
:class:`Derivation` that the renderers read.

>>> d = derivation("softmax-jacobian", classes=3)
>>> d.result
(KroneckerDelta(i, j) - S[j])*S[i]
>>> d.check.passed
True
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace
from functools import lru_cache

import sympy as sp

from .catalog import Problem, Target, get_target
from .errors import InputError, RewriteError, StepError
from .functions import family_symbols, instantiate, k
from .matrices import MatrixForm, matrix_form
from .routes import route
from .steps import Step, check_steps
from .rewrite import (Assumption, apply_assumption, index_form, recognise_softmax,
                      recognise_sums, tidy)

__all__ = ["Derivation", "derivation", "MAX_CLASSES", "validate_classes"]

# The largest number of classes accepted for a concrete-N derivation.  The work grows as
# N² entries (N³ operations); see bench/ for the measured times.
MAX_CLASSES = 64


@dataclass(frozen=True)
class Derivation:
    """A derived result for one target and a concrete number of classes.

    Attributes:
        target: the catalog entry.
        classes: N.
        problem: the construction that was differentiated.
        mechanical: the raw derivatives from ``sp.diff``, rows = outputs (one row for a
            scalar), columns = the variables differentiated against.
        general: the index form before any assumption, e.g. ``S_j Σ_k y_k − y_j``.
        result: the textbook index form, with ``assumptions`` applied.
        general_matrix, matrix: the concrete entries (in S_k, y_k) before and after the
            assumptions, same layout as ``mechanical``.
        form: the matrix / vector notation of ``result`` (``diag(S) − S Sᵀ``).
        general_form: the same for ``general``.
        assumptions: the hypotheses ``result`` uses (empty when it holds unconditionally).
        steps: the textbook route from the definition to ``result``, every step checked
            against ``mechanical`` (exactly and numerically).
        check: the numeric cross-check report (``None`` when not requested).
    """

    target: Target
    classes: int
    problem: Problem
    mechanical: sp.ImmutableMatrix
    general: sp.Expr
    result: sp.Expr
    general_matrix: sp.ImmutableMatrix
    matrix: sp.ImmutableMatrix
    form: MatrixForm
    general_form: MatrixForm
    assumptions: tuple[Assumption, ...]
    steps: tuple[Step, ...] = ()
    check: object = None

    def _repr_latex_(self) -> str:
        """Jupyter: the steps and the result as display maths (rendering lives in render/)."""
        from .render.latex import latex, steps_latex
        if self.steps:
            return "$$" + steps_latex(self, environment="aligned") + "$$"
        return f"$${latex(self.lhs)} = {latex(self.result)}$$"

    def _repr_markdown_(self) -> str:
        from .render.markdown import derivation_markdown
        return derivation_markdown(self)

    @property
    def lhs(self) -> sp.Derivative:
        """The derivative written on the left, e.g. ``Derivative(S[i], z[j])``."""
        return sp.Derivative(self.problem.name, self.problem.wrt[self.problem.wrt_index])


def validate_classes(classes: object) -> int:
    """``classes`` as an int in 2..MAX_CLASSES, or an :class:`InputError` saying why not.

    >>> validate_classes(4)
    4
    >>> validate_classes(1)
    Traceback (most recent call last):
    ...
    derive.errors.InputError: number of classes must be at least 2, got 1
    """
    if isinstance(classes, bool) or not isinstance(classes, int):
        raise InputError(f"number of classes must be an integer, got {classes!r}")
    if classes < 2:
        raise InputError(f"number of classes must be at least 2, got {classes}")
    if classes > MAX_CLASSES:
        raise InputError(f"number of classes must be at most {MAX_CLASSES}, got {classes}")
    return classes


def derivation(target: str, classes: int = 3, *, check: bool = True, steps: bool = True,
               seed: int = 0) -> Derivation:
    """Derive ``target`` for ``classes`` classes, rewrite it, and cross-check it numerically.

    Args:
        target: a catalog name such as ``"softmax-jacobian"`` (see :data:`derive.TARGETS`).
        classes: the number of classes N, from 2 to :data:`MAX_CLASSES`.
        check: run the numeric cross-check (``Derivation.check``).
        steps: derive the textbook route and check every step (``Derivation.steps``).
        seed: the seed of the random points of the check.

    Returns:
        The immutable :class:`Derivation`.

    Raises:
        UnknownTargetError: unknown target name.
        InputError: ``classes`` out of range.
        RewriteError: the derivative does not come out in textbook form (a bug, or a
            construction that is not what the target says).

    >>> derivation("softmax-cross-entropy-grad", classes=4).result
    S[j] - y[j]
    """
    return _derivation(get_target(target).name, validate_classes(classes), check, steps, seed)


@lru_cache(maxsize=64)
def _derivation(name: str, n: int, check: bool, with_steps: bool, seed: int) -> Derivation:
    target = get_target(name)
    # Stage 1 — build: the construction for n classes, in index notation.
    problem = target.problem(n)
    variables = family_symbols(str(problem.wrt), n)
    rows = range(1, n + 1) if problem.output_index is not None else [None]

    # Stage 2 — differentiate every entry mechanically.
    mechanical = []
    for a in rows:
        f = problem.function if a is None else problem.function.subs(problem.output_index, a)
        f = instantiate(f, n)
        mechanical.append([sp.diff(f, v) for v in variables])

    # Stage 3 — rewrite each entry: softmax outputs S_k, then full sums Σ_k y_k.
    general = [[_rewrite(entry, problem, n) for entry in row] for row in mechanical]

    # Stage 4 — abstract the entries into one index form, and apply the assumptions.
    table = {_key(a, b): general[r][b - 1] for r, a in enumerate(rows) for b in range(1, n + 1)}
    general_index = index_form(table, n, problem.indices)
    result = general_index
    concrete = [[tidy(e) for e in row] for row in general]
    for assumption in problem.assumptions:
        result = tidy(apply_assumption(result, assumption))
        concrete = [[tidy(apply_assumption(e, assumption)) for e in row] for row in concrete]
    _confirm_index_form(result, concrete, problem, rows, n)

    form, general_form = matrix_form(result, problem), matrix_form(general_index, problem)
    _confirm_matrix_form(form, concrete, n)
    general_concrete = [[tidy(e) for e in row] for row in general]
    _confirm_matrix_form(general_form, general_concrete, n)

    d = Derivation(
        target=target, classes=n, problem=problem,
        mechanical=sp.ImmutableMatrix(mechanical),
        general=general_index, result=result,
        general_matrix=sp.ImmutableMatrix(general_concrete),
        matrix=sp.ImmutableMatrix(concrete),
        form=form, general_form=general_form,
        assumptions=problem.assumptions,
    )
    # Stage 5 — the textbook route, each step checked; it must end at the result.
    if with_steps:
        steps = check_steps(route(target.route or name, problem, n), problem, n,
                            d.mechanical, seed)
        if sp.expand(steps[-1].rhs - result) != 0:
            raise StepError(f"the last step gives {sp.sstr(steps[-1].rhs)}, "
                            f"not the derived result {sp.sstr(result)}")
        d = replace(d, steps=steps)

    # Stage 6 — the numeric cross-check against finite differences.
    if check:
        from .crosscheck import cross_check
        d = replace(d, check=cross_check(d, seed))
    return d


def _key(a: int | None, b: int) -> tuple[int, ...]:
    return (b,) if a is None else (a, b)


def _rewrite(entry: sp.Expr, problem: Problem, n: int) -> sp.Expr:
    if problem.softmax_of is not None:
        entry = recognise_softmax(
            entry, family_symbols(str(problem.softmax_of), n), family_symbols("S", n),
            instantiate(sp.Sum(sp.exp(problem.softmax_of[k]), (k, 1, n)), n))
    if "y" in problem.inputs:
        from .functions import y
        entry = recognise_sums(entry, family_symbols("y", n), sp.Sum(y[k], (k, 1, n)))
    return sp.expand(entry)


def _confirm_index_form(form: sp.Expr, concrete, problem: Problem, rows, n: int) -> None:
    """Check exactly that the index form, instantiated, gives every concrete entry."""
    for r, a in enumerate(rows):
        for b in range(1, n + 1):
            values = dict(zip(problem.indices, _key(a, b)))
            difference = instantiate(form.subs(values), n) - instantiate(concrete[r][b - 1], n)
            if sp.expand(difference) != 0:
                raise RewriteError(f"the index form {sp.sstr(form)} does not give entry "
                                   f"{_key(a, b)}: difference {sp.sstr(difference)}")


def _confirm_matrix_form(form: MatrixForm | None, concrete, n: int) -> None:
    """Check exactly that the matrix notation, instantiated, gives the concrete entries."""
    if form is None:
        return
    if form.is_matrix:
        pairs = [(form.explicit(n), sp.Matrix(concrete))]
    elif form.label is not None:  # one gradient per class label c
        pairs = [(form.explicit(n, c).T, sp.Matrix([concrete[c - 1]])) for c in range(1, n + 1)]
    else:
        pairs = [(form.explicit(n).T, sp.Matrix(concrete))]
    for shown, entries in pairs:
        if any(sp.expand(instantiate(a - b, n)) != 0 for a, b in zip(shown, entries)):
            raise RewriteError("the matrix notation does not reproduce the derived entries")


