"""The named targets: one small function per target builds what is to be differentiated.

A target says *what* to differentiate (a function in index notation, with respect to
which family), never what the answer is: results come from :mod:`derive.derivation`.

>>> sorted(TARGETS)[:2]
['batch-softmax-cross-entropy-grad', 'cross-entropy-grad']
>>> get_target("softmax-jacobian").problem(3).function
exp(z[i])/Sum(exp(z[k]), (k, 1, 3))
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from collections.abc import Callable
from typing import TYPE_CHECKING
from dataclasses import dataclass, replace

import sympy as sp

from .errors import UnknownTargetError
from .functions import sigmoid
import itertools

from .assumptions import Assumption
from .functions import (CONVENTIONS, S, T, W, Y, Z, b, binary_cross_entropy, c, cross_entropy,
                        define_family, eps, family_symbols, i, j, k, l, linear, log_softmax,
                        n_example, q, r, smoothed, softmax, t, x, y, z)
from .sizes import BATCH

if TYPE_CHECKING:
    from .read.defined import Defined, Definition

# The batch size as it appears in a mean: a positive integer symbol, given a value by the
# problem's parameters.
m = BATCH

__all__ = ["Target", "Problem", "TARGETS", "get_target", "labels_sum_to_one", "OPTIONS",
           "rows_sum_to_one"]

# The options a target may take besides the number of classes, with their defaults:
# the input size D, the batch size m, the variable differentiated against, the layout
# convention of the layer and the reduction of a batch loss.
OPTIONS = {"inputs": 3, "batch": 2, "wrt": None, "convention": "Wx", "reduction": "mean"}


def labels_sum_to_one(n: int | sp.Symbol, smoothing: sp.Symbol | None = None) -> Assumption:
    """The assumption ``Σ_k y_k = 1``: y is a probability vector (one-hot included).

    With label smoothing it implies ``Σ_k q_k = (1 − ε)·1 + ε = 1``, which the result uses.
    """
    base = Assumption(
        name="labels-sum-to-one",
        quantity=sp.Sum(y[k], (k, 1, n)),
        value=sp.Integer(1),
        text="Σ_k y_k = 1 (y is a probability vector, e.g. one-hot)",
        latex=r"\sum_{k} y_k = 1",
    )
    if smoothing is None:
        return base
    return replace(base, text=base.text[:-1] + "; then Σ_k q_k = 1)",
                   latex=base.latex + r" \text{, so } \sum_{k} q_k = 1",
                   implies=((sp.Sum(q[k], (k, 1, n)), sp.Integer(1)),))


def rows_sum_to_one(n: int | sp.Symbol) -> Assumption:
    """The assumption ``Σ_k Y_ik = 1`` for every example i: each row of Y is a
    probability vector (``index`` i stands for any example)."""
    return Assumption(
        name="rows-sum-to-one",
        quantity=sp.Sum(Y[i, k], (k, 1, n)),
        value=sp.Integer(1),
        text="Σ_k Y_ik = 1 for every example i (each row of Y is a probability vector)",
        latex=r"\sum_{k} Y_{ik} = 1 \text{ for every example } i",
        index=i,
    )


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


@dataclass(frozen=True)
class Target:
    """A named derivative that the library and the CLI share.

    ``problem(n)`` builds the construction for ``n`` classes (``builder`` writes the
    function; the definition, read from ``definition``, says what its names stand for); ``reference`` names the
    numerically stable float64 implementation in :mod:`derive.check.numeric` that the finite
    differences use; ``layout`` describes the rows and columns of the matrix shown.
    """

    name: str
    title: str
    summary: str
    builder: Callable[[int | sp.Symbol], Problem]
    reference: str
    layout: str
    min_classes: int = 2  # N = 1 makes sense where the outputs are independent
    unit: str = "classes"  # what N counts, in headings ("outputs" for independent sigmoids)
    options: tuple[str, ...] = ()  # the OPTIONS it takes, e.g. ("inputs", "wrt", "convention")
    wrt_choices: tuple[str, ...] = ()  # the variables --wrt may name; the first is the default
    symbolic: bool = True  # whether N may be a symbol
    # The target in the notation of `--of` (derive.read.definition), with its assumptions:
    # the one engine (derive.calculus.strategy) derives the same results from it, which
    # tests/test_catalog_definitions.py pins.  Empty where the notation cannot say it yet.
    definition: str = ""
    assume: tuple[str, ...] = ()
    # The definition under an option that changes the function: (option, value, text).
    variants: tuple[tuple[str, str, str], ...] = ()
    # Whether a second chain through the argument of the softmax is shown beside the
    # first (a layer's gradient: ∂L/∂z = S − y, then the layer alone).
    shortcut: bool = False

    def problem(self, n, **options) -> Problem:
        """The problem for ``n`` classes with these (already validated) options."""
        return _problem(self, n, tuple(sorted(options.items())))

    def definition_of(self, problem: Problem) -> str:
        """The definition of the function ``problem`` differentiates (its options
        chosen): ``softmax(Wᵀ x + b)`` under ``--convention WTx``."""
        for option, value, text in self.variants:
            if problem.option(option) == value:
                return text
        return self.definition

    def build(self, n, **options) -> Problem:
        """The problem for ``n`` classes with ``options`` (validated names, defaults filled in).

        Raises:
            InputError: an option this target does not take, or a value it does not know.
        """
        from .errors import InputError
        given = {name: value for name, value in options.items() if value is not None}
        for name, value in given.items():
            if name not in self.options:
                raise InputError(f"{self.name} takes no --{name} option"
                                 + (f" (it takes {', '.join('--' + o for o in self.options)})"
                                    if self.options else ""))
        if "wrt" in given and given["wrt"] not in self.wrt_choices:
            raise InputError(f"{self.name} is differentiated with respect to "
                             f"{' or '.join(self.wrt_choices)}; --wrt {given['wrt']} is not one "
                             "of its variables")
        if "convention" in given and given["convention"] not in CONVENTIONS:
            raise InputError(f"unknown convention {given['convention']!r}; known: "
                             + "; ".join(f"{key} ({text})" for key, text in CONVENTIONS.items()))
        if "reduction" in given and given["reduction"] not in ("mean", "sum"):
            raise InputError(f"unknown reduction {given['reduction']!r}; give mean or sum")
        if not self.options:
            return self.problem(n)
        chosen = {name: given.get(name, OPTIONS[name]) for name in self.options}
        if "wrt" in chosen and chosen["wrt"] is None:
            chosen["wrt"] = self.wrt_choices[0]
        return self.problem(n, **chosen)


@lru_cache(maxsize=256)  # a pure builder: the same Problem for the same target and options
def _problem(target: Target, n, options: tuple) -> Problem:
    problem = target.builder(n, **dict(options))
    if not target.definition:
        return problem
    return replace(problem, definition=_read(target.definition_of(problem)))


@lru_cache(maxsize=64)
def _read(text: str):
    from .read.definition import read_definition
    return read_definition(text)


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


@lru_cache(maxsize=64)  # a pure builder: the same Problem for the same n
def _softmax_jacobian(n):
    return Problem(name=S[i], function=softmax(z, i, n), output_index=i,
                   wrt=z, wrt_index=j, inputs=("z",), classes=n)


@lru_cache(maxsize=64)  # a pure builder: the same Problem for the same n
def _log_softmax_jacobian(n):
    return Problem(name=sp.log(S[i]), function=log_softmax(z, i, n), output_index=i,
                   wrt=z, wrt_index=j, inputs=("z",), classes=n)


@lru_cache(maxsize=64)  # a pure builder: the same Problem for the same n
def _cross_entropy_grad(n):
    return Problem(name=sp.Symbol("L"), function=cross_entropy(y, lambda m: S[m], n),
                   output_index=None, wrt=S, wrt_index=j, inputs=("S", "y"),
                   classes=n)


@lru_cache(maxsize=64)  # a pure builder: the same Problem for the same n
def _softmax_cross_entropy_grad(n):
    return Problem(name=sp.Symbol("L"),
                   function=cross_entropy(y, lambda m: softmax(z, m, n), n),
                   output_index=None, wrt=z, wrt_index=j, inputs=("z", "y"),
                   assumptions=(labels_sum_to_one(n),), classes=n)


@lru_cache(maxsize=64)  # a pure builder: the same Problem for the same n
def _sparse_softmax_cross_entropy_grad(n):
    return Problem(name=sp.Symbol("L"), function=-log_softmax(z, c, n), output_index=c,
                   wrt=z, wrt_index=j, inputs=("z", "c"), classes=n)


@lru_cache(maxsize=64)  # a pure builder: the same Problem for the same n
def _temperature_softmax_jacobian(n):
    return Problem(name=S[i], function=softmax(z, i, n, T), output_index=i,
                   wrt=z, wrt_index=j, inputs=("z", "T"), classes=n)


@lru_cache(maxsize=64)  # a pure builder: the same Problem for the same n
def _label_smoothing_cross_entropy_grad(n):
    return Problem(name=sp.Symbol("L"),
                   function=-sp.Sum(smoothed(y, k, n, eps) * sp.log(softmax(z, k, n)), (k, 1, n)),
                   output_index=None, wrt=z, wrt_index=j, inputs=("z", "y", "eps"),
                   assumptions=(labels_sum_to_one(n, eps),), classes=n)


@lru_cache(maxsize=64)  # a pure builder: the same Problem for the same n
def _sigmoid_binary_cross_entropy_grad(n):
    return Problem(name=sp.Symbol("L"), function=binary_cross_entropy(y, z, n),
                   output_index=None, wrt=z, wrt_index=j, inputs=("z", "y"),
                   classes=n)


def _layer_shapes(convention: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    weights = ("N", "D") if convention == "Wx" else ("D", "N")
    return (("W", weights), ("x", ("D",)))


def _layer_logits(expr: sp.Expr, d, convention: str) -> sp.Expr:
    """``expr`` with every logit z_m written as the layer's ``Σ_r W x_r + b_m``."""
    return define_family(expr, z, lambda e: linear(e.indices[0], d, convention))


