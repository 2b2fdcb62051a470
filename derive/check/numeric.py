"""Numeric cross-checks: stable float64 references, finite differences, lambdified forms.

Every symbolic result is compared, at seeded random points, with central finite
differences of a numerically stable NumPy implementation of the same function
(max-subtraction, logsumexp), so a wrong rewrite cannot pass unnoticed.  Comparisons use
the symmetric tolerance ``|a − b| ≤ atol + rtol·max(|a|, |b|)`` and reject non-finite
values first (``np.allclose(inf, inf)`` is True; a NaN is never agreement).

>>> import numpy as np
>>> softmax(np.array([[1000.0, 1000.0]]))
array([[0.5, 0.5]])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.printing.numpy import NumPyPrinter

from ..errors import InputError

__all__ = [
    "softmax", "log_softmax", "sigmoid", "REFERENCES", "Comparison", "CheckReport",
    "lambdify_entries", "finite_differences", "compare", "sample_points", "layer_logits",
    "reference_for",
]

# Tolerances, stated in every report.  Finite differences with step h = 1e-5 carry a
# truncation error ~h² and a rounding error ~eps·|f|/h; analytic forms agree to rounding.
FD_RTOL, FD_ATOL = 1e-5, 1e-6
EXACT_RTOL, EXACT_ATOL = 1e-9, 1e-12
FD_STEP = 1e-5


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax along the last axis, stable for any finite logits (max-subtraction)."""
    with np.errstate(over="ignore"):   # z − max(z) may be −inf at ±1e308: exp gives 0
        shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """``1/(1 + e^{−z})`` elementwise, stable for any finite z (no overflow, and full
    relative precision for very negative z)."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def log_softmax(z: np.ndarray) -> np.ndarray:
    """``z − logsumexp(z)`` along the last axis, stable for any finite logits."""
    top = z.max(axis=-1, keepdims=True)
    return z - top - np.log(np.exp(z - top).sum(axis=-1, keepdims=True))


def _cross_entropy(v: Mapping[str, np.ndarray]) -> np.ndarray:
    return -(v["y"] * np.log(v["S"])).sum(axis=-1, keepdims=True)


def _softmax_cross_entropy(v: Mapping[str, np.ndarray]) -> np.ndarray:
    return -(v["y"] * log_softmax(v["z"])).sum(axis=-1, keepdims=True)


# Each reference maps a dict of input arrays (points along axis 0) to outputs of shape
# (points, outputs); a scalar function has one output.
REFERENCES: dict[str, Callable[[Mapping[str, np.ndarray]], np.ndarray]] = {
    "softmax": lambda v: softmax(v["z"]),
    "log_softmax": lambda v: log_softmax(v["z"]),
    "cross_entropy": _cross_entropy,
    "softmax_cross_entropy": _softmax_cross_entropy,
    # The family L_c = −log S_c for every class c at once.
    "sparse_softmax_cross_entropy": lambda v: -log_softmax(v["z"]),
    "temperature_softmax": lambda v: softmax(logits(v)),
    # N independent outputs: Σ_k softplus(z_k) − y_k z_k, stably (log1p of e^{−|z|}).
    "sigmoid_binary_cross_entropy": lambda v: (
        np.maximum(v["z"], 0) + np.log1p(np.exp(-np.abs(v["z"]))) - v["y"] * v["z"]
    ).sum(axis=-1, keepdims=True),
    "label_smoothing_cross_entropy":
        lambda v: -(smoothed_labels(v) * log_softmax(v["z"])).sum(axis=-1, keepdims=True),
}

def layer_logits(values: Mapping[str, np.ndarray], convention: str = "Wx") -> np.ndarray:
    """``z = W x + b`` (or ``Wᵀ x + b``) at each point: W of shape (points, N, D)
    (``(points, D, N)`` in the ``WTx`` convention), x (points, D), b (points, N)."""
    pattern = "pkd,pd->pk" if convention == "Wx" else "pdk,pd->pk"
    return np.einsum(pattern, values["W"], values["x"]) + values["b"]


def _batch_cross_entropy(v: Mapping[str, np.ndarray], reduction: str) -> np.ndarray:
    total = -(v["Y"] * log_softmax(v["Z"])).sum(axis=(-2, -1))
    return (total / v["Z"].shape[-2] if reduction == "mean" else total)[:, None]


def reference_for(target, problem) -> Callable[[Mapping[str, np.ndarray]], np.ndarray]:
    """The stable float64 implementation of ``target`` for the options of ``problem``
    (the layer's convention, the batch's reduction): written by hand in this module for
    the catalogue's first targets, and for a target that names none, its definition
    evaluated stably (:mod:`derive.check.stable`, as for ``--of``)."""
    if not target.reference:
        return _of_definition(problem)
    if problem.convention is not None:
        convention = problem.convention
        if target.reference == "linear_softmax":
            return lambda v: softmax(layer_logits(v, convention))
        return lambda v: -(v["y"] * log_softmax(layer_logits(v, convention))).sum(
            axis=-1, keepdims=True)
    if problem.batch:
        reduction = problem.option("reduction")
        return lambda v: _batch_cross_entropy(v, reduction)
    return REFERENCES[target.reference]


def _of_definition(problem) -> Callable[[Mapping[str, np.ndarray]], np.ndarray]:
    """The function ``problem`` differentiates, from its definition, evaluated stably at
    every point: shape (points, outputs) — one column for a scalar."""
    from .stable import Evaluation
    definition = problem.definition
    sizes = {"N": problem.classes, **dict(problem.sizes)}
    outputs = [dict(zip(definition.outputs, key)) for key in problem.output_keys()]

    def reference(values: Mapping[str, np.ndarray]) -> np.ndarray:
        evaluation = Evaluation(definition, values, sizes)
        return np.stack([evaluation.of(definition.body, env) for env in outputs], axis=1)
    return reference


# Scalar inputs (one number per point, not a vector of N) and the range they are drawn
# from: a temperature from sharp (0.25) to flat (4); a label smoothing up to 0.4.
SCALARS = {"T": (0.25, 4.0), "eps": (0.0, 0.4)}


def smoothed_labels(values: Mapping[str, np.ndarray]) -> np.ndarray:
    """``q = (1 − ε) y + ε/N`` at each point."""
    y, e = values["y"], values["eps"][:, None]
    return (1.0 - e) * y + e / y.shape[-1]


def logits(values: Mapping[str, np.ndarray]) -> np.ndarray:
    """The softmax's argument at each point: ``z``, or ``z/T`` when a temperature is given."""
    z = values["z"]
    return z / values["T"][:, None] if "T" in values else z


