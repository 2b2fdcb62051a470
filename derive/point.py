"""Evaluate a derivation at a point the user gives: ``--at "z=[1, 2, 3]; y=[0, 1, 0]"``.

The point is read by a small grammar of its own (names, ``=``, lists of decimal
numbers, ``;``); nothing the user typed is ever evaluated as code.  Values must be finite
float64 numbers; the value is computed from the textbook form with a numerically stable
softmax and compared with central finite differences at the same point.

>>> from derive.derivation import derivation
>>> e = evaluate(derivation("softmax-cross-entropy-grad", 3), parse_point("z=[0, 0, 0]; y=[1, 0, 0]"))
>>> e.value.round(4).tolist()
[-0.6667, 0.3333, 0.3333]
"""

from __future__ import annotations

import re

import numpy as np

from .check.numeric import (FD_ATOL, FD_RTOL, FD_STEP, SCALARS, entry_arguments,
                            finite_differences, lambdify_entries, layer_logits, logits,
                            reference_for, sigmoid, smoothed_labels, softmax)
from .errors import InputError
from .functions import instantiate
from .record import Evaluation
from .read.parse import GREEK

__all__ = ["MAX_POINT_LENGTH", "parse_point", "Evaluation", "evaluate", "sizes_from_point"]

# Longer than any honest point: the largest N (64 classes × ~25 characters × 2 vectors), or
# a layer's W of 64 × 32 entries of ~10 characters.
MAX_POINT_LENGTH = 40_000
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER_RE = re.compile(_NUMBER, re.ASCII)
# A name: a letter, or a word (a definition's mu, sigma, lambda), or a Greek letter.
_ASSIGNMENT = re.compile(r"\s*([A-Za-z][A-Za-z0-9]{0,15}|[α-ωε])\s*=\s*(.*?)\s*", re.DOTALL)
# Other spellings of a variable's name.
_NAMES = {"ε": "eps", "epsilon": "eps", "σ": "sigma", **{letter: name for letter, name in
                                                      GREEK.items()}}
# Where the label is a class number (1-based, as S_1 … S_N) rather than a vector.
_INTEGER_NAMES = {"c"}


def parse_point(text: str) -> dict[str, np.ndarray | int]:
    """Read ``name=[numbers]`` assignments separated by ``;``.

    Brackets are optional (``z=1,2,3``); ``c`` is an integer class number from 1.

    Raises:
        InputError: for anything else, saying what and where.

    >>> parse_point("z=[1, -2.5e-1]; c=2")
    {'z': array([ 1.  , -0.25]), 'c': 2}
    """
    if not isinstance(text, str):
        raise InputError(f"a point must be text such as 'z=[1, 2, 3]', got {type(text).__name__}")
    if len(text) > MAX_POINT_LENGTH:
        raise InputError(f"point is {len(text)} characters long; the limit is {MAX_POINT_LENGTH}")
    text = text.replace("\u2212", "-")  # the Unicode minus sign people paste from documents
    point: dict[str, np.ndarray | int] = {}
    for part in (p for p in text.split(";") if p.strip()):
        match = _ASSIGNMENT.fullmatch(part)
        if not match:
            raise InputError(f"cannot read {part.strip()!r} in the point: write name=[numbers], "
                             "e.g. 'z=[1, 2, 3]; y=[0, 1, 0]'")
        name, value = match.groups()
        name = _NAMES.get(name, name)
        if name in point:
            raise InputError(f"{name} is given twice in the point")
        point[name] = _integer(name, value) if name in _INTEGER_NAMES else _vector(name, value)
    if not point:
        raise InputError("empty point: give values such as 'z=[1, 2, 3]'")
    return point


