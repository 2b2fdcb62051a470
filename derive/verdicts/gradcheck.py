"""Verify a NumPy gradient someone wrote: the derived result is the reference, not a guess.

:func:`check_callable` calls the user's function at seeded random points (ordinary and
extreme logits) and compares its output with the derived textbook form, evaluated stably.
This is numeric evidence, and the verdict says so; but unlike a finite-difference
gradcheck it names the mistake (a flipped sign, a factor, a transposition, …) and gives a
counterexample whose expected value was recomputed with 30-digit arithmetic.

The function's parameters are bound by name to the target's variables (``z``, ``S``,
``y``, ``c``); it gets float64 copies (an in-place ``z -= z.max()`` cannot corrupt the
comparison), is called twice at every point (a different answer is nondeterminism), and
float32 output is reported.  It runs only in a worker process of its own
(:mod:`derive.verdicts.isolated`), which hands back plain arrays: the comparison here cannot be
changed by the code it judges.

>>> import numpy as np
>>> def grad(z, y):
...     e = np.exp(z - z.max())
...     return e / e.sum() - y
>>> check_callable(grad, "softmax-cross-entropy-grad", 4).verdict
'holds'
"""

from __future__ import annotations

import time
from dataclasses import replace

import mpmath
import numpy as np
import sympy as sp

from ..check.crosscheck import evaluate_matrix
from ..check.numeric import SCALARS, sample_points, sigmoid
from ..derivation import derivation
from .diagnoses import diagnose_values
from ..errors import InputError
from .isolated import Worker
from .verdict import Counterexample, Verdict

__all__ = ["check_callable", "CALLABLE_POINTS", "CALLABLE_RTOL", "CALLABLE_ATOL"]

CALLABLE_POINTS = 200
# A float64 implementation of the same formula agrees to rounding; finite differences would
# need 1e-5.  Entries below ATOL in size are compared absolutely.
CALLABLE_RTOL, CALLABLE_ATOL = 1e-7, 1e-9
# Seconds past the time limit for the worker that compares to report that the user's
# function (stopped at the limit) did not return, before that worker is stopped too.
_GRACE = 2.0


def check_callable(function, against: str, classes: int = 3, *, seed: int = 0,
                   time_limit: float | None = None, **options) -> Verdict:
    """Compare ``function`` with the derivative ``against`` at seeded random points.

    ``options`` are those of a layer or batch target (``inputs``, ``wrt``, ``convention``,
    ``batch``, ``reduction``): the function then gets ``W``, ``x``, ``b``, ``y`` (or
    ``Z``, ``Y``) by name and returns the derivative in the shape of the variable.

    Args:
        function: a function, or a :class:`~derive.verdicts.isolated.PythonFunction` (a file's
            function, imported only in the worker).  It is called only in a worker
            process (:class:`~derive.verdicts.isolated.Worker`) with 4 GiB of memory to allocate.
        time_limit: seconds of wall-clock time for the whole check: the derivation and
            the comparison run in a worker of :mod:`derive.bounded`, the function in a
            worker of its own, stopped at the same deadline.  ``None``: no time limit
            (still isolated, still within the memory limit).

    Raises:
        InputError: parameters that are not variables of the target, a concrete number of
            classes missing, a function that raises, exits, does not return in time or
            returns something that is not real numbers, a file that cannot be imported.
        TooLarge: with a ``time_limit``, a derivation or comparison that passed it.
    """
    if time_limit is None:
        return _check(function, against, classes, seed, None, None, options)
    from ..bounded import checked_seconds, run_bounded
    seconds = checked_seconds(time_limit)
    deadline = time.monotonic() + seconds
    # The derivation can take long at a large N: it is bounded in a worker of
    # derive.bounded, which never runs the user's code (so its pickled verdict can be
    # trusted); the user's function runs in a worker of that worker, stopped at the
    # deadline, and the grace lets that be reported before the outer worker is stopped.
    return run_bounded(_check, function, against, classes, seed, seconds, deadline,
                       options, seconds=seconds, grace=_GRACE)


