"""What one target differentiates: the function at N classes, its variable and indices,
the sizes and shapes of its families, and — read from its definition, never stored per
target — what the names of results and claims stand for (``S`` the softmax of ``z/T``,
``q`` the smoothed labels, a layer's ``z``).

>>> from derive.catalog import get_target
>>> p = get_target("temperature-softmax-jacobian").problem(3)
>>> p.temperature, sorted(p.names)
(T, ['S', 'z'])
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sympy as sp

from .assumptions import Assumption
from .functions import family_symbols, sigmoid

if TYPE_CHECKING:
    from .read.defined import Defined, Definition

__all__ = ["Problem", "OPTIONS"]

# The options a target may take besides the number of classes, with their defaults:
# the input size D, the batch size m, the variable differentiated against, the layout
# convention of the layer and the reduction of a batch loss.
OPTIONS = {"inputs": 3, "batch": 2, "wrt": None, "convention": "Wx", "reduction": "mean"}


@dataclass(frozen=True)
class Problem:
    """What one target differentiates, for ``n`` classes.

    Attributes:
        name: the differentiated quantity as written on the left, e.g. ``S[i]`` or ``L``.
        function: its definition in index notation, in the output index if it has one.
        output_index: ``i`` for a vector output, ``c`` for a family of scalars indexed by
            a class, ``None`` for one scalar.
        wrt: the family differentiated against (``z`` or ``S``), with index ``wrt_index``.
        inputs: the variables a point must give (``--at``), in order.
        assumptions: the hypotheses the textbook result uses, applied in order.
        classes: the number of classes N, an int or a symbol.
        sizes: the other extents and their sizes, e.g. ``(("D", 3),)`` inputs or
            ``(("m", 2),)`` examples; the classes are the extent ``"N"``.
        shapes: the families whose shape is not ``(N,)``, by extent names:
            ``(("W", ("N", "D")), ("x", ("D",)))``.
        ranges: the free indices that do not run over the classes: ``((j, "D"),)``.
        parameters: symbols that stand for a size in formulas, with their values: the
            batch size ``m`` of a mean, so that results read ``(S − Y)/m``.
        options: the options the problem was built with (``inputs``, ``wrt`` …), to
            build the same problem for another N.
        definition: the target's definition in the notation of ``--of``
            (:class:`~derive.read.defined.Definition`): what the names of results and
            claims stand for (``S`` the softmax of ``z/T``, ``q`` the smoothed labels,
            ``z = W x + b``) is read from its intermediates, never stored per target.
            ``None`` for a ``--of`` problem, whose claims are read against the definition
            itself (:mod:`derive.read.definition_claims`).
    """

    name: sp.Expr
    function: sp.Expr
    output_index: sp.Symbol | None
    wrt: sp.IndexedBase
    wrt_index: sp.Symbol
    inputs: tuple[str, ...]
    assumptions: tuple[Assumption, ...] = ()
    classes: int | sp.Symbol = 3
    sizes: tuple[tuple[str, int | sp.Symbol], ...] = ()
    shapes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    ranges: tuple[tuple[sp.Symbol, str], ...] = ()
    parameters: tuple[tuple[sp.Symbol, int], ...] = ()
    options: tuple[tuple[str, object], ...] = ()
    definition: Definition | None = None

    # ---- what the names of results stand for, read from the definition ----------------
    def _softmax(self) -> Defined | None:
        """The definition's softmax intermediate (``S``), if it has one."""
        if self.definition is None:
            return None
        return next((x for x in self.definition.defined if x.kind == "softmax"), None)

    def _scaling(self) -> Defined | None:
        """The softmax's argument when it is one family scaled by a constant (``z/T``)."""
        return None if self.definition is None else _scaled_of(self.definition)

    @property
    def softmax_of(self) -> sp.IndexedBase | None:
        """The logits when ``S`` in a result stands for their softmax: ``z`` for
        ``softmax(z)``, ``softmax(z/T)`` and a layer's ``softmax(z)``, ``z = W x + b``."""
        s = self._softmax()
        if s is None:
            return None
        scaled = self._scaling()
        return next(iter(_families(scaled.body))) if scaled is not None else s.argument

    @property
    def temperature(self) -> sp.Symbol | None:
        """The constant ``T`` when ``S`` stands for ``softmax(z/T)``."""
        scaled = self._scaling()
        return None if scaled is None else self.own(scaled.body.as_numer_denom()[1])

    @property
    def smoothing(self) -> sp.Symbol | None:
        """The constant ``ε`` of a family defined from the labels besides the softmax's
        argument (``q_k = (1 − ε) y_k + ε/N``): ``q`` in a result stands for it."""
        if self.definition is None:
            return None
        s = self._softmax()
        for item in self.definition.defined:
            if item.kind == "argument" and (s is None or item.family != s.argument):
                found = [a for a in self.definition.constants if item.body.has(a)]
                if found:
                    return self.own(found[0])
        return None

    @property
    def sigmoid_of(self) -> sp.IndexedBase | None:
        """The logits when results are written through ``σ(z_x)``: the family inside
        the definition's sigmoids."""
        if self.definition is None:
            return None
        arguments = [f.args[0] for f in self.definition.body.atoms(sigmoid)]
        if not arguments or not all(isinstance(a, sp.Indexed) and len(a.indices) == 1
                                    for a in arguments):
            return None   # σ(2 z_k) is not the output σ(z)
        inside = {a.base for a in arguments}
        return next(iter(inside)) if len(inside) == 1 else None

    @property
    def convention(self) -> str | None:
        """``"Wx"`` or ``"WTx"`` when the logits are a linear layer of the inputs (read
        from the shape of ``W``); ``None`` otherwise."""
        s = self._softmax()
        layer = self.definition.intermediate(s.argument) if s is not None else None
        if layer is None or str(layer.family) != "z":
            return None
        # Exactly z_k = Σ_{r=1}^{D} W_kr x_r + b_k (or W_rk): the layer the checks know.
        W, x, b = (sp.IndexedBase(name) for name in "Wxb")
        k, r = layer.index, sp.Dummy("r")
        for convention, weight in (("Wx", W[k, r]), ("WTx", W[r, k])):
            written = b[k] + sp.Sum(weight * x[r], (r, 1, sp.Symbol("D", integer=True,
                                                                        positive=True)))
            if _same_sum(layer.body, written):
                return convention
        return None

    @property
    def batch(self) -> bool:
        """Whether ``S`` is a softmax of each row of an m × N matrix of logits."""
        s = self._softmax()
        return s is not None and bool(s.rows) and str(s.argument) == "Z"

    def own(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` (read from the definition) in the problem's own constants: the
        definition reader's ε is positive, the label-smoothing target's ε may be 0."""
        if self.definition is None or not self.definition.constants:
            return expr
        mine = {s.name: s for s in self.function.free_symbols if isinstance(s, sp.Symbol)}
        return expr.xreplace({c: mine[c.name] for c in self.definition.constants
                              if c.name in mine})

    def in_definition(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` (in the problem's own constants and its letter for a symbolic number
        of classes, ``n`` if the user chose it) in the definition's: the inverse of
        :meth:`own`, to bring a claim about a target to the definition's normal form."""
        from .read.defined import CLASSES
        if self.definition is None:
            return expr
        theirs = {c.name: c for c in self.definition.constants}
        mapping = {s: theirs[s.name] for s in expr.free_symbols
                   if isinstance(s, sp.Symbol) and s.name in theirs}
        if isinstance(self.classes, sp.Symbol) and self.classes != CLASSES:
            mapping[self.classes] = CLASSES
        return expr.xreplace(mapping) if mapping else expr

    @property
    def constants(self) -> dict[str, sp.Symbol]:
        """The definition's scalar constants by the names a claim may call them: ``T``;
        ``ε`` also as ``eps`` and ``epsilon``."""
        if self.definition is None:
            return {}
        out = {}
        for constant in self.definition.constants:
            names = ("eps", "epsilon", "ε") if constant.name == "eps" else (constant.name,)
            out.update(dict.fromkeys(names, self.own(constant)))
        return out

    @property
    def names(self) -> frozenset[str]:
        """The families a claim may name: the definition's inputs, its softmax outputs,
        the families it names after ``;`` (``q``, ``z``) and the quantity itself when it
        is a vector (``h`` of ``h_i = tanh(…)``), not the reader's own letters for an
        argument (``u`` of ``z/T``)."""
        if self.definition is None:
            return frozenset(self.inputs)
        d = self.definition
        return frozenset({name for name, _ in d.families}
                         | {str(x.family) for x in d.defined if not x.own})

    @property
    def size_symbols(self) -> set[sp.Symbol]:
        """The symbols that stand for a size in formulas, never an index: N when symbolic,
        the batch size ``m`` of a mean, a symbolic D or m."""
        sizes = [self.classes, *(symbol for symbol, _ in self.parameters),
                 *(size for _, size in self.sizes)]
        return {s for s in sizes if isinstance(s, sp.Symbol)}

    @property
    def wrt_indices(self) -> tuple[sp.Symbol, ...]:
        """The indices of the variable: ``(j,)`` for z_j, ``(i, j)`` for W_ij."""
        return self.wrt_index if isinstance(self.wrt_index, tuple) else (self.wrt_index,)

    @property
    def indices(self) -> tuple[sp.Symbol, ...]:
        """The free indices of the result: output indices first, then the variable's."""
        if self.output_index is None:
            return self.wrt_indices
        return (self.output_index, *self.wrt_indices)

    @property
    def variable(self) -> sp.Expr:
        """The variable differentiated against, in index notation: ``z[j]``, ``W[i, j]``."""
        return self.wrt[self.wrt_index]

    def extent(self, name: str) -> int | sp.Symbol:
        """The size of an extent: ``"N"`` the classes, ``"D"`` inputs, ``"m"`` examples."""
        return self.classes if name == "N" else dict(self.sizes)[name]

    def shape(self, family: str) -> tuple[str, ...]:
        """The extents of a family's positions: ``("N",)`` unless stated otherwise."""
        return dict(self.shapes).get(family, ("N",))

    def range_of(self, index: sp.Symbol) -> str:
        """The extent a free index runs over."""
        return dict(self.ranges).get(index, "N")

    def size_of(self, family: str) -> tuple[int, ...]:
        """The concrete shape of a family, e.g. ``(3, 4)`` for W with N = 3, D = 4."""
        return tuple(self.extent(e) for e in self.shape(family))

    def keys(self, indices) -> list[tuple[int, ...]]:
        """Every combination of concrete values of ``indices``, the last varying fastest."""
        return list(itertools.product(*(range(1, self.extent(self.range_of(a)) + 1)
                                        for a in indices)))

    def output_keys(self) -> list[tuple[int, ...]]:
        """The rows of the derivative: one per output (one row ``()`` for a scalar)."""
        return [()] if self.output_index is None else self.keys((self.output_index,))

    def variables(self) -> tuple[sp.Symbol, ...]:
        """The concrete entries of the variable, row by row: ``W_1_1, W_1_2, …``."""
        shape = self.size_of(str(self.wrt))
        return family_symbols(str(self.wrt), shape if len(shape) > 1 else shape[0])

    def option(self, name: str):
        """The value of an option the problem was built with (or its default)."""
        return dict(self.options).get(name, OPTIONS[name])




def _families(expr: sp.Expr) -> set[sp.IndexedBase]:
    return {a.base for a in expr.atoms(sp.Indexed)}


def _same_sum(a: sp.Expr, b: sp.Expr) -> bool:
    """Equal up to the names of the summation indices."""
    def canonical(e):
        return e.replace(lambda s: isinstance(s, sp.Sum) and len(s.limits) == 1,
                         lambda s: s.xreplace({s.limits[0][0]: sp.Symbol("_bound")}))
    return sp.expand(canonical(a) - canonical(b)) == 0


def _scaled_of(definition) -> Defined | None:
    """The argument of the definition's softmax when it is one family scaled by a
    constant (``u = z/T``), else ``None``."""
    s = next((x for x in definition.defined if x.kind == "softmax"), None)
    inner = definition.intermediate(s.argument) if s is not None else None
    if inner is None or inner.rows:
        return None
    # Exactly an entry over a constant, z_m/T: not T z_m, not z_m − T.
    top, bottom = inner.body.as_numer_denom()
    if isinstance(top, sp.Indexed) and top.indices == (inner.index,) and \
            bottom in definition.constants:
        return inner
    return None
