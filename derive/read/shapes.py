"""Values with a shape: a scalar, a column, a row or a matrix, each kept entry-wise in index
notation (a vector or matrix in two placeholder indices, row and column), and the algebra
that keeps shapes honest — a sum of two shapes must agree, a product of a matrix and a
column is the matrix product, ``S Sᵀ`` the outer product and ``Sᵀ y`` the inner one.

>>> from derive.functions import S, y
>>> column = Value(S[ROW], "column")
>>> row = transpose(column)
>>> row.shape, row.expr
('row', S[_C])
"""

from __future__ import annotations


from dataclasses import dataclass

import sympy as sp

from ..conditions import bind
from ..errors import InputError
from ..functions import convention_hint

__all__ = ["Value", "ShapeError", "ROW", "COLUMN", "INNER", "transpose", "multiply", "matmul",
           "kron", "hadamard", "same_shape", "index_letters"]

# Placeholder indices of vector and matrix values: row R and column C; the inner column P
# of a Kronecker product A ⊗ bᵀ, whose columns are pairs (C, P) taken row by row.
ROW = sp.Symbol("_R", integer=True, positive=True)
COLUMN = sp.Symbol("_C", integer=True, positive=True)
INNER = sp.Symbol("_P", integer=True, positive=True)
PLACEHOLDERS = (ROW, COLUMN, INNER)


class ShapeError(InputError):
    """A claim of the wrong shape: a vector given for a Jacobian, or the reverse."""


@dataclass(frozen=True)
class Value:
    expr: sp.Expr
    shape: str  # scalar | column | row | matrix
    rows: str = "N"   # the extent of the rows (a column's entries): N classes, D inputs, m
    cols: str = "N"   # the extent of the columns (a row's entries)
    conditions: tuple = ()   # divisors, logarithms and roots as written (derive.conditions)
    inner: str = ""   # A ⊗ bᵀ: the extent of b, each column a pair (C, P)


def joint_conditions(*values: Value, extra=()) -> tuple:
    """The conditions of the operands, and ``extra``: the value they make needs them all."""
    return tuple(dict.fromkeys([*(c for v in values for c in v.conditions),
                                *(c for c in extra if c is not None)]))


def mapped(conditions, mapping: dict) -> tuple:
    """Conditions with the placeholders renamed as their value's expression is."""
    return tuple(c.xreplace(mapping) for c in conditions)


def dims(v: Value) -> str:
    """``a vector of D entries``, ``an N × D matrix``: a value's shape in words."""
    if v.shape == "column":
        return f"a column of {v.rows}"
    if v.shape == "row":
        return f"a row of {v.cols}"
    if v.shape == "matrix" and v.inner:
        return f"an {v.rows} × {v.cols}·{v.inner} matrix"
    if v.shape == "matrix":
        return f"an {v.rows} × {v.cols} matrix"
    return "a scalar"


def whole(v: Value, what: str) -> None:
    """A Kronecker product is read as a whole claim, or scaled and summed: not transposed or
    multiplied as a matrix."""
    if v.inner:
        raise InputError(f"a Kronecker product A ⊗ bᵀ is read as the whole claim (or scaled, "
                         f"added to another); derive does not take its {what}")


def transpose(v: Value) -> Value:
    whole(v, "transpose")
    swapped = v.expr.xreplace({ROW: COLUMN, COLUMN: ROW})
    shape = {"column": "row", "row": "column"}.get(v.shape, v.shape)
    return Value(swapped, shape, v.cols, v.rows, mapped(v.conditions, {ROW: COLUMN, COLUMN: ROW}))


def length(v: Value) -> str:
    """The extent of a vector's entries."""
    return v.rows if v.shape == "column" else v.cols


def is_index(expr) -> bool:
    return bool(expr.is_Integer) or (isinstance(expr, sp.Symbol) and expr.is_integer
                                     and expr not in PLACEHOLDERS)


def index_letters(expr: sp.Expr) -> set:
    """The free index letters of an index-form expression (not N, not the placeholders)."""
    return {s for s in expr.free_symbols if isinstance(s, sp.Symbol) and s.is_integer
            and s not in PLACEHOLDERS and len(s.name) == 1 and s.name.islower()}


def same_shape(a: Value, b: Value, op: str, bound=()) -> Value:
    """The shape of ``a op b`` (elementwise), as a value with no expression."""
    no_mixing(a, b, bound)
    if a.shape == "scalar":
        return Value(sp.Integer(0), b.shape, b.rows, b.cols, inner=b.inner)
    if b.shape == "scalar":
        return Value(sp.Integer(0), a.shape, a.rows, a.cols, inner=a.inner)
    if a.shape == b.shape:
        if (a.shape in ("column", "matrix") and a.rows != b.rows) or (
                a.shape in ("row", "matrix") and a.cols != b.cols) or a.inner != b.inner:
            raise ShapeError(f"cannot combine {dims(a)} and {dims(b)} with {op}")
        return Value(sp.Integer(0), a.shape, a.rows, a.cols, inner=a.inner)
    raise InputError(f"cannot combine a {a.shape} and a {b.shape} with {op}")


