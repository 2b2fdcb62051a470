"""Verify a NumPy gradient someone wrote: the derived result is the reference, not a guess.

:func:`check_callable` calls the user's function at seeded random points (ordinary and
extreme logits) and compares its output with the derived textbook form, evaluated stably.
This is numeric evidence, and the verdict says so; but unlike a finite-difference
gradcheck it names the mistake (a flipped sign, a factor, a transposition, …) and gives a
counterexample whose expected value was recomputed with 30-digit arithmetic.

The function's parameters are bound by name to the target's variables (``z``, ``S``,
``y``, ``c``); it gets float64 copies (an in-place ``z -= z.max()`` cannot corrupt the
comparison), is called twice at every point (a different answer is nondeterminism), and
float32 output is reported.

>>> import numpy as np
>>> def grad(z, y):
...     e = np.exp(z - z.max())
...     return e / e.sum() - y
>>> check_callable(grad, "softmax-cross-entropy-grad", 4).verdict
'holds'
"""

from __future__ import annotations

import inspect
import warnings
from dataclasses import replace

import mpmath
import numpy as np
import sympy as sp

from .crosscheck import evaluate_matrix
from .derivation import derivation
from .errors import InputError
from .numeric import (SCALARS, layer_logits, logits, sample_points, sigmoid, smoothed_labels,
                      softmax)
from .diagnoses import diagnose_values
from .verify import Counterexample, Verdict

__all__ = ["check_callable", "CALLABLE_POINTS", "CALLABLE_RTOL", "CALLABLE_ATOL"]

CALLABLE_POINTS = 200
# A float64 implementation of the same formula agrees to rounding; finite differences would
# need 1e-5.  Entries below ATOL in size are compared absolutely.
CALLABLE_RTOL, CALLABLE_ATOL = 1e-7, 1e-9


def check_callable(function, against: str, classes: int = 3, *, seed: int = 0,
                   **options) -> Verdict:
    """Compare ``function`` with the derivative ``against`` at seeded random points.

    ``options`` are those of a layer or batch target (``inputs``, ``wrt``, ``convention``,
    ``batch``, ``reduction``): the function then gets ``W``, ``x``, ``b``, ``y`` (or
    ``Z``, ``Y``) by name and returns the derivative in the shape of the variable.

    Raises:
        InputError: parameters that are not variables of the target, a concrete number of
            classes missing, or a function that raises (with the point).
    """
    if not isinstance(classes, int):
        raise InputError("a NumPy function is checked at a concrete number of classes; "
                         "give e.g. --classes 5")
    d = derivation(against, classes, check=False, steps=False, **options)
    problem, n = d.problem, classes
    names = _parameters(function, problem)
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
    expected = _expected(d, d.matrix, points, n)
    claimed, notes = _call_all(function, names, points, expected.shape[1:], problem)
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
        if d.assumptions and _holds_in_general(function, names, d, n, rng):
            return replace(held, assumptions=(), methods=held.methods + (
                "also equal to the general form with labels that do not sum to one",))
        return held
    if not finite.all():
        row = int(np.argmax(~finite))
        notes.insert(0, "your function returns inf or NaN at "
                     + _describe_point(points, row, problem)
                     + (" (extreme logits: subtract max(z) before exp)"
                        if row >= CALLABLE_POINTS - 4 else ""))
    if bad_points[finite].any():
        diagnosis = diagnose_values(problem, n,
                                    expected[finite].reshape(int(finite.sum()), -1),
                                    claimed[finite].reshape(int(finite.sum()), -1),
                                    {name: points[name][finite] for name in (*SCALARS, "y")
                                     if name in points})
    else:   # right wherever it is finite: the non-finite values are the mistake
        diagnosis = notes[0]
    if diagnosis.startswith("no common") and notes:
        diagnosis = notes[0]   # float32 arithmetic or nondeterminism explains it
    return replace(base, methods=(f"{method}; {evidence}",), diagnosis=diagnosis,
                   notes=tuple(note for note in notes if note != diagnosis),
                   counterexample=_counterexample(d, points, expected, claimed, bad, problem))


# Other names of the variables, as people call their parameters.
_PARAMETER_ALIASES = {"p": "S", "yhat": "S", "y_hat": "S", "epsilon": "eps",
                      "temperature": "T"}


