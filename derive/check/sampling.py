"""Seeded sample points for the checks of a claim at a concrete N, in float64 for a
vectorised evaluation and exactly for a proof at one point.

>>> from derive.catalog import get_target
>>> import sympy as sp
>>> sampler = Sampler(get_target("softmax-cross-entropy-grad").problem(3), 3, seed=0)
>>> sampler.closed(sp.Symbol("e_1", positive=True), 0)
exp(1/4)
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from .numeric import SCALARS, softmax

__all__ = ["Sampler", "POINTS"]

POINTS = 200   # the default number of points


class Sampler:
    """Seeded random points: logits normal (σ = 2), labels on the simplex under the
    target's assumption (else normal), probabilities a softmax of random logits; every
    drawn value rounded to two decimals, so that a point can be typed back exactly.

    ``column(symbol)`` gives a concrete symbol's float64 values at every point (for a
    vectorised evaluation), ``closed(symbol, row)`` its exact value at one point as a
    SymPy closed form (``exp(123/100)``), for :mod:`derive.check.intervals`.
    """

    def __init__(self, problem, n: int, seed: int, assumes=(), points: int = POINTS,
                 spread: bool = False):
        # spread: labels under Σ_k y_k = 1 anywhere on that hyperplane (negative entries
        # too), not only on the simplex — where a claim's divisor may vanish.
        rng = np.random.default_rng(seed)
        self.points = count = points
        self.n = n
        self.z = rng.normal(0.0, 2.0, size=(count, n)).round(2)
        # Probabilities to four decimals (at least 0.0001): the point shown is the point
        # computed, exactly (a float softmax printed to six digits is not).
        self.S = np.maximum(softmax(rng.normal(0.0, 1.0, size=(count, n)).round(2)).round(4),
                            1e-4)
        self.y = (rng.dirichlet(np.ones(n), size=count) if assumes and not spread
                  else rng.normal(0.0, 1.0, size=(count, n))).round(2)
        if assumes:   # the rounded labels must still sum to one
            self.y[:, -1] = 1.0 - self.y[:, :-1].sum(axis=1)
        self.scalars = {name: rng.uniform(low, high, size=count).round(2)
                        for name, (low, high) in SCALARS.items()}
        self.T = self.scalars["T"]
        self.uses_z = problem.softmax_of is not None or problem.sigmoid_of is not None
        if problem.sigmoid_of is not None and not assumes:   # binary labels live in [0, 1]
            self.y = rng.uniform(0.0, 1.0, size=(count, n)).round(2)
        self.scaled = problem.temperature is not None   # e_m = exp(z_m/T), u_m = z_m/T
        # A layer: W and x are free, and b = z − W x, so e_m = exp(z_m) stays the softmax's
        # exponential.  A batch: e_1 … e_mN are the exponentials of Z row by row.
        self.matrices: dict[str, np.ndarray] = {}
        if problem.convention is not None:
            shape = problem.size_of("W")
            self.matrices["W"] = rng.normal(0.0, 1.0, size=(count, *shape)).round(2)
            self.matrices["x"] = rng.normal(0.0, 1.0, size=(count, shape[1 if problem.convention == "Wx" else 0])).round(2)
            pattern = "pkd,pd->pk" if problem.convention == "Wx" else "pdk,pd->pk"
            self.matrices["b"] = self.z - np.einsum(pattern, self.matrices["W"], self.matrices["x"])
        if problem.batch:
            rows = problem.extent("m")
            self.matrices["Z"] = rng.normal(0.0, 2.0, size=(count, rows, n)).round(2)
            if assumes:
                labels = (rng.normal(0.0, 1.0, size=(count, rows, n)) if spread else
                          rng.dirichlet(np.ones(n), size=(count, rows))).round(2)
                labels[..., -1] = 1.0 - labels[..., :-1].sum(axis=-1)
            else:
                labels = rng.normal(0.0, 1.0, size=(count, rows, n)).round(2)
            self.matrices["Y"] = labels

    def arrays(self, symbols) -> list[np.ndarray]:
        return [self.column(s) for s in symbols]

    def column(self, symbol: sp.Symbol) -> np.ndarray:
        """The values of one concrete symbol (``e_2``, ``S_1``, ``y_3``, ``T``) at every point."""
        if symbol.name in self.scalars:
            return self.scalars[symbol.name]
        name, *tails = symbol.name.split("_")
        if name in self.matrices:   # W_2_3, x_1, Z_1_2, Y_2_1
            return self.matrices[name][(slice(None), *(int(a) - 1 for a in tails))]
        if name == "e" and "Z" in self.matrices:   # e_k = exp of the k-th entry of Z
            return np.exp(self.matrices["Z"].reshape(self.points, -1)[:, int(tails[0]) - 1])
        column = int(tails[0]) - 1
        u = self.z[:, column] / self.T if self.scaled else self.z[:, column]
        return {"e": lambda: np.exp(u), "u": lambda: u, "S": lambda: self.S[:, column],
                "z": lambda: self.z[:, column], "y": lambda: self.y[:, column]}[name]()

    def closed(self, symbol: sp.Symbol, row: int) -> sp.Expr:
        """The exact value of one symbol at one point: the decimal inputs as rationals,
        an exponential as ``exp`` of one (never rounded: rounding ``e_m`` and ``z_m``
        separately can make ``log e_m − z_m`` look nonzero)."""
        def decimal(x) -> sp.Rational:
            return sp.Rational(repr(float(x)))

        if symbol.name in self.scalars:
            return decimal(self.scalars[symbol.name][row])
        name, *tails = symbol.name.split("_")
        if name in self.matrices and name != "b":
            return decimal(self.matrices[name][(row, *(int(a) - 1 for a in tails))])
        if name == "e" and "Z" in self.matrices:
            return sp.exp(decimal(self.matrices["Z"][row].reshape(-1)[int(tails[0]) - 1]))
        column = int(tails[0]) - 1
        u = decimal(self.z[row, column])
        if self.scaled:
            u = u / decimal(self.T[row])
        return {"e": lambda: sp.exp(u), "u": lambda: u,
                "S": lambda: decimal(self.S[row, column]),
                "z": lambda: decimal(self.z[row, column]),
                "y": lambda: decimal(self.y[row, column])}[name]()

    def point(self, row: int, inputs) -> dict:
        shown = {}
        if self.matrices:
            for name in inputs:
                shown[name] = (self.matrices[name][row].tolist() if name in self.matrices
                               else self.y[row].tolist())
            return shown
        if self.uses_z:
            shown["z"] = self.z[row].tolist()
        elif "S" in inputs:
            shown["S"] = self.S[row].tolist()
        if "y" in inputs:
            shown["y"] = self.y[row].tolist()
        for name in self.scalars.keys() & set(inputs):
            shown[name] = float(self.scalars[name][row])
        return shown