# The variable of a layer target and its indices: (family, indices, their extents).
def _layer_variable(wrt: str, convention: str):
    if wrt == "W":
        return (W, (i, j), ((i, "N"), (j, "D")) if convention == "Wx" else ((i, "D"), (j, "N")))
    if wrt == "x":
        return (x, j, ((j, "D"),))
    return (b, j, ())


@lru_cache(maxsize=64)  # a pure builder: the same Problem for the same options
def _linear_softmax_jacobian(n, inputs=3, wrt="W", convention="Wx"):
    family, index, ranges = _layer_variable(wrt, convention)
    ranges = ((t, "N"),) + ranges
    return Problem(name=S[t], function=_layer_logits(softmax(z, t, n), inputs, convention),
                   output_index=t, wrt=family, wrt_index=index, inputs=("W", "x", "b"),
                   classes=n, sizes=(("D", inputs),), shapes=_layer_shapes(convention),
                   ranges=ranges,
                   options=(("inputs", inputs), ("wrt", wrt), ("convention", convention)))


@lru_cache(maxsize=64)  # a pure builder: the same Problem for the same options
def _linear_softmax_cross_entropy_grad(n, inputs=3, wrt="W", convention="Wx"):
    family, index, ranges = _layer_variable(wrt, convention)
    loss = cross_entropy(y, lambda m: softmax(z, m, n), n)
    return Problem(name=sp.Symbol("L"), function=_layer_logits(loss, inputs, convention),
                   output_index=None, wrt=family, wrt_index=index, inputs=("W", "x", "b", "y"),
                   assumptions=(labels_sum_to_one(n),), classes=n, sizes=(("D", inputs),),
                   shapes=_layer_shapes(convention), ranges=ranges,
                   options=(("inputs", inputs), ("wrt", wrt), ("convention", convention)))


