"""The named targets, as data: a name, a title, a definition in the notation of ``--of``,
its inputs, its assumptions and options.  One function (:func:`problem_of`) builds what
any of them differentiates from its definition; no target has code of its own.

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

from .errors import InputError, UnknownTargetError

from .assumptions import Assumption
from .functions import CONVENTIONS, SCALAR_SYMBOLS, S, Y, i, k, q, sigmoid, y
from .problem import OPTIONS, Problem


__all__ = ["Target", "Problem", "TARGETS", "get_target", "problem_of", "definition_for",
           "labels_sum_to_one",
           "OPTIONS", "rows_sum_to_one", "ASSUMED"]


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
    """A named derivative that the library and the CLI share: data, nothing else.

    ``problem(n)`` builds the construction for ``n`` classes from ``definition`` alone
    (:func:`problem_of`); ``reference`` names a numerically stable float64
    implementation written by hand in :mod:`derive.check.numeric` for the finite
    differences to use (empty: the definition evaluated stably, as for ``--of``);
    ``layout`` describes the rows and columns of the matrix shown.
    """

    name: str
    title: str
    summary: str
    # The function in the notation of `--of` (derive.read.definition): the one engine
    # (derive.calculus.strategy) derives it, as it derives a user's definition.
    definition: str
    # The inputs in the order a point gives them (--at, a --python function's
    # parameters); the first is the variable differentiated against by default.
    inputs: tuple[str, ...]
    reference: str
    layout: str
    assume: tuple[str, ...] = ()   # the hypotheses its textbook result uses
    # What results are called when not the definition's left side: log S_i, or L for a
    # loss indexed by its label (L_c).
    quantity: sp.Expr | None = None
    min_classes: int = 2  # N = 1 makes sense where the outputs are independent
    unit: str = "classes"  # what N counts, in headings ("outputs" for independent sigmoids)
    options: tuple[str, ...] = ()  # the OPTIONS it takes, e.g. ("inputs", "wrt", "convention")
    wrt_choices: tuple[str, ...] = ()  # the variables --wrt may name; the first is the default
    symbolic: bool = True  # whether N may be a symbol
    # The definition under an option that changes the function: (option, value, text).
    variants: tuple[tuple[str, str, str], ...] = ()
    # Whether a second chain through the argument of the softmax is shown beside the
    # first (a layer's gradient: ∂L/∂z = S − y, then the layer alone).
    shortcut: bool = False
    # 2: the second derivative, with respect to the first input twice (the Hessian): the
    # first derivative, derived from the definition, differentiated again.
    order: int = 1
    # A problem made elsewhere, for a target that is not in the catalogue (a user's
    # `--of` definition, derive.definitions): n ↦ Problem.
    builder: Callable[[int | sp.Symbol], Problem] | None = None

    def problem(self, n, **options) -> Problem:
        """The problem for ``n`` classes with these (already validated) options."""
        if self.builder is not None:
            return self.builder(n)
        return _problem(self, n, tuple(sorted(options.items())))

    def definition_of(self, problem: Problem) -> str:
        """The definition of the function ``problem`` differentiates (its options
        chosen): ``softmax(Wᵀ x + b)`` under ``--convention WTx``."""
        return self._definition(dict(problem.options))

    def _definition(self, options: dict) -> str:
        for option, value, text in self.variants:
            if options.get(option, OPTIONS[option]) == value:
                return text
        return self.definition

    def build(self, n, **options) -> Problem:
        """The problem for ``n`` classes with ``options`` (validated names, defaults filled in).

        Raises:
            InputError: an option this target does not take, or a value it does not know.
        """
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


@lru_cache(maxsize=256)  # a pure function of the data: the same Problem for the same request
def _problem(target: Target, n, options: tuple) -> Problem:
    # An option not given takes its default, as `Target.build` gives it.
    chosen = {name: dict(options).get(name, OPTIONS[name]) for name in target.options}
    if chosen.get("wrt", "") is None:
        chosen["wrt"] = target.wrt_choices[0]
    return problem_of(target, n, chosen)


def problem_of(target: Target, n, options: dict) -> Problem:
    """What ``target`` differentiates at ``n`` classes with ``options``, from its data:
    the definition (for the options) written out through its intermediates to the
    inputs alone, σ as ``1/(1 + e^{−x})``, the sizes set in the limits of sums and in
    formulas — except the number of examples ``m`` that a mean divides by, which stays
    a symbol in formulas (results read ``(S − Y)/m``) and is given its value by the
    problem's ``parameters``.

    >>> problem_of(TARGETS["temperature-softmax-jacobian"], 3, {}).function
    exp(z[i]/T)/Sum(exp(z[k]/T), (k, 1, 3))
    """
    from .read.definition import EXTENTS
    wrt = options.get("wrt") or target.inputs[0]
    definition = _read(target._definition(options), target.order, wrt)
    letters = {str(s) for s in definition._symbols()} - set(EXTENTS) - {
        str(c) for c in definition.constants}   # the index letters, not N, D, m or T
    if isinstance(n, sp.Symbol) and n != EXTENTS["N"] and n.name in letters:
        raise InputError(f"{n} already names an index in the derivation of {target.name}; "
                         "write the number of classes with another letter, such as N")
    variable = definition.variable(wrt)
    values = {"N": n, "D": options.get("inputs"), "m": options.get("batch")}
    limits = {EXTENTS[e]: v for e, v in values.items() if v is not None and v != EXTENTS[e]}
    batch_mean = EXTENTS["m"] in _formula_symbols(definition.body)
    formulas = {s: v for s, v in limits.items() if not (s == EXTENTS["m"] and batch_mean)}
    function = definition.written_out(definition.body).rewrite(sigmoid, sp.exp)
    function = function.replace(lambda e: isinstance(e, sp.Sum), lambda e: sp.Sum(
        e.function, *((bound, low, high.xreplace(limits)) for bound, low, high in e.limits)))
    # The catalogue's own constants (ε ≥ 0, where the definition reader's is positive):
    # results and claims about the target speak of them (Problem.own).
    function = function.xreplace({**formulas, **{
        c: SCALAR_SYMBOLS[c.name] for c in definition.constants if c.name in SCALAR_SYMBOLS}})
    shapes = dict(definition.families)
    shapes.update({str(x.family): (*x.row_extents, x.extent) for x in definition.defined
                   if x.row_extents})
    problem = Problem(
        name=target.quantity if target.quantity is not None else definition.name,
        function=function, output_index=definition.outputs[0] if definition.outputs else None,
        wrt=variable.base,
        wrt_index=variable.indices[0] if len(variable.indices) == 1 else variable.indices,
        inputs=target.inputs, classes=n,
        sizes=tuple((e, values[e]) for e in ("D", "m") if values[e] is not None),
        shapes=tuple((name, shape) for name, shape in shapes.items() if shape != ("N",)),
        ranges=tuple((index, extent) for index, extent in zip(variable.indices,
                                                                definition.shape(wrt))
                     if extent != "N"),
        parameters=((EXTENTS["m"], values["m"]),) if values["m"] is not None else (),
        options=tuple(sorted(options.items())), definition=definition)
    return replace(problem, assumptions=tuple(ASSUMED[text](n, problem.smoothing)
                                              for text in target.assume))


def _formula_symbols(expr: sp.Expr) -> set:
    """The symbols of ``expr`` outside the limits of its sums."""
    if isinstance(expr, sp.Sum):
        return _formula_symbols(expr.function) - {b for b, *_ in expr.limits}
    if isinstance(expr, sp.Symbol):
        return {expr}
    return set().union(*(_formula_symbols(a) for a in expr.args)) if expr.args else set()


@lru_cache(maxsize=64)
def _read(text: str, order: int = 1, wrt: str = "z"):
    """The definition of a target: as written, or for a second derivative its gradient
    with respect to ``wrt``, derived (:mod:`derive.calculus.successive`)."""
    from .read.definition import read_definition
    definition = read_definition(text)
    if order == 1:
        return definition
    from .calculus.strategy import derive_definition
    from .calculus.successive import gradient_definition
    first = derive_definition(definition, wrt)
    return gradient_definition(definition, first.variable, first.general)


def definition_for(target: Target, problem: Problem):
    """The :class:`~derive.read.definition.Definition` that ``problem`` (of ``target``)
    differentiates: the target's, for its options; for a second derivative, its gradient."""
    return _read(target.definition_of(problem), target.order, str(problem.wrt))


