"""A numerically stable float64 evaluation of any expression of the definition notation.

The numeric check of a user's definition needs what :mod:`derive.check.numeric` has for
each catalogue target — a stable reference implementation — for a function nobody wrote
by hand.  :func:`evaluate` walks the index-notation expression with NumPy, all sample
points at once (axis 0), and evaluates the named pieces the stable way:

* a softmax family ``S`` with max-subtraction, and ``log S_x`` as ``u_x − logsumexp(u)``
  (never ``log`` of an underflowed 0);
* ``log Σ_m e^{u_m}`` as ``logsumexp``;
* ``σ(a)`` on the branch that cannot overflow, ``softplus(a)`` as ``logaddexp(0, a)``.

>>> import numpy as np, sympy as sp
>>> from derive.read.definition import read_definition
>>> d = read_definition("L = logsumexp(z)")
>>> values = {"z": np.array([[1000.0, 1000.0]])}
>>> round(float(evaluate(d.body, d, values, {"N": 2, "D": 1})[0]) - 1000.0, 9)   # log 2
0.693147181
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np
import sympy as sp

from ..errors import InputError
from ..functions import sigmoid, softplus
from ..read.definition import size_values

__all__ = ["evaluate", "Evaluation"]


def evaluate(expr: sp.Expr, definition, values: Mapping[str, np.ndarray],
             sizes: Mapping[str, int], env: Mapping[sp.Symbol, int] | None = None,
             constants: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
    """``expr`` at every point: an array of shape ``(points,)``.

    Args:
        expr: an expression in the definition's families, intermediates and indices.
        definition: the :class:`~derive.read.definition.Definition`.
        values: each input family (and scalar constant) as an array, points first.
        sizes: the extents, ``{"N": 3, "D": 2}``.
        env: the values of the free indices.
    """
    return Evaluation(definition, values, sizes).of(expr, dict(env or {}))


class Evaluation:
    """One evaluation: the inputs, the sizes, and the intermediate families computed
    once each (stably)."""

    def __init__(self, definition, values: Mapping[str, np.ndarray], sizes: Mapping[str, int]):
        self.definition = definition
        self.values = dict(values)
        self.sizes = size_values(sizes)
        self.points = next(iter(values.values())).shape[0]
        self.families: dict[str, np.ndarray] = {}
        self.logs: dict[str, np.ndarray] = {}

    # ---- families -----------------------------------------------------------------
    def family(self, base: sp.IndexedBase) -> np.ndarray:
        """An input family's array, or an intermediate's, computed on first use."""
        name = str(base)
        if name in self.values:
            return self.values[name]
        if name not in self.families:
            item = self.definition.intermediate(base)
            if item is None:
                raise InputError(f"no values for {name}")
            if item.kind == "softmax":   # over the last index: of each row for S_nk
                u = self.family(item.argument)
                shifted = u - u.max(axis=-1, keepdims=True)
                logs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
                self.logs[name] = logs
                self.families[name] = np.exp(logs)
            else:
                extents = [self.extent(e) for e in (*item.row_extents, item.extent)]
                indices = (*item.rows, item.index)
                array = np.empty((self.points, *extents))
                for key in itertools.product(*(range(1, e + 1) for e in extents)):
                    array[(slice(None), *(k - 1 for k in key))] = self.of(
                        item.body, dict(zip(indices, key)))
                self.families[name] = array
        return self.families[name]

    def extent(self, name: str) -> int:
        return self.sizes[sp.Symbol(name, integer=True, positive=True)]

    def entry(self, node: sp.Indexed, env) -> np.ndarray:
        array = self.family(node.base)
        at = tuple(int(self.integer(i, env)) - 1 for i in node.indices)
        return array[(slice(None), *at)]

    def integer(self, index: sp.Expr, env) -> int:
        if index in env:
            return int(env[index])
        if index.is_Integer:
            return int(index)
        value = sp.sympify(index).xreplace({k: sp.Integer(v) for k, v in env.items()})
        value = value.xreplace({k: sp.Integer(v) for k, v in self.sizes.items()})
        if not value.is_Integer:
            raise InputError(f"the index {index} has no value here")
        return int(value)

    # ---- the tree ----------------------------------------------------------------
    def of(self, node: sp.Expr, env) -> np.ndarray:
        """The value of ``node`` with the indices of ``env``."""
        if node.is_Number:
            return np.full(self.points, float(node))
        if node.is_Symbol:
            if node in env:
                return np.full(self.points, float(env[node]))
            if node in self.sizes:
                return np.full(self.points, float(self.sizes[node]))
            if node == self.definition.name:   # H in −S_j(log S_j + H): its definition
                return self.of(self.definition.body, {})
            return self.values[str(node)]
        if isinstance(node, sp.Indexed):
            return self.entry(node, env)
        if isinstance(node, sp.KroneckerDelta):
            a, b = (self.integer(x, env) for x in node.args)
            return np.full(self.points, 1.0 if a == b else 0.0)
        if isinstance(node, sp.Add):
            return sum(self.of(a, env) for a in node.args)
        if isinstance(node, sp.Mul):
            out = np.ones(self.points)
            for a in node.args:
                out = out * self.of(a, env)
            return out
        if isinstance(node, sp.Pow):
            base, exponent = node.args
            with np.errstate(all="ignore"):
                return np.power(self.of(base, env), self.of(exponent, env))
        if isinstance(node, sp.Sum):
            return self.summed(node, env)
        if isinstance(node, sp.log):
            return self.log(node.args[0], env)
        if isinstance(node, sp.exp):
            with np.errstate(over="ignore"):
                return np.exp(self.of(node.args[0], env))
        if isinstance(node, sigmoid):
            a = self.of(node.args[0], env)
            with np.errstate(over="ignore"):
                return np.where(a >= 0, 1 / (1 + np.exp(-np.abs(a))),
                                np.exp(-np.abs(a)) / (1 + np.exp(-np.abs(a))))
        if isinstance(node, softplus):
            return np.logaddexp(0.0, self.of(node.args[0], env))
        if isinstance(node, sp.tanh):
            return np.tanh(self.of(node.args[0], env))
        if isinstance(node, sp.Derivative):
            raise InputError("a derivative has no stable evaluation here")
        if node == sp.E:
            return np.full(self.points, np.e)
        raise InputError(f"cannot evaluate {type(node).__name__} numerically")

    def is_softmax(self, node: sp.Expr) -> bool:
        """A softmax output ``S_x`` or a power of one."""
        if isinstance(node, sp.Pow):
            node = node.base
        if not isinstance(node, sp.Indexed):
            return False
        item = self.definition.intermediate(node.base)
        return item is not None and item.kind == "softmax"

    def summed(self, node: sp.Sum, env) -> np.ndarray:
        *inner, (bound, low, high) = node.limits
        body = sp.Sum(node.function, *inner) if inner else node.function
        total = np.zeros(self.points)
        for m in range(self.integer(low, env), self.integer(high, env) + 1):
            total = total + self.of(body, {**env, bound: m})
        return total

    def log(self, argument: sp.Expr, env) -> np.ndarray:
        """``log`` the stable way where the argument is a softmax output, a quotient of
        one, or a sum of exponentials."""
        if isinstance(argument, sp.Indexed):
            item = self.definition.intermediate(argument.base)
            if item is not None and item.kind == "softmax":
                self.family(argument.base)
                at = tuple(self.integer(i, env) - 1 for i in argument.indices)
                return self.logs[str(argument.base)][(slice(None), *at)]
        if isinstance(argument, sp.Sum) and len(argument.limits) == 1 and \
                isinstance(argument.function, sp.exp):
            (bound, low, high), = argument.limits
            terms = np.stack([self.of(argument.function.args[0], {**env, bound: m})
                              for m in range(self.integer(low, env),
                                             self.integer(high, env) + 1)], axis=1)
            top = terms.max(axis=1)
            return top + np.log(np.exp(terms - top[:, None]).sum(axis=1))
        if isinstance(argument, sp.Mul) and any(self.is_softmax(f) for f in argument.args):
            # log(y_k/S_k) = log y_k − log S_k: the softmax output's log the stable way
            total = np.zeros(self.points)
            for factor in argument.args:
                if isinstance(factor, sp.Pow) and factor.exp.is_Number:
                    total = total + float(factor.exp) * self.log(factor.base, env)
                else:
                    total = total + self.log(factor, env)
            return total
        if isinstance(argument, sp.Pow) and argument.exp.is_Number and \
                self.is_softmax(argument.base):
            return float(argument.exp) * self.log(argument.base, env)
        if isinstance(argument, sigmoid):   # log σ(a) = −softplus(−a)
            return -np.logaddexp(0.0, -self.of(argument.args[0], env))
        if isinstance(argument, sp.Add) and len(argument.args) == 2 and sp.S.One in \
                argument.args and any(isinstance(-a, sigmoid) for a in argument.args):
            inner = next(-a for a in argument.args if isinstance(-a, sigmoid))
            return -np.logaddexp(0.0, self.of(inner.args[0], env))   # log(1 − σ(a))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(self.of(argument, env))
