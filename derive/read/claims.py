"""What a typed formula means for a target: the syntax tree as an index-notation expression.

:func:`claim_for` reads a formula (:mod:`derive.read.parse`) in the variables of a target and
returns a :class:`Claim`: one SymPy expression in the target's own indices (``S[i]``,
``y[j]``, ``KroneckerDelta(i, j)``, ``Sum(…, (k, 1, N))``), whatever notation was used.

* **Index form** — ``S_i (δ_ij − S_j)``: the free index letters are the user's; a gradient
  may use any letter (``S_k − y_k`` means ``S_j − y_j``), a Jacobian uses ``i`` for the
  row (output) and ``j`` for the column (input).
* **Vector and matrix form** — ``S − y``, ``diag(S) − S Sᵀ``, ``np.diag(S) - np.outer(S, S)``:
  each value carries a shape (scalar, column, row, matrix) and is kept entry-wise in two
  placeholder indices, so ``S Sᵀ`` is the outer product and ``Sᵀ y`` the inner one (a
  product of a matrix and a column is the matrix product, as in ``Wᵀ(S − y)``).

The softmax output may be written ``S``, ``p``, ``yhat``, ``ŷ`` or ``softmax(z)``; names are
the user's, so ``S``, ``E``, ``I`` never mean SymPy's singletons (``I`` is the identity
matrix, ``N`` the number of classes).

>>> from derive.catalog import get_target
>>> claim_for("diag(S) - S Sᵀ", get_target("softmax-jacobian").problem(3)).expr
KroneckerDelta(i, j)*S[i] - S[i]*S[j]
"""

from __future__ import annotations

import difflib
import re

from dataclasses import dataclass

import sympy as sp
from sympy.core.function import AppliedUndef

from . import parse as p
from ..conditions import bind, conditions_of, entry, nonnegative, nonzero, positive, power_base
from ..errors import InputError, UndefinedClaim
from ..functions import CONVENTIONS, W, Y, Z, S, b, c as label, i, j, logit, q, sigmoid, x, y, z

__all__ = ["Claim", "claim_for", "claim_from_sympy", "ALIASES", "ShapeError"]

# Names of the softmax output, all meaning S.
ALIASES = {"S": "S", "p": "S", "yhat": "S", "y_hat": "S"}
_FAMILIES = {"S": S, "y": y, "z": z, "W": W, "x": x, "b": b, "Y": Y, "Z": Z}

# Placeholder indices of vector and matrix values: row R and column C.
_R = sp.Symbol("_R", integer=True, positive=True)
_C = sp.Symbol("_C", integer=True, positive=True)
_MAX_EXPONENT = 64
_PLAIN_NAME = re.compile(r"[A-Za-zεσ][A-Za-z0-9_]{0,15}")
_MAX_SYMBOLIC_EXPONENT = 8   # (S_1 + … + y_3)^64 would expand to millions of terms


class ShapeError(InputError):
    """A claim of the wrong shape: a vector given for a Jacobian, or the reverse."""


@dataclass(frozen=True)
class Claim:
    """A formula, understood.

    Attributes:
        text: what was typed.
        expr: the index-notation expression in the target's indices.
        shape: ``"scalar"`` (index form), ``"column"``, ``"row"`` or ``"matrix"``, as
            written; the expression is entry-wise in any case.
        letters: the user's free index letters, in the target's order (for messages).
        conditions: what the claim needs to have a value, as written (its divisors,
            logarithms and roots, :mod:`derive.conditions`), in the target's indices:
            SymPy has cancelled ``x/x`` in ``expr`` already, not here.
    """

    text: str
    expr: sp.Expr
    shape: str
    letters: tuple[str, ...]
    conditions: tuple = ()


@dataclass(frozen=True)
class _Value:
    expr: sp.Expr
    shape: str  # scalar | column | row | matrix
    rows: str = "N"   # the extent of the rows (a column's entries): N classes, D inputs, m
    cols: str = "N"   # the extent of the columns (a row's entries)
    conditions: tuple = ()   # divisors, logarithms and roots as written (derive.conditions)


def _needs(*values: _Value, extra=()) -> tuple:
    """The conditions of the operands, and ``extra``: the value they make needs them all."""
    return tuple(dict.fromkeys([*(c for v in values for c in v.conditions),
                                *(c for c in extra if c is not None)]))


def _mapped(conditions, mapping: dict) -> tuple:
    """Conditions with the placeholders renamed as their value's expression is."""
    return tuple(c.xreplace(mapping) for c in conditions)


def _dims(v: _Value) -> str:
    """``a vector of D entries``, ``an N × D matrix``: a value's shape in words."""
    if v.shape == "column":
        return f"a column of {v.rows}"
    if v.shape == "row":
        return f"a row of {v.cols}"
    if v.shape == "matrix":
        return f"an {v.rows} × {v.cols} matrix"
    return "a scalar"


def claim_for(text: str, problem, lhs: tuple[str, ...] | None = None) -> Claim:
    """Read ``text`` as a formula for ``problem``'s derivative.

    ``lhs`` gives the index letters of a written left side (``∂ log S_j/∂z_i`` gives
    ``("j", "i")``: output, then input), which then name the target's indices.

    Raises:
        ParseError: unreadable text (column and what was expected).
        InputError: an unknown symbol (with the known ones), or indices that do not fit.
        ShapeError: a value of the wrong shape for the target.
    """
    reader = _Reader(problem)
    value = reader.read(p.parse(text))
    return _in_target_indices(text, value, problem, lhs)