def entry_arguments(values: Mapping[str, np.ndarray], n: int, raw: bool = False,
                    convention: str | None = None) -> tuple[list[sp.Symbol], list[np.ndarray]]:
    """The concrete symbols that derived entries are written in, and their values.

    Textbook entries are in ``S_k`` (and ``y_k``, ``T``): the softmax is computed stably
    from the logits here (from ``W x + b`` for a layer in ``convention``, row by row for
    a batch ``Z``).  Raw entries (``raw=True``, the mechanical derivative) take the
    logits ``z_k`` themselves.  A matrix W is named ``W_1_1, W_1_2, …`` row by row.
    """
    from ..functions import SCALAR_SYMBOLS, family_symbols
    args: list[sp.Symbol] = []
    arrays: list[np.ndarray] = []
    if "eps" in values and "y" in values:   # smoothed labels q, for the textbook form
        args += family_symbols("q", n)
        arrays += list(smoothed_labels(values).T)
    if convention is not None and not raw:   # S = softmax(W x + b) stably
        args += family_symbols("S", n)
        arrays += list(softmax(layer_logits(values, convention)).T)
    for name, v in values.items():
        if name in SCALARS:
            args.append(SCALAR_SYMBOLS[name])
            arrays.append(v)
        elif name == "z" and not raw:   # S = softmax(z) stably; z too, for σ(z_k)
            args += family_symbols("S", n) + family_symbols("z", n)
            arrays += list(softmax(logits(values)).T) + list(v.T)
        elif name == "Z" and not raw:   # S = softmax of each row of Z
            args += family_symbols("S", v.shape[1:])
            arrays += list(softmax(v).reshape(len(v), -1).T)
        else:
            args += family_symbols(name, v.shape[1:] if v.ndim > 2 else v.shape[1])
            arrays += list(v.reshape(len(v), -1).T)
    return args, arrays


