"""The pipeline for a function the user defined (``--of "L = …" --wrt z``).

:func:`defined_derivation` reads the definition, differentiates it by the one strategy
of :mod:`derive.calculus.strategy`, checks every step and the result independently of
the rules, and returns the same :class:`~derive.record.Derivation` record as a catalogue
target, which every renderer reads.

>>> d = defined_derivation("L = -Σ_k y_k log(softmax(z)_k)", "z", assume=("Σ_k y_k = 1",))
>>> d.result, d.general
(S[j] - y[j], S[j]*Sum(y[k], (k, 1, N)) - y[j])
>>> d.proof.statement, d.check.passed
('for all N ≥ 1', True)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import sympy as sp

from .forms import shown_form
from .calculus.proof import Proof
from .calculus.steps import StepCheck
from .calculus.successive import gradient_definition, second_variables
from .calculus.strategy import derive_definition, prove_steps
from .catalog import Problem, Target
from .errors import InputError, StepError
from .read.definition import CLASSES, read_definition, size_values
from .read.definition_claims import read_assumption
from .record import Derivation
from .sizes import (BATCH, EAGER_WORK, INPUTS, MAX_BATCH, MAX_CLASSES, MAX_DERIVATIVE_ENTRIES,
                    MAX_INPUTS, SYMBOLIC_SIZES, validate_classes, validate_size)

__all__ = ["defined_derivation", "evaluate_definition", "sizes_of_point",
           "DEFINITION_CHECK_SIZES", "MAX_DEFINED_CLASSES"]

# The sizes at which the symbolic result is checked numerically (N, D).
DEFINITION_CHECK_SIZES = ({"N": 2, "D": 2, "m": 2}, {"N": 3, "D": 3, "m": 3})
# The steps are checked exactly at N = 1, 2, 3 with this many inputs.
_STEP_INPUTS = 2
# A concrete N: every entry checked exactly (by SymPy's diff up to _SYMPY_ENTRIES where
# the fast evaluator has no rule), numerically up to _NUMERIC_CLASSES classes.
MAX_DEFINED_CLASSES = MAX_CLASSES
_SYMPY_ENTRIES = 1024
_NUMERIC_CLASSES = 16


def defined_derivation(of: str, wrt: str | tuple[str, ...] | None = None,
                       classes: int | str = "N", *,
                       assume: tuple[str, ...] = (), inputs: int | None = None,
                       batch: int | None = None, check: bool = True, steps: bool = True,
                       seed: int = 0) -> Derivation:
    """Derive the function defined by ``of`` with respect to the family ``wrt``.

    Args:
        of: the definition, ``"L = -Σ_k y_k log(softmax(z)_k)"`` (see `derive notation`).
        wrt: the input family differentiated against; by default the only input, or z.
            Two names, ``("z", "z")``, for the second derivative (the Hessian): the first
            derivative's general form differentiated again (:mod:`derive.calculus.successive`).
        classes: ``"N"`` (default) to derive for every N at once, or a number.
        assume: hypotheses the result may use, ``("Σ_k y_k = 1",)``; stated in the output.
        inputs: the input size D at a concrete N (default 3).
        batch: the number of examples m at a concrete N (default 2).
        check: the numeric cross-check against finite differences.
        steps: check every step (exactly at N = 1, 2, 3).
        seed: the seed of the random points.

    Raises:
        ParseError, InputError: a definition or assumption outside the notation, a
            variable that does not occur.
        StepError: a step that does not follow (a bug in a rule).
    """
    if not isinstance(of, str):
        raise InputError(f"a definition is text such as \"L = ...\"; got {type(of).__name__}")
    n = validate_classes(classes, 1)
    if not isinstance(n, sp.Symbol) and n > MAX_DEFINED_CLASSES:
        raise InputError(f"a definition is derived at up to {MAX_DEFINED_CLASSES} classes; "
                         f"got {n} (for any N at once, use --classes N)")
    if isinstance(assume, str):
        assume = (assume,)
    proved = _symbolic(of, _order(wrt), tuple(assume), check, steps, seed)
    if isinstance(n, sp.Symbol):
        if str(n) != "N":
            raise InputError(f"a definition's number of classes is written N; got {n}")
        return proved
    inputs = 3 if inputs is None else validate_size(inputs, "inputs", MAX_INPUTS)
    batch = 2 if batch is None else validate_size(batch, "batch", MAX_BATCH)
    return _instance(proved, n, inputs, batch, check, seed)


def _order(wrt):
    """``wrt`` as given once (a name or ``None``) or twice (a pair of names)."""
    if not isinstance(wrt, (tuple, list)):
        return wrt
    if len(wrt) == 1:
        return wrt[0]
    if len(wrt) != 2:
        raise InputError(f"--wrt is given once (the first derivative) or twice (the second); "
                         f"got it {len(wrt)} times")
    return tuple(wrt)


def _default_wrt(definition, wrt):
    if wrt is not None:
        return wrt
    names = [name for name, _ in definition.families]
    if len(names) == 1:
        return names[0]
    logits = [name for name in ("z", "Z") if name in names]   # the logits, as written
    if len(logits) == 1:
        return logits[0]
    raise InputError(f"give the variable: --wrt one of {', '.join(names)}")


@lru_cache(maxsize=64)
def _symbolic(of: str, wrt, assume: tuple, check: bool, with_steps: bool,
              seed: int) -> Derivation:
    # Stage 1 — read: the definition, its intermediates, the assumptions.
    definition = read_definition(of)
    first = None
    if isinstance(wrt, tuple):
        # A second derivative: the first, derived, proved and checked as any (its steps
        # are shown first), and its general form is the definition differentiated again.
        wrts = tuple(_default_wrt(definition, w) for w in wrt)
        second_variables(definition, wrts)
        first = _symbolic(of, wrts[0], assume, check, with_steps, seed)
        definition = gradient_definition(definition, first.problem.variable, first.general)
        wrt = wrts[1]
    wrt = _default_wrt(definition, wrt)
    assumptions = tuple(read_assumption(a, definition) for a in assume)

    # Stage 2 — differentiate through the definitions, and apply the rules to normal
    # form (derive.calculus.strategy): the steps and the result.
    derived = derive_definition(definition, wrt, assumptions)
    problem = _problem(definition, derived, CLASSES, assumptions)
    target = _target(definition, wrt, problem, first)

    # Stage 3 — the proof: every step has the normal form of the raw derivative (under
    # the assumptions from the step that uses them on).
    prove_steps(derived.steps, derived, definition, assumptions)
    proof = Proof(classes=CLASSES, minimum=1,
                  conditions=tuple(_condition(x, e) for x, e in _free_ranges(definition,
                                                                              derived)),
                  rules=derived.rules, relies_on=derived.conditions, assumptions=assumptions,
                  others=tuple(size for name, size in (("D", INPUTS), ("m", BATCH))
                               if _uses(definition, name)))

    # Stage 4 — every step checked exactly on every entry at N = 1, 2, 3, against
    # SymPy's diff of the written-out definition (derive.check.defined).
    steps = derived.steps
    if with_steps:
        steps = _checked_steps(derived, definition, assumptions, seed)
    d = Derivation(
        target=target, classes=CLASSES, problem=problem,
        mechanical=sp.ImmutableMatrix([[derived.mechanical]]),
        general=derived.general, result=derived.result, general_matrix=None, matrix=None,
        form=shown_form(derived.result, problem),
        general_form=shown_form(derived.general, problem),
        assumptions=assumptions, steps=steps if with_steps else (), proof=proof,
        note="" if derived.closed else "no tidier form was reached; this is the best "
        "checked form", definition=definition)

    # Stage 5 — the numeric cross-check: the result against finite differences of a
    # stable float64 evaluation of the definition itself (for a second derivative, of the
    # first derivative, itself checked against finite differences of the definition).
    if check:
        from .check.defined import numeric_check
        d = replace(d, check=numeric_check(derived.result, definition, derived.variable,
                                           DEFINITION_CHECK_SIZES, seed, assumptions))
    if first is not None:
        from .second import second_record
        d = second_record(d, first, derived.variable, definition, assumptions)
    return d


def _under(steps, number: int, assumptions) -> tuple:
    """The assumptions step ``number`` (from 1) holds under: all of them from the first
    step that applies one."""
    return assumptions if any(s.assumes for s in steps[:number]) else ()


def _checked_steps(derived, definition, assumptions, seed: int = 0):
    """Every step exactly at N = 1, 2, 3 on every entry, and numerically at N = 3 against
    finite differences of the stable evaluation of the definition (both independent of
    the rules that produced it)."""
    from .check.defined import exact_entries, fast_steps, numeric_steps
    out = []
    sizes = {"N": SYMBOLIC_SIZES[-1], "D": _STEP_INPUTS, "m": _STEP_INPUTS}
    numeric = numeric_steps([s.rhs for s in derived.steps], definition, derived.variable,
                            sizes, seed, assumptions, cases=[s.case for s in derived.steps])
    under = [_under(derived.steps, number, assumptions)
             for number in range(1, len(derived.steps) + 1)]
    # All the steps at once at each size (one derivative of each entry for all of them),
    # each step alone where the fast evaluator has no rule for one of its nodes.
    claims = [(s.rhs, s.case, used) for s, used in zip(derived.steps, under)]
    at_once = {size: fast_steps(claims, definition, derived.variable, assumptions,
                                {"N": size, "D": _STEP_INPUTS, "m": _STEP_INPUTS})
               for size in SYMBOLIC_SIZES}
    for number, (step, comparison) in enumerate(zip(derived.steps, numeric), start=1):
        used = under[number - 1]
        exact = entries = 0
        for size in SYMBOLIC_SIZES:
            if at_once[size] is not None:
                good, total, differing = at_once[size][number - 1]
            else:
                good, total, differing = exact_entries(
                    step.rhs, definition, derived.variable, used,
                    {"N": size, "D": _STEP_INPUTS, "m": _STEP_INPUTS}, case=step.case)
            if differing:
                raise StepError(f"step {number} ({step.reason}) does not follow at N = {size}: "
                                f"at entry {differing[0]} it differs from the derivative")
            exact, entries = exact + good, entries + total
        if comparison is not None and not comparison.passed:
            w = comparison.worst
            raise StepError(f"step {number} ({step.reason}) does not agree with finite "
                            f"differences at N = {sizes['N']}: entry {w['entry']}, "
                            f"{w['analytic']:.6g} against {w['numeric']:.6g}")
        out.append(replace(step, check=StepCheck(
            exact_entries=exact, entries=entries,
            points=0 if comparison is None else comparison.points,
            max_abs_error=0.0 if comparison is None else comparison.max_abs_error,
            numeric_entries=entries - exact, proved=True, sizes=SYMBOLIC_SIZES)))
    return tuple(out)


def _instance(proved: Derivation, n: int, inputs: int, batch: int, check: bool,
              seed: int) -> Derivation:
    """The result proved for every N at a concrete N: its entries, every one checked
    exactly against the chain-rule derivative of the written-out definition, and
    numerically up to :data:`_NUMERIC_CLASSES` classes."""
    from .calculus.rewrite import tidy
    from .check.defined import exact_entries, fast_entries
    from .instances import instance_second
    from .entries import entry_matrix
    definition = proved.definition
    variable = proved.problem.variable
    sizes = {"N": n, "D": inputs, "m": batch}
    problem = _problem(definition, None, n, proved.assumptions, proved.problem, inputs, batch)
    entries = len(problem.output_keys()) * len(problem.keys(problem.wrt_indices))
    if entries > MAX_DERIVATIVE_ENTRIES:
        raise InputError(f"the derivative at N = {n} has {entries} entries; at "
                         f"most {MAX_DERIVATIVE_ENTRIES} are derived and checked (for any size "
                         "at once, use --classes N)")
    # The fast evaluator of derive.check.exact where it has a rule for every node; SymPy's
    # diff, entry by entry, only for a small derivative.
    checked = fast_entries(proved.result, definition, variable, proved.assumptions, sizes)
    if checked is None:
        if entries > _SYMPY_ENTRIES:
            raise InputError(f"the derivative at N = {n} has {entries} entries; beyond "
                             f"{_SYMPY_ENTRIES} this definition is checked for any size at "
                             "once only: use --classes N")
        checked = exact_entries(proved.result, definition, variable, proved.assumptions, sizes)
    good, total, differing = checked
    if differing:
        raise StepError(f"the result proved for every N differs from the derivative at "
                        f"N = {n}, entry {differing[0]}")
    from .check.exact import ExactCheck
    exact = ExactCheck(target=proved.target.name, classes=n, entries=total, by_atoms=good,
                       by_assumptions=0, by_expansion=0,
                       assumptions=tuple(a.text for a in proved.assumptions))
    # The number of examples stays the symbol m in formulas, as for the catalogue's batch
    # target ((S − Y)/m, with m = 2 stated): SymPy would distribute 1/2 over S − Y.
    values = {k: v for k, v in size_values(sizes).items() if k != BATCH}
    result, general = proved.result.xreplace(values), proved.general.xreplace(values)
    matrix = entry_matrix(result, problem, EAGER_WORK, tidy)
    d = replace(proved, classes=n, problem=problem, matrix=matrix,
                general_matrix=matrix if general == result else
                entry_matrix(general, problem, EAGER_WORK, tidy),
                general=general, result=result, form=shown_form(result, problem),
                general_form=shown_form(general, problem), mechanical=None, exact=exact,
                check=None, steps=tuple(replace(s, rhs=s.rhs.xreplace(values))
                                        for s in proved.steps),
                **instance_second(proved, values, problem))
    if check and n <= _NUMERIC_CLASSES:
        from .check.defined import numeric_check
        d = replace(d, check=numeric_check(proved.result, definition, variable, [sizes], seed,
                                           proved.assumptions))
    return d


def _free_ranges(definition, derived):
    return [(x, "N") for x in definition.outputs] + list(derived.ranges)


def _condition(index, extent):
    from .calculus.indexed import Condition
    from .read.definition import EXTENTS
    return Condition(index, sp.Integer(1), EXTENTS[extent])


def _uses(definition, extent: str) -> bool:
    return any(extent in shape for _, shape in definition.families) or any(
        e == extent for _, e in definition.extents)


def _problem(definition, derived, n, assumptions, symbolic: Problem | None = None,
             inputs=None, batch=None) -> Problem:
    """The :class:`Problem` the renderers read, for a definition at ``n`` classes."""
    if symbolic is not None:
        given = {"D": inputs, "m": batch}
        sizes = tuple((name, given[name]) for name, _ in symbolic.sizes)
        return replace(symbolic, classes=n, sizes=sizes,
                       parameters=((BATCH, batch),) if "m" in dict(sizes) else ())
    variable = derived.variable
    if len(definition.outputs) > 1:
        raise InputError("a definition with more than one output index (a_ij = …) is not "
                         "derived yet; write one output index")
    wrt_index = variable.indices[0] if len(variable.indices) == 1 else variable.indices
    return Problem(
        name=definition.name, function=definition.body,
        output_index=definition.outputs[0] if definition.outputs else None,
        wrt=variable.base, wrt_index=wrt_index,
        inputs=tuple(name for name, _ in definition.families)
        + tuple(str(c) for c in definition.constants),
        assumptions=assumptions, classes=n,
        sizes=tuple((name, size) for name, size in (("D", INPUTS), ("m", BATCH))
                    if _uses(definition, name)),
        shapes=tuple((name, shape) for name, shape in definition.families if shape != ("N",))
        + tuple((str(x.family), (*x.row_extents, x.extent)) for x in definition.defined
                if (*x.row_extents, x.extent) != ("N",)),
        ranges=tuple(derived.ranges), options=(), definition=definition)


def _target(definition, wrt: str, problem: Problem, first=None) -> Target:
    if first is not None:   # a second derivative: named for the definition as written
        text, twice = first.definition.text, first.problem.wrt == problem.wrt
        how = (f"twice with respect to {wrt}" if twice else
               f"with respect to {first.problem.wrt}, then {wrt}")
        index, = definition.outputs
        return Target(name=f"of: {text}", title=f"{text}, differentiated {how}",
                      summary=f"your definition: {text}", definition=text,
                      inputs=problem.inputs, builder=_AtClasses(problem), reference="",
                      layout=f"rows {index} = ∂/∂{first.problem.wrt}_{index}, columns = the "
                      f"entries of {wrt}", min_classes=1)
    name = f"of: {definition.text}"
    rows = "rows = outputs, columns = " if problem.output_index is not None else ""
    return Target(name=name, title=f"{definition.text}, differentiated with respect to {wrt}",
                  summary=f"your definition: {definition.text}", definition=definition.text,
                  inputs=problem.inputs, builder=_AtClasses(problem), reference="",
                  layout=f"{rows}the entries of {wrt}", min_classes=1)


@dataclass(frozen=True)
class _AtClasses:
    """A target's ``problem(n)`` for a definition: its problem at ``n`` classes (a
    picklable callable: a derivation travels back from its worker)."""

    problem: Problem

    def __call__(self, n) -> Problem:
        return replace(self.problem, classes=n)


def sizes_of_point(of: str, point: dict) -> dict[str, int]:
    """The number of classes and inputs that a point's shapes imply for a definition:
    ``{"classes": N, "inputs": D}`` from the families given.

    >>> from derive.point import parse_point
    >>> sizes_of_point("L = Σ_k ((W x + b)_k - y_k)^2", parse_point("W=[[1, 2]]; x=[1, 0]"))
    {'classes': 1, 'inputs': 2}
    """
    definition = read_definition(of)
    out: dict[str, int] = {}
    shapes = dict(definition.families)
    for name, value in point.items():
        extents = shapes.get(name)
        if extents is None or not hasattr(value, "shape") or value.ndim != len(extents):
            continue
        for extent, size in zip(extents, value.shape):
            out.setdefault({"N": "classes", "D": "inputs", "m": "batch"}[extent], int(size))
    return out


def evaluate_definition(d: Derivation, point: dict):
    """The derivative of a definition's derivation ``d`` (at a concrete N) at ``point``,
    and central differences of the stable evaluation of the definition there.

    The general form is used where a stated assumption does not hold at the point (and a
    note says so).

    Raises:
        InputError: a missing, unknown or wrongly sized variable, a value that is not finite.
    """
    import numpy as np

    from .check.defined import evaluated, finite_differences
    from .check.numeric import FD_ATOL, FD_RTOL
    from .check.stable import Evaluation as Stable
    from .record import Evaluation
    definition, variable = d.definition, d.problem.variable
    n = d.classes
    sizes = {"N": n, "D": dict(d.problem.sizes).get("D", 3),
             "m": dict(d.problem.sizes).get("m", 2)}
    names = {name: shape for name, shape in definition.families}
    constants = {str(c) for c in definition.constants}
    values = {}
    for name, value in point.items():
        key = {"lam": "lambda", "lambda_": "lambda"}.get(name, name)
        if key in names:
            shape = tuple(sizes[e] for e in names[key])
            array = np.asarray(value, dtype=np.float64)
            if array.shape != shape:
                raise InputError(f"{name} has shape {array.shape} in the point; the definition "
                                 f"at N = {n}" + (f", D = {sizes['D']}" if "D" in names[key]
                                                 else "") + f" needs {shape}")
            values[key] = array[None]
        elif key in constants:
            array = np.asarray(value, dtype=np.float64).ravel()
            if array.size != 1 or not array[0] > 0:
                raise InputError(f"{name} is a positive scalar constant: give one number > 0")
            values[key] = array
        else:
            raise InputError(f"{name} is not an input of the definition; give "
                             + ", ".join(sorted([*names, *constants])))
    missing = sorted((set(names) | constants) - set(values))
    if missing:
        raise InputError("the point needs " + ", ".join(missing))
    if not all(np.isfinite(v).all() for v in values.values()):
        raise InputError("the point has a value that is not finite")
    notes, form, general = [], d.result, False
    for assumption in d.assumptions:
        rows = [{}] if assumption.index is None else [
            {assumption.index: r} for r in range(1, sizes["m"] + 1)]   # for every row
        totals = [float(Stable(definition, values, sizes).of(assumption.quantity, row)[0])
                  for row in rows]
        value = float(assumption.value)
        wrong = [t for t in totals if abs(t - value) > 1e-12 * max(1.0, abs(value))]
        if wrong:
            notes.append(f"{assumption.text} does not hold at this point ({wrong[0]:.6g}): "
                         "the general form is used")
            form, general = d.general, True
    with np.errstate(all="ignore"):
        value = evaluated(form, definition, variable, values, sizes)[0]
        numeric, rounding = finite_differences(definition, variable, values, sizes, True)
        numeric, rounding = numeric[0], rounding[0]
    if not (np.isfinite(value).all() and np.isfinite(numeric).all()):
        raise InputError("the definition or its derivative is not finite at this point (a "
                         "value overflows float64, or a log of a non-positive number): give "
                         "smaller inputs, or ones where the definition is defined")
    error = float(np.max(np.abs(value - numeric), initial=0.0))
    scale = np.maximum(np.abs(value), np.abs(numeric))
    agrees = bool((np.abs(value - numeric) <= FD_ATOL + rounding + FD_RTOL * scale).all())
    compared = bool((rounding <= 1e-3 * np.maximum(np.abs(numeric), FD_ATOL)).all())
    if not compared:
        notes.append("finite differences cannot resolve this point (one term of the "
                      "definition dominates the others by more than float64 can hold)")
    shown = {k: (v[0] if v.ndim > 1 or k in names else float(v[0])) for k, v in values.items()}
    stable = Stable(definition, values, sizes)
    for item in definition.defined:   # S = softmax(z), h, … at the point
        if item.kind in ("softmax", "output"):
            shown[str(item.family)] = stable.family(item.family)[0]
    def shaped(a):   # a gradient in the shape of its variable (∂L/∂Z is m × N)
        if a.shape[0] > 1:
            return a
        return a[0].reshape([sizes[e] for e in definition.shape(str(variable.base))])

    return Evaluation(point=shown, value=shaped(value), general=general, notes=tuple(notes),
                      finite_differences=shaped(numeric), max_abs_error=error,
                      agrees=agrees or not compared, compared=compared)