def claim_from_sympy(expr: sp.Basic, problem) -> Claim:
    """A SymPy expression in index notation as a claim for ``problem``.

    ``IndexedBase`` families are taken by name (``S``, ``p``, ``yhat``, ``y``, ``z``) and
    index symbols by letter, so expressions built with the user's own symbols work.

    >>> from derive.catalog import get_target
    >>> S, y = sp.IndexedBase("S"), sp.IndexedBase("y")
    >>> k = sp.Symbol("k")
    >>> claim_from_sympy(S[k] - y[k], get_target("softmax-cross-entropy-grad").problem(3)).expr
    S[j] - y[j]
    """
    if isinstance(expr, sp.MatrixBase) or not isinstance(expr, sp.Expr):
        raise InputError("a SymPy claim is a scalar expression in index notation, e.g. "
                         "S[i]*(KroneckerDelta(i, j) - S[j])")
    # Names first: a Symbol may be called anything, and a name that is not a plain
    # identifier would reach error messages, index arithmetic and generated code.
    for symbol in expr.free_symbols | expr.atoms(sp.IndexedBase):
        name = str(symbol.label if isinstance(symbol, sp.IndexedBase) else
                   symbol.base.label if isinstance(symbol, sp.Indexed) else symbol)
        if not _PLAIN_NAME.fullmatch(name) or "__" in name:
            raise InputError(f"a SymPy claim's names are letters, digits and single "
                             f"underscores (such as S, y, k, eps); got {name[:40]!r}")
    _check_sympy_nodes(expr)
    known = {sp.exp, sp.log, sigmoid, sp.KroneckerDelta}
    unknown = [f for f in expr.atoms(sp.Function) if f.func not in known]
    if unknown:
        raise InputError(f"unknown function {unknown[0].func}; a SymPy claim may use exp, "
                         "log, sigmoid, KroneckerDelta, Sum, powers and arithmetic")
    # Scalars of the target by name (T, eps): the user's own Symbol("T") is the temperature.
    scalars = {}
    if problem.temperature is not None:
        scalars["T"] = problem.temperature
    if problem.smoothing is not None:
        scalars.update(dict.fromkeys(("eps", "epsilon", "ε"), problem.smoothing))
    classes = str(problem.classes)
    # Index letters (ASCII, lowercase, one letter; also inside subscripts), then families.
    letters = {s: sp.Symbol(s.name, integer=True, positive=True) for s in expr.free_symbols
               if isinstance(s, sp.Symbol) and not isinstance(s, sp.Indexed)
               and len(s.name) == 1 and s.name.isascii() and s.name.islower()
               and s.name not in scalars and s.name != classes}
    # The conditions of the tree as given (an unevaluated Mul keeps its divisor), renamed
    # with it: xreplace rebuilds, and would cancel x/x.
    packed = sp.Tuple(expr, *conditions_of(expr))
    renamed = packed.xreplace(letters).xreplace(
        {s: scalars[s.name] for s in expr.free_symbols
         if isinstance(s, sp.Symbol) and s.name in scalars})
    families = dict(_FAMILIES)
    if problem.smoothing is not None:
        families["q"] = q
    bases = {}
    for base in renamed.atoms(sp.IndexedBase):
        name = ALIASES.get(str(base.label), str(base.label))
        if name not in families:
            raise InputError(f"unknown family {base.label}; known: "
                             f"{', '.join(['S (also p, yhat)', *sorted(set(families) - {'S'})])}")
        bases[base] = families[name]
    renamed = renamed.xreplace(bases)
    if problem.sigmoid_of is not None:   # S (ŷ, p) is σ(z) for independent sigmoid outputs
        renamed = renamed.replace(lambda a: isinstance(a, sp.Indexed) and a.base == S,
                                  lambda a: 1 / (1 + sp.exp(-z[a.indices[0]])))
    renamed = renamed.xreplace({sp.Symbol(name): problem.classes
                                for name in {classes, "N"} if not isinstance(problem.classes, int)
                                or name == "N"})
    labels = {base.label for base in renamed.atoms(sp.IndexedBase)}
    for symbol in renamed.free_symbols - labels:
        if (isinstance(symbol, (sp.Indexed, sp.IndexedBase)) or symbol in scalars.values()
                or (symbol.is_integer and len(symbol.name) == 1)):   # an index letter, N
            continue
        raise InputError(f"unknown symbol {symbol}; known: the families S (p, yhat), y, z, "
                         f"index letters, N{', ' + ', '.join(scalars) if scalars else ''}")
    renamed, *conditions = renamed.args
    return _in_target_indices(sp.sstr(expr), _Value(renamed, "scalar",
                                                    conditions=tuple(conditions)), problem)


