"""The named targets: one small function per target builds what is to be differentiated.

A target says *what* to differentiate (a function in index notation, with respect to
which family), never what the answer is: results come from :mod:`derive.derivation`.

>>> sorted(TARGETS)[:2]
['cross-entropy-grad', 'label-smoothing-cross-entropy-grad']
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
from .functions import S, T, binary_cross_entropy, c, cross_entropy, eps, i, j, k, log_softmax, q, smoothed, softmax, y, z
from .rewrite import Assumption

__all__ = ["Target", "Problem", "TARGETS", "get_target", "labels_sum_to_one"]


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
        softmax_of: the logits when ``S`` in the result stands for ``softmax(z)``.
        classes: the number of classes N, an int or a symbol.
        temperature: the symbol ``T`` when ``S`` stands for ``softmax(z/T)``.
        smoothing: the symbol ``ε`` when the labels are smoothed, ``q = (1 − ε) y + ε/N``:
            ``q`` in a result stands for that.
        sigmoid_of: the logits when results are written through ``σ(z_x)`` (elementwise
            sigmoid outputs, no softmax).
    """

    name: sp.Expr
    function: sp.Expr
    output_index: sp.Symbol | None
    wrt: sp.IndexedBase
    wrt_index: sp.Symbol
    inputs: tuple[str, ...]
    assumptions: tuple[Assumption, ...] = ()
    softmax_of: sp.IndexedBase | None = z
    classes: int | sp.Symbol = 3
    temperature: sp.Symbol | None = None
    smoothing: sp.Symbol | None = None
    sigmoid_of: sp.IndexedBase | None = None

    @property
    def indices(self) -> tuple[sp.Symbol, ...]:
        """The free indices of the result: (output, input) or (input,)."""
        if self.output_index is None:
            return (self.wrt_index,)
        return (self.output_index, self.wrt_index)


@dataclass(frozen=True)
class Target:
    """A named derivative that the library and the CLI share.

    ``problem(n)`` builds the construction for ``n`` classes; ``reference`` names the
    numerically stable float64 implementation in :mod:`derive.numeric` that the finite
    differences use; ``layout`` describes the rows and columns of the matrix shown.
    """

    name: str
    title: str
    summary: str
    problem: Callable[[int | sp.Symbol], Problem]
    reference: str
    layout: str
    route: str = ""  # the textbook route in derive.routes; "" means the target's own name
    min_classes: int = 2  # N = 1 makes sense where the outputs are independent
    unit: str = "classes"  # what N counts, in headings ("outputs" for independent sigmoids)


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
                   softmax_of=None, classes=n)


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
                   wrt=z, wrt_index=j, inputs=("z", "T"), classes=n, temperature=T)


@lru_cache(maxsize=64)  # a pure builder: the same Problem for the same n
def _label_smoothing_cross_entropy_grad(n):
    return Problem(name=sp.Symbol("L"),
                   function=-sp.Sum(smoothed(y, k, n, eps) * sp.log(softmax(z, k, n)), (k, 1, n)),
                   output_index=None, wrt=z, wrt_index=j, inputs=("z", "y", "eps"),
                   assumptions=(labels_sum_to_one(n, eps),), classes=n, smoothing=eps)


@lru_cache(maxsize=64)  # a pure builder: the same Problem for the same n
def _sigmoid_binary_cross_entropy_grad(n):
    return Problem(name=sp.Symbol("L"), function=binary_cross_entropy(y, z, n),
                   output_index=None, wrt=z, wrt_index=j, inputs=("z", "y"),
                   softmax_of=None, sigmoid_of=z, classes=n)


TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("softmax-jacobian", "softmax Jacobian",
           "Jacobian of S = softmax(z) with respect to the logits z",
           _softmax_jacobian, "softmax", "rows i = output S_i, columns j = input z_j"),
    Target("log-softmax-jacobian", "log-softmax Jacobian",
           "Jacobian of log S = log softmax(z) with respect to z",
           _log_softmax_jacobian, "log_softmax", "rows i = output log S_i, columns j = input z_j"),
    Target("cross-entropy-grad", "cross-entropy gradient in the probabilities",
           "gradient of L = −Σ_k y_k log S_k with respect to the probabilities S",
           _cross_entropy_grad, "cross_entropy", "entry j = ∂L/∂S_j"),
    Target("softmax-cross-entropy-grad", "softmax cross-entropy gradient",
           "gradient of L = −Σ_k y_k log softmax(z)_k with respect to the logits z",
           _softmax_cross_entropy_grad, "softmax_cross_entropy", "entry j = ∂L/∂z_j"),
    Target("sparse-softmax-cross-entropy-grad", "sparse softmax cross-entropy gradient",
           "gradient of L = −log softmax(z)_c, c an integer class label, with respect to z",
           _sparse_softmax_cross_entropy_grad, "sparse_softmax_cross_entropy",
           "rows c = label class, columns j = input z_j"),
    Target("temperature-softmax-jacobian", "softmax Jacobian with a temperature",
           "Jacobian of S = softmax(z/T) with respect to the logits z, T > 0 the temperature",
           _temperature_softmax_jacobian, "temperature_softmax",
           "rows i = output S_i, columns j = input z_j"),
    Target("label-smoothing-cross-entropy-grad", "label-smoothing cross-entropy gradient",
           "gradient of L = −Σ_k q_k log softmax(z)_k, q = (1 − ε) y + ε/N the smoothed "
           "labels, with respect to the logits z",
           _label_smoothing_cross_entropy_grad, "label_smoothing_cross_entropy",
           "entry j = ∂L/∂z_j"),
    Target("sigmoid-binary-cross-entropy-grad", "sigmoid binary cross-entropy gradient",
           "gradient of L = −Σ_k [y_k log σ(z_k) + (1 − y_k) log(1 − σ(z_k))], N independent "
           "sigmoid outputs (N = 1: the binary case), with respect to the logits z",
           _sigmoid_binary_cross_entropy_grad, "sigmoid_binary_cross_entropy",
           "entry j = ∂L/∂z_j", min_classes=1, unit="outputs"),
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