def _check(function, against: str, classes, seed: int, seconds: float | None,
           deadline: float | None, options: dict) -> Verdict:
    if not isinstance(classes, int):
        raise InputError("a NumPy function is checked at a concrete number of classes; "
                         "give e.g. --classes 5")
    d = derivation(against, classes, check=False, steps=False, **options)
    problem, n = d.problem, classes
    rng = np.random.default_rng(seed)
    labels = "simplex" if d.assumptions else "free"
    points = sample_points(problem.inputs, n, rng, CALLABLE_POINTS - 4, extreme=True,
                           labels=labels, problem=problem)
    for name in ("z", "T", "W", "x", "b", "Z"):   # two decimals: a counterexample can be typed back exactly
        if name in points:
            points[name] = points[name].round(2)
    count = points[problem.inputs[0]].shape[0]
    if "c" in problem.inputs:
        points["c"] = rng.integers(1, n + 1, size=count)
    # Drawn now (the same numbers as drawn after the comparison): every argument the
    # function may get is prepared before its worker is forked.
    general = (sample_points(problem.inputs, n, rng, 50, extreme=False, labels="free",
                             problem=problem) if d.assumptions else None)
    batches = {"points": _arguments(points, problem)}
    if general is not None:
        batches["general"] = _arguments(general, problem)
    shape = _expected(d, d.matrix, {k: v[:1] for k, v in points.items()}, n).shape[1:]
    with Worker(function, batches, shape, seconds=seconds, deadline=deadline) as worker:
        # Computed after the fork: the answers are not in the worker's memory, and they
        # are computed here while the worker imports the file.
        expected = _expected(d, d.matrix, points, n)
        names = _parameters(worker.parameters(), problem)
        return _compare(d, worker, names, points, expected, seed, general)


def _compare(d, worker: Worker, names, points, expected, seed: int,
             general: dict | None) -> Verdict:
    """The function's values (from its worker) against the derivative's, here."""
    problem, n = d.problem, d.classes
    count = expected.shape[0]
    claimed, notes = _call_all(worker, "points", expected.shape[1:], names, problem)
    base = Verdict("fails", d.target.name, n, None, d.result, d.general, d.lhs,
                   assumptions=d.assumptions, sizes=tuple(d.problem.sizes))
    if claimed is None:
        return replace(base, diagnosis=notes[0], notes=tuple(notes[1:]),
                       methods=("shape: the output cannot be compared",))
    finite = np.isfinite(claimed).all(axis=tuple(range(1, claimed.ndim)))
    with np.errstate(all="ignore"):   # inf and NaN from the user's function: reported below
        scale = np.maximum(np.abs(expected), np.abs(claimed))
        bad = ~(np.abs(expected - claimed) <= CALLABLE_ATOL + CALLABLE_RTOL * scale)
        bad_points = bad.reshape(count, -1).any(axis=1) | ~finite
        rel = float(np.max(np.where(bad | ~np.isfinite(claimed), 0.0,
                                    np.abs(expected - claimed) / np.maximum(scale, 1.0))))
    extreme = count - (CALLABLE_POINTS - 4)
    method = (f"numeric: {count} points ({extreme} with extreme logits, seed {seed}), "
              f"rtol {CALLABLE_RTOL:g}")
    evidence = "numeric evidence for a NumPy function, not a proof"
    if not bad_points.any():
        held = replace(base, verdict="holds", notes=tuple(notes),
                       methods=(f"{method}, max rel error {rel:.1e}; {evidence}",))
        if general is not None and _holds_in_general(worker, names, d, general):
            return replace(held, assumptions=(), methods=held.methods + (
                "also equal to the general form with labels that do not sum to one",))
        return held
    if not finite.all():
        row = int(np.argmax(~finite))
        notes.insert(0, "your function returns inf or NaN at "
                     + _describe_point(points, row, problem)
                     + (" (extreme logits: subtract max(z) before exp)"
                        if row >= CALLABLE_POINTS - 4 else ""))
    named = _named(d, points, claimed, finite) if bad_points[finite].any() else None
    if named is not None:
        diagnosis = named
    elif bad_points[finite].any() and _class_from_one(d, points, claimed, finite):
        diagnosis = ("class index off by one: your function reads c as counted from 1 (it "
                     "gives the gradient of the class before c); derive passes c from 0, as "
                     "NumPy indexes (np.eye(N)[c], optax, torch): use c itself, as in "
                     "g[c] -= 1 (the counterexample names classes and entries from 1, as "
                     "S_1 … S_N)")
    elif bad_points[finite].any():
        diagnosis = diagnose_values(problem, n,
                                    expected[finite].reshape(int(finite.sum()), -1),
                                    claimed[finite].reshape(int(finite.sum()), -1),
                                    {name: points[name][finite] for name in (*SCALARS, "y")
                                     if name in points})
    else:   # right wherever it is finite: the non-finite values are the mistake
        diagnosis = notes[0]
    explained = [note for note in notes if not note.startswith("your function returns inf")]
    if diagnosis.startswith("no common") and explained:
        diagnosis = explained[0]   # float32 arithmetic or nondeterminism explains it
    # An overflow is the headline only where it is the mistake: where the function is
    # finite it is right (above); else it stays a note beside what is wrong.
    return replace(base, methods=(f"{method}; {evidence}",), diagnosis=diagnosis,
                   notes=tuple(note for note in notes if note != diagnosis),
                   counterexample=_counterexample(d, points, expected, claimed, bad, problem))