class _Reader:
    def __init__(self, problem):
        self.problem = problem
        self.n = problem.classes
        self.bound: list[sp.Symbol] = []
        self.indices: set[sp.Symbol] = set()   # the user's free index letters
        self.taken: set[str] = set()           # summation letters chosen for @ and sum(v)
        self.families = {"S", "y", "z"} & (set(problem.inputs)
                                            | ({"S", "z"} if problem.softmax_of is not None
                                               else set()))
        if problem.smoothing is not None:   # q = (1 − ε) y + ε/N may be written
            self.families.add("q")
        if problem.convention is not None:   # the layer: S = softmax(z), z = W x + b
            self.families |= {"W", "x", "b", "S", "z"}
        if problem.batch:
            self.families = {"S", "Y", "Z"}

    # ---- names ---------------------------------------------------------------------
    def index(self, letter: str) -> sp.Expr:
        if letter.isdigit():
            return sp.Integer(int(letter))
        if len(letter) != 1 or not letter.islower() or letter in "pyze":
            raise InputError(f"{letter!r} is not an index; indices are single lowercase "
                             "letters such as i, j, k (p, y, z and e name other things)")
        symbol = sp.Symbol(letter, integer=True, positive=True)
        if symbol not in self.bound:
            self.indices.add(symbol)
        return symbol

    def name(self, node: p.Name) -> _Value:
        name = ALIASES.get(node.name, node.name)
        if name == "q" and "q" in self.families:   # the smoothed labels, not an index
            return self.family_entry(node, q)
        if name == "S" and self.problem.sigmoid_of is not None:   # ŷ = σ(z), the output
            v = self.family_entry(node, z)
            return _Value(1 / (1 + sp.exp(-v.expr)), v.shape)
        if name == "q" and node.sub:
            raise InputError("q, the smoothed labels, is a variable of "
                             "label-smoothing-cross-entropy-grad only")
        if name in _FAMILIES and name not in self.families:
            raise InputError(f"{node.name} is not a variable of this target; its variables "
                             f"are {', '.join(sorted(self.families))}")
        if name in _FAMILIES:
            return self.family_entry(node, _FAMILIES[name])
        if name == "m" and not node.sub and self.problem.batch:   # the batch size
            symbol = self.problem.parameters[0][0] if self.problem.parameters else None
            return _Value(symbol if symbol is not None
                          else sp.Integer(self.problem.extent("m")), "scalar")
        if name == "delta":
            if len(node.sub) != 2:
                raise InputError("write the Kronecker delta with two indices: δ_ij or "
                                 "delta(i, j)")
            return _Value(sp.KroneckerDelta(*(self.index(x) for x in node.sub)), "scalar")
        if name == "sum":
            raise InputError("a sum Σ_k needs something to sum: Σ_k y_k or sum_k(y_k)")
        if (name == "N" or name == str(self.n)) and not node.sub:   # N, or N's own letter
            return _Value(sp.sympify(self.n), "scalar")
        if name == "T" and not node.sub and self.problem.temperature is not None:
            return _Value(self.problem.temperature, "scalar")
        if name in ("eps", "epsilon") and not node.sub and self.problem.smoothing is not None:
            return _Value(self.problem.smoothing, "scalar")
        if name == "I" and not node.sub:
            return _Value(sp.KroneckerDelta(_R, _C), "matrix")
        if name == "e" and len(node.sub) == 1:   # e_c: the one-hot vector of class c
            return _Value(sp.KroneckerDelta(_R, self.index(node.sub[0])), "column")
        if name == "e" and not node.sub:
            return _Value(sp.E, "scalar")
        if len(name) == 1 and name.islower() and not node.sub:
            return _Value(self.index(name), "scalar")   # an index used as a value, i == j
        extra = (", T" if self.problem.temperature is not None else
                 ", q, ε (eps)" if self.problem.smoothing is not None else "")
        known = [*ALIASES, *_FAMILIES, "delta", "N", "I", "softmax", "exp", "log", "ln",
                 "sigmoid", "diag", "outer", "sum", "dot", "matmul"]
        if self.problem.temperature is not None:
            known.append("T")
        if self.problem.smoothing is not None:
            known += ["q", "eps"]
        if node.name in p.FUNCTIONS:   # a function with nothing it could apply to
            shown = "σ" if node.name == "sigmoid" else node.name
            raise InputError(f"{shown} is a function with no argument here: write "
                             f"{shown}(…)" + (f"; without brackets it takes the one "
                                              f"operand right after it ({shown} z_j), and a "
                                              f"signed one needs them ({shown}(−z_j))"
                                              if node.name in p.PREFIX_FUNCTIONS else ""))
        close = difflib.get_close_matches(node.name, known, n=1, cutoff=0.6)
        guess = f"did you mean {close[0]}? " if close else ""
        others = ", ".join(sorted(self.families - {"S"}) + (["m"] if self.problem.batch else []))
        raise InputError(f"unknown symbol {node.name}; {guess}known: S (also p, yhat, ŷ, "
                         f"softmax(z)), {others}{extra}, δ or delta(i, j), N, I, e_c, index letters "
                         "i, j, k, …, and the functions exp, log, sigmoid, diag, outer, "
                         "sum (see docs/notation.md)")

    def family_entry(self, node: p.Name, family: sp.IndexedBase) -> _Value:
        extents = self.problem.shape(str(family))
        if not node.sub:
            if len(extents) == 2:
                return _Value(family[_R, _C], "matrix", *extents)
            return _Value(family[_R], "column", extents[0], extents[0])
        if len(node.sub) != len(extents):
            what = "a matrix, give two" if len(extents) == 2 else "a vector, give one"
            raise InputError(f"{node.name}_{''.join(node.sub)} has {len(node.sub)} "
                             f"indices; {node.name} is {what}")
        value = family[tuple(self.index(a) for a in node.sub)]
        written = entry(value)   # S_7 must exist even where S_7 − S_7 cancels
        return _Value(value, "scalar", conditions=(written,) if written is not None else ())

    # ---- the tree ------------------------------------------------------------------
    def read(self, node) -> _Value:
        if isinstance(node, p.Num):
            return _Value(sp.Rational(node.value), "scalar")
        if isinstance(node, p.Name):
            return self.name(node)
        if isinstance(node, p.Neg):
            v = self.read(node.operand)
            return _Value(-v.expr, v.shape, v.rows, v.cols, v.conditions)
        if isinstance(node, p.Transpose):
            v = self.read(node.operand)
            return _transpose(v)
        if isinstance(node, (p.Add, p.Sub)):
            a, b = self.read(node.left), self.read(node.right)
            shape = _same_shape(a, b, "+" if isinstance(node, p.Add) else "−", self.numbers())
            return _Value(a.expr + b.expr if isinstance(node, p.Add) else a.expr - b.expr,
                          shape.shape, shape.rows, shape.cols, _needs(a, b))
        if isinstance(node, p.Mul):
            return self.product(node)
        if isinstance(node, p.Div):
            a, b = self.read(node.left), self.read(node.right)
            shape = _same_shape(a, b, "/", self.numbers())
            return _Value(a.expr / b.expr, shape.shape, shape.rows, shape.cols,
                          _needs(a, b, extra=[nonzero(b.expr)]))
        if isinstance(node, p.MatMul):
            return _matmul(self, self.read(node.left), self.read(node.right))
        if isinstance(node, p.Pow):
            return self.power(node)
        if isinstance(node, p.Eq):
            a, b = self.read(node.left), self.read(node.right)
            if not all(_is_index(v.expr) for v in (a, b)):
                raise InputError("== compares indices, as in (i == j)")
            return _Value(sp.KroneckerDelta(a.expr, b.expr), "scalar")
        if isinstance(node, p.Call):
            return self.call(node)
        if isinstance(node, p.Tuple):
            raise InputError("a tuple such as (k, 1, N) belongs in Sum(f, (k, 1, N)) only")
        if isinstance(node, p.Entry):
            raise InputError("an entry of a call such as softmax(z)_k is read in a definition "
                             "(--of); against a catalogue target write the output itself: S_k")
        raise InputError(f"cannot use {type(node).__name__} here")  # pragma: no cover

    def product(self, node: p.Mul) -> _Value:
        a, b = self.read(node.left), self.read(node.right)
        if node.implicit and a.shape == "matrix" and b.shape == "matrix":
            return _matmul(self, a, b)   # A B: the matrix product
        return _multiply(self, a, b)

    def numbers(self) -> list:
        """Letters that are numbers here, not free indices: summation indices bound by an
        enclosing sum, and the number of classes (``n`` with ``--classes n``)."""
        return [*self.bound, self.n, *(symbol for symbol, _ in self.problem.parameters)]

    def bound_letter(self) -> sp.Symbol:
        """A summation index that no name in the claim uses (k, l, m, …)."""
        used = {x.name for x in self.indices} | {x.name for x in self.bound} | self.taken
        for letter in "klmnqrstuvwab":
            if letter not in used:
                self.taken.add(letter)
                return sp.Symbol(letter, integer=True, positive=True)
        raise InputError("too many summation indices in one claim")

    def summed(self, sub: tuple[str, ...], body, low=1, high=None) -> _Value:
        if len(sub) != 1:
            raise InputError("a sum runs over one index: Σ_k, sum_k(…)")
        k = sp.Symbol(sub[0], integer=True, positive=True)
        was_free = k in self.indices
        k = self.index(sub[0])
        self.bound.append(k)
        inner = self.read(body)
        self.bound.pop()
        if not was_free:   # a letter used free before the sum stays free after it
            self.indices.discard(k)
        high = self.n if high is None else high
        if not (sp.sympify(low - 1).is_nonnegative and sp.sympify(self.n - high).is_nonnegative):
            raise InputError(f"a sum over the classes runs within 1..{self.n}; got "
                             f"{sp.sstr(low)}..{sp.sstr(high)}")
        return _Value(sp.Sum(inner.expr, (k, low, high)), inner.shape, inner.rows, inner.cols,
                      bind(inner.conditions, k, low, high))

    def power(self, node: p.Pow) -> _Value:
        if (isinstance(node.exponent, p.Name) and node.exponent.name == "T"
                and not node.exponent.sub and self.read(node.base).shape != "scalar"):
            raise InputError("^T of a vector or matrix: in text notation ^ is a power; write "
                             "Sᵀ or S.T for the transpose")
        exponent = self.read(node.exponent)
        if exponent.shape != "scalar" or exponent.expr.free_symbols & {_R, _C}:
            raise InputError("an exponent must be a number or a scalar")
        if exponent.expr.is_Number and abs(exponent.expr) > _MAX_EXPONENT:
            raise InputError(f"the exponent {exponent.expr} is too large (at most "
                             f"{_MAX_EXPONENT} in size)")
        if isinstance(node.base, p.Name) and node.base.name == "e" and not node.base.sub:
            return _Value(sp.exp(exponent.expr), "scalar", conditions=exponent.conditions)
        base = self.read(node.base)
        if not exponent.expr.is_Number:
            raise InputError(f"the exponent {sp.sstr(exponent.expr)} of a power must be a "
                             "number (e^x and exp(x) take any exponent)")
        if abs(exponent.expr) > _MAX_SYMBOLIC_EXPONENT and base.expr.has(sp.Add, sp.Sum):
            # (S_1 + … + S_N)^64 would expand to millions of terms; S_j^64 is one.
            raise InputError(f"the exponent {sp.sstr(exponent.expr)} is too large for a "
                             f"power of a sum (at most {_MAX_SYMBOLIC_EXPONENT})")
        if base.expr.is_Number and exponent.expr.is_Number and base.expr != 0:
            digits = float(abs(exponent.expr)) * abs(float(sp.log(abs(base.expr), 10)))
            if digits > 300:
                raise InputError(f"{_short(base.expr)}^{_short(exponent.expr)} is too large "
                                 "a number (at most 300 digits)")
        needs = []   # the exponent is a number here (anything else was refused above)
        if not exponent.expr.is_Integer:   # a root: x^(1/3) needs x ≥ 0, x^(−1/2) x > 0
            needs.append(power_base(base.expr, exponent.expr))
        elif exponent.expr < 0:            # x^(−2) = 1/x²: a divisor
            needs.append(nonzero(base.expr))
        return _Value(base.expr ** exponent.expr, base.shape, base.rows, base.cols,
                      _needs(base, exponent, extra=needs))

    def call(self, node: p.Call) -> _Value:
        f, args = node.func, node.args
        if f in p.DEFINITION_FUNCTIONS:
            raise InputError(f"{f}(…) is read in a definition (--of \"L = …\"); a claim "
                             "against a catalogue target uses exp, log, sqrt, σ, softmax(z)")
        if f in ("sum",) and node.sub:
            if len(args) != 1:
                raise InputError("sum_k takes one argument: sum_k(y_k)")
            return self.summed(node.sub, args[0])
        if f == "Sum":
            return self.sum_with_limits(args)
        if f == "sum":      # np.sum(v): the sum of a vector's entries
            (v,) = self.values(node, 1)
            if v.shape != "column" and v.shape != "row":
                raise InputError("sum(…) sums a vector; for an indexed term write Σ_k y_k")
            k = self.bound_letter()
            extent = v.rows if v.shape == "column" else v.cols
            high = self.problem.extent(extent)
            return _Value(sp.Sum(v.expr.xreplace({_R: k, _C: k}), (k, 1, high)), "scalar",
                          conditions=bind(_mapped(v.conditions, {_R: k, _C: k}), k, 1, high))
        if f in ("dot", "matmul"):   # np.dot(W.T, S - y): the matrix product
            a, b = self.values(node, 2)
            return _matmul(self, a, b)
        if f in ("delta", "KroneckerDelta"):
            a, b = self.values(node, 2)
            return _Value(sp.KroneckerDelta(a.expr, b.expr), "scalar")
        if f == "softmax":
            (v,) = self.values(node, 1)
            written = "z/T" if self.problem.temperature is not None else "z"
            if sp.expand(v.expr - logit(z, _R, self.problem.temperature)) != 0:
                raise InputError(f"softmax(…) is read for this target's S only: softmax({written})")
            return _Value(S[_R], "column", conditions=v.conditions)
        if f == "diag":
            (v,) = self.values(node, 1)
            if v.shape not in ("column", "row"):
                raise InputError("diag(…) takes a vector")
            extent = v.rows if v.shape == "column" else v.cols
            return _Value(sp.KroneckerDelta(_R, _C) * v.expr.xreplace({_C: _R}), "matrix",
                          extent, extent, _mapped(v.conditions, {_C: _R}))
        if f == "outer":
            a, b = self.values(node, 2)
            if {a.shape, b.shape} - {"column", "row"}:
                raise InputError("outer(a, b) takes two vectors")
            return _Value(a.expr.xreplace({_C: _R}) * b.expr.xreplace({_R: _C}), "matrix",
                          _length(a), _length(b),
                          _mapped(a.conditions, {_C: _R}) + _mapped(b.conditions, {_R: _C}))
        (v,) = self.values(node, 1)
        needs = [positive(v.expr)] if f in ("log", "ln") else \
            [nonnegative(v.expr)] if f == "sqrt" else []
        function = {"exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt,
                    "sigmoid": lambda x: 1 / (1 + sp.exp(-x))}[f]
        return _Value(function(v.expr), v.shape, v.rows, v.cols, _needs(v, extra=needs))

    def values(self, node: p.Call, count: int) -> list[_Value]:
        if len(node.args) != count:
            raise InputError(f"{node.func}(…) takes {count} argument"
                             f"{'s' if count > 1 else ''}, got {len(node.args)}")
        return [self.read(a) for a in node.args]

    def sum_with_limits(self, args) -> _Value:
        if len(args) != 2 or not isinstance(args[1], p.Tuple) or len(args[1].items) != 3:
            raise InputError("write Sum(f, (k, 1, N))")
        bound, low, high = args[1].items
        if not isinstance(bound, p.Name) or bound.sub:
            raise InputError("the first entry of (k, 1, N) is the summation index")
        low_value, high_value = self.read(low), self.read(high)
        return self.summed((bound.name,), args[0], low_value.expr, high_value.expr)