# The hypotheses a target may state (its ``assume``), with their names and texts.
ASSUMED = {
    "Σ_k y_k = 1": labels_sum_to_one,
    "Σ_k Y_nk = 1": lambda n, smoothing=None: rows_sum_to_one(n),
}


TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("softmax-jacobian", "softmax Jacobian",
           "Jacobian of S = softmax(z) with respect to the logits z",
           "S_i = softmax(z)_i", ("z",), "softmax",
           "rows i = output S_i, columns j = input z_j"),
    Target("log-softmax-jacobian", "log-softmax Jacobian",
           "Jacobian of log S = log softmax(z) with respect to z",
           "L_i = log_softmax(z)_i", ("z",), "log_softmax",
           "rows i = output log S_i, columns j = input z_j", quantity=sp.log(S[i])),
    Target("cross-entropy-grad", "cross-entropy gradient in the probabilities",
           "gradient of L = −Σ_k y_k log S_k with respect to the probabilities S",
           "L = -Σ_k y_k log(S_k)", ("S", "y"), "cross_entropy", "entry j = ∂L/∂S_j"),
    Target("softmax-cross-entropy-grad", "softmax cross-entropy gradient",
           "gradient of L = −Σ_k y_k log softmax(z)_k with respect to the logits z",
           "L = -Σ_k y_k log(softmax(z)_k)", ("z", "y"), "softmax_cross_entropy",
           "entry j = ∂L/∂z_j", assume=("Σ_k y_k = 1",)),
    Target("softmax-cross-entropy-hessian", "softmax cross-entropy Hessian",
           "Hessian of L = −Σ_k y_k log softmax(z)_k with respect to the logits z: the "
           "gradient ∂L/∂z_i differentiated again",
           "L = -Σ_k y_k log(softmax(z)_k)", ("z", "y"), "",
           "rows i = ∂/∂z_i, columns j = ∂/∂z_j", assume=("Σ_k y_k = 1",), order=2),
    Target("sparse-softmax-cross-entropy-grad", "sparse softmax cross-entropy gradient",
           "gradient of L = −log softmax(z)_c, c an integer class label, with respect to z",
           "L_c = -log_softmax(z)_c", ("z", "c"), "sparse_softmax_cross_entropy",
           "rows c = label class, columns j = input z_j", quantity=sp.Symbol("L")),
    Target("temperature-softmax-jacobian", "softmax Jacobian with a temperature",
           "Jacobian of S = softmax(z/T) with respect to the logits z, T > 0 the temperature",
           "S_i = softmax(z/T)_i", ("z", "T"), "temperature_softmax",
           "rows i = output S_i, columns j = input z_j"),
    Target("label-smoothing-cross-entropy-grad", "label-smoothing cross-entropy gradient",
           "gradient of L = −Σ_k q_k log softmax(z)_k, q = (1 − ε) y + ε/N the smoothed "
           "labels, with respect to the logits z",
           "L = -Σ_k q_k log(softmax(z)_k); q_k = (1 - ε) y_k + ε/N", ("z", "y", "eps"),
           "label_smoothing_cross_entropy", "entry j = ∂L/∂z_j", assume=("Σ_k y_k = 1",)),
    Target("sigmoid-binary-cross-entropy-grad", "sigmoid binary cross-entropy gradient",
           "gradient of L = −Σ_k [y_k log σ(z_k) + (1 − y_k) log(1 − σ(z_k))], N independent "
           "sigmoid outputs (N = 1: the binary case), with respect to the logits z",
           "L = -Σ_k (y_k log σ(z_k) + (1 - y_k) log(1 - σ(z_k)))", ("z", "y"),
           "sigmoid_binary_cross_entropy", "entry j = ∂L/∂z_j", min_classes=1,
           unit="outputs"),
    Target("linear-softmax-jacobian", "Jacobian of a softmax layer",
           "Jacobian of S = softmax(W x + b) with respect to the weights W (or the bias b)",
           "S_t = softmax(z)_t; z_k = Σ_{r=1}^{D} W_kr x_r + b_k", ("W", "x", "b"),
           "linear_softmax", "rows t = output S_t, columns = the variable's entries, W row by row",
           options=("inputs", "wrt", "convention"), wrt_choices=("W", "b"),
           variants=(("convention", "WTx", "S_t = softmax(z)_t; z_k = Σ_{r=1}^{D} W_rk x_r + b_k"),)),
    Target("linear-softmax-cross-entropy-grad", "cross-entropy gradient of a softmax layer",
           "gradient of L = −Σ_k y_k log softmax(W x + b)_k with respect to W (or x, b)",
           "L = -Σ_k y_k log(softmax(z)_k); z_k = Σ_{r=1}^{D} W_kr x_r + b_k",
           ("W", "x", "b", "y"), "linear_softmax_cross_entropy", "shaped like the variable",
           assume=("Σ_k y_k = 1",), options=("inputs", "wrt", "convention"),
           wrt_choices=("W", "x", "b"),
           variants=(("convention", "WTx",
                      "L = -Σ_k y_k log(softmax(z)_k); z_k = Σ_{r=1}^{D} W_rk x_r + b_k"),),
           shortcut=True),
    Target("batch-softmax-cross-entropy-grad", "softmax cross-entropy gradient of a batch",
           "gradient of L = −(1/m) Σ_n Σ_k Y_nk log softmax(Z_n)_k, one example per row of "
           "the m × N logits Z, with respect to Z",
           "L = -1/m Σ_{n=1}^{m} Σ_k Y_nk log(softmax(Z_n)_k)", ("Z", "Y"),
           "batch_softmax_cross_entropy", "rows i = example, columns j = class",
           assume=("Σ_k Y_nk = 1",), options=("batch", "reduction"), wrt_choices=("Z",),
           variants=(("reduction", "sum", "L = -Σ_{n=1}^{m} Σ_k Y_nk log(softmax(Z_n)_k)"),)),
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
