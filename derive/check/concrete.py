"""A problem at a concrete N: an index-notation expression written out for N classes.

Softmax outputs written as the softmax of the logits, sums written out term by term,
derivatives evaluated, each entry named (``z_3``), and ``exp(z_m)`` written ``e_m``: a
rational function whose zero test is exact.  The step checks (:mod:`derive.calculus.steps`), the
exact checks (:mod:`derive.check.exact`) and the verifier read claims through it.
"""

from __future__ import annotations

from contextlib import nullcontext

import sympy as sp

from ..calculus.indexed import evaluate_derivatives
from ..calculus.rewrite import exponentials_as_products
from ..functions import expand_sums, family_symbols, instantiate, sigmoid
from ..read.defined import size_values

__all__ = ["Concrete"]


class Concrete:
    """Turns index-notation expressions into concrete rational functions for one N.

    ``Concrete(problem, n)(expr, key, assumes)`` puts the index values ``key`` into
    ``expr``, writes the names the problem's definition defines (``S_m`` the softmax of
    the logits, ``q_m`` the smoothed labels, a layer's ``z_m``) as their definitions,
    expands sums, evaluates derivatives and names each entry, then writes
    ``exp(z_m) = e_m``: a rational function of ``e_m``, labels and probabilities, whose
    zero test is exact.  Under ``labels-sum-to-one`` the last label is ``1 − Σ`` the others.
    """

    def __init__(self, problem, n: int):
        self.problem, self.n = problem, n
        # The logits: z_1 … z_N, or every entry Z_p_k of a batch.
        self.z = family_symbols("Z", problem.size_of("Z")) if problem.batch \
            else family_symbols("z", n)
        self.e = sp.symbols(f"e_1:{len(self.z) + 1}", positive=True)
        self.y = family_symbols("y", n)
        self._prepared: dict[tuple, sp.Expr] = {}   # (expr, derivatives, evaluated) →
        # The extents of the definition's sums at this N: Σ_{r=1}^{D} of a layer's logits.
        self._sizes = size_values({"N": n, **dict(problem.sizes)})
        self._layer = {}
        if problem.convention is not None:
            # Change of variables b_m = z_m − Σ_r W x_r: the layer's exponentials are e_m.
            from ..functions import b, linear
            self._layer = {
                symbol: self.z[m] - instantiate(linear(m + 1, problem.extent("D"),
                                                       problem.convention) - b[m + 1], n)
                for m, symbol in enumerate(family_symbols("b", n))}

    def __call__(self, expr: sp.Expr, key: tuple[int, ...], assumes=()) -> sp.Expr:
        e = self.written_out(expr).xreplace(dict(zip(self.problem.indices, map(sp.Integer, key))))
        e = instantiate(e, self.n).xreplace(dict(self.problem.parameters))   # m = the batch size
        return self._assume(self.exponentials(e), assumes)

    def written_out(self, expr: sp.Expr, derivatives: bool = True,
                    evaluated: bool = True) -> sp.Expr:
        """Once per expression, indices still free: softmax written out, sums expanded,
        derivatives evaluated (``∂z_1/∂z_j = δ_1j``, decided when j gets its value) —
        or, ``derivatives=False``, left for :class:`derive.check.evaluator.Evaluator`.

        ``evaluated=False`` writes the sums out without SymPy's evaluation of each new
        term, for :class:`derive.check.evaluator.Evaluator`, which reads the tree as it stands: the
        N exponentials of a softmax's denominator each cost an ``exp.eval`` otherwise
        (most of the exact check of ``S_j − y_j`` at N = 1024)."""
        key = (expr, derivatives, evaluated)
        if key not in self._prepared:
            e = expr
            if self.problem.definition is not None:   # S, q, z: what the definition says
                e = self.problem.definition.written_out(e)
                e = self.problem.own(e.xreplace(self._sizes))
            e = e.rewrite(sigmoid, sp.exp) if e.has(sigmoid) else e   # σ written out
            with nullcontext() if evaluated else sp.evaluate(False):
                e = expand_sums(e)
            self._prepared[key] = evaluate_derivatives(e) if derivatives else e
        return self._prepared[key]

    def exponentials(self, e: sp.Expr) -> sp.Expr:
        """``exp(Σ a_m z_m)`` ↦ ``Π e_m^{a_m}``: a rational function, zero-testable.

        With a temperature, ``e_m = exp(z_m/T)``.  ``log(exp(u))`` is ``u`` first: every variable here is real, and SymPy keeps the
        pair only because its symbols carry no assumptions (a ``u`` with a root in it
        might not be real, and keeps it).
        """
        e = e.replace(lambda a: isinstance(a, sp.log) and isinstance(a.args[0], sp.exp)
                      and not _has_root(a.args[0].args[0]),
                      lambda a: a.args[0].args[0])
        logits = self.z
        if self._layer:
            e = e.xreplace(self._layer)
        if self.problem.temperature is not None:   # z_m = T·u_m, and e_m = exp(u_m)
            logits = family_symbols("u", self.n)
            e = e.xreplace({a: self.problem.temperature * b for a, b in zip(self.z, logits)})
        return exponentials_as_products(e, dict(zip(logits, self.e)).get)

    def _assume(self, e: sp.Expr, assumes) -> sp.Expr:
        for assumption in assumes:
            if assumption.name == "labels-sum-to-one":
                e = e.xreplace({self.y[-1]: 1 - sum(self.y[:-1])})
            if assumption.name == "rows-sum-to-one":   # the last label of every row
                for row in range(1, self.problem.extent("m") + 1):
                    labels = family_symbols(f"Y_{row}", self.n)
                    e = e.xreplace({labels[-1]: 1 - sum(labels[:-1])})
        return e


def _has_root(u: sp.Expr) -> bool:
    return any(not power.exp.is_integer for power in u.atoms(sp.Pow))