def _transpose(v: _Value) -> _Value:
    swapped = v.expr.xreplace({_R: _C, _C: _R})
    shape = {"column": "row", "row": "column"}.get(v.shape, v.shape)
    return _Value(swapped, shape, v.cols, v.rows, _mapped(v.conditions, {_R: _C, _C: _R}))


def _length(v: _Value) -> str:
    """The extent of a vector's entries."""
    return v.rows if v.shape == "column" else v.cols


def _is_index(expr) -> bool:
    return bool(expr.is_Integer) or (isinstance(expr, sp.Symbol) and expr.is_integer
                                     and expr not in (_R, _C))


def _index_letters(expr: sp.Expr) -> set:
    """The free index letters of an index-form expression (not N, not the placeholders)."""
    return {s for s in expr.free_symbols if isinstance(s, sp.Symbol) and s.is_integer
            and s not in (_R, _C) and len(s.name) == 1 and s.name.islower()}


def _same_shape(a: _Value, b: _Value, op: str, bound=()) -> _Value:
    """The shape of ``a op b`` (elementwise), as a value with no expression."""
    _no_mixing(a, b, bound)
    if a.shape == "scalar":
        return _Value(sp.Integer(0), b.shape, b.rows, b.cols)
    if b.shape == "scalar":
        return _Value(sp.Integer(0), a.shape, a.rows, a.cols)
    if a.shape == b.shape:
        if (a.shape in ("column", "matrix") and a.rows != b.rows) or (
                a.shape in ("row", "matrix") and a.cols != b.cols):
            raise ShapeError(f"cannot combine {_dims(a)} and {_dims(b)} with {op}")
        return _Value(sp.Integer(0), a.shape, a.rows, a.cols)
    raise InputError(f"cannot combine a {a.shape} and a {b.shape} with {op}")