def _parameters(function, problem) -> list[tuple[str, str]]:
    """``(parameter, variable)`` pairs: every parameter named after a variable of the
    target (or an alias), with or without a default; a required parameter with another
    name is an error, an optional one keeps its default."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        raise InputError("cannot read the parameters of the function") from None
    known = (set(problem.inputs)
             | ({"S"} if problem.softmax_of is not None or problem.sigmoid_of is not None
                or problem.convention is not None or problem.batch else set())
             | ({"q"} if problem.smoothing is not None else set()))
    pairs = []
    for p in parameters.values():
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            continue
        variable = _PARAMETER_ALIASES.get(p.name, p.name)
        if variable in known:
            # For independent sigmoid outputs the output S (ŷ, p) is σ(z).
            pairs.append((p.name, "σ" if variable == "S" and problem.sigmoid_of is not None
                          else variable))
        elif p.default is inspect.Parameter.empty:
            raise InputError(f"the function's parameter {p.name!r} is not a variable of the "
                             f"target; its parameters are bound by name to "
                             f"{', '.join(sorted(known))}")
    return pairs


def _holds_in_general(function, names, d, n, rng) -> bool:
    """Does the function also give the general form (labels not summing to one)?"""
    points = sample_points(d.problem.inputs, n, rng, 50, extreme=False, labels="free",
                           problem=d.problem)
    expected = _expected(d, d.general_matrix, points, n)
    claimed, _notes = _call_all(function, names, points, expected.shape[1:], d.problem)
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


def _call_all(function, names, points, shape, problem) -> tuple[np.ndarray | None, list[str]]:
    count = next(iter(points.values())).shape[0]
    out, notes = np.empty((count, *shape)), []
    for row in range(count):
        first = _call(function, names, points, row, problem)
        second = _call(function, names, points, row, problem)
        if first.shape != shape:
            if (len(shape) == 2 and first.shape == shape[::-1] and problem.output_index is None
                    and len(problem.wrt_indices) == 2):
                from .diagnoses import transposed_message
                return None, [transposed_message(problem)]
            hint = (" (the same entries: reshape or flatten it)"
                    if first.size == int(np.prod(shape)) else "")
            return None, [f"shape mismatch: expected an array of shape {shape}, got "
                          f"{first.shape}{hint}"]
        if first.dtype == np.float32 and "float32" not in " ".join(notes):
            notes.append("your function returns float32: compare in float64 for a "
                         "meaningful check")
        same = np.array_equal(first, second, equal_nan=True)
        if not same and "nondeterministic" not in " ".join(notes):
            notes.append("nondeterministic: two calls at the same point gave different "
                         "results")
        out[row] = first
    return out, notes


def _call(function, names, points, row, problem) -> np.ndarray:
    arguments = {}
    for name, variable in names:
        if variable == "σ":                            # σ(z), computed stably
            arguments[name] = sigmoid(points["z"][row]).copy()
        elif variable == "S" and problem.convention is not None:   # softmax(W x + b)
            at = {k: points[k][row:row + 1] for k in ("W", "x", "b")}
            arguments[name] = softmax(layer_logits(at, problem.convention))[0].copy()
        elif variable == "S" and problem.batch:                    # softmax of each row
            arguments[name] = softmax(points["Z"][row]).copy()
        elif variable == "S" and "S" not in points:   # softmax(z) (or z/T), stably
            at = {k: points[k][row:row + 1] for k in ("z", "T") if k in points}
            arguments[name] = softmax(logits(at))[0].copy()
        elif variable == "q":                          # q = (1 − ε) y + ε/N
            at = {k: points[k][row:row + 1] for k in ("y", "eps")}
            arguments[name] = smoothed_labels(at)[0].copy()
        elif variable == "c":
            arguments[name] = int(points["c"][row])
        elif variable in SCALARS:
            arguments[name] = float(points[variable][row])
        else:
            arguments[name] = np.array(points[variable][row], dtype=np.float64, copy=True)
    try:
        # The user's overflow warnings are not ours to raise: a non-finite result is
        # reported as such, with the point.
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            result = function(**arguments)
    except Exception as error:  # the user's code: report it, with the point
        raise InputError(f"your function raised {type(error).__name__}: {error} "
                         f"(called with {', '.join(name for name, _ in names)})") from None
    try:
        array = np.asarray(result)
    except (TypeError, ValueError):
        array = np.asarray(None, dtype=object)
    if array.dtype.kind not in "biuf":
        raise InputError(f"your function returned {array.dtype} values, not real numbers")
    return array


def _describe_point(points, row, problem) -> str:
    return "; ".join(f"{name}={_short(points[name][row])}" for name in problem.inputs)


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
    from .steps import Concrete, _row
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