def _named(d, points, claimed, finite) -> str | None:
    """A named mistake (:mod:`derive.verdicts.mistakes`) that the function's values are,
    at every point where they are finite."""
    from ..instances import entry_matrix
    from .mistakes import named_mistakes, weights_transposed
    problem, n = d.problem, d.classes
    swapped = weights_transposed(d.result, problem)
    for mistake, says in named_mistakes(d.target.name, problem) + ([swapped] if swapped else []):
        with np.errstate(all="ignore"):
            wrong = _expected(d, entry_matrix(mistake, problem, n), points, n)
            if wrong.shape != claimed.shape:
                continue
            scale = np.maximum(np.abs(wrong), np.abs(claimed))
            close = np.abs(wrong - claimed) <= CALLABLE_ATOL + CALLABLE_RTOL * scale
        if close[finite].all():
            return says
    return None


def _class_from_one(d, points, claimed, finite) -> bool:
    """Whether the function's values are the derivative's for the class before each c —
    what ``g[c - 1]`` on a class counted from 0 computes (with NumPy's wrap-around at 0)."""
    if "c" not in points:
        return False
    n = d.classes
    before = {**points, "c": (points["c"] - 2) % n + 1}
    expected = _expected(d, d.matrix, before, n)
    with np.errstate(all="ignore"):
        scale = np.maximum(np.abs(expected), np.abs(claimed))
        close = np.abs(expected - claimed) <= CALLABLE_ATOL + CALLABLE_RTOL * scale
    return bool(close[finite].all())


# Other names of the variables, as people call their parameters.
_PARAMETER_ALIASES = {"p": "S", "yhat": "S", "y_hat": "S", "epsilon": "eps",
                      "temperature": "T"}


def _known(problem) -> set[str]:
    """The variables a parameter may be bound to: the inputs, and the families the
    definition names (``S``, ``q``, a layer's ``z``), computed here; ``S`` is ``σ(z)``
    for independent sigmoid outputs."""
    return (set(problem.inputs) | set(problem.names)
            | ({"S"} if problem.sigmoid_of is not None else set()))


def _parameters(parameters, problem) -> list[tuple[str, str]]:
    """``(parameter, variable)`` pairs for the function's parameters (as its worker read
    them): every parameter named after a variable of the target (or an alias), with or
    without a default; a required parameter with another name is an error, an optional
    one keeps its default."""
    known = _known(problem)
    pairs = []
    for p in parameters:
        if not p.named:
            continue
        variable = _PARAMETER_ALIASES.get(p.name, p.name)
        if variable in known:
            # For independent sigmoid outputs the output S (ŷ, p) is σ(z).
            pairs.append((p.name, "σ" if variable == "S" and problem.sigmoid_of is not None
                          else variable))
        elif p.required:
            raise InputError(f"the function's parameter {p.name!r} is not a variable of the "
                             f"target; its parameters are bound by name to "
                             f"{', '.join(sorted(known))}")
    return pairs