def _no_mixing(a: _Value, b: _Value, bound=()) -> None:
    """``S − y_j`` mixes a whole vector with one entry: refused, not guessed.  A letter
    bound by an enclosing sum is fine: in ``Σ_k y_k S`` the entry y_k is summed away."""
    for vector, scalar in ((a, b), (b, a)):
        free = _index_letters(scalar.expr) - set(bound)
        if vector.shape != "scalar" and scalar.shape == "scalar" and free:
            letters = ", ".join(sorted(x.name for x in free))
            raise InputError(f"the claim mixes vector notation with an indexed entry (index "
                             f"{letters}); write S − y or S_j − y_j")


def _multiply(reader, a: _Value, b: _Value) -> _Value:
    """Products as people write them: column·row is outer, row·column inner, a matrix
    times a column the matrix product, equal shapes elementwise."""
    _no_mixing(a, b, reader.numbers())
    if a.shape == "scalar" or b.shape == "scalar" or a.shape == b.shape:
        shape = _same_shape(a, b, "⊙", reader.numbers())
        return _Value(a.expr * b.expr, shape.shape, shape.rows, shape.cols, _needs(a, b))
    if a.shape == "column" and b.shape == "row":
        return _Value(a.expr * b.expr, "matrix", a.rows, b.cols, _needs(a, b))
    return _matmul(reader, a, b)