def finite_differences(reference: Callable, values: Mapping[str, np.ndarray], wrt: str,
                       relative: bool = False) -> np.ndarray:
    """Central differences of ``reference`` with respect to ``values[wrt]``.

    Vectorised: all points and all perturbed coordinates go through one call.  With
    ``relative`` the step is proportional to the coordinate (for probabilities, which may
    be tiny); otherwise it is ``FD_STEP``.  A matrix variable is perturbed entry by
    entry, row by row.

    Returns:
        An array of shape (points, outputs, entries of values[wrt]).

    >>> v = {"z": np.array([[0.0, 0.0]])}
    >>> np.round(finite_differences(REFERENCES["softmax"], v, "z"), 6)
    array([[[ 0.25, -0.25],
            [-0.25,  0.25]]])
    """
    shape = values[wrt].shape
    x = values[wrt].reshape(shape[0], -1)
    points, n = x.shape
    step = FD_STEP * np.abs(x) if relative else np.full_like(x, FD_STEP)
    shift = step[:, :, None] * np.eye(n)[None, :, :]          # (points, coordinate, n)

    def at(displaced: np.ndarray) -> np.ndarray:
        batch = {name: np.repeat(v, n, axis=0) for name, v in values.items() if name != wrt}
        batch[wrt] = displaced.reshape(points * n, *shape[1:])
        return reference(batch).reshape(points, n, -1)

    diff = (at(x[:, None, :] + shift) - at(x[:, None, :] - shift)) / (2 * step[:, :, None])
    return np.transpose(diff, (0, 2, 1))


_PRINTER = NumPyPrinter({"fully_qualified_modules": True})


def lambdify_entries(entries: Sequence[sp.Expr], args: Sequence[sp.Symbol]) -> Callable:
    """A vectorised NumPy function of ``args`` (arrays of points) returning the entries.

    The symbols are replaced by dummies first, so that no name reaches generated code.

    Returns:
        f(*arrays) → array of shape (points, len(entries)).
    """
    dummies = [sp.Dummy() for _ in args]
    swapped = [sp.sympify(e).xreplace(dict(zip(args, dummies))) for e in entries]
    # Any other name would be printed into the generated source as it is (a Symbol or a
    # Function named "__import__('os')…" from a SymPy claim, sympy issue #24990): refuse.
    allowed = set(dummies)
    for e in swapped:
        strays = [s for s in e.free_symbols if s not in allowed]
        if e.has(AppliedUndef):
            strays += [f.func for f in e.atoms(AppliedUndef)]
        if strays:
            names = ", ".join(sorted(repr(str(x))[:40] for x in strays))
            raise InputError(f"cannot evaluate the names {names}: they are not variables "
                             "of the target")
    # Generated code says numpy.exp, numpy.log …; giving lambdify just {"numpy": np}
    # spares it `from numpy import *`, which loads all of NumPy's lazy submodules
    # (about 0.2 s on the first call in a process).
    f = sp.lambdify(dummies, swapped, modules=[{"numpy": np}], cse=True, printer=_PRINTER)

    def evaluate(*arrays: np.ndarray) -> np.ndarray:
        points = arrays[0].shape[0] if arrays else 1
        with np.errstate(all="ignore"):
            out = f(*arrays)
        return np.stack([np.broadcast_to(np.asarray(v, dtype=float), (points,)) for v in out],
                        axis=1)

    return evaluate


@dataclass(frozen=True)
class Comparison:
    """One numeric comparison of two evaluations of the same derivative.

    ``worst`` describes the point with the largest tolerance violation (or the largest
    error when all pass): the entry, both values and the inputs.
    """

    name: str
    points: int
    max_abs_error: float
    max_rel_error: float
    rtol: float
    atol: float
    passed: bool
    max_magnitude: float = 0.0
    worst: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckReport:
    """The numeric cross-check of one derivation: several comparisons, one seed.

    ``sizes`` lists the numbers of classes at which a symbolic-N result was instantiated
    (empty for a concrete derivation).
    """

    comparisons: tuple[Comparison, ...]
    seed: int
    points: int
    extreme_points: int
    sizes: tuple[int, ...] = ()

    @property
    def passed(self) -> bool:
        return all(cmp.passed for cmp in self.comparisons)

    @property
    def max_abs_error(self) -> float:
        return max((cmp.max_abs_error for cmp in self.comparisons), default=0.0)

    @property
    def max_rel_error(self) -> float:
        return max((cmp.max_rel_error for cmp in self.comparisons), default=0.0)

    @property
    def max_magnitude(self) -> float:
        """The largest |entry| compared: the scale of the absolute errors."""
        return max((cmp.max_magnitude for cmp in self.comparisons), default=0.0)