def _vector(name: str, value: str) -> np.ndarray:
    """A vector ``[1, 2]`` or a matrix ``[[1, 2], [3, 4]]`` (rows of equal length)."""
    compact = re.sub(r"\s+", "", value)
    if compact.startswith("[["):
        if not compact.endswith("]]"):
            raise InputError(f"{name}: a matrix is written [[1, 2], [3, 4]]: one bracket per "
                             "row inside the outer brackets")
        rows = compact[2:-2].split("],[")
        if any("[" in row or "]" in row for row in rows):
            raise InputError(f"{name}: a matrix is written [[1, 2], [3, 4]] (two levels of "
                             "brackets, rows separated by commas)")
        matrix = [_vector(name, row) for row in rows]
        if len({len(row) for row in matrix}) != 1:
            lengths = ", ".join(str(len(row)) for row in matrix)
            raise InputError(f"{name}: the rows of a matrix must have the same length, got "
                             f"{lengths}")
        return np.array(matrix)
    inner = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    items = [item.strip() for item in inner.split(",")]
    for item in items:
        if not _NUMBER_RE.fullmatch(item):
            shown = item or "an empty entry"
            raise InputError(f"{name}: {shown!r} is not a decimal number "
                             "(write e.g. 1.5, -2, 3e-4; nan and inf are not accepted)")
    numbers = np.array([float(item) for item in items], dtype=np.float64)
    if not np.isfinite(numbers).all():
        raise InputError(f"{name}: a value overflows float64 (largest about 1.8e308)")
    return numbers


def _integer(name: str, value: str) -> int:
    if not re.fullmatch(r"\d{1,6}", value, re.ASCII):
        raise InputError(f"{name} must be a class number 1, 2, …, got {value!r}")
    return int(value)