def _matmul(reader, a: _Value, b: _Value) -> _Value:
    if a.shape == "scalar" or b.shape == "scalar":
        return _multiply(reader, a, b)
    if a.shape == "column" and b.shape == "row":   # S @ Sᵀ: the outer product
        return _Value(a.expr * b.expr, "matrix", a.rows, b.cols, _needs(a, b))
    if a.shape == "column" or b.shape == "row":
        raise InputError(f"cannot take the matrix product of a {a.shape} and a {b.shape}")
    if a.cols != b.rows:
        hint = ""
        if reader.problem.convention is not None:
            hint = (f" (in this convention, {CONVENTIONS[reader.problem.convention]}; the "
                    "other convention is --convention "
                    + ("WTx" if reader.problem.convention == "Wx" else "Wx") + ")")
        raise ShapeError(f"cannot multiply {_dims(a)} by {_dims(b)}: {a.cols} ≠ {b.rows}{hint}")
    k = reader.bound_letter()
    left = {"row": _C, "matrix": _C}[a.shape]
    right = {"column": _R, "matrix": _R}[b.shape]
    term = a.expr.xreplace({left: k}) * b.expr.xreplace({right: k})
    shape = {("row", "column"): "scalar", ("matrix", "column"): "column",
             ("row", "matrix"): "row", ("matrix", "matrix"): "matrix"}[(a.shape, b.shape)]
    high = reader.problem.extent(a.cols)
    needs = bind(_mapped(a.conditions, {left: k}) + _mapped(b.conditions, {right: k}),
                 k, 1, high)
    return _Value(sp.Sum(term, (k, 1, high)), shape, a.rows, b.cols, needs)


def _in_target_indices(text: str, value: _Value, problem, lhs=None) -> Claim:
    """Rename the placeholders or the user's letters to the target's indices, and check
    that what remains is a well-formed entry of the target.

    The conditions travel with the expression, as one tuple, through every renaming: a
    divisor's letters are the claim's letters (a letter only in a cancelled divisor is
    still a free index of what was written)."""
    from dataclasses import replace
    _check_defined(value.expr, value.conditions)
    packed = replace(value, expr=sp.Tuple(value.expr, *value.conditions), conditions=())
    claim = _renamed(text, packed, problem, lhs)
    _check_entry(claim, problem)
    expr, *conditions = claim.expr.args
    return replace(claim, expr=expr, conditions=tuple(conditions))


def _renamed(text: str, value: _Value, problem, lhs) -> Claim:
    if len(problem.wrt_indices) == 2 or problem.convention is not None:
        return _renamed_layer(text, value, problem, lhs)
    jacobian = problem.output_index is not None and problem.name.has(problem.output_index)
    targets = [problem.output_index, problem.wrt_index] if jacobian else [problem.wrt_index]
    expr = _bound_away_from(value.expr, {i, j, label})
    letters = sorted(_index_letters(expr) - {problem.classes} - {label if not jacobian and problem.output_index
                                             else None}, key=str)
    if value.shape == "scalar":
        names = [x.name for x in letters]
        if lhs is not None:   # the left side says which letter is the output, which the input
            wanted = [x for x in lhs if x]
            if sorted(wanted) != sorted(names):
                raise InputError(f"the left side has the index {', '.join(wanted) or 'none'} "
                                 f"but the right side {', '.join(names) or 'none'}")
            mapping = {sp.Symbol(a, integer=True, positive=True): t
                       for a, t in zip(wanted[-len(targets):], targets)}
            return Claim(text, _simultaneous(expr, mapping), "scalar", tuple(wanted))
        if jacobian:
            if set(names) != {"i", "j"}:
                raise ShapeError(f"a Jacobian entry has two free indices, i (the output, row) "
                                 f"and j (the input, column); {text!r} has "
                                 f"{', '.join(names) or 'none'}")
            return Claim(text, expr, "scalar", ("i", "j"))
        if not letters and problem.classes == 1:   # one output: σ(z_1) − y_1 is its entry
            return Claim(text, expr, "scalar", ())
        if len(letters) != 1:
            raise ShapeError(f"a gradient entry has one free index (any letter: S_j − y_j); "
                             f"{text!r} has {', '.join(names) or 'none'}")
        return Claim(text, _simultaneous(expr, {letters[0]: j}), "scalar", (letters[0].name,))
    if jacobian:
        if value.shape != "matrix":
            raise ShapeError(f"the target is a Jacobian (an N×N matrix) but {text!r} is a "
                             f"{value.shape} vector")
        return Claim(text, expr.xreplace({_R: i, _C: j}), "matrix", ("i", "j"))
    if value.shape == "matrix":
        raise ShapeError(f"the target is a gradient (a vector of N entries) but {text!r} is "
                         "an N×N matrix")
    return Claim(text, expr.xreplace({_R: j, _C: j}), value.shape, ("j",))


