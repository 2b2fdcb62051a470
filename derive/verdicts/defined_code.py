"""A NumPy function against the derivative of a definition (``derive check --python
FILE.py:FUNC --of "L = …"``): numeric evidence, labelled so, never a proof.

The function is called only in a worker process of its own
(:class:`~derive.verdicts.isolated.Worker`), by keyword: each input family of the
definition by its name (``z``, ``W``, ``y``), each constant by its name (``T``, ``d``;
``lam`` or ``lambda_`` for λ, which Python cannot name), and an intermediate by its name
when a parameter asks for it (``S`` = softmax(z), ``h`` = the layer's output), computed
stably here.  It returns the derivative shaped as the outputs then the variable: ``(N,)``
for ∂L/∂z, ``(N, D)`` for ∂L/∂W, ``(N, N)`` for the Jacobian ∂S_i/∂z_j.

At seeded random points (two decimals, so that a counterexample can be typed back; a
family an assumption sums to one on the simplex) and at points where the variable is
extreme, its values are compared with the derived result evaluated stably
(:mod:`derive.check.stable`); a failure is shown at a point, with the expected value
computed at 50 digits from the written-out definition.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import sympy as sp

from ..errors import InputError
from .isolated import PythonFunction, Worker
from .verdict import Counterexample, Verdict

__all__ = ["check_definition_callable", "RTOL", "ATOL", "POINTS"]

POINTS = 60
RTOL, ATOL = 1e-7, 1e-9
_ALIASES = {"lam": "lambda", "lambda_": "lambda", "lmbda": "lambda", "epsilon": "eps",
            "temperature": "T"}


def check_definition_callable(function: Callable[..., np.ndarray] | PythonFunction, of: str,
                              wrt: str | None = None, classes: int = 3, *,
                              assume: tuple[str, ...] = (), inputs: int = 3, seed: int = 0,
                              time_limit: float | None = None) -> Verdict:
    """Compare ``function`` with the derivative of ``of`` at ``classes`` classes.

    Raises:
        InputError: a parameter that is neither an input, a constant nor an intermediate
            of the definition; a symbolic N; a function that raises, exits, does not
            return in time or returns what is not real numbers.
    """
    if not isinstance(classes, int):
        raise InputError("a NumPy function is checked at a concrete number of classes; give "
                         "e.g. --classes 5")
    if time_limit is None:
        return _check(function, of, wrt, classes, tuple(assume), inputs, seed, None, None)
    from ..bounded import checked_seconds, run_bounded
    from .gradcheck import _GRACE
    seconds = checked_seconds(time_limit)
    deadline = time.monotonic() + seconds
    return run_bounded(_check, function, of, wrt, classes, tuple(assume), inputs, seed,
                       seconds, deadline, seconds=seconds, grace=_GRACE)


def _check(function, of, wrt, n, assume, inputs, seed, seconds, deadline) -> Verdict:
    from ..check.defined import evaluated, keys, sample
    from ..check.stable import Evaluation
    from ..definitions import defined_derivation
    d = defined_derivation(of, wrt, "N", assume=assume, check=False, steps=False)
    definition, variable = d.definition, d.problem.variable
    sizes = {"N": n, "D": inputs, "m": 2}
    rng = np.random.default_rng(seed)
    points = _points(sample(definition, sizes, rng, POINTS - 2, d.assumptions), definition,
                     str(variable.base), d.assumptions, rng)
    outputs, columns = keys(definition, variable, sizes)
    shape = ((n,) if definition.outputs else ()) + tuple(
        sizes[e] for e in definition.shape(str(variable.base)))
    count = next(iter(points.values())).shape[0]
    evaluation = Evaluation(definition, points, sizes)
    available = dict(points)
    for item in definition.defined:   # S, h, q, z: what a parameter may ask for, by name
        if not item.own:
            available[str(item.family)] = evaluation.family(item.family)
    batch = {name: [np.asarray(v[row]).copy() if np.ndim(v) > 1 else float(v[row])
                    for row in range(count)] for name, v in available.items()}
    with np.errstate(all="ignore"):   # a result that overflows: compared as it is, below
        expected = evaluated(d.result, definition, variable, points, sizes).reshape(count,
                                                                                   *shape)
    base = Verdict("fails", d.target.name, n, None, d.result.xreplace(_at(n, inputs)),
                   d.general.xreplace(_at(n, inputs)), d.lhs, assumptions=d.assumptions,
                   sizes=tuple((name, {"D": inputs, "m": 2}[name])
                               for name, _ in d.problem.sizes))
    with Worker(function, {"points": batch}, shape, seconds=seconds,
                deadline=deadline) as worker:
        binding = _binding(worker.parameters(), available, definition)
        calls = worker.call("points", binding)
    if calls.values is None:
        return Verdict(**{**_fields(base), "diagnosis": f"shape mismatch: expected an array of "
                          f"shape {shape}, got {calls.shape}"},
                       methods=("shape: the output cannot be compared",))
    claimed = calls.values
    # Where the derived form overflows float64 (a result left in e^{z}), the derivative
    # is taken at 50 digits instead: a function that is right there is not "wrong".
    overflowed = ~np.isfinite(expected)
    if overflowed.any():
        cache: dict = {}
        for at in zip(*np.nonzero(overflowed)):
            expected[at] = _precise(d, points, int(at[0]), tuple(int(x) + 1 for x in at[1:]),
                                    sizes, cache)
    notes = (["your function returns float32: compare in float64"] if calls.float32 else []) \
        + (["nondeterministic: two calls at the same point differ"]
           if calls.nondeterministic else [])
    with np.errstate(all="ignore"):
        scale = np.maximum(np.abs(expected), np.abs(claimed))
        # Where the derivative itself exceeds float64 (e^{1000}), only the same infinity
        # is right: a finite value there is wrong, however large.
        bad = ~((np.isfinite(expected) & (np.abs(expected - claimed) <= ATOL + RTOL * scale))
                | (np.isinf(expected) & (claimed == expected)))
    extreme = count - (POINTS - 2)
    method = (f"numeric: {count} points ({extreme} with the variable extreme, seed {seed}), "
              f"rtol {RTOL:g}; numeric evidence for a NumPy function, not a proof")
    if not bad.any():
        return Verdict(**{**_fields(base), "verdict": "holds"}, methods=(method,),
                       notes=tuple(notes))
    row = int(np.argmax(bad.reshape(count, -1).any(axis=1)))
    within = np.unravel_index(int(np.argmax(np.where(bad[row], np.abs(np.nan_to_num(
        expected[row] - claimed[row], nan=np.inf)), -1.0))), shape)
    entry = tuple(int(x) + 1 for x in within)
    return Verdict(**{**_fields(base), "diagnosis": _diagnosis(expected, claimed, definition)},
                   methods=(method,), notes=tuple(notes),
                   counterexample=_counterexample(d, points, row, entry, claimed[row][within],
                                                  sizes))


def _at(n, inputs) -> dict:
    from ..read.definition import size_values
    return size_values({"N": n, "D": inputs, "m": 2})


def _fields(v: Verdict) -> dict:
    return {name: getattr(v, name) for name in ("verdict", "target", "classes", "claim",
                                                 "expected", "general", "lhs", "assumptions",
                                                 "sizes")}


def _points(values: dict, definition, wrt: str, assumptions, rng) -> dict:
    """Two decimals (a counterexample can be typed back), except a family on the simplex;
    and the two points of :func:`derive.check.defined.with_extremes` where the variable is
    extreme."""
    from ..check.defined import with_extremes
    simplex = {str(a.base) for x in assumptions for a in x.quantity.atoms(sp.Indexed)}
    rounded = {name: v if name in simplex else np.round(v, 2) for name, v in values.items()}
    out = with_extremes(rounded, wrt, definition, rng)
    out[wrt] = np.round(out[wrt], 2)
    return out


def _binding(parameters, available: dict, definition) -> list[tuple[str, str]]:
    pairs = []
    for p in parameters:
        if not p.named:
            continue
        name = _ALIASES.get(p.name, p.name)
        if name in available:
            pairs.append((p.name, name))
        elif p.required:
            raise InputError(f"your function's parameter {p.name!r} is not a variable of the "
                             "definition; it may take " + ", ".join(sorted(
                                 "lam" if k == "lambda" else k for k in available)))
    return pairs


def _diagnosis(expected, claimed, definition) -> str:
    # inf or NaN where the derivative is finite (inf where it overflows float64 is right)
    finite = (np.isfinite(claimed) | ~np.isfinite(expected)).all()
    if not finite:
        return "your function returns inf or NaN (subtract the maximum before exp, or use " \
               "a stable log-sum-exp)"
    with np.errstate(all="ignore"):
        if np.allclose(claimed, -expected, rtol=1e-6, atol=1e-9):
            return "the sign is flipped: your function returns minus the derivative"
        mask = np.abs(expected) > 1e-6
        if mask.any():
            ratio = claimed[mask] / expected[mask]
            if np.allclose(ratio, ratio.flat[0], rtol=1e-6) and \
                    np.allclose(claimed, ratio.flat[0] * expected, rtol=1e-6, atol=1e-9):
                factor = ratio.flat[0]
                if abs(factor - 1) < 1e-4:   # "times 1" would hide it
                    return (f"your function is the derivative times 1 {'+' if factor > 1 else '−'}"
                            f" {abs(factor - 1):.1e}")
                return f"your function is the derivative times {factor:.6g}"
        if expected.ndim == 3 and expected.shape[1] == expected.shape[2] and np.allclose(
                claimed, np.transpose(expected, (0, 2, 1)), rtol=1e-6, atol=1e-9):
            return "your function returns the transpose (rows and columns exchanged)"
    return "your function differs from the derivative (no known mistake matches)"


def _precise(d, points, row, entry, sizes, cache=None) -> float:
    """The derivative's ``entry`` (from 1) at point ``row``, at 50 digits, from SymPy's
    diff of the written-out definition at the inputs as given: where the derived form
    overflows float64 (``e^{z}`` at z = 1000), and for a counterexample."""
    from ..check.defined import concrete, in_exponentials
    from ..functions import entry_name
    definition, variable = d.definition, d.problem.variable
    width = len(definition.outputs)
    out, column = entry[:width], entry[width:]
    key = (out, column)
    derivative = None if cache is None else cache.get(key)
    if derivative is None:
        env = dict(zip(definition.outputs, out))
        function = in_exponentials(concrete(definition.body, definition, sizes, env))
        derivative = sp.diff(function, sp.Symbol(entry_name(str(variable.base), column)))
        if cache is not None:
            cache[key] = derivative
    exact = {}
    for name, v in points.items():
        value = v[row]
        if np.ndim(value) == 0:
            exact[sp.Symbol(name, positive=True)] = sp.Rational(repr(float(value)))
            continue
        for at in np.ndindex(np.shape(value)):
            exact[sp.Symbol(entry_name(name, tuple(k + 1 for k in at)))] = \
                sp.Rational(repr(float(value[at])))
    return float(sp.N(derivative.xreplace(exact), 50))


def _counterexample(d, points, row, entry, claimed, sizes) -> Counterexample:
    """The point, and the expected value at 50 digits from SymPy's diff of the
    written-out definition at the inputs as given (two decimals)."""
    definition, variable = d.definition, d.problem.variable
    expected = _precise(d, points, row, entry, sizes)
    shown = {name: (float(v[row]) if np.ndim(v[row]) == 0 else np.asarray(v[row]).tolist())
             for name, v in points.items()}
    indices = tuple(str(x) for x in (*definition.outputs, *variable.indices))
    return Counterexample(entry, indices, shown, expected, float(claimed), sizes["N"],
                          difference=float(claimed) - expected)