def evaluate(d, point: dict[str, np.ndarray | int]) -> Evaluation:
    """The derivative of ``d`` (a :class:`~derive.record.Derivation`) at ``point``.

    Raises:
        InputError: a missing, unknown or wrongly sized variable, a class out of range,
            or a point where the function is undefined (``S_j ≤ 0`` under a logarithm).
    """
    if d.symbolic:  # the formula proved for every N, at the N of the point
        d = _instantiated_for(d, point)
    problem, n = d.problem, d.classes
    needed = problem.inputs
    unknown = sorted(set(point) - set(needed))
    missing = [name for name in needed if name not in point]
    if unknown or missing:
        what = (f"unknown variable {', '.join(unknown)}" if unknown
                else f"missing {', '.join(missing)}")
        raise InputError(f"{what} in the point; {d.target.name} needs "
                         f"{', '.join(needed)}, e.g. {example_point(needed, problem)!r}")
    for name in needed:
        if name in _INTEGER_NAMES:
            if not 1 <= point[name] <= n:
                raise InputError(f"{name} = {point[name]} is not a class: it must be 1..{n}")
        elif name in SCALARS:
            if point[name].shape != (1,):
                raise InputError(f"{name} is one number, got {point[name].size}")
            value = point[name][0]
            if name == "T" and not value > 0:
                raise InputError(f"T = {value:g}: the temperature must be positive")
            if name == "eps" and not 0 <= value < 1:
                raise InputError(f"eps = {value:g}: the label smoothing ε must be in [0, 1)")
        elif point[name].shape != problem.size_of(name):
            raise InputError(_shape_error(d, name, point[name].shape))
    if "S" in point and (point["S"] <= 0).any():
        bad = int(np.argmax(point["S"] <= 0)) + 1
        raise InputError(f"S_{bad} = {point['S'][bad - 1]:g}: log S_{bad} in L is undefined; "
                         "the probabilities must be positive")

    with np.errstate(over="ignore", divide="ignore"):
        scaled = np.asarray(point["z"]) / point["T"][0] if "T" in point else None
    if scaled is not None and not np.isfinite(scaled).all():
        raise InputError(f"z/T overflows float64 at T = {point['T'][0]:g}; give a larger T "
                         "or smaller logits")
    if problem.convention is not None:
        with np.errstate(all="ignore"):
            layer = layer_logits({k: np.asarray(point[k], dtype=float)[None]
                                  for k in ("W", "x", "b")}, problem.convention)
        if not np.isfinite(layer).all():
            raise InputError("W x + b overflows float64 at this point (largest about 1.8e308); "
                             "give smaller weights, inputs or biases")
    notes, matrix, general = [], d.matrix, False
    for assumption in d.assumptions:
        if assumption.name == "labels-sum-to-one":
            with np.errstate(over="ignore"):   # y = [1e308, 1e308]: inf, refused below
                total = float(point["y"].sum())
            if abs(total - 1.0) > 1e-9:
                notes.append(f"Σ_k y_k = {total:.6g} ≠ 1 here: the assumption of the textbook "
                             "form does not hold, so the value is that of the general form")
                matrix, general = d.general_matrix, True
        if assumption.name == "rows-sum-to-one":
            with np.errstate(over="ignore"):
                totals = point["Y"].sum(axis=1)
            bad = np.flatnonzero(np.abs(totals - 1.0) > 1e-9)
            if bad.size:
                notes.append(f"row {bad[0] + 1} of Y sums to {totals[bad[0]]:.6g} ≠ 1 here: the "
                             "assumption of the textbook form does not hold, so the value is "
                             "that of the general form")
                matrix, general = d.general_matrix, True

    # Everything as arrays with one point along axis 0, as the numeric module expects.
    values = {name: np.asarray(point[name], dtype=float)[None, :] if name not in SCALARS
              else np.asarray(point[name], dtype=float)
              for name in needed if name not in _INTEGER_NAMES}
    args, arrays = entry_arguments(values, n, convention=problem.convention)
    fixed = dict(problem.parameters)
    f = lambdify_entries([instantiate(e, n).xreplace(fixed) for e in matrix], args)
    with np.errstate(all="ignore"):
        value = f(*arrays).reshape(matrix.rows, matrix.cols)
        fd = finite_differences(reference_for(d.target, problem), values, str(problem.wrt),
                                relative=str(problem.wrt) == "S")[0]
    if not np.isfinite(value).all():   # a finite point whose derivative overflows float64
        raise InputError("at this point the derivative is not finite in float64 (labels or "
                         "inputs near 1e308, or a probability near 0 under a logarithm); "
                         "give smaller values")
    if problem.output_index is None and len(problem.wrt_indices) == 2:
        # ∂L/∂W has the shape of W (∂L/∂Z of Z): entries are row by row.
        value, fd = value.reshape(problem.size_of(str(problem.wrt))), \
            fd.reshape(problem.size_of(str(problem.wrt)))
    if problem.output_index is not None and not problem.name.has(problem.output_index):
        row = point[str(problem.output_index)] - 1  # a family of scalars: the given label
        value, fd = value[row], fd[row]
    elif problem.output_index is None and len(problem.wrt_indices) == 1:
        # a gradient by a vector is that vector's shape; a Jacobian and a gradient by a
        # matrix keep their size-1 dimensions (a batch of one is 1 × N, N = 1 is 1 × 1)
        value, fd = value[0], fd[0]
    value, fd = value + 0.0, fd + 0.0  # no −0.0 in what people read
    error = float(np.max(np.abs(value - fd)))
    scale = np.maximum(np.abs(value), np.abs(fd))
    agrees = bool(np.isfinite(value).all()
                  and (np.abs(value - fd) <= FD_ATOL + FD_RTOL * scale).all())
    largest = max(float(np.max(np.abs(v))) for k, v in values.items() if k not in SCALARS)
    if not agrees and np.isfinite(value).all() and (
            largest * np.finfo(float).eps > FD_STEP or not np.isfinite(fd).all()):
        # A step of 1e-5 is lost in rounding next to inputs this large (or a 0·∞ of the
        # float64 reference): finite differences cannot judge this point.
        notes.append(f"inputs up to {largest:.3g}: a finite-difference step of {FD_STEP:g} "
                     "is lost in float64 rounding here, so the finite differences are not a "
                     "check at this point")
        agrees, compared = True, False
    else:
        compared = True
    shown = {k: float(v[0]) if k in SCALARS else v for k, v in point.items()}
    if "z" in point and problem.sigmoid_of is not None:
        shown["σ(z)"] = sigmoid(point["z"])
    elif "z" in point:
        shown["S"] = softmax(logits(values))[0]
    elif problem.convention is not None:
        shown["S"] = softmax(layer_logits(values, problem.convention))[0]
    elif problem.batch:
        shown["S"] = softmax(values["Z"])[0]
    if "eps" in point:
        shown["q"] = smoothed_labels(values)[0]
    return Evaluation(shown, value, general, tuple(notes), fd, error, agrees, compared)