def _renamed_layer(text: str, value: _Value, problem, lhs) -> Claim:
    """A claim about a layer or a batch: the index form (∂S_t/∂W_ij, ∂L/∂W_ij, ∂L/∂Z_ij,
    ∂L/∂x_j), or a matrix / vector of the variable's shape.  Index letters are named by the
    left side when there is one, else by the extents they run over (in ``(S_a − y_a) x_b``
    a is a class and b an input); an index used where another extent belongs is a shape
    mistake, named as a transposition when swapping the variable's indices mends it."""
    expr = _bound_away_from(value.expr, set(problem.indices))
    wanted = [str(a) for a in problem.indices]
    parameters = {symbol for symbol, _ in problem.parameters}
    if value.shape == "scalar":
        letters = sorted(_index_letters(expr) - {problem.classes} - parameters, key=str)
        names = [x.name for x in letters]
        if lhs is not None:
            given = list(lhs)
            if len(given) != len(wanted):
                raise InputError(f"the left side has the indices {', '.join(given)} but "
                                 f"∂{_entry(problem.name)}/∂{_entry(problem.variable)} has "
                                 f"{len(wanted)}")
            if sorted(given) != sorted(names):
                raise InputError(f"the left side has the indices {', '.join(given)} but the "
                                 f"right side {', '.join(names) or 'none'}")
            mapping = {sp.Symbol(a, integer=True, positive=True): target
                       for a, target in zip(given, problem.indices)}
        else:
            mapping = _letters_by_extent(expr, letters, problem, text)
        expr = _simultaneous(expr, mapping)
        _check_extents(expr, problem)
        return Claim(text, expr, "scalar", tuple(lhs or names))
    if problem.output_index is not None and len(problem.wrt_indices) == 1:
        # ∂S_t/∂b_j: an N × N Jacobian, rows = outputs.
        if value.shape != "matrix" or (value.rows, value.cols) != ("N", "N"):
            raise ShapeError(f"the target is an N × N Jacobian but {text!r} is {_dims(value)}")
        return Claim(text, expr.xreplace({_R: problem.output_index, _C: problem.wrt_index}),
                     "matrix", tuple(wanted))
    if problem.output_index is not None:
        raise ShapeError("the Jacobian ∂S/∂W (N × N·D) is read in index form only (kron is "
                         "not read): write its entry, e.g. S_t (δ_ti − S_i) x_j for ∂S_t/∂W_ij")
    family = str(problem.wrt)
    extents = problem.shape(family)
    if len(extents) == 2:
        given = (value.rows, value.cols) if value.shape == "matrix" else None
        if given == extents:
            expr = expr.xreplace({_R: problem.indices[0], _C: problem.indices[1]})
            _check_extents(expr, problem)
            return Claim(text, expr, "matrix", tuple(wanted))
        if given == extents[::-1]:
            from ..verdicts.diagnoses import transposed_message
            raise ShapeError(transposed_message(problem))
        raise ShapeError(f"the gradient ∂L/∂{family} is an {extents[0]} × {extents[1]} matrix "
                         f"(the shape of {family}) but {text!r} is {_dims(value)}")
    if value.shape == "matrix":
        raise ShapeError(f"the gradient ∂L/∂{family} is a vector of {extents[0]} entries but "
                         f"{text!r} is {_dims(value)}")
    if _length(value) != extents[0]:
        raise ShapeError(f"the gradient ∂L/∂{family} has {extents[0]} entries (the length of "
                         f"{family}) but {text!r} is {_dims(value)}")
    expr = expr.xreplace({_R: problem.indices[0], _C: problem.indices[0]})
    _check_extents(expr, problem)
    return Claim(text, expr, value.shape, tuple(wanted))


_EXTENT_WORDS = {"N": "the classes", "D": "the inputs", "m": "the examples"}


def _positions(expr: sp.Expr, problem) -> dict[sp.Symbol, set[str]]:
    """For every index symbol, the extents of the family positions it stands in."""
    out: dict[sp.Symbol, set[str]] = {}
    for atom in expr.atoms(sp.Indexed):
        for index, extent in zip(atom.indices, problem.shape(str(atom.base))):
            if isinstance(index, sp.Symbol):
                out.setdefault(index, set()).add(extent)
    return out


def _letters_by_extent(expr: sp.Expr, letters, problem, text: str) -> dict:
    """The user's letters named as the target's: the target's own letters stay; otherwise
    each letter by the one extent it runs over, when that decides."""
    wanted = list(problem.indices)
    if {x.name for x in letters} == {str(a) for a in wanted}:
        return {}
    if len(letters) != len(wanted):
        raise InputError(f"an entry of ∂{_entry(problem.name)}/∂{_entry(problem.variable)} has "
                         f"{len(wanted)} free indices ({', '.join(map(str, wanted))}); {text!r} "
                         f"has {', '.join(x.name for x in letters) or 'none'}")
    seen = _positions(expr, problem)
    if len({problem.range_of(a) for a in wanted}) == 1:
        # Every index over one extent (∂S_t/∂b_j): the letters in alphabetical order,
        # the output's first, as in S_i (δ_ij − S_j).
        return dict(zip(letters, wanted))
    mapping = {}
    for letter in letters:
        extents = seen.get(letter, set())
        targets = [a for a in wanted if problem.range_of(a) in extents]
        if len(extents) != 1 or len(targets) != 1:
            raise InputError(f"cannot tell which index of "
                             f"∂{_entry(problem.name)}/∂{_entry(problem.variable)} the letter "
                             f"{letter} is; write the entry with its letters "
                             f"{', '.join(map(str, wanted))}")
        mapping[letter] = targets[0]
    if len(set(mapping.values())) != len(mapping):
        raise InputError(f"two letters of {text!r} run over the same extent; write the entry "
                         f"with the letters {', '.join(map(str, wanted))}")
    return mapping


def _check_extents(expr: sp.Expr, problem) -> None:
    """Every free index must stand where its extent belongs: ``y_j`` with j an input is a
    shape mistake (named a transposition when swapping the variable's indices mends it)."""
    def wrong(e: sp.Expr) -> list[tuple]:
        return [(index, extents) for index, extents in _positions(e, problem).items()
                if index in problem.indices and extents != {problem.range_of(index)}]

    bad = wrong(expr)
    if not bad:
        return
    if problem.output_index is None and len(problem.wrt_indices) == 2:
        a, b = problem.wrt_indices
        if not wrong(_simultaneous(expr, {a: b, b: a})):
            from ..verdicts.diagnoses import transposed_message
            raise ShapeError(transposed_message(problem))
    index, extents = bad[0]
    hint = ""
    if problem.convention is not None:
        other = "WTx" if problem.convention == "Wx" else "Wx"
        hint = (f"; the convention checked is {CONVENTIONS[problem.convention]} (for "
                f"{CONVENTIONS[other]}, give --convention {other})")
    raise ShapeError(f"the index {index} runs over {_EXTENT_WORDS[problem.range_of(index)]} "
                     f"but stands where {' and '.join(_EXTENT_WORDS[e] for e in sorted(extents))} "
                     f"belong{hint}")


def _entry(e: sp.Expr) -> str:
    """``W_ij`` for ``W[i, j]``: an entry as people write it."""
    if isinstance(e, sp.Indexed):
        return f"{e.base}_{''.join(map(str, e.indices))}"
    return str(e)