def no_mixing(a: Value, b: Value, bound=()) -> None:
    """``S − y_j`` mixes a whole vector with one entry: refused, not guessed.  A letter
    bound by an enclosing sum is fine: in ``Σ_k y_k S`` the entry y_k is summed away."""
    for vector, scalar in ((a, b), (b, a)):
        free = index_letters(scalar.expr) - set(bound)
        if vector.shape != "scalar" and scalar.shape == "scalar" and free:
            letters = ", ".join(sorted(x.name for x in free))
            raise InputError(f"the claim mixes vector notation with an indexed entry (index "
                             f"{letters}); write S − y or S_j − y_j")


def multiply(reader, a: Value, b: Value) -> Value:
    """Products as people write them: column·row is outer, row·column inner, a matrix
    times a column the matrix product, equal shapes elementwise."""
    no_mixing(a, b, reader.numbers())
    if a.shape == "scalar" or b.shape == "scalar" or a.shape == b.shape:
        return hadamard(reader, a, b)
    if a.shape == "column" and b.shape == "row":
        return Value(a.expr * b.expr, "matrix", a.rows, b.cols, joint_conditions(a, b))
    return matmul(reader, a, b)


def hadamard(reader, a: Value, b: Value) -> Value:
    """``a ⊙ b``: entry by entry, of two values of one shape (or a scalar times a value)."""
    shape = same_shape(a, b, "⊙", reader.numbers())
    return Value(a.expr * b.expr, shape.shape, shape.rows, shape.cols, joint_conditions(a, b),
                 shape.inner)


def kron(reader, a: Value, b: Value) -> Value:
    """``A ⊗ bᵀ``: the Kronecker product of a matrix (or a column) and a row, whose column
    (c, p) is column c of A times entry p of the row — the layout of a Jacobian by a matrix
    taken row by row.  A column and a row give their outer product; a scalar scales."""
    if a.shape == "scalar" or b.shape == "scalar":
        return hadamard(reader, a, b)
    if a.inner or b.inner:
        raise InputError("a Kronecker product of a Kronecker product is not read: write "
                         "A ⊗ bᵀ once, with A a matrix (S (Sᵀ ⊗ xᵀ) is (S Sᵀ) ⊗ xᵀ)")
    if a.shape == "column" and b.shape == "row":
        return multiply(reader, a, b)   # a ⊗ bᵀ = a bᵀ
    if a.shape == "row" and b.shape == "column":
        return multiply(reader, b, a)   # aᵀ ⊗ b = b aᵀ
    if a.shape == "matrix" and b.shape == "column":
        raise ShapeError(f"A ⊗ b of a matrix and a column b has {a.rows}·{b.rows} rows "
                         "(the transposed layout): derive's Jacobian by a matrix has the "
                         "outputs as rows and the matrix's entries, row by row, as columns: "
                         "A ⊗ bᵀ, such as (diag(S) − S Sᵀ) ⊗ xᵀ")
    if a.shape == "row" and b.shape == "matrix":
        raise ShapeError("aᵀ ⊗ B takes the matrix's entries column by column (vec); derive "
                         "lays a Jacobian by a matrix out row by row, as B ⊗ aᵀ: write "
                         "(diag(S) − S Sᵀ) ⊗ xᵀ")
    if a.shape != "matrix" or b.shape != "row":
        raise InputError(f"derive reads the Kronecker product A ⊗ bᵀ of a matrix A and a "
                         f"row bᵀ, and a ⊗ bᵀ of two vectors (their outer product); not "
                         f"{dims(a)} ⊗ {dims(b)}")
    no_mixing(a, b, reader.numbers())
    return Value(a.expr * b.expr.xreplace({COLUMN: INNER}), "matrix", a.rows, a.cols,
                 joint_conditions(a, Value(b.expr, b.shape,
                                           conditions=mapped(b.conditions, {COLUMN: INNER}))),
                 b.cols)


def matmul(reader, a: Value, b: Value) -> Value:
    whole(a, "matrix product")
    whole(b, "matrix product")
    if a.shape == "scalar" or b.shape == "scalar":
        return multiply(reader, a, b)
    if a.shape == "column" and b.shape == "row":   # S @ Sᵀ: the outer product
        return Value(a.expr * b.expr, "matrix", a.rows, b.cols, joint_conditions(a, b))
    if a.shape == "column" or b.shape == "row":
        raise InputError(f"cannot take the matrix product of a {a.shape} and a {b.shape}")
    if a.cols != b.rows:
        hint = ""
        if reader.problem.convention is not None:
            hint = f" ({convention_hint(reader.problem)})"
        raise ShapeError(f"cannot multiply {dims(a)} by {dims(b)}: {a.cols} ≠ {b.rows}{hint}")
    k = reader.bound_letter()
    left = {"row": COLUMN, "matrix": COLUMN}[a.shape]
    right = {"column": ROW, "matrix": ROW}[b.shape]
    term = a.expr.xreplace({left: k}) * b.expr.xreplace({right: k})
    shape = {("row", "column"): "scalar", ("matrix", "column"): "column",
             ("row", "matrix"): "row", ("matrix", "matrix"): "matrix"}[(a.shape, b.shape)]
    high = reader.problem.extent(a.cols)
    needs = bind(mapped(a.conditions, {left: k}) + mapped(b.conditions, {right: k}),
                 k, 1, high)
    return Value(sp.Sum(term, (k, 1, high)), shape, a.rows, b.cols, needs)