def row_softmax(logits: sp.IndexedBase, row: sp.Expr, index: sp.Expr, n) -> sp.Expr:
    """``S_row,index = exp(Z_row,index) / Σ_l exp(Z_row,l)``: the softmax of one row.

    The sum's letter is one that neither the row nor the column uses: ``S_kj`` (row k,
    inside a sum over k of the claim) must not become ``e^{Z_kj}/Σ_k e^{Z_kk}``.

    >>> row_softmax(Z, k, j, 3)
    exp(Z[k, j])/Sum(exp(Z[k, l]), (l, 1, 3))
    """
    bound = next(s for s in (k, l, t, r) if not (sp.sympify(row).has(s)
                                                  or sp.sympify(index).has(s)))
    return sp.exp(logits[row, index]) / sp.Sum(sp.exp(logits[row, bound]), (bound, 1, n))


@lru_cache(maxsize=64)  # a pure builder: the same Problem for the same options
def _batch_softmax_cross_entropy_grad(n, batch=2, reduction="mean"):
    total = -sp.Sum(sp.Sum(Y[n_example, k] * sp.log(row_softmax(Z, n_example, k, n)), (k, 1, n)),
                    (n_example, 1, batch))
    # The mean divides by the symbol m, the number of rows, so that results read (S − Y)/m;
    # `parameters` gives its value wherever numbers are computed.
    return Problem(name=sp.Symbol("L"), function=total / m if reduction == "mean" else total,
                   output_index=None, wrt=Z, wrt_index=(i, j), inputs=("Z", "Y"),
                   assumptions=(rows_sum_to_one(n),), classes=n, sizes=(("m", batch),),
                   shapes=(("Z", ("m", "N")), ("Y", ("m", "N")), ("S", ("m", "N"))),
                   ranges=((i, "m"),), parameters=((m, batch),),
                   options=(("batch", batch), ("reduction", reduction)))


TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("softmax-jacobian", "softmax Jacobian",
           "Jacobian of S = softmax(z) with respect to the logits z",
           _softmax_jacobian, "softmax", "rows i = output S_i, columns j = input z_j",
           definition="S_i = softmax(z)_i"),
    Target("log-softmax-jacobian", "log-softmax Jacobian",
           "Jacobian of log S = log softmax(z) with respect to z",
           _log_softmax_jacobian, "log_softmax", "rows i = output log S_i, columns j = input z_j",
           definition="L_i = log_softmax(z)_i"),
    Target("cross-entropy-grad", "cross-entropy gradient in the probabilities",
           "gradient of L = −Σ_k y_k log S_k with respect to the probabilities S",
           _cross_entropy_grad, "cross_entropy", "entry j = ∂L/∂S_j",
           definition="L = -Σ_k y_k log(S_k)"),
    Target("softmax-cross-entropy-grad", "softmax cross-entropy gradient",
           "gradient of L = −Σ_k y_k log softmax(z)_k with respect to the logits z",
           _softmax_cross_entropy_grad, "softmax_cross_entropy", "entry j = ∂L/∂z_j",
           definition="L = -Σ_k y_k log(softmax(z)_k)", assume=("Σ_k y_k = 1",)),
    Target("sparse-softmax-cross-entropy-grad", "sparse softmax cross-entropy gradient",
           "gradient of L = −log softmax(z)_c, c an integer class label, with respect to z",
           _sparse_softmax_cross_entropy_grad, "sparse_softmax_cross_entropy",
           "rows c = label class, columns j = input z_j",
           definition="L_c = -log_softmax(z)_c"),
    Target("temperature-softmax-jacobian", "softmax Jacobian with a temperature",
           "Jacobian of S = softmax(z/T) with respect to the logits z, T > 0 the temperature",
           _temperature_softmax_jacobian, "temperature_softmax",
           "rows i = output S_i, columns j = input z_j", definition="S_i = softmax(z/T)_i"),
    Target("label-smoothing-cross-entropy-grad", "label-smoothing cross-entropy gradient",
           "gradient of L = −Σ_k q_k log softmax(z)_k, q = (1 − ε) y + ε/N the smoothed "
           "labels, with respect to the logits z",
           _label_smoothing_cross_entropy_grad, "label_smoothing_cross_entropy",
           "entry j = ∂L/∂z_j",
           definition="L = -Σ_k q_k log(softmax(z)_k); q_k = (1 - ε) y_k + ε/N",
           assume=("Σ_k y_k = 1",)),
    Target("sigmoid-binary-cross-entropy-grad", "sigmoid binary cross-entropy gradient",
           "gradient of L = −Σ_k [y_k log σ(z_k) + (1 − y_k) log(1 − σ(z_k))], N independent "
           "sigmoid outputs (N = 1: the binary case), with respect to the logits z",
           _sigmoid_binary_cross_entropy_grad, "sigmoid_binary_cross_entropy",
           "entry j = ∂L/∂z_j", min_classes=1, unit="outputs",
           definition="L = -Σ_k (y_k log σ(z_k) + (1 - y_k) log(1 - σ(z_k)))"),
    Target("linear-softmax-jacobian", "Jacobian of a softmax layer",
           "Jacobian of S = softmax(W x + b) with respect to the weights W (or the bias b)",
           _linear_softmax_jacobian, "linear_softmax",
           "rows t = output S_t, columns = the variable's entries, W row by row",
           options=("inputs", "wrt", "convention"), wrt_choices=("W", "b"),
           definition="S_t = softmax(z)_t; z_k = Σ_{r=1}^{D} W_kr x_r + b_k",
           variants=(("convention", "WTx", "S_t = softmax(z)_t; z_k = Σ_{r=1}^{D} W_rk x_r + b_k"),)),
    Target("linear-softmax-cross-entropy-grad", "cross-entropy gradient of a softmax layer",
           "gradient of L = −Σ_k y_k log softmax(W x + b)_k with respect to W (or x, b)",
           _linear_softmax_cross_entropy_grad, "linear_softmax_cross_entropy",
           "shaped like the variable", options=("inputs", "wrt", "convention"),
           wrt_choices=("W", "x", "b"),
           definition="L = -Σ_k y_k log(softmax(z)_k); z_k = Σ_{r=1}^{D} W_kr x_r + b_k",
           variants=(("convention", "WTx",
                      "L = -Σ_k y_k log(softmax(z)_k); z_k = Σ_{r=1}^{D} W_rk x_r + b_k"),),
           assume=("Σ_k y_k = 1",), shortcut=True),
    Target("batch-softmax-cross-entropy-grad", "softmax cross-entropy gradient of a batch",
           "gradient of L = −(1/m) Σ_n Σ_k Y_nk log softmax(Z_n)_k, one example per row of "
           "the m × N logits Z, with respect to Z",
           _batch_softmax_cross_entropy_grad, "batch_softmax_cross_entropy",
           "rows i = example, columns j = class", options=("batch", "reduction"),
           wrt_choices=("Z",),
           definition="L = -1/m Σ_{n=1}^{m} Σ_k Y_nk log(softmax(Z_n)_k)",
           variants=(("reduction", "sum", "L = -Σ_{n=1}^{m} Σ_k Y_nk log(softmax(Z_n)_k)"),),
           assume=("Σ_k Y_nk = 1",)),
)}


def get_target(name: str) -> Target:
    """The target called ``name``.

    Raises:
        UnknownTargetError: for an unknown name, suggesting the closest known ones.

    >>> get_target("softmax-jacobain")
    Traceback (most recent call last):
    ...
    derive.errors.UnknownTargetError: unknown target 'softmax-jacobain'; did you mean softmax-jacobian? (see `derive list`)
    """
    try:
        return TARGETS[name]
    except (KeyError, TypeError):
        pass
    close = _closest(str(name), TARGETS)
    hint = f"did you mean {' or '.join(close)}?" if close else f"known: {', '.join(TARGETS)}"
    raise UnknownTargetError(f"unknown target {str(name)!r}; {hint} (see `derive list`)")


def _closest(name: str, known) -> list[str]:
    """The known names nearest to ``name``: the best match and any about as good."""
    scored = sorted(((difflib.SequenceMatcher(None, name, k).ratio(), k) for k in known),
                    reverse=True)
    if not scored or scored[0][0] < 0.5:
        return []
    return [k for score, k in scored if score >= scored[0][0] - 0.02][:3]