def _simultaneous(expr: sp.Expr, mapping: dict) -> sp.Expr:
    """Rename indices all at once (k → j and j → i must not chain)."""
    temporary = {a: sp.Dummy(a.name) for a in mapping}
    return expr.xreplace(temporary).xreplace({temporary[a]: b for a, b in mapping.items()})


def _bound_away_from(expr: sp.Expr, names: set) -> sp.Expr:
    """Rename summation indices that are also target indices (Σ_j y_j in a claim about
    S_k) or free letters of the claim (``S_k Σ_k y_k − y_k``), so that renaming the free
    letters cannot capture them and what is printed never sums over a free letter."""
    avoid = set(names) | _index_letters(expr)
    used = {x.name for x in expr.atoms(sp.Symbol)} | {x.name for x in avoid}

    def rename(s: sp.Sum) -> sp.Expr:
        limits = []
        body = s.function
        for bound, low, high in s.limits:
            if bound in avoid:
                letter = next(c for c in "klmnqrstuvwabcdfgh" if c not in used)
                used.add(letter)
                fresh = sp.Symbol(letter, integer=True, positive=True)
                body = body.xreplace({bound: fresh})
                bound = fresh
            limits.append((bound, low, high))
        return sp.Sum(body, *limits)

    return expr.replace(lambda e: isinstance(e, sp.Sum), rename)


def _short(number: sp.Expr) -> str:
    text = sp.sstr(number)
    return text if len(text) <= 24 else f"(a number of {len(text)} digits)"


_SYMPY_NODES = (sp.Add, sp.Mul, sp.Pow, sp.Symbol, sp.Indexed, sp.IndexedBase, sp.Rational,
                sp.exp, sp.log, sigmoid, sp.KroneckerDelta, sp.Sum, sp.Tuple, AppliedUndef,
                type(sp.E), type(sp.pi), type(sp.I), type(sp.zoo), type(sp.nan),
                type(sp.oo), type(-sp.oo))


def _check_sympy_nodes(expr: sp.Basic) -> None:
    """Only the nodes of the notation: arithmetic, integer powers and rationals of at most
    30 digits, exp, log, σ, δ, sums; entries indexed by letters or integers.  Anything
    else (Min, Derivative, Integral, a Float) is refused before it reaches code that was
    not written for it.  (Unknown functions, I and 1/0 get their own messages later.)"""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Float) or not isinstance(node, _SYMPY_NODES):
            raise InputError(f"a SymPy claim may use + − × /, powers, rationals, exp, log, "
                             f"sigmoid, KroneckerDelta and Sum; got {type(node).__name__}")
        if isinstance(node, sp.Rational) and max(abs(node.p), node.q) > 10**30:
            raise InputError("a number in the SymPy claim has more than 30 digits")
        if isinstance(node, sp.Indexed) and not all(
                a.is_Integer or (isinstance(a, sp.Symbol) and len(a.name) == 1)
                for a in node.indices):
            raise InputError(f"the entry {sp.sstr(node)[:40]} is indexed by something other "
                             "than an index letter or an integer")


def _check_defined(expr: sp.Expr, conditions=()) -> None:
    """Before any shape question: ``1/0`` is undefined whatever the target."""
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        what = ("the logarithm of 0" if positive(sp.Integer(0)) in conditions else
                "a division by zero" if nonzero(sp.Integer(0)) in conditions else
                "a division by zero, or the logarithm of 0")
        raise UndefinedClaim(f"the claim is undefined for every input: {what} (an operand "
                             "that is 0 as written)")
    if expr.has(sp.I):
        raise InputError("the claim is not real (it contains the imaginary unit)")


_EXTENTS = {"N": "the classes", "D": "the inputs", "m": "the examples"}


def _check_entry(claim: Claim, problem) -> None:
    """No stray index letter, no entry outside 1..N, nothing undefined or complex."""
    allowed = set(problem.indices) | {symbol for symbol, _ in problem.parameters}
    stray = _index_letters(claim.expr) - allowed - {problem.classes}
    if stray:
        raise InputError(f"the index {', '.join(sorted(x.name for x in stray))} is not free "
                         f"in this target (its indices: "
                         f"{', '.join(str(x) for x in problem.indices)})")
    for atom in claim.expr.atoms(sp.Indexed):
        extents = problem.shape(str(atom.base))
        for index, extent in zip(atom.indices, extents):
            size = problem.extent(extent)
            if index.is_Integer and (index < 1 or (isinstance(size, int) and index > size)):
                what = _EXTENTS[extent]
                raise InputError(f"{atom.base}_{''.join(map(str, atom.indices))} is not an "
                                 f"entry: {what} are 1..{size}")
    check_summed_entries((claim.expr, *claim.conditions), problem)



def check_summed_entries(expressions, problem, every_size: bool = False) -> None:
    """A letter a sum binds must not run past the entries it indexes: ``Σ_k S_kj`` for a
    batch sums k over the classes 1..N, but k is the row (an example), 1..m — at N > m
    it names rows that do not exist.  With ``every_size`` (a claim decided for every N
    and m), a range that may run past (``N`` against ``m``) is refused as well."""
    sizes = {x for x in (problem.classes, *(v for _, v in problem.sizes))
             if isinstance(x, sp.Symbol)}
    for expr in expressions:
        for total in expr.atoms(sp.Sum):
            for bound, low, high in total.limits:
                for atom in total.function.atoms(sp.Indexed):
                    for index, extent in zip(atom.indices, problem.shape(str(atom.base))):
                        if index != bound:
                            continue
                        size = problem.extent(extent)
                        past = sp.sympify(high) - size
                        if past.is_positive or (every_size and past.free_symbols
                                                and past.free_symbols <= sizes
                                                and not past.is_nonpositive):
                            raise InputError(
                                f"the sum over {bound} runs over {low}..{high}, but {bound} "
                                f"indexes {_EXTENTS[extent]} of {atom.base} (1..{size}): "
                                f"{atom.base} has no entry there for every size")