def _holds_in_general(worker: Worker, names, d, points) -> bool:
    """Does the function also give the general form (labels not summing to one), at
    ``points``, the worker's batch "general"?"""
    expected = _expected(d, d.general_matrix, points, d.classes)
    claimed, _notes = _call_all(worker, "general", expected.shape[1:], names, d.problem)
    if claimed is None:
        return False
    scale = np.maximum(np.abs(expected), np.abs(claimed))
    return bool(np.all(np.abs(expected - claimed) <= CALLABLE_ATOL + CALLABLE_RTOL * scale))


def _expected(d, matrix, points: dict, n: int) -> np.ndarray:
    values = {k: v for k, v in points.items() if k != "c"}
    problem = d.problem
    matrix = evaluate_matrix(matrix, values, n, problem=problem)   # (points, rows, cols)
    if "c" in points:                                    # one gradient per label c
        return matrix[np.arange(matrix.shape[0]), points["c"] - 1, :]
    if problem.output_index is None and len(problem.wrt_indices) == 2:
        # ∂L/∂W has the shape of W: its entries come row by row.
        return matrix.reshape(matrix.shape[0], *problem.size_of(str(problem.wrt)))
    return matrix[:, 0, :] if matrix.shape[1] == 1 else matrix


def _call_all(worker: Worker, batch: str, shape, names,
              problem) -> tuple[np.ndarray | None, list[str]]:
    """The function's values at the points of ``batch`` (from its worker), or ``None``
    and the shape mismatch in words; the notes on float32 and nondeterminism."""
    calls = worker.call(batch, names)
    if calls.values is None:
        got = calls.shape
        if (len(shape) == 2 and got == shape[::-1] and problem.output_index is None
                and len(problem.wrt_indices) == 2):
            from .diagnoses import transposed_message
            return None, [transposed_message(problem)]
        hint = (" (the same entries: reshape or flatten it)"
                if int(np.prod(got)) == int(np.prod(shape)) else "")
        return None, [f"shape mismatch: expected an array of shape {shape}, got "
                      f"{got}{hint}"]
    notes = []
    if calls.float32:
        notes.append("your function returns float32: compare in float64 for a meaningful "
                     "check")
    if calls.nondeterministic:
        notes.append("nondeterministic: two calls at the same point gave different results")
    return calls.values, notes


def _arguments(points: dict, problem) -> dict[str, list]:
    """What the function may be given at each point, by variable: the points' own values,
    and S = softmax(z) (or σ(z), softmax(W x + b), …) and q computed stably here."""
    count = next(iter(points.values())).shape[0]
    variables = {"σ" if v == "S" and problem.sigmoid_of is not None else v
                 for v in _known(problem)}
    named = _intermediates(points, problem, variables)
    return {variable: [named[variable][row].copy() if variable in named
                       else _argument(variable, points, row)
                       for row in range(count)]
            for variable in sorted(variables) if variable != "c" or "c" in points}


def _intermediates(points: dict, problem, variables) -> dict[str, np.ndarray]:
    """The families the definition names that a parameter asks for — ``S`` the softmax
    of z/T, of W x + b or of each row of Z, ``q`` the smoothed labels, a layer's ``z`` —
    evaluated stably from the definition itself (:mod:`derive.check.stable`), at every
    point at once."""
    if problem.definition is None:
        return {}
    from ..check.stable import Evaluation
    wanted = [name for name in sorted(variables) if name not in points
              and problem.definition.intermediate(sp.IndexedBase(name)) is not None]
    if not wanted:
        return {}
    sizes = {"N": problem.classes, **dict(problem.sizes)}
    evaluation = Evaluation(problem.definition, {k: v for k, v in points.items() if k != "c"},
                            sizes)
    return {name: evaluation.family(sp.IndexedBase(name)) for name in wanted}


