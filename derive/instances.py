"""A derivation proved for every N, at a concrete N: the sizes substituted in the result,
the matrix form and the steps, and the entries built (lazily past
:data:`~derive.sizes.EAGER_WORK`).

>>> from derive.derivation import derivation
>>> instantiate_derivation(derivation("softmax-jacobian", "N", check=False), 2).matrix
Matrix([
[S_1*(1 - S_1),      -S_1*S_2],
[     -S_1*S_2, S_2*(1 - S_2)]])
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from .calculus import mechanical_matrix
from .calculus.matrices import MatrixForm
from .calculus.rewrite import tidy
from .calculus.steps import Step
from .catalog import Problem
from .record import Derivation
from .sizes import EAGER_WORK, SYMBOLIC_BATCH, SYMBOLIC_INPUTS

__all__ = ["instance_form", "instance_second", "instantiate_derivation", "entry_matrix",
           "sizes_of", "concrete_options", "instance_step"]


def concrete_options(problem: Problem) -> dict:
    """The options of ``problem`` with a symbolic input size made concrete
    (:data:`SYMBOLIC_INPUTS`), to build the same problem at a concrete N."""
    options = dict(problem.options)
    if isinstance(options.get("inputs"), sp.Symbol):
        options["inputs"] = SYMBOLIC_INPUTS
    if isinstance(options.get("batch"), sp.Symbol):
        options["batch"] = SYMBOLIC_BATCH
    return options


def sizes_of(problem: Problem, n: int) -> dict:
    """The substitutions that instantiate a symbolic problem at ``n`` classes."""
    values = {problem.classes: n}
    for option, value in (("inputs", SYMBOLIC_INPUTS), ("batch", SYMBOLIC_BATCH)):
        size = dict(problem.options).get(option)
        if isinstance(size, sp.Symbol):
            values[size] = value
    return values


def instantiate_derivation(d: Derivation, n: int, mechanical: bool = True) -> Derivation:
    """A symbolic-N derivation at a concrete ``n``: the proved formulas, entry by entry.

    The mechanical derivative is computed afresh for ``n`` classes (``sp.diff`` of the
    expanded construction), so comparing it with the instantiated result is a check of
    the proof; ``mechanical=False`` leaves it out (``None``) when the caller has checked
    the result against the derivative otherwise.  Steps and checks are not carried over.

    >>> from derive.derivation import derivation
    >>> d = instantiate_derivation(derivation("softmax-jacobian", "N", check=False), 2)
    >>> d.matrix
    Matrix([
    [S_1*(1 - S_1),      -S_1*S_2],
    [     -S_1*S_2, S_2*(1 - S_2)]])
    """
    if not d.symbolic:
        return d
    problem = d.target.build(n, **concrete_options(d.problem))
    values = sizes_of(d.problem, n)
    matrix = entry_matrix(d.result.subs(values), problem, n)
    general = matrix if d.general == d.result else entry_matrix(d.general.subs(values),
                                                                  problem, n)
    return Derivation(
        target=d.target, classes=n, problem=problem,
        mechanical=mechanical_matrix(problem, n) if mechanical else None,
        general=d.general.subs(values), result=d.result.subs(values),
        general_matrix=general, matrix=matrix,
        form=instance_form(d.form, values), general_form=instance_form(d.general_form, values),
        assumptions=problem.assumptions, symmetry=d.symmetry,
        **instance_second(d, values, problem))


def instance_second(d: Derivation, values: dict, problem: Problem) -> dict:
    """A second derivative's first derivative and Hessian-vector product at the sizes
    ``values``, as ``replace`` arguments (``{}`` parts stay ``None``)."""
    return {"hvp": None if d.hvp is None else replace(
                d.hvp, value=d.hvp.value.xreplace(values),
                form=instance_form(d.hvp.form, values)),
            "first": None if d.first is None else replace(
                d.first, steps=tuple(instance_step(s, values, problem) for s in d.first.steps),
                result=d.first.result.subs(values), general=d.first.general.subs(values))}


def instance_form(form: MatrixForm | None, values: dict) -> MatrixForm | None:
    """A matrix form proved for every N, at a concrete N (``Σ_{k=1}^N`` → ``Σ_{k=1}^3``)."""
    if form is None:
        return None

    def at(value):
        return value.xreplace(values) if isinstance(value, sp.Basic) else value

    return replace(form, terms=tuple(
        replace(term, coeff=at(term.coeff), left=at(term.left), right=at(term.right))
        for term in form.terms), kron=None if form.kron is None else
        (form.kron[0], at(form.kron[1])))


def entry_matrix(form: sp.Expr, problem: Problem, n: int):
    """Every entry of an index form at ``n`` classes (sizes concrete), in the layout of
    :func:`mechanical_matrix`: ``S_1(1 − S_1)`` for ``S_i(δ_ij − S_j)`` at i = j = 1.

    Up to :data:`EAGER_WORK` a SymPy matrix (tidied for display up to 16 rows
    and columns: common factors pulled out); beyond, :class:`derive.entries.Entries`,
    which builds an entry when it is read (the text shows the corners of a 512 × 512
    Jacobian, not 262,144 entries).

    >>> from derive.catalog import get_target
    >>> from derive.functions import S, i, j
    >>> problem = get_target("softmax-jacobian").problem(2)
    >>> entry_matrix(S[i] * (sp.KroneckerDelta(i, j) - S[j]), problem, 2)
    Matrix([
    [S_1*(1 - S_1),      -S_1*S_2],
    [     -S_1*S_2, S_2*(1 - S_2)]])
    """
    from .entries import entry_matrix as matrix
    return matrix(form, problem, EAGER_WORK, tidy)


def instance_step(step: Step, values: dict, problem: Problem) -> Step:
    """A step proved for every N, at a concrete N: the sizes substituted everywhere it
    mentions them, its assumptions those of the concrete problem."""
    assumed = {a.name: a for a in problem.assumptions}
    return replace(
        step, rhs=step.rhs.xreplace(values),
        facts=tuple((a.xreplace(values), b.xreplace(values)) for a, b in step.facts),
        assumes=tuple(assumed.get(a.name, a) for a in step.assumes),
        conditions=tuple(replace(c, low=sp.sympify(c.low).xreplace(values),
                                 high=sp.sympify(c.high).xreplace(values))
                         for c in step.conditions))
