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
from dataclasses import dataclass, replace

import sympy as sp

from .errors import UnknownTargetError

from .assumptions import Assumption
from .functions import (CONVENTIONS, S, T, W, Y, Z, b, binary_cross_entropy, c, cross_entropy,
                        define_family, eps, i, j, k, l, linear, log_softmax, n_example, q, r,
                        smoothed, softmax, t, x, y, z)
from .problem import OPTIONS, Problem
from .sizes import BATCH

# The batch size as it appears in a mean: a positive integer symbol, given a value by the
# problem's parameters.
m = BATCH

__all__ = ["Target", "Problem", "TARGETS", "get_target", "labels_sum_to_one", "OPTIONS",
           "rows_sum_to_one"]


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
