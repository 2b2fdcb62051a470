"""The direct path at a concrete N, kept beside the proof for every N: every entry of the
derivative computed with SymPy, rewritten into the softmax outputs, read off as one index
form and a matrix form, and the textbook steps checked against SymPy's entries.
``tests/test_instances.py`` compares it with the instances of the proof.

>>> mechanical_derivation("softmax-jacobian", 2, check=False).result
(KroneckerDelta(i, j) - S[j])*S[i]
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import sympy as sp

from .calculus import mechanical_matrix
from .calculus.indexed import recognise_sigmoid
from .calculus.matrices import MatrixForm, layout, matrix_form
from .calculus.proof import same_normal_form
from .calculus.rewrite import (apply_assumption, combine_sums, index_form, recognise_softmax,
                               recognise_sums, tidy)
from .catalog import Problem, get_target
from .errors import RewriteError, StepError
from .functions import Y, b, family_symbols, instantiate, k, linear, q, y
from .record import Derivation
from .textbook import textbook_chains

__all__ = ["mechanical_derivation"]


@lru_cache(maxsize=64)
def mechanical_derivation(name: str, n: int, check: bool = True, with_steps: bool = True,
                          seed: int = 0, options: tuple = ()) -> Derivation:
    """The derivation at a concrete N the direct way: SymPy's ``diff`` of every entry of
    the construction, each entry rewritten, the steps checked entry by entry — kept as an
    independent check of the instance path (tests compare the two), and for comparison
    in bench/.  Seconds at N = 32 (bench/).

    >>> mechanical_derivation("softmax-jacobian", 2, check=False).result
    (KroneckerDelta(i, j) - S[j])*S[i]
    """
    target = get_target(name)
    # Stage 1 — build: the construction for n classes, in index notation.
    problem = target.build(n, **dict(options))
    rows = problem.output_keys()
    columns = problem.keys(problem.wrt_indices)

    # Stage 2 — differentiate every entry mechanically.
    mechanical = mechanical_matrix(problem, n).tolist()

    # Stage 3 — rewrite each entry: softmax outputs S_k, then full sums Σ_k y_k.
    general = [[_rewrite(entry, problem, n) for entry in row] for row in mechanical]

    # Stage 4 — abstract the entries into one index form, and apply the assumptions.
    table = {a + b: general[r][m] for r, a in enumerate(rows) for m, b in enumerate(columns)}
    general_index = index_form(table, n, problem.indices, problem)
    result = general_index
    concrete = [[tidy(e) for e in row] for row in general]
    for assumption in problem.assumptions:
        result = tidy(apply_assumption(result, assumption))
        concrete = [[tidy(apply_assumption(e, assumption)) for e in row] for row in concrete]
    if problem.convention is not None:   # Σ_k W_kj (S_k − y_k), one sum
        general_index, result = combine_sums(general_index), combine_sums(result)
    _confirm_index_form(result, concrete, problem, rows, n)

    form, general_form = matrix_form(result, problem), matrix_form(general_index, problem)
    _confirm_matrix_form(form, concrete, problem)
    general_concrete = [[tidy(e) for e in row] for row in general]
    _confirm_matrix_form(general_form, general_concrete, problem)

    d = Derivation(
        target=target, classes=n, problem=problem,
        mechanical=sp.ImmutableMatrix(mechanical),
        general=general_index, result=result,
        general_matrix=sp.ImmutableMatrix(general_concrete),
        matrix=sp.ImmutableMatrix(concrete),
        form=form, general_form=general_form,
        assumptions=problem.assumptions,
    )
    # Stage 5 — the textbook steps (the strategy on the target's definition), each checked;
    # they must end at the result.  A layer's gradient also has a shortcut, checked the
    # same way: the two agree exactly.
    if with_steps:
        chains = [(chain, problem, n, d.mechanical)   # both chains in one evaluation
                  for chain in textbook_chains(target, problem) if chain]
        from .check.step_checks import check_steps_at   # NumPy: not for `derive list`
        steps, shortcut = (*check_steps_at(chains, seed), ())[:2]
        for chain in (steps, shortcut):
            if chain and not same_normal_form(chain[-1].rhs, result):
                raise StepError(f"the last step gives {sp.sstr(chain[-1].rhs)}, "
                                f"not the derived result {sp.sstr(result)}")
        d = replace(d, steps=steps, shortcut=shortcut)

    # Stage 6 — the numeric cross-check against finite differences.
    if check:
        from .check.crosscheck import cross_check
        d = replace(d, check=cross_check(d, seed))
    return d


def _rewrite(entry: sp.Expr, problem: Problem, n: int) -> sp.Expr:
    if problem.convention is not None:
        # Change of variables b_m = z_m − Σ_r W x_r: each logit of the layer appears as z_m.
        logits = family_symbols("z", n)
        layer = {symbol: logits[m] - instantiate(linear(m + 1, problem.extent("D"),
                                                        problem.convention) - b[m + 1], n)
                 for m, symbol in enumerate(family_symbols("b", n))}
        entry = entry.xreplace(layer)
    if problem.batch:   # the softmax of each row of Z, and the labels of each row of Y
        rows = range(1, problem.extent("m") + 1)
        for row in rows:
            logits = family_symbols(f"Z_{row}", n)
            if entry.free_symbols & set(logits):
                entry = recognise_softmax(entry, logits, family_symbols(f"S_{row}", n),
                                          sp.Add(*(sp.exp(u) for u in logits)))
        for row in rows:   # after every softmax: collecting sums expands the quotients
            entry = recognise_sums(entry, family_symbols(f"Y_{row}", n),
                                   sp.Sum(Y[row, k], (k, 1, n)))
        return sp.expand(entry)
    if problem.softmax_of is not None:
        logits = family_symbols(str(problem.softmax_of), n)
        if problem.temperature is not None:
            # Change of variables z_m = T·u_m: the softmax is then one of u, exactly.
            scaled = family_symbols("u", n)
            entry = entry.xreplace({a: problem.temperature * b for a, b in zip(logits, scaled)})
            logits = scaled
        entry = recognise_softmax(
            entry, logits, family_symbols("S", n),
            sp.Add(*(sp.exp(u) for u in logits)))
    if problem.sigmoid_of is not None:
        entry = recognise_sigmoid(entry, family_symbols(str(problem.sigmoid_of), n))
    if "y" in problem.inputs and problem.sigmoid_of is None:   # no sums in σ(z_j) − y_j
        labels, family = family_symbols("y", n), y
        if problem.smoothing is not None:
            # Change of variables y_m = (q_m − ε/N)/(1 − ε): the result in the smoothed labels.
            eps, smooth = problem.smoothing, family_symbols("q", n)
            entry = sp.expand(sp.cancel(entry.xreplace(
                {a: (b - eps / n) / (1 - eps) for a, b in zip(labels, smooth)})))
            labels, family = smooth, q
        entry = recognise_sums(entry, labels, sp.Sum(family[k], (k, 1, n)))
    return sp.expand(entry)


def _confirm_index_form(form: sp.Expr, concrete, problem: Problem, rows, n: int) -> None:
    """Check exactly that the index form, instantiated, gives every concrete entry."""
    for r, a in enumerate(rows):
        for m, column in enumerate(problem.keys(problem.wrt_indices)):
            values = dict(zip(problem.indices, a + column))
            difference = instantiate(form.subs(values), n) - instantiate(concrete[r][m], n)
            if sp.expand(difference) != 0:
                raise RewriteError(f"the index form {sp.sstr(form)} does not give entry "
                                   f"{a + column}: difference {sp.sstr(difference)}")


def _confirm_matrix_form(form: MatrixForm | None, concrete, problem: Problem) -> None:
    """Check exactly that the matrix notation, instantiated, gives the concrete entries."""
    if form is None:
        return
    n = problem.classes
    if form.label is not None:  # one gradient per class label c
        pairs = [(form.explicit(problem, c).T, sp.Matrix([concrete[c - 1]]))
                 for c in range(1, n + 1)]
    else:
        entries = layout(sp.Matrix(concrete), problem)
        if not form.is_matrix and entries.rows == 1:
            entries = entries.T
        pairs = [(form.explicit(problem), entries)]
    for shown, entries in pairs:
        if shown.shape != entries.shape or any(
                sp.expand(instantiate(a - b, n)) != 0 for a, b in zip(shown, entries)):
            raise RewriteError("the matrix notation does not reproduce the derived entries")
