"""The pipeline: build a target, differentiate it, rewrite the result, check it.

:func:`derivation` shows the whole flow in commented stages and returns an immutable
:class:`Derivation` that the renderers read.

>>> d = derivation("softmax-jacobian", classes=3)
>>> d.result
(KroneckerDelta(i, j) - S[j])*S[i]
>>> d.check.passed
True

With a symbolic number of classes the same pipeline proves the result for every N:

>>> d = derivation("softmax-cross-entropy-grad", classes="N")
>>> d.result, d.proof.statement
(S[j] - y[j], 'for all N ≥ 1')
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import sympy as sp

from . import progress
from .calculus import derivative, mechanical_matrix
from .calculus.indexed import in_smoothed_labels, ranges_for, recognise_sigmoid
from .calculus.matrices import MatrixForm, layout, matrix_form
from .calculus.proof import Proof, closed_form_problem, prove_steps, reduce, same_normal_form
from .calculus.rewrite import (apply_assumption, combine_sums, index_form, recognise_softmax,
                               recognise_sums, tidy)
from .calculus.steps import Step, StepCheck
from .catalog import OPTIONS as OPTIONS_DEFAULTS, Problem, Target, get_target
from .errors import InputError, RewriteError, StepError
from .functions import Y, b, family_symbols, instantiate, k, linear, q, y
from .record import Derivation
from .sizes import (BATCH, DIFF_CHECK_CLASSES, EAGER_WORK, INPUTS, LAMBDIFY_CLASSES, MAX_BATCH,
                    MAX_DERIVATIVE_ENTRIES, MAX_DIFF_CLASSES, MAX_INPUTS, SYMBOLIC_BATCH,
                    SYMBOLIC_INPUTS, SYMBOLIC_SIZES, VECTORISED_POINTS, validate_classes,
                    validate_size)

__all__ = ["derivation", "instantiate_derivation", "check_request", "textbook_chains",
           "concrete_options", "sizes_of", "mechanical_derivation", "entry_matrix"]

def derivation(target: str | None = None, classes: int | str | sp.Symbol = 3, *,
               check: bool = True, steps: bool = True, seed: int = 0,
               inputs: int | None = None, batch: int | None = None, wrt: str | None = None,
               convention: str | None = None, reduction: str | None = None,
               diff_check: bool | None = None, of: str | None = None,
               assume: tuple[str, ...] = ()) -> Derivation:
    """Derive ``target`` for ``classes`` classes, rewrite it, and cross-check it numerically.

    Args:
        target: a catalog name such as ``"softmax-jacobian"`` (see :data:`derive.TARGETS`);
            or leave it out and give ``of``.
        classes: the number of classes N, from 2 to :data:`MAX_CLASSES`; or a letter
            (``"N"``), ``"symbolic"`` or a SymPy symbol, to derive and prove the result
            for every N at once.
        check: run the numeric cross-check (``Derivation.check``).
        steps: derive the textbook steps and check every step (``Derivation.steps``).
        seed: the seed of the random points of the check.
        inputs: the input size D of a layer target (1..MAX_INPUTS, default 3).
        batch: the batch size m of a batch target (1..MAX_BATCH, default 2).
        wrt: the variable of a layer target: ``"W"`` (default), ``"x"`` or ``"b"``.
        convention: ``"Wx"`` (z = W x + b, W of shape N × D; the default) or ``"WTx"``
            (z = Wᵀ x + b, W of shape D × N).
        reduction: ``"mean"`` (default) or ``"sum"`` over the examples of a batch.
        diff_check: at a concrete N, also compare the result with SymPy's ``diff`` of
            every entry of the construction (an independent check, slow at large N):
            ``None`` (default) does it up to :data:`DIFF_CHECK_CLASSES` classes; ``True``
            at any N up to :data:`MAX_DIFF_CLASSES`.
        of: instead of a target, a function you define, ``"L = -Σ_k w_k y_k
            log(softmax(z)_k)"``, differentiated with respect to the family ``wrt``
            (:mod:`derive.definitions`; ``inputs`` is then its input size D).
        assume: with ``of``, hypotheses the result may use, ``("Σ_k y_k = 1",)``.

    A concrete N is an instance of the derivation for every N (steps proved by the rules,
    checked exactly at N = 1, 2, 3), its result checked at N on every entry, exactly,
    against the chain-rule derivative (:mod:`derive.check.exact`), and numerically.

    Returns:
        The immutable :class:`Derivation`.

    Raises:
        UnknownTargetError: unknown target name.
        InputError: ``classes`` out of range.
        RewriteError: the derivative does not come out in textbook form (a bug, or a
            construction that is not what the target says).

    >>> derivation("softmax-cross-entropy-grad", classes=4).result
    S[j] - y[j]
    >>> derivation(of="L = -Σ_k w_k y_k log(softmax(z)_k)", wrt="z", classes="N").result
    S[j]*Sum(w[k]*y[k], (k, 1, N)) - w[j]*y[j]
    """
    if of is not None or target is None:
        if target is not None:
            raise InputError("give a target or a definition (of=…), not both")
        if of is None:
            raise InputError("give a target (see `derive list`) or a definition: of=\"L = …\"")
        for name, value in (("convention", convention), ("reduction", reduction),
                            ("diff_check", diff_check)):
            if value is not None:
                raise InputError(f"{name} is an option of the catalogue targets, not of a "
                                 "definition")
        from .definitions import defined_derivation
        return defined_derivation(of, wrt, classes, assume=assume, inputs=inputs,
                                  batch=batch, check=check, steps=steps, seed=seed)
    if assume:
        raise InputError("assume= goes with a definition (of=…); a target states its own "
                         "assumptions")
    found, n, given = _request(target, classes, inputs, batch, wrt, convention, reduction)
    if isinstance(n, sp.Symbol):
        return _symbolic_derivation(found.name, n, check, steps, seed, given)
    if diff_check and n > MAX_DIFF_CLASSES:
        raise InputError(f"SymPy's diff of every entry is compared up to {MAX_DIFF_CLASSES} "
                         f"classes (it takes minutes beyond); got {n}")
    return _derivation(found.name, n, check, steps, seed, given, diff_check)


def check_request(target: str, classes: int | str | sp.Symbol = 3, **options) -> None:
    """Raise what :func:`derivation` would raise for these arguments, without deriving:
    to refuse a batch of derivations (``derive export``) before the first one starts.

    >>> check_request("linear-softmax-jacobian", 512, inputs=32)
    Traceback (most recent call last):
    ...
    derive.errors.InputError: the derivative at N = 512, D = 32 has 8388608 entries; ...
    """
    _request(target, classes, options.get("inputs"), options.get("batch"),
             options.get("wrt"), options.get("convention"), options.get("reduction"))


def _request(target, classes, inputs, batch, wrt, convention, reduction):
    """The target, N and the options of a derivation, validated (the problem built)."""
    found = get_target(target)
    name, n = found.name, validate_classes(classes, found.min_classes)
    if isinstance(inputs, str) and inputs.strip().isdigit():
        raise InputError(f"the input size {inputs!r} is a string; pass the integer "
                         f"{int(inputs)}")
    if isinstance(inputs, (str, sp.Symbol)):   # a letter: a symbolic input size
        if not isinstance(n, sp.Symbol):
            raise InputError("a symbolic input size needs a symbolic number of classes too "
                             "(--classes N); or give a number of inputs")
        if str(inputs) != str(INPUTS):
            raise InputError(f"the symbolic input size is written {INPUTS}, got {inputs!s}")
        inputs = None   # D, below
    options = {"inputs": validate_size(inputs, "inputs", MAX_INPUTS),
               "batch": validate_size(batch, "batch", MAX_BATCH),
               "wrt": wrt, "convention": convention, "reduction": reduction}
    given = tuple((key, value) for key, value in options.items() if value is not None)
    if isinstance(n, sp.Symbol):
        if not found.symbolic:
            raise InputError(f"{name} is derived for a concrete number of classes only; "
                             "give a number such as --classes 3")
        if "inputs" in found.options and inputs is None:   # a symbolic input size too
            given += (("inputs", INPUTS),)
        if "batch" in found.options and batch is None:     # and a symbolic batch size
            given += (("batch", BATCH),)
    # Validates the options before any work; the builders are cached, so the problem
    # built here is the one the derivation uses.
    found.build(n, **dict(given))
    _within_size_limit(found, n, options)
    return found, n, given


def _within_size_limit(target: Target, n, options: dict) -> None:
    """At most :data:`MAX_DERIVATIVE_ENTRIES` entries of the derivative (the Jacobian at
    N = 512), as for `derive check`: every one is checked exactly.  The symbolic
    derivation has no such limit."""
    if isinstance(n, sp.Symbol):
        return
    problem = target.build(n, **{k: v for k, v in options.items() if v is not None})
    entries = len(problem.output_keys()) * len(problem.keys(problem.wrt_indices))
    if entries > MAX_DERIVATIVE_ENTRIES:
        raise InputError(f"the derivative at N = {n}"
                         + "".join(f", {name} = {size}" for name, size in problem.sizes)
                         + f" has {entries} entries; at most {MAX_DERIVATIVE_ENTRIES} are "
                         "derived and checked (for any size at once, use --classes N)")


@lru_cache(maxsize=64)
def _derivation(name: str, n: int, check: bool, with_steps: bool, seed: int,
                options: tuple = (), diff_check: bool | None = None) -> Derivation:
    """A concrete N as an instance of the proof for every N, checked at N."""
    target = get_target(name)
    # Stage 1 — the derivation for every N (cached): steps proved by the rules, checked
    # exactly at N = 1, 2, 3.  The input and batch sizes stay those of this N.
    given = dict(options)
    for option in ("inputs", "batch"):
        if option in target.options:
            given.setdefault(option, OPTIONS_DEFAULTS[option])
    classes = sp.Symbol("N", integer=True, positive=True)
    with progress.stage(f"proving {name} for every N"):
        proved = _symbolic_derivation(name, classes, False, with_steps, seed,
                                      tuple(sorted(given.items())))

    # Stage 2 — instantiate it at N: the result, its entries, the steps.
    d = instantiate_derivation(proved, n, mechanical=False)
    values = sizes_of(proved.problem, n)
    d = replace(d, proof=proved.proof,
                steps=tuple(_instance_step(step, values, d.problem) for step in proved.steps),
                shortcut=tuple(_instance_step(step, values, d.problem)
                               for step in proved.shortcut))

    # Stage 3 — check the result at this N exactly, against the chain-rule derivative of
    # the construction (derive.check.exact), independently of the rules: at one entry for each
    # pattern of equal indices, which by the symmetry of the construction is every entry
    # (every entry checked, at N ≤ 64, for the text to be plain about it).
    from .check.exact import compare, representatives
    exact = compare(d.problem, n, d.result, name,
                    None if n <= MAX_DIFF_CLASSES else representatives(d.problem)).check
    if not exact.passed:
        raise StepError(f"the result proved for every N differs from the derivative at "
                        f"N = {n}: {exact.describe()}")
    d = replace(d, exact=exact)

    # Stage 4 — SymPy's own derivative of every entry, as an independent cross-check
    # where it is quick (small N) or asked for.
    if diff_check if diff_check is not None else n <= DIFF_CHECK_CLASSES:
        with progress.stage(f"SymPy's diff of every entry at N = {n}"):
            d = replace(d, mechanical=mechanical_matrix(d.problem, n))
            _confirm_entries(d)

    # Stage 5 — the numeric cross-check against finite differences: every entry
    # lambdified at small N; beyond, the index form vectorised over points against
    # directional differences (lambdifying N² entries takes longer than all the rest).
    if check:
        if n <= LAMBDIFY_CLASSES:
            from .check.crosscheck import cross_check
            d = replace(d, check=cross_check(d, seed))
        else:
            from .check.vectorised import check_forms
            fixed = dict(d.problem.parameters)   # a batch mean's m
            general = d.general.xreplace(fixed) if d.assumptions else None
            with progress.stage(f"numeric check at N = {n}"):
                d = replace(d, check=check_forms(d.result.xreplace(fixed), general, name, n,
                                                 VECTORISED_POINTS, seed, **dict(options)))
    return d


def _instance_step(step: Step, values: dict, problem: Problem) -> Step:
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


def _confirm_entries(d: Derivation) -> None:
    """Every entry of the instantiated result equals SymPy's derivative of that entry of
    the construction, exactly (rational-function zero test, under the assumptions)."""
    from .check.evaluator import zero_test
    from .check.concrete import Concrete
    from .check.step_checks import _row
    concrete = Concrete(d.problem, d.classes)
    for key in d.problem.keys(d.problem.indices):
        for form, assumes in ((d.general, ()), (d.result, d.problem.assumptions)):
            difference = concrete(d.mechanical[_row(key, d.problem)], key, assumes) - \
                concrete(form, key, assumes)
            if not (zero_test(difference) or sp.cancel(sp.together(difference)) == 0):
                raise StepError(f"the result proved for every N differs from SymPy's "
                                f"derivative at N = {d.classes}, entry {key}")


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


@lru_cache(maxsize=32)
def _symbolic_derivation(name: str, n: sp.Symbol, check: bool, with_steps: bool,
                         seed: int, options: tuple = ()) -> Derivation:
    target = get_target(name)
    # Stage 1 — build: the construction for N classes, N a symbol (sums Σ_{k=1}^{N}).
    problem = target.build(n, **dict(options))

    # Stage 2 — differentiate the definition in index notation, node by node
    # (derive.calculus): ∂z_k/∂z_j is δ_jk, and the sums stay symbolic.
    mechanical = derivative(problem.function, problem.variable)

    # Stage 3 — reduce by the rules of derive.calculus.indexed (no generic simplify): a proof.
    reduction = reduce(mechanical, problem)
    general = tidy(reduction.expr)
    if problem.smoothing is not None:   # the result in the smoothed labels q
        general = tidy(in_smoothed_labels(general, problem))
    why = closed_form_problem(general, problem)
    if why is not None:
        raise RewriteError(f"the derivative {sp.sstr(general)} is not in closed form for "
                           f"symbolic {n}: {why}")

    # Stage 4 — the stated assumptions.
    result = general
    for assumption in problem.assumptions:
        result = tidy(apply_assumption(result, assumption))
    if problem.convention is not None:   # Σ_k W_kj (S_k − y_k), one sum
        general, result = combine_sums(general), combine_sums(result)
    proof = Proof(classes=n, minimum=1,
                  conditions=tuple(ranges_for(problem).values()),
                  rules=reduction.rules + (("assumption",) if problem.assumptions else ()),
                  relies_on=reduction.conditions, assumptions=problem.assumptions,
                  others=tuple(v for v in dict(options).values() if isinstance(v, sp.Symbol)))
    d = Derivation(
        target=target, classes=n, problem=problem,
        mechanical=sp.ImmutableMatrix([[mechanical]]),
        general=general, result=result, general_matrix=None, matrix=None,
        form=matrix_form(result, problem), general_form=matrix_form(general, problem),
        assumptions=problem.assumptions, proof=proof,
    )
    # Stage 5 — the textbook steps: every step proved equal to the mechanical derivative
    # by the rules, and checked at concrete N against concrete differentiation.
    if with_steps:
        truths = {(None, ()): reduction}   # the derivative's normal forms, shared
        chains = [prove_steps(chain, problem, mechanical, truths)
                  for chain in textbook_chains(target, problem) if chain]
        steps, shortcut = (*_check_at_sizes(chains, target, problem, seed), ())[:2]
        for chain in (steps, shortcut):
            if chain and not same_normal_form(chain[-1].rhs, result):
                raise StepError(f"the last step gives {sp.sstr(chain[-1].rhs)}, "
                                f"not the derived result {sp.sstr(result)}")
        d = replace(d, steps=steps, shortcut=tuple(shortcut))

    # Stage 6 — the numeric cross-check of the result instantiated at concrete N.
    # With the steps, the last of which is the result, checked exactly against the
    # chain-rule derivative at these sizes, SymPy's concrete derivative adds nothing: the
    # instances are compared with finite differences only (a third of the time saved).
    if check:
        from .check.crosscheck import cross_check_instances
        d = replace(d, check=cross_check_instances(
            [instantiate_derivation(d, size, mechanical=not with_steps)
             for size in SYMBOLIC_SIZES], seed))
    return d


def textbook_chains(target: Target, problem: Problem) -> tuple[tuple[Step, ...], ...]:
    """The textbook steps of ``target`` and its shortcut (or ``()``), at the problem's
    sizes: the target's definition (for the problem's options) derived for every N by the
    one strategy of :mod:`derive.calculus.strategy`, exactly as a user's ``--of``
    definition is, then the extents set — in the limits of sums and in the conditions;
    in formulas too, except a size that stays a symbol in the problem's formulas (the
    batch size m of a mean, ``(S − Y)/m``).  The steps assume the problem's stated
    hypotheses where the strategy used them."""
    from .read.definition import EXTENTS
    chains = _textbook(target.definition_of(problem), str(problem.wrt), target.assume,
                       target.shortcut)
    sizes = dict(problem.sizes)
    limits = {EXTENTS["N"]: problem.classes,
              **{EXTENTS[e]: sizes[e] for e in ("D", "m") if e in sizes}}
    limits = {s: v for s, v in limits.items() if s != v}
    formulas = {s: v for s, v in limits.items() if s not in dict(problem.parameters)}

    def at(expr: sp.Expr) -> sp.Expr:
        if not limits or not isinstance(expr, sp.Basic):
            return expr
        expr = expr.replace(lambda e: isinstance(e, sp.Sum), lambda e: sp.Sum(
            e.function, *((bound, low.xreplace(limits), high.xreplace(limits))
                          for bound, low, high in e.limits)))
        return expr.xreplace(formulas)

    def stated(step: Step) -> Step:
        return replace(
            step, rhs=at(step.rhs), facts=tuple((at(a), at(b)) for a, b in step.facts),
            assumes=problem.assumptions if step.assumes else (),
            conditions=tuple(replace(c, low=at(sp.sympify(c.low)), high=at(sp.sympify(c.high)))
                             for c in step.conditions))

    return tuple(tuple(stated(step) for step in chain) for chain in chains)


@lru_cache(maxsize=64)
def _textbook(text: str, wrt: str, assume: tuple, shortcut: bool):
    from .calculus.strategy import derive_definition, derive_shortcut
    from .read.definition import read_definition
    from .read.definition_claims import read_assumption
    definition = read_definition(text)
    assumptions = tuple(read_assumption(a, definition) for a in assume)
    derived = derive_definition(definition, wrt, assumptions)
    return derived.steps, (derive_shortcut(definition, wrt, assumptions) if shortcut else ())


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


def _check_at_sizes(chains, target: Target, symbolic: Problem,
                    seed: int) -> list[tuple[Step, ...]]:
    """Check the chains of symbolic steps, instantiated, exactly at each of
    :data:`SYMBOLIC_SIZES`, on every entry: against the chain-rule derivative of the
    concrete construction (:func:`derive.check.exact.check_steps_exactly`), independently of the
    rules that proved them for every N.  ``seed`` is unused (no random points)."""
    from .check.exact import check_steps_exactly
    totals = [[0] * len(steps) for steps in chains]
    # Every chain's steps in one call per size: one evaluator, so the derivative of the
    # construction at each entry is computed once for all of them.
    numbered = [(number, position, step) for number, steps in enumerate(chains)
                for position, step in enumerate(steps)]
    # A step the chains share (the same right side, case and assumptions) once.
    unique = list(dict.fromkeys((s.rhs, s.case, s.assumes) for _, _, s in numbered))
    for size in SYMBOLIC_SIZES:
        problem = target.build(size, **concrete_options(symbolic))
        values = sizes_of(symbolic, size)
        checked = dict(zip(unique, check_steps_exactly(problem, size, [
            Step(rhs.xreplace(values), "", "", assumes=assumes, case=case)
            for rhs, case, assumes in unique])))
        for number, position, step in numbered:
            count, differing = checked[step.rhs, step.case, step.assumes]
            if differing:
                raise StepError(f"step {position + 1} ({step.reason}) does not follow at "
                                f"N = {size}: at entry {differing[0]} it differs from "
                                "the derivative")
            totals[number][position] += count
    return [tuple(replace(step, check=StepCheck(
        exact_entries=total, entries=total, points=0, max_abs_error=0.0,
        proved=True, sizes=SYMBOLIC_SIZES)) for step, total in zip(steps, counts))
        for steps, counts in zip(chains, totals)]


def instantiate_derivation(d: Derivation, n: int, mechanical: bool = True) -> Derivation:
    """A symbolic-N derivation at a concrete ``n``: the proved formulas, entry by entry.

    The mechanical derivative is computed afresh for ``n`` classes (``sp.diff`` of the
    expanded construction), so comparing it with the instantiated result is a check of
    the proof; ``mechanical=False`` leaves it out (``None``) when the caller has checked
    the result against the derivative otherwise.  Steps and checks are not carried over.

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
        form=_instance_form(d.form, values), general_form=_instance_form(d.general_form, values),
        assumptions=problem.assumptions)


def _instance_form(form: MatrixForm | None, values: dict) -> MatrixForm | None:
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
