"""The reader of a claim's syntax tree (:mod:`derive.read.parse`) for a target: names to
families (``S``, ``p`` and ``ŷ`` mean the softmax output), functions to SymPy, vectors and
matrices to values with a shape (:mod:`derive.read.shapes`), and the conditions under which
the claim has a value (every division, log and root).

>>> from derive.catalog import get_target
>>> from derive.read import parse
>>> v = Reader(get_target("softmax-cross-entropy-grad").problem(3)).read(parse.parse("S - y"))
>>> v.shape, v.expr
('column', S[_R] - y[_R])
"""

from __future__ import annotations

import difflib
import re
from dataclasses import replace


import sympy as sp

from . import parse as p
from ..conditions import bind, entry, nonnegative, nonzero, positive, power_base
from ..errors import InputError
from ..functions import W, Y, Z, S, b, x, y, z
from .shapes import (COLUMN, ROW, Value, dims, hadamard, is_index, joint_conditions, kron, length,
                     mapped, matmul, multiply, same_shape, transpose)

__all__ = ["Reader", "ALIASES", "FAMILIES"]

# Names of the softmax output, all meaning S.
ALIASES = {"S": "S", "p": "S", "yhat": "S", "y_hat": "S", "Yhat": "S"}
FAMILIES = {"S": S, "y": y, "z": z, "W": W, "x": x, "b": b, "Y": Y, "Z": Z}
_MAX_EXPONENT = 64
PLAIN_NAME = re.compile(r"[A-Za-zεσ][A-Za-z0-9_]{0,15}")
_MAX_SYMBOLIC_EXPONENT = 8   # (S_1 + … + y_3)^64 would expand to millions of terms