def _argument(variable: str, points: dict, row: int):
    if variable == "σ":                            # σ(z), computed stably
        return sigmoid(points["z"][row]).copy()
    if variable == "c":   # a class as NumPy indexes it (np.eye(N)[c], optax, torch): from 0
        return int(points["c"][row]) - 1
    if variable in SCALARS:
        return float(points[variable][row])
    return np.array(points[variable][row], dtype=np.float64, copy=True)


def _describe_point(points, row, problem) -> str:
    """The point as the function was given it (the class c from 0)."""
    return "; ".join(f"c={int(points['c'][row]) - 1} (from 0)" if name == "c" else
                     f"{name}={_short(points[name][row])}" for name in problem.inputs)


def _short(v) -> str:
    if np.ndim(v) == 0:
        return str(int(v)) if np.issubdtype(np.asarray(v).dtype, np.integer) else f"{v:.6g}"
    return "[" + ", ".join(_short(x) for x in v) + "]"


def _counterexample(d, points, expected, claimed, bad, problem):
    """The worst point, with the expected value recomputed in 30 digits from the exact
    derivative (not from float64) so that rounding cannot invent a failure."""
    gap = np.where(bad, np.abs(np.nan_to_num(expected - claimed, nan=np.inf)), -1.0)
    # The first bad point (ordinary points come first: easier to read), its worst entry.
    row = int(np.argmax(bad.reshape(bad.shape[0], -1).any(axis=1)))
    within = np.unravel_index(int(np.argmax(gap[row])), gap.shape[1:])
    flat = (row, *within)
    entry = tuple(int(x) + 1 for x in within)
    key = entry if len(entry) == 2 else ((int(points["c"][row]), entry[0])
                                         if "c" in points else entry)
    if problem.output_index is not None and len(problem.wrt_indices) == 2:
        # A layer's Jacobian: column number → (i, j) of W, row by row.
        key = (entry[0], *problem.keys(problem.wrt_indices)[entry[1] - 1])
    precise = _precise_expected(d, points, row, key)
    if not np.isfinite(claimed[flat]) or abs(precise - claimed[flat]) > CALLABLE_ATOL:
        shown = {k: float(v[row]) if k in SCALARS else v[row].tolist()
                 for k, v in points.items() if k not in ("c",)}
        indices = tuple(str(x) for x in problem.indices)
        return Counterexample(key, indices, shown, precise, float(claimed[flat]), d.classes)
    return None


def _precise_expected(d, points, row, key) -> float:
    problem, n = d.problem, d.classes
    from ..check.concrete import Concrete
    from ..check.step_checks import _row
    entry = d.mechanical[_row(key, problem)]
    labelled = ("y" in points or "Y" in points) and problem.assumptions
    expr = Concrete(problem, n)(entry, key, problem.assumptions if labelled else ())
    logits_at = None
    if problem.convention is not None:   # z = W x + b at this point, exactly
        W, x, b = (np.asarray(points[k][row]) for k in ("W", "x", "b"))
        weights = W if problem.convention == "Wx" else W.T
        logits_at = [sum(sp.Float(str(float(weights[a, r])), 30) * sp.Float(str(float(x[r])), 30)
                         for r in range(x.size)) + sp.Float(str(float(b[a])), 30)
                     for a in range(n)]
    if problem.batch:
        logits_at = [sp.Float(str(float(v)), 30) for v in np.asarray(points["Z"][row]).ravel()]
    with mpmath.workdps(30):
        def exact(x) -> sp.Float:
            return sp.Float(str(float(x)), 30)

        temperature = exact(points["T"][row]) if "T" in points else 1
        values = {}
        for s in expr.free_symbols:
            if s.name in SCALARS:
                values[s] = exact(points[s.name][row])
                continue
            name, *tails = s.name.split("_")
            if name == "e" and logits_at is not None:
                values[s] = sp.exp(logits_at[int(tails[0]) - 1])
            elif name in ("e", "u"):   # e_m = exp(u_m), u_m = z_m/T (T = 1 without one)
                u = exact(points["z"][row][int(tails[0]) - 1]) / temperature
                values[s] = sp.exp(u) if name == "e" else u
            else:
                values[s] = exact(np.asarray(points[name][row])[tuple(int(a) - 1 for a in tails)])
        return float(sp.N(expr.xreplace(values), 30))
