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
from .calculus.indexed import ranges_for
from .calculus.matrices import matrix_form
from .calculus.proof import Proof, same_normal_form
from .calculus.steps import Step, StepCheck
from .catalog import OPTIONS as OPTIONS_DEFAULTS, Problem, Target, get_target
from .errors import InputError, RewriteError, StepError
from .instances import (concrete_options, entry_matrix, instance_step, instantiate_derivation,
                        sizes_of)
from .mechanical import mechanical_derivation
from .record import Derivation
from .sizes import (BATCH, DIFF_CHECK_CLASSES, INPUTS, LAMBDIFY_CLASSES, MAX_BATCH,
                    MAX_DERIVATIVE_ENTRIES, MAX_DIFF_CLASSES, MAX_INPUTS, SYMBOLIC_SIZES,
                    VECTORISED_POINTS, validate_classes, validate_size)
from .textbook import textbook, textbook_chains

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
                steps=tuple(instance_step(step, values, d.problem) for step in proved.steps),
                shortcut=tuple(instance_step(step, values, d.problem)
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


@lru_cache(maxsize=32)
def _symbolic_derivation(name: str, n: sp.Symbol, check: bool, with_steps: bool,
                         seed: int, options: tuple = ()) -> Derivation:
    target = get_target(name)
    # Stage 1 — build: the construction for N classes, N a symbol (sums Σ_{k=1}^{N}).
    problem = target.build(n, **dict(options))

    # Stage 2 — differentiate the definition in index notation, node by node
    # (derive.calculus): ∂z_k/∂z_j is δ_jk, and the sums stay symbolic.  The raw
    # derivative that the steps and every verdict are compared with.
    mechanical = derivative(problem.function, problem.variable)

    # Stage 3 — the target's definition derived by the one strategy (derive.textbook):
    # the normal form by the rules, the stated assumptions applied, the textbook steps,
    # each step proved to have the raw derivative's normal form.
    derived = textbook(target, problem, with_steps)
    general, result = derived.general, derived.result
    if not derived.closed:
        raise RewriteError(f"the derivative {sp.sstr(general)} is not in closed form for "
                           f"symbolic {n}: no rule recognises the named outputs in it")
    proof = Proof(classes=n, minimum=1,
                  conditions=tuple(ranges_for(problem).values()),
                  rules=derived.rules, relies_on=derived.relies_on,
                  assumptions=problem.assumptions,
                  others=tuple(v for v in dict(options).values() if isinstance(v, sp.Symbol)))
    d = Derivation(
        target=target, classes=n, problem=problem,
        mechanical=sp.ImmutableMatrix([[mechanical]]),
        general=general, result=result, general_matrix=None, matrix=None,
        form=matrix_form(result, problem), general_form=matrix_form(general, problem),
        assumptions=problem.assumptions, proof=proof,
    )
    # Stage 4 — the steps, proved for every N, checked at concrete N against concrete
    # differentiation of the construction (independently of the rules).
    if with_steps:
        chains = [chain for chain in (derived.steps, derived.shortcut) if chain]
        steps, shortcut = (*_check_at_sizes(chains, target, problem, seed), ())[:2]
        for chain in (steps, shortcut):
            if chain and not same_normal_form(chain[-1].rhs, result):
                raise StepError(f"the last step gives {sp.sstr(chain[-1].rhs)}, "
                                f"not the derived result {sp.sstr(result)}")
        d = replace(d, steps=steps, shortcut=tuple(shortcut))

    # Stage 4b — a second derivative: the first derivative's own derivation (its steps
    # shown first, its result checked against finite differences of the definition), and
    # the symmetry of the result, proved and checked.
    if target.order == 2:
        d = _with_first(d, target, problem, check, with_steps, seed)

    # Stage 5 — the numeric cross-check of the result instantiated at concrete N.
    # With the steps, the last of which is the result, checked exactly against the
    # chain-rule derivative at these sizes, SymPy's concrete derivative adds nothing: the
    # instances are compared with finite differences only (a third of the time saved).
    if check:
        from .check.crosscheck import cross_check_instances
        d = replace(d, check=cross_check_instances(
            [instantiate_derivation(d, size, mechanical=not with_steps)
             for size in SYMBOLIC_SIZES], seed))
    return d


def _with_first(d: Derivation, target: Target, problem: Problem, check: bool,
                with_steps: bool, seed: int) -> Derivation:
    """A catalogue second derivative with its first derivative, derived from the target's
    definition as a user's ``--of`` one is, and its symmetry (see
    :func:`derive.second.second_record`)."""
    from .definitions import defined_derivation
    from .second import second_record
    from .read.definition_claims import read_assumption
    first = defined_derivation(target.definition_of(problem), str(problem.wrt), "N",
                               assume=target.assume, check=check, steps=with_steps, seed=seed)
    # The steps state the target's own assumptions, as its other steps do (textbook).
    first = replace(first, steps=tuple(replace(s, assumes=problem.assumptions if s.assumes
                                               else ()) for s in first.steps))
    assumptions = tuple(read_assumption(a, problem.definition) for a in target.assume)
    return second_record(d, first, problem.variable, problem.definition, assumptions)


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