class Reader:
    def __init__(self, problem):
        self.problem = problem
        self.n = problem.classes
        self.bound: list[sp.Symbol] = []
        self.indices: set[sp.Symbol] = set()   # the user's free index letters
        self.taken: set[str] = set()           # summation letters chosen for @ and sum(v)
        # The families the definition has (its inputs, S, q, a layer's z), by name.
        self.families = set(problem.names)
        self.constants = problem.constants   # T, ε

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

    def name(self, node: p.Name) -> Value:
        if node.name == "sigmoid" and "sigma" in self.families:   # σ of a definition's
            node = p.Name("sigma", node.sub, node.pos)               # family σ, not the sigmoid
        name = node.name if node.name in self.families else ALIASES.get(node.name, node.name)
        if name == "S" and "S" not in self.families and self.problem.sigmoid_of is not None:
            v = self.family_entry(node, self.problem.sigmoid_of)   # ŷ = σ(z), the output
            return Value(1 / (1 + sp.exp(-v.expr)), v.shape)
        if name in self.families:   # S, q (the smoothed labels, not an index), z, W, …
            return self.family_entry(node, sp.IndexedBase(name))
        if name == "q" and node.sub and "S" in self.families and self.problem.output_index \
                is None and self.problem.definition is not None and \
                "y" in dict(self.problem.definition.families):   # a cross-entropy's labels
            raise InputError("q, the smoothed labels, is a variable of "
                             "label-smoothing-cross-entropy-grad only")
        if name in FAMILIES and name not in self.families:
            raise InputError(f"{node.name} is not a variable of this target; its variables "
                             f"are {', '.join(sorted(self.families))}")
        if name == "m" and not node.sub and "m" in dict(self.problem.sizes):   # batch size
            symbol = self.problem.parameters[0][0] if self.problem.parameters else None
            return Value(symbol if symbol is not None
                          else sp.sympify(self.problem.extent("m")), "scalar")
        if name == "delta":
            if len(node.sub) != 2:
                raise InputError("write the Kronecker delta with two indices: δ_ij or "
                                 "delta(i, j)")
            return Value(sp.KroneckerDelta(*(self.index(x) for x in node.sub)), "scalar")
        if name == "sum":
            raise InputError("a sum Σ_k needs something to sum: Σ_k y_k or sum_k(y_k)")
        if (name == "N" or name == str(self.n)) and not node.sub:   # N, or N's own letter
            return Value(sp.sympify(self.n), "scalar")
        if name in self.constants and not node.sub:
            return Value(self.constants[name], "scalar")
        if name == "I" and (not node.sub or node.sub in (("N",), (str(self.n),))):
            return Value(sp.KroneckerDelta(ROW, COLUMN), "matrix")   # I, I_N
        if name == "I":
            raise InputError(f"I is the N × N identity matrix; I_{''.join(node.sub)} is not "
                             "read (write I, or δ_ij for an entry)")
        if name == "ones" and not node.sub:   # 𝟙, the all-ones column over the classes
            return Value(sp.Integer(1), "column")
        if name == "ones":
            raise InputError("𝟙 is the all-ones vector: its entries are 1 (write 1), and "
                             "𝟙[j = c] is an indicator")
        if name == "e" and len(node.sub) == 1:   # e_c: the one-hot vector of class c
            return Value(sp.KroneckerDelta(ROW, self.index(node.sub[0])), "column")
        if name == "e" and not node.sub:
            return Value(sp.E, "scalar")
        if len(name) == 1 and name.islower() and not node.sub:
            return Value(self.index(name), "scalar")   # an index used as a value, i == j
        constants = [name for name in self.constants if name != "epsilon"]   # ε (eps)
        extra = "".join(f", {'ε (eps)' if name == 'eps' else name}" for name in constants
                        if name != "ε")
        known = [*ALIASES, *FAMILIES, "delta", "N", "I", "softmax", "exp", "log", "ln",
                 "sigmoid", "diag", "outer", "sum", "dot", "matmul", *self.families, *constants]
        if node.name in p.FUNCTIONS:   # a function with nothing it could apply to
            shown = "σ" if node.name == "sigmoid" else node.name
            raise InputError(f"{shown} is a function with no argument here: write "
                             f"{shown}(…)" + (f"; without brackets it takes the one "
                                              f"operand right after it ({shown} z_j), and a "
                                              f"signed one needs them ({shown}(−z_j))"
                                              if node.name in p.PREFIX_FUNCTIONS else ""))
        close = difflib.get_close_matches(node.name, known, n=1, cutoff=0.6)
        guess = f"did you mean {close[0]}? " if close else ""
        named = sorted(self.families - {"S"}) + (["m"] if "m" in dict(self.problem.sizes)
                                                  else [])
        output = ["S (also p, yhat, ŷ, softmax(…))"] if "S" in self.families else []
        raise InputError(f"unknown symbol {node.name}; {guess}known: "
                         f"{', '.join(output + named)}{extra}, δ or delta(i, j), N, I, e_c, "
                         "index letters i, j, k, …, and the functions exp, log, sigmoid, "
                         "diag, outer, sum (see `derive notation`)")

    def softmax_family(self, v: Value) -> sp.IndexedBase:
        """The family of the definition's softmax of the vector ``v`` (``softmax(z/T)`` is
        ``S`` when the definition takes that softmax), read from the definition: its
        argument as named (``z`` of a layer) or written out (``z/T``)."""
        definition = self.problem.definition
        taken = [] if definition is None else [
            x for x in definition.defined if x.kind == "softmax" and not x.rows]
        for item in taken:
            named = item.argument[ROW]
            written = definition.written_out(named, kinds=("argument",))
            if v.shape == "column" and any(sp.expand(v.expr - a) == 0 for a in (named, written)):
                return item.family
        shown = [sp.sstr(definition.vector_form(definition.intermediate(x.argument))
                         if definition.intermediate(x.argument) is not None
                         and definition.intermediate(x.argument).own else x.argument)
                 for x in taken]
        raise InputError("softmax(…) is read for the softmaxes the definition takes: "
                         + (", ".join(f"softmax({a})" for a in shown) if shown else "none"))

    def family_entry(self, node: p.Name, family: sp.IndexedBase) -> Value:
        extents = self.problem.shape(str(family))
        if not node.sub:
            if len(extents) == 2:
                return Value(family[ROW, COLUMN], "matrix", *extents)
            return Value(family[ROW], "column", extents[0], extents[0])
        if len(node.sub) != len(extents):
            what = "a matrix, give two" if len(extents) == 2 else "a vector, give one"
            raise InputError(f"{node.name}_{''.join(node.sub)} has {len(node.sub)} "
                             f"indices; {node.name} is {what}")
        value = family[tuple(self.index(a) for a in node.sub)]
        written = entry(value)   # S_7 must exist even where S_7 − S_7 cancels
        return Value(value, "scalar", conditions=(written,) if written is not None else ())

    # ---- the tree ------------------------------------------------------------------
    def read(self, node) -> Value:
        if isinstance(node, p.Num):
            return Value(sp.Rational(node.value), "scalar")
        if isinstance(node, p.Name):
            return self.name(node)
        if isinstance(node, p.Neg):
            v = self.read(node.operand)
            return replace(v, expr=-v.expr)
        if isinstance(node, p.Transpose):
            return self.transposed(node)
        if isinstance(node, (p.Add, p.Sub)):
            a, b = self.read(node.left), self.read(node.right)
            shape = same_shape(a, b, "+" if isinstance(node, p.Add) else "−", self.numbers())
            return Value(a.expr + b.expr if isinstance(node, p.Add) else a.expr - b.expr,
                          shape.shape, shape.rows, shape.cols, joint_conditions(a, b),
                          shape.inner)
        if isinstance(node, p.Mul):
            return self.product(node)
        if isinstance(node, p.Div):
            a, b = self.read(node.left), self.read(node.right)
            shape = same_shape(a, b, "/", self.numbers())
            return Value(a.expr / b.expr, shape.shape, shape.rows, shape.cols,
                          joint_conditions(a, b, extra=[nonzero(b.expr)]), shape.inner)
        if isinstance(node, p.MatMul):
            return matmul(self, self.read(node.left), self.read(node.right))
        if isinstance(node, p.Hadamard):
            return hadamard(self, self.read(node.left), self.read(node.right))
        if isinstance(node, p.Kron):
            return kron(self, self.read(node.left), self.read(node.right))
        if isinstance(node, p.Cond):
            return self.conditional(node)
        if isinstance(node, p.Pow):
            return self.power(node)
        if isinstance(node, p.Eq):
            return Value(self.indicator(node), "scalar")
        if isinstance(node, p.Call):
            return self.call(node)
        if isinstance(node, p.Tuple):
            raise InputError("a tuple such as (k, 1, N) belongs in Sum(f, (k, 1, N)) only")
        if isinstance(node, p.Entry):
            return self.entry(node)
        raise InputError(f"cannot use {type(node).__name__} here")  # pragma: no cover

    def transposed(self, node: p.Transpose) -> Value:
        """Sᵀ, S', W.T.  A scalar's transpose is itself, but written as a prime it may be a
        derivative (σ(z_j)'), and where T is the temperature a ^T may be its power: both
        are refused rather than guessed."""
        v = self.read(node.operand)
        if v.shape == "scalar" and node.prime:
            raise InputError("' after a number or an entry is not read: it may mean a "
                             "derivative; ' transposes a vector or a matrix (S', W')")
        if v.shape == "scalar" and "T" in self.constants:
            raise InputError("a transpose of a number, where T is the temperature: ^T could "
                             "be the power T; write ^{(T)} for the power, or leave the "
                             "transpose out")
        return transpose(v)

    def indicator(self, node: p.Eq) -> sp.Expr:
        """``[j = c]``, ``(i == j)``: the Kronecker delta; ``[i ≠ j]`` is 1 − δ_ij."""
        a, b = self.read(node.left), self.read(node.right)
        if not all(is_index(v.expr) for v in (a, b)):
            raise InputError("a comparison (i == j, [j = c], 1_{j=c}) compares two indices")
        delta = sp.KroneckerDelta(a.expr, b.expr)
        return 1 - delta if node.negated else delta

    def conditional(self, node: p.Cond) -> Value:
        """``A if i == j else B``: δ_ij A + (1 − δ_ij) B, both of one shape.  What either
        branch needs to have a value is required of the whole (conservatively: a branch's
        divisor counts where the other branch is taken too)."""
        then, other = self.read(node.then), self.read(node.other)
        shape = same_shape(then, other, "if … else", self.numbers())
        chosen = self.indicator(node.test)
        return Value(chosen * then.expr + (1 - chosen) * other.expr, shape.shape, shape.rows,
                     shape.cols, joint_conditions(then, other), shape.inner)

    def entry(self, node: p.Entry) -> Value:
        """``softmax(z)_i``, ``σ(z)_j``, ``(S − y)_j``: an entry of a vector; ``A_ij`` of a
        matrix."""
        v = self.read(node.operand)
        letters = [self.index(a) for a in node.sub]
        if v.shape in ("column", "row") and len(letters) == 1:
            places = {ROW: letters[0], COLUMN: letters[0]}
        elif v.shape == "matrix" and not v.inner and len(letters) == 2:
            places = dict(zip((ROW, COLUMN), letters))
        else:
            raise InputError(f"an entry takes one index of a vector, two of a matrix; got "
                             f"{len(letters)} of {dims(v)}")
        return Value(v.expr.xreplace(places), "scalar",
                     conditions=mapped(v.conditions, places))

    def product(self, node: p.Mul) -> Value:
        a, b = self.read(node.left), self.read(node.right)
        if (node.implicit or node.dot) and a.shape == "matrix" and b.shape == "matrix":
            return matmul(self, a, b)   # A B, A · B: the matrix product (A * B: NumPy's)
        return multiply(self, a, b)

    def numbers(self) -> list:
        """Letters that are numbers here, not free indices: summation indices bound by an
        enclosing sum, the number of classes (``n`` with ``--classes n``) and the other
        sizes (the batch size ``m``, a number or its symbol)."""
        return [*self.bound, self.n, *self.problem.size_symbols]

    def bound_letter(self) -> sp.Symbol:
        """A summation index that no name in the claim uses (k, l, m, …)."""
        used = {x.name for x in self.indices} | {x.name for x in self.bound} | self.taken
        for letter in "klmnqrstuvwab":
            if letter not in used:
                self.taken.add(letter)
                return sp.Symbol(letter, integer=True, positive=True)
        raise InputError("too many summation indices in one claim")

    def summed(self, sub: tuple[str, ...], body, low=1, high=None) -> Value:
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
        return Value(sp.Sum(inner.expr, (k, low, high)), inner.shape, inner.rows, inner.cols,
                      bind(inner.conditions, k, low, high), inner.inner)

    def power(self, node: p.Pow) -> Value:
        if (isinstance(node.exponent, p.Name) and node.exponent.name == "T"
                and not node.exponent.sub and self.read(node.base).shape != "scalar"):
            return transpose(self.read(node.base))   # p^T of a vector: no power is meant
        exponent = self.read(node.exponent)
        if exponent.expr.has(sp.zoo, sp.nan, sp.oo):
            raise InputError("the exponent divides by zero (a root of degree 0?)")
        if exponent.shape != "scalar" or exponent.expr.free_symbols & {ROW, COLUMN}:
            raise InputError("an exponent must be a number or a scalar")
        if exponent.expr.is_Number and abs(exponent.expr) > _MAX_EXPONENT:
            raise InputError(f"the exponent {exponent.expr} is too large (at most "
                             f"{_MAX_EXPONENT} in size)")
        if isinstance(node.base, p.Name) and node.base.name == "e" and not node.base.sub:
            return Value(sp.exp(exponent.expr), "scalar", conditions=exponent.conditions)
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
                raise InputError(f"{short(base.expr)}^{short(exponent.expr)} is too large "
                                 "a number (at most 300 digits)")
        needs = []   # the exponent is a number here (anything else was refused above)
        if not exponent.expr.is_Integer:   # a root: x^(1/3) needs x ≥ 0, x^(−1/2) x > 0
            needs.append(power_base(base.expr, exponent.expr))
        elif exponent.expr < 0:            # x^(−2) = 1/x²: a divisor
            needs.append(nonzero(base.expr))
        return Value(base.expr ** exponent.expr, base.shape, base.rows, base.cols,
                      joint_conditions(base, exponent, extra=needs), base.inner)

    def call(self, node: p.Call) -> Value:
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
            return Value(sp.Sum(v.expr.xreplace({ROW: k, COLUMN: k}), (k, 1, high)), "scalar",
                          conditions=bind(mapped(v.conditions, {ROW: k, COLUMN: k}), k, 1, high))
        if f in ("dot", "matmul"):   # np.dot(W.T, S - y): the matrix product
            a, b = self.values(node, 2)
            return matmul(self, a, b)
        if f == "kron":
            a, b = self.values(node, 2)
            return kron(self, a, b)
        if f in ("onehot", "one_hot"):
            return self.one_hot(node)
        if f in ("delta", "KroneckerDelta"):
            a, b = self.values(node, 2)
            return Value(sp.KroneckerDelta(a.expr, b.expr), "scalar")
        if f == "softmax":
            (v,) = self.values(node, 1)
            return Value(self.softmax_family(v)[ROW], "column", conditions=v.conditions)
        if f == "diag":
            (v,) = self.values(node, 1)
            if v.shape not in ("column", "row"):
                raise InputError("diag(…) takes a vector")
            extent = v.rows if v.shape == "column" else v.cols
            return Value(sp.KroneckerDelta(ROW, COLUMN) * v.expr.xreplace({COLUMN: ROW}), "matrix",
                          extent, extent, mapped(v.conditions, {COLUMN: ROW}))
        if f == "outer":
            a, b = self.values(node, 2)
            if {a.shape, b.shape} - {"column", "row"}:
                raise InputError("outer(a, b) takes two vectors")
            return Value(a.expr.xreplace({COLUMN: ROW}) * b.expr.xreplace({ROW: COLUMN}),
                         "matrix", length(a), length(b),
                         mapped(a.conditions, {COLUMN: ROW})
                         + mapped(b.conditions, {ROW: COLUMN}))
        (v,) = self.values(node, 1)
        needs = [positive(v.expr)] if f in ("log", "ln") else \
            [nonnegative(v.expr)] if f == "sqrt" else []
        function = {"exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt,
                    "sigmoid": lambda x: 1 / (1 + sp.exp(-x))}[f]
        return Value(function(v.expr), v.shape, v.rows, v.cols, joint_conditions(v, extra=needs),
                     v.inner)

    def one_hot(self, node: p.Call) -> Value:
        """``onehot(c)`` of a class is the column e_c; ``onehot(y)`` of the label vector is y
        itself (the target's y is the label vector, one-hot or any probability vector)."""
        (v,) = self.values(node, 1)
        if v.shape == "scalar" and is_index(v.expr):
            return Value(sp.KroneckerDelta(ROW, v.expr), "column")
        if v.shape == "column" and isinstance(v.expr, sp.Indexed) and str(v.expr.base) == "y":
            return v
        raise InputError(f"{node.func}(…) takes a class (onehot(c), the column e_c) or the "
                         "label vector (onehot(y), which is y)")

    def values(self, node: p.Call, count: int) -> list[Value]:
        if len(node.args) != count:
            raise InputError(f"{node.func}(…) takes {count} argument"
                             f"{'s' if count > 1 else ''}, got {len(node.args)}")
        return [self.read(a) for a in node.args]

    def sum_with_limits(self, args) -> Value:
        if len(args) != 2 or not isinstance(args[1], p.Tuple) or len(args[1].items) != 3:
            raise InputError("write Sum(f, (k, 1, N))")
        bound, low, high = args[1].items
        if not isinstance(bound, p.Name) or bound.sub:
            raise InputError("the first entry of (k, 1, N) is the summation index")
        low_value, high_value = self.read(low), self.read(high)
        return self.summed((bound.name,), args[0], low_value.expr, high_value.expr)


def short(number: sp.Expr) -> str:
    text = sp.sstr(number)
    return text if len(text) <= 24 else f"(a number of {len(text)} digits)"