def _shape_error(d, name: str, shape: tuple[int, ...]) -> str:
    """What is wrong with the shape of ``name``, in the words of the target's sizes."""
    problem = d.problem
    words = {"N": f"N = {d.classes} {d.target.unit}",
             **{size: f"{size} = {value} {'inputs' if size == 'D' else 'examples'}"
                for size, value in problem.sizes}}
    expected = problem.size_of(name)
    given = (f"is {' × '.join(map(str, shape))}" if len(shape) > 1
             else f"has {shape[0] if shape else 1} entries")
    wanted = (f"a {' × '.join(map(str, expected))} {name}" if len(expected) > 1
              else f"{expected[0]} entries")
    extents = " and ".join(dict.fromkeys(words[e] for e in problem.shape(name)))
    message = f"{name} {given}, but {extents} need {wanted}"
    if name == "W" and len(shape) == 2 and shape == expected[::-1]:
        other = "WTx (z = Wᵀ x + b, W of shape D × N)" if problem.convention == "Wx" \
            else "Wx (z = W x + b, W of shape N × D)"
        message += f"; this W is transposed: for it, give --convention {other}"
    elif name == "W":
        message += " (D is the number of inputs: the length of x, or --inputs)"
    elif name == "x":
        message += " (--inputs D)"
    elif name in ("Z", "Y"):
        message += " (m is the number of rows: of Z, or --batch)"
    return message


def sizes_from_point(target, point: dict, convention: str | None = None) -> dict[str, int]:
    """The number of classes, inputs and examples that a point's shapes imply, for the
    options not given: N from b, y or z, D from x, m from the rows of Z.

    >>> from derive.catalog import get_target
    >>> sizes_from_point(get_target("linear-softmax-cross-entropy-grad"),
    ...                  parse_point("W=[[1, 2], [3, 4], [5, 6]]; x=[1, 0]; b=[0, 0, 0]; y=[1, 0, 0]"))
    {'classes': 3, 'inputs': 2}
    """
    out: dict[str, int] = {}
    for name in ("b", "y", "z", "S"):
        if name in point and hasattr(point[name], "shape") and point[name].ndim == 1:
            out["classes"] = point[name].size
            break
    if "inputs" in target.options and "x" in point and point["x"].ndim == 1:
        out["inputs"] = point["x"].size
    if "batch" in target.options:
        for name in ("Z", "Y"):
            if name in point and point[name].ndim == 2:
                out["batch"], out["classes"] = point[name].shape
                break
    return out


def _instantiated_for(d, point):
    from .derivation import instantiate_derivation
    from .sizes import MAX_CLASSES
    sizes = {v.size for name, v in point.items() if hasattr(v, "size") and name not in SCALARS}
    if len(sizes) != 1:
        raise InputError("the vectors in the point have different lengths"
                         if sizes else "the point gives no vector, so no number of classes")
    (n,) = sizes
    if not 1 <= n <= MAX_CLASSES:
        raise InputError(f"the point has {n} classes; at most {MAX_CLASSES} are evaluated")
    # The value only: SymPy's diff of every entry (the cross-check of a derivation) is
    # not needed for it, and takes seconds at N = 64.
    return instantiate_derivation(d, n, mechanical=False)


def example_point(names, problem) -> str:
    """A point to evaluate ``problem`` at, for the variables ``names``, as ``--at`` takes
    it: one-hot labels, uniform probabilities, logits 0.5."""
    n = problem.classes

    def row(values) -> str:
        return "[" + ", ".join(values) + "]"

    def sample(name: str) -> str:
        if name == "c":
            return "1"
        if name in ("T", "eps"):
            return {"T": "2", "eps": "0.1"}[name]
        shape = problem.size_of(name)
        if name in ("y", "Y"):   # one-hot rows
            line = row(["1"] + ["0"] * (shape[-1] - 1))
        elif name == "S":
            line = row([f"{1 / n:.3g}"] * n)
        else:
            line = row(["0.5"] * shape[-1])
        return line if len(shape) == 1 else row([line] * shape[0])

    return "; ".join(f"{name}={sample(name)}" for name in names)