def compare(name: str, analytic: np.ndarray, numeric: np.ndarray,
            inputs: Mapping[str, np.ndarray], rtol: float, atol: float) -> Comparison:
    """Compare two arrays of shape (points, rows, cols) entry by entry.

    ``atol`` may be an array of that shape (the rounding error of each finite difference);
    non-finite values on either side fail the comparison (reported as an infinite error).
    """
    both_finite = np.isfinite(analytic) & np.isfinite(numeric)
    with np.errstate(all="ignore"):
        abs_err = np.where(both_finite, np.abs(analytic - numeric), np.inf)
        scale = np.maximum(np.abs(analytic), np.abs(numeric))
        # Relative error where it means something: entries larger than atol.
        rel_err = np.where(scale > atol, abs_err / np.where(scale > 0, scale, 1.0), 0.0)
        excess = abs_err - (atol + rtol * np.where(np.isfinite(scale), scale, 0.0))
    worst = np.unravel_index(int(np.argmax(excess)), excess.shape)
    point = worst[0]
    return Comparison(
        name=name, points=analytic.shape[0],
        max_abs_error=float(abs_err.max()), max_rel_error=float(rel_err.max()),
        rtol=rtol, atol=float(np.max(atol)), passed=bool((excess <= 0).all()),
        max_magnitude=float(np.max(np.where(np.isfinite(scale), scale, 0.0), initial=0.0)),
        worst={"entry": tuple(int(x) + 1 for x in worst[1:]),
               "analytic": float(analytic[worst]), "numeric": float(numeric[worst]),
               "point": {k: v[point].tolist() for k, v in inputs.items()}},
    )


def sample_points(inputs: Sequence[str], n: int, rng: np.random.Generator, ordinary: int,
                  extreme: bool, labels: str, problem=None) -> dict[str, np.ndarray]:
    """Seeded sample points for the variables ``inputs`` of a target with ``n`` classes.

    Logits ``z`` are normal with standard deviation 3 at ordinary points; the extreme set
    adds offsets of ±1000, a spread of 10⁴ and one dominant logit.  Probabilities ``S``
    are softmax outputs of logits with a spread up to 60 (entries down to ~1e-26).  Labels
    ``y`` are drawn on the simplex when ``labels == "simplex"`` and unrestricted (normal)
    otherwise.  With a ``problem`` that has a layer (W, x, b) or a batch (Z, Y), those are
    drawn in its shapes.
    """
    out: dict[str, np.ndarray] = {}
    z = rng.normal(0.0, 3.0, size=(ordinary, n))
    if extreme:
        unit = rng.normal(0.0, 1.0, size=(4, n))
        dominant = unit[3].copy()
        dominant[rng.integers(n)] += 1000.0
        z = np.vstack([z, 1000.0 + unit[0], -1000.0 + unit[1],
                       rng.uniform(-5000.0, 5000.0, size=n), dominant])
    total = z.shape[0]
    if "z" in inputs:
        out["z"] = z
    if "S" in inputs:
        # Ordinary points: moderate probabilities; extreme ones: entries down to ~1e-26.
        scale = np.ones((total, 1))
        scale[ordinary:, 0] = np.linspace(20.0, 60.0, total - ordinary)
        out["S"] = softmax(rng.normal(0.0, 1.0, size=(total, n)) * scale)
    for name in SCALARS.keys() & set(inputs):
        low, high = SCALARS[name]
        out[name] = rng.uniform(low, high, size=total)
    if "y" in inputs:
        out["y"] = (rng.dirichlet(np.ones(n), size=total) if labels == "simplex"
                    else rng.normal(0.0, 1.0, size=(total, n)))
    if problem is not None and problem.convention is not None:
        # The bias carries the logits' spread (extreme points too); W x adds moderate terms.
        d = problem.extent("D")
        shape = (n, d) if problem.convention == "Wx" else (d, n)
        out["W"] = rng.normal(0.0, 1.0, size=(total, *shape))
        out["x"] = rng.normal(0.0, 1.0, size=(total, d))
        out["b"] = z
    if problem is not None and problem.batch:
        rows = problem.extent("m")
        # Every row its own logits: ordinary rows from the same distribution, the extreme
        # points' rows shifted by the extreme offsets.
        noise = rng.normal(0.0, 3.0, size=(total, rows, n))
        out["Z"] = z[:, None, :] + noise * np.where(np.arange(total) < ordinary, 1.0, 0.01)[:, None, None]
        out["Y"] = (rng.dirichlet(np.ones(n), size=(total, rows)) if labels == "simplex"
                    else rng.normal(0.0, 1.0, size=(total, rows, n)))
    return out
