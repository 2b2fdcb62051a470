"""Numeric cross-checks at scale: index-form results as NumPy functions of whole arrays.

The per-entry check (:mod:`derive.check.crosscheck`) writes out all N² entries of a concrete
result and perturbs every coordinate: fine at N ≤ 64, impossible at N = 10⁴.  Here the
symbolic-N result itself, e.g. ``(δ_ij − S_j) S_i`` or ``S_j − y_j``, becomes one NumPy
function of arrays of shape (points, N): ``S[i]`` is the array ``S`` laid along the axis of
``i``, ``KroneckerDelta(i, j)`` an identity laid along the axes of ``i`` and ``j``, a full
sum ``Σ_k`` a sum over the axis of ``k``.  The check compares ``J v`` with directional
central differences ``(f(x + h v) − f(x − h v))/2h`` of the stable float64 reference, for
a random direction v at each point (:data:`DIRECTIONS` per point, a different one at every
point), all points at once: no Python loop per point or per entry, only over chunks of
about :data:`CHUNK_ENTRIES` entries that fit a cache.

The derived result of a target at any N is compiled and checked this way by
:mod:`derive.at_scale`:

>>> from derive.functions import S, j, y
>>> report = check_forms(S[j] - y[j], None, "softmax-cross-entropy-grad", 1000, points=20)
>>> report.passed, report.points, report.extreme_points, report.sizes
(True, 20, 4, (1000,))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from ..errors import InputError
from ..functions import SCALAR_SYMBOLS, sigmoid
from .numeric import (FD_ATOL, FD_RTOL, FD_STEP, CheckReport, Comparison, compare, layer_logits,
                      logits, reference_for, sample_points, smoothed_labels, softmax)

__all__ = ["IndexFunction", "index_function", "check_expression", "check_forms", "directional", "chunk_size", "DIRECTIONS", "EXTREME_POINTS",
           "CHUNK_ENTRIES"]

# Random unit directions per point, a different one at every point: a wrong formula passes
# only if its error is orthogonal to the direction at every point.  Each direction costs
# two evaluations of the reference, which dominate the check of a gradient: at N = 10⁴
# over 1,000 points a second direction takes the cross-entropy check from about 0.65 s to
# 1 s of CPU on a shared 2-core machine (bench/numeric.py measures both).
DIRECTIONS = 1

# The extreme points that numeric.sample_points adds (±1000 offsets, a spread of 10⁴, one
# dominant logit): the stable path of the result (max-subtraction) is exercised there.
EXTREME_POINTS = 4

# Points are processed in chunks of about this many grid entries (points × the extents of
# every index), so that each float64 temporary is about 2 MB and stays in cache: about
# twice as fast at N = 10⁴ as whole 80 MB arrays, and twice as fast for a 512 × 512
# Jacobian as chunks of 4 points (measured).  A point larger than that is a chunk alone.
CHUNK_ENTRIES = 1 << 18

# Functions a result may apply.  Only these names reach generated code, and every symbol
# is replaced by a Dummy first: lambdify writes code from names, and a crafted one would run.
_FUNCTIONS = (sp.exp, sp.log, sigmoid)

_PRINTER = NumPyPrinter({"fully_qualified_modules": True})


@dataclass(frozen=True, eq=False)
class IndexFunction:
    """A result in index form, compiled to NumPy: ``f(values)`` evaluates it at all points.

    Attributes:
        expr: the index-form expression, sizes substituted (``Σ_{k=1}^{N}`` with N a number).
        indices: its free indices in output order (the problem's: output, then variable).
        shape: the extents of ``indices``, e.g. ``(N, N)`` for a Jacobian.
        rows, cols: the matrix layout of :func:`derive.check.crosscheck.evaluate_matrix`
            (outputs × the variable's entries, row by row).
        entries_per_point: the largest grid the evaluation broadcasts over, per point.
    """

    expr: sp.Expr
    indices: tuple[sp.Symbol, ...]
    shape: tuple[int, ...]
    rows: int
    cols: int
    entries_per_point: int
    _grid: int = field(repr=False)
    _families: tuple[str, ...] = field(repr=False)
    _problem: object = field(repr=False)
    _evaluate: Callable[[dict], np.ndarray] = field(repr=False)

    def __call__(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """The result at every point: shape (points, *shape).

        ``values`` are the problem's inputs (``z``, ``y``, ``W`` …, points along axis 0,
        as :func:`derive.check.numeric.sample_points` draws them); ``S`` is the stable softmax of
        the logits and ``q`` the smoothed labels, computed here.
        """
        context = {name: _family(name, values, self._problem) for name in self._families}
        points = len(next(iter(values.values())))
        with np.errstate(all="ignore"):   # non-finite values are caught by compare()
            out = np.asarray(self._evaluate(context), dtype=float)
        fresh = out.flags.owndata and out.flags.writeable   # not an input, not a constant
        out = out.reshape((1,) * (self._grid - out.ndim) + out.shape)
        # Sums leave their axes at size one; free indices the result does not mention
        # (i in δ_ij − S_j has one) are broadcast to their extent.
        out = out.reshape(out.shape[:1 + len(self.shape)])
        if fresh and out.shape == (points, *self.shape):
            return out
        return np.broadcast_to(out, (points, *self.shape)).copy()

    def matrix(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """The result laid out like :func:`derive.check.crosscheck.evaluate_matrix`:
        shape (points, rows, cols)."""
        out = self(values)
        return out.reshape(out.shape[0], self.rows, self.cols)


def _count_sums(expr: sp.Expr) -> int:
    return sum(len(e.limits) for e in sp.preorder_traversal(expr) if isinstance(e, sp.Sum))


@lru_cache(maxsize=64)  # a pure compilation: one function per (expression, problem)
def index_function(expr: sp.Expr, problem) -> IndexFunction:
    """Compile a result in index form into a NumPy function of arrays of points.

    Args:
        expr: the result with concrete sizes, e.g. ``(KroneckerDelta(i, j) - S[j])*S[i]``
            or ``Sum(W[k, j]*(S[k] - y[k]), (k, 1, 5))``.  Free indices are the
            problem's (``problem.indices``); every other index is bound by a full sum.
        problem: the concrete problem (:meth:`derive.catalog.Target.build`), which
            gives the extents, the shapes of the families, the values of parameters
            (the batch size ``m``) and what ``S`` stands for.

    Returns:
        An :class:`IndexFunction`, cached per (expression, problem).

    Raises:
        InputError: a form outside what is supported (families indexed by an expression
            or diagonally, sums over partial ranges, unknown symbols or functions), with
            the offending part quoted.

    >>> from derive.catalog import get_target
    >>> from derive.functions import S, i, j
    >>> problem = get_target("softmax-jacobian").problem(2)
    >>> f = index_function(S[i]*(sp.KroneckerDelta(i, j) - S[j]), problem)
    >>> f({"z": np.array([[0.0, 0.0]])})
    array([[[ 0.25, -0.25],
            [-0.25,  0.25]]])
    """
    expr = sp.sympify(expr).xreplace(dict(problem.parameters))   # the batch size m
    free = tuple(problem.indices)
    extents = [0] + [int(problem.extent(problem.range_of(a))) for a in free]
    sums = _count_sums(expr)
    grid = _Grid(problem, extents + [1] * sums, set())
    slots = iter(range(len(extents), len(extents) + sums))   # one axis per bound index
    evaluate = grid.compile(expr, {a: 1 + n for n, a in enumerate(free)}, slots)
    output = () if problem.output_index is None else (problem.output_index,)
    shape = tuple(extents[1:])
    rows = math.prod(problem.extent(problem.range_of(a)) for a in output)
    return IndexFunction(
        expr=expr, indices=free, shape=shape, rows=int(rows),
        cols=int(math.prod(shape) // rows), entries_per_point=math.prod(grid.extents[1:]),
        _grid=len(grid.extents), _families=tuple(sorted(grid.families)), _problem=problem,
        _evaluate=evaluate)


class _Grid:
    """The broadcast grid: axis 0 the points, then one axis per free index, then one per
    bound index of a sum.  Compiles sub-expressions into functions of the families."""

    def __init__(self, problem, extents: list[int], families: set[str]):
        self.problem, self.extents, self.families = problem, extents, families

    def compile(self, expr: sp.Expr, axes: dict, slots) -> Callable[[dict], np.ndarray]:
        leaves: dict[sp.Expr, tuple[sp.Dummy, Callable]] = {}

        def swap(e: sp.Expr) -> sp.Expr:
            if e in leaves:
                return leaves[e][0]
            if isinstance(e, sp.Indexed):
                provider = self._indexed(e, axes)
            elif isinstance(e, sp.KroneckerDelta):
                provider = self._delta(e, axes)
            elif isinstance(e, sp.Sum):
                provider = self._sum(e, axes, slots)
            elif e.is_Number or e in (sp.pi, sp.E):
                return e
            elif isinstance(e, sp.Symbol):
                provider = self._scalar(e)
            elif isinstance(e, (sp.Add, sp.Mul, sp.Pow, *_FUNCTIONS)):
                return e.func(*map(swap, e.args))
            else:
                raise InputError(f"cannot evaluate {e} in {expr} at scale: supported are "
                                 "families indexed by indices, KroneckerDelta, full sums, "
                                 "+ − × /, powers, exp, log and σ")
            dummy = sp.Dummy()
            leaves[e] = (dummy, provider)
            return dummy

        body = swap(sp.sympify(expr))
        dummies = [d for d, _ in leaves.values()]
        providers = [p for _, p in leaves.values()]
        # Generated code says numpy.exp …; {"numpy": np} spares `from numpy import *`.
        f = sp.lambdify(dummies, body, modules=[{"numpy": np}], cse=True, printer=_PRINTER)
        return lambda context: f(*(p(context) for p in providers))

    def _axis(self, index, e: sp.Expr, axes: dict) -> int:
        if index not in axes:
            raise InputError(f"cannot evaluate {e} at scale: its index {index} is neither a "
                             f"free index ({', '.join(map(str, axes)) or 'none'}) nor bound "
                             "by a sum")
        return axes[index]

    def _indexed(self, e: sp.Indexed, axes: dict) -> Callable:
        name = str(e.base)
        known = _families_of(self.problem)
        if name not in known:
            raise InputError(f"cannot evaluate {e} at scale: unknown family {name}; known: "
                             + ", ".join(sorted(known)))
        shape = self.problem.size_of(name)
        if len(e.indices) != len(shape):
            raise InputError(f"{e} has {len(e.indices)} indices; {name} has {len(shape)}")
        positions = [self._axis(a, e, axes) for a in e.indices]
        if len(set(positions)) != len(positions):
            raise InputError(f"cannot evaluate {e} at scale: a diagonal (repeated index)")
        for position, size, index in zip(positions, shape, e.indices):
            if self.extents[position] != size:
                raise InputError(f"in {e}, the index {index} runs over "
                                 f"1..{self.extents[position]} but that position of {name} "
                                 f"over 1..{size}")
        self.families.add(name)
        order = sorted(range(len(positions)), key=positions.__getitem__)
        permutation = (0, *(1 + d for d in order))
        missing = tuple(a for a in range(1, len(self.extents)) if a not in positions)
        return lambda context: np.expand_dims(context[name].transpose(permutation), missing)

    def _delta(self, e: sp.KroneckerDelta, axes: dict) -> Callable:
        a, b = (self._axis(x, e, axes) for x in e.args)
        if self.extents[a] != self.extents[b]:
            raise InputError(f"cannot evaluate {e} at scale: its indices run over different "
                             "ranges")
        shape = [1] * len(self.extents)
        shape[a] = shape[b] = self.extents[a]
        eye = np.eye(self.extents[a]).reshape(shape)   # symmetric: the order of a, b is free
        eye.flags.writeable = False   # shared by every call: __call__ never hands it out
        return lambda context: eye

    def _sum(self, e: sp.Sum, axes: dict, slots) -> Callable:
        if len(e.limits) > 1:   # the first limit is the innermost sum
            inner = sp.Sum(e.function, e.limits[0])
            return self._sum(sp.Sum(inner, *e.limits[1:]), axes, slots)
        index, low, high = e.limits[0]
        if low != 1 or not high.is_Integer or high < 1:
            raise InputError(f"cannot evaluate {e} at scale: only full sums over 1..n with a "
                             "concrete n")
        slot = next(slots)
        self.extents[slot] = int(high)
        body = self.compile(e.function, {**axes, index: slot}, slots)
        size, grid = int(high), len(self.extents)

        def total(context: dict) -> np.ndarray:
            r = np.asarray(body(context), dtype=float)
            r = r.reshape((1,) * (grid - r.ndim) + r.shape)
            # A summand that does not depend on the index has size one along its axis.
            return r.sum(axis=slot, keepdims=True) if r.shape[slot] > 1 else r * size

        return total

    def _scalar(self, e: sp.Symbol) -> Callable:
        name = next((key for key, s in SCALAR_SYMBOLS.items() if s == e), None)
        if name is None or name not in self.problem.inputs:
            scalars = [n for n in SCALAR_SYMBOLS if n in self.problem.inputs]
            raise InputError(f"cannot evaluate the symbol {e} at scale: a free symbol must be "
                             f"one of the problem's scalar inputs ({', '.join(scalars) or 'none'})")
        self.families.add(name)
        shape = (-1,) + (1,) * (len(self.extents) - 1)
        return lambda context: context[name].reshape(shape)


def _families_of(problem) -> set[str]:
    """The families a result of ``problem`` may use: its inputs, ``S`` when it stands for
    a softmax (or is an input), ``q`` when labels are smoothed."""
    known = {name for name in problem.inputs if name not in SCALAR_SYMBOLS and name != "c"}
    if problem.softmax_of is not None or problem.convention is not None or problem.batch:
        known.add("S")
    if problem.smoothing is not None:
        known.add("q")
    return known


def _family(name: str, values: Mapping[str, np.ndarray], problem) -> np.ndarray:
    """The array of one family at the points; ``S`` is a stable softmax of the logits
    (of ``W x + b`` for a layer, of each row of ``Z`` for a batch)."""
    if name == "S" and "S" not in values:
        if problem.convention is not None:
            return softmax(layer_logits(values, problem.convention))
        return softmax(values["Z"] if problem.batch else logits(values))
    if name == "q":
        return smoothed_labels(values)
    return values[name]


def check_classes(target, n) -> None:
    # No upper bound: the arrays, not the derivation, grow with N (chunks bound them).
    if isinstance(n, bool) or not isinstance(n, int) or n < target.min_classes:
        raise InputError(f"number of classes must be an integer of at least "
                         f"{target.min_classes}, got {n!r}")


def check_expression(expr: sp.Expr, target: str, n: int, points: int = 100, seed: int = 0,
                     directions: int = DIRECTIONS, labels: str | None = None,
                     name: str = "result", **options) -> CheckReport:
    """Check an index-form expression for ``target`` at ``n`` classes by directional
    finite differences of the stable reference, at seeded random points.

    Args:
        expr: the claimed result in index form, sizes as numbers (see :func:`instance`).
        target, n, options: the target, its number of classes and options.
        points: how many points in all; the last :data:`EXTREME_POINTS` have extreme logits.
        seed: the seed of the points and the directions.
        directions: random unit directions v per point (a different set at every point);
            ``J v`` (``g·v`` for a gradient) is compared with ``(f(x + h v) − f(x − h v))/2h``.
            Random signs ``±1/√n`` can cancel an error exactly (an error ``c·1`` when the
            signs balance, chance about ``1/√n`` per direction): over many points, or with
            more directions, that chance vanishes.
        labels: ``"simplex"`` or ``"free"``; by default on the simplex when the target
            assumes ``Σ y = 1``.
        name: what the expression is, for the report.

    Returns:
        A :class:`derive.check.numeric.CheckReport` with one comparison, at N = n.

    Raises:
        InputError: fewer than 5 points, or a form :func:`index_function` cannot evaluate.

    >>> from derive.functions import S, y, j
    >>> check_expression(2*S[j] - y[j], "softmax-cross-entropy-grad", 50, points=10).passed
    False
    """
    from ..catalog import get_target
    found = get_target(target)
    check_classes(found, n)
    if labels not in (None, "simplex", "free"):
        raise InputError(f"labels are 'simplex' or 'free', got {labels!r}")
    problem = found.build(n, **{k: v for k, v in options.items() if v is not None})
    f = index_function(expr, problem)
    if points <= EXTREME_POINTS:
        raise InputError(f"give more than {EXTREME_POINTS} points (the last {EXTREME_POINTS} "
                         f"have extreme logits), got {points}")
    if directions < 1:
        raise InputError(f"give at least one direction, got {directions}")
    labels = labels or ("simplex" if problem.assumptions else "free")
    rng = np.random.default_rng(seed)

    def draw(count: int, extreme: bool) -> dict[str, np.ndarray]:
        return sample_points(problem.inputs, n, rng, count, extreme=extreme, labels=labels,
                             problem=problem)

    small = f.cols * f.rows <= 64   # small enough to print the worst point's inputs
    analytic, numeric, drawn, noise = directional(f, reference_for(found, problem), draw,
                                                  points, str(problem.wrt), rng, directions,
                                                  keep=small)
    where = {"point": np.arange(1, points + 1),   # 1-based, as entries are
             "extreme": np.arange(points) >= points - EXTREME_POINTS}
    if small:
        where |= {key: np.concatenate([v[key] for v in drawn]) for key in drawn[0]}
    kind = "relative " if str(problem.wrt) == "S" else ""
    comparison = compare(f"{name} · v vs central differences along v ({directions} random "
                         f"unit {kind}directions per point; entry = (output, direction))",
                         analytic, numeric, where, FD_RTOL, FD_ATOL + noise)
    return CheckReport((comparison,), seed, points, EXTREME_POINTS, (n,))


def chunk_size(f: IndexFunction) -> int:
    """Points per chunk: about :data:`CHUNK_ENTRIES` grid entries, at least one point.

    >>> from derive.catalog import get_target
    >>> from derive.functions import S, i, j, y
    >>> gradient = get_target("softmax-cross-entropy-grad").problem(10_000)
    >>> chunk_size(index_function(S[j] - y[j], gradient))
    26
    >>> jacobian = get_target("softmax-jacobian").problem(512)
    >>> chunk_size(index_function(S[i] * (sp.KroneckerDelta(i, j) - S[j]), jacobian))
    1
    """
    return max(1, CHUNK_ENTRIES // max(f.entries_per_point, 1))


def directional(f: IndexFunction, reference: Callable,
                draw: Callable[[int, bool], dict[str, np.ndarray]], points: int, wrt: str,
                rng: np.random.Generator, directions: int = DIRECTIONS,
                keep: bool = False) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """``J v`` and central differences of ``reference`` along v, at every point.

    The points are drawn chunk by chunk (``draw(count, extreme)``, ordinary points
    first, then the :data:`EXTREME_POINTS`), so that no array of all the points exists:
    at N = 10⁴ each would be 80 MB, and drawing into the cache is faster.

    The directions are random unit vectors, drawn for each point: random signs
    ``±1/√n`` (scaled entrywise by |x| when the variable is a probability S, which may be
    tiny), cheap to draw from random bits where normal deviates would cost as much as
    the rest of the check at N = 10⁴.  The analytic side uses the displacement that
    float64 actually realised, ``(x + h v) − (x − h v)``: at logits near 10⁴ it differs
    from ``2 h v`` in the sixth digit.

    Returns:
        ``J v`` and the differences, two arrays of shape (points, rows, directions), the
        points drawn (chunk by chunk) when ``keep``, and the rounding error of each
        difference: a function of size |f| loses about ε|f| in each evaluation, so its
        central difference carries ≈ 2ε|f|/2h — at logits of ±1000 summed over 512
        outputs, |f| ≈ 10⁵ and that is 10⁻⁵, beyond a fixed tolerance.
    """
    analytic = np.empty((points, f.rows, directions))
    numeric = np.empty_like(analytic)
    noise = np.empty_like(analytic)
    epsilon = np.finfo(np.float64).eps
    chunk, ordinary = chunk_size(f), points - EXTREME_POINTS
    batches = [(start, min(chunk, ordinary - start), False)
               for start in range(0, ordinary, chunk)] + [(ordinary, 0, True)]
    drawn = []
    with np.errstate(all="ignore"):   # non-finite values are caught by compare()
        for start, count, extreme in batches:   # a loop over chunks, not over points
            part = draw(count, extreme)
            if keep:
                drawn.append(part)
            here = part[wrt]
            rows = slice(start, start + len(here))
            flat = here.reshape(len(here), 1, -1)
            jacobian = f.matrix(part)
            # The steps h v, one row per direction.
            if wrt == "S":
                steps = _signs(rng, (len(here), directions, flat.shape[-1]), 1.0)
                steps *= np.abs(flat)
                steps *= FD_STEP / np.sqrt(np.einsum("pdc,pdc->pd", steps, steps))[:, :, None]
            else:   # signs: every norm is √n
                steps = _signs(rng, (len(here), directions, flat.shape[-1]),
                               FD_STEP / math.sqrt(flat.shape[-1]))
            for d in range(directions):
                step = steps[:, d].reshape(here.shape)
                plus, minus = here + step, here - step
                realised = (plus - minus).reshape(len(here), -1, 1)
                analytic[rows, :, d] = (jacobian @ realised)[:, :, 0] / (2 * FD_STEP)
                upper, lower = reference({**part, wrt: plus}), reference({**part, wrt: minus})
                numeric[rows, :, d] = (upper - lower).reshape(len(here), -1) / (2 * FD_STEP)
                size = (np.abs(upper) + np.abs(lower)).reshape(len(here), -1)
                noise[rows, :, d] = 4 * epsilon * size / (2 * FD_STEP)
    return analytic, numeric, drawn, noise


def _signs(rng: np.random.Generator, shape: tuple[int, ...], scale: float) -> np.ndarray:
    """Random ±scale of ``shape``, eight signs per random byte."""
    bits = rng.integers(0, 256, size=(*shape[:-1], -(-shape[-1] // 8)), dtype=np.uint8)
    return np.where(np.unpackbits(bits, axis=-1, count=shape[-1]), scale, -scale)


def check_forms(result: sp.Expr, general: sp.Expr | None, target: str, n: int,
                points: int = 100, seed: int = 0, directions: int = DIRECTIONS,
                **options) -> CheckReport:
    """The numeric cross-check of a derived ``result`` (and its ``general`` form, before
    the target's assumptions, when it has one) at ``n`` classes, vectorised: each form at
    ``points`` seeded random points (the last :data:`EXTREME_POINTS` with extreme logits;
    labels on the simplex for the result when it assumes ``Σ y = 1``, anywhere for the
    general form) against directional central differences of the stable float64
    reference (:func:`check_expression`).

    Args:
        result, general: the index forms with their sizes as numbers.
        target, n, options: the target, its number of classes and options.
        points, seed, directions: as in :func:`check_expression`.

    Returns:
        A :class:`derive.check.numeric.CheckReport` at N = n.

    >>> from derive.functions import S, j, y
    >>> check_forms(S[j] - y[j], None, "softmax-cross-entropy-grad", 1000, points=20).passed
    True
    """
    report = check_expression(result, target, n, points, seed, directions, name="result",
                              **options)
    if general is None:
        return report
    other = check_expression(general, target, n, points, seed + 1, directions, labels="free",
                             name="general form", **options)
    both: tuple[Comparison, ...] = report.comparisons + other.comparisons
    return CheckReport(both, seed, 2 * points, 2 * EXTREME_POINTS, (n,))
