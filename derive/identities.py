"""Identities between targets, derived and checked: two-class softmax is a sigmoid.

An :class:`Identity` is one or more chains of equalities (:class:`Chain`), each step made
by a rule or by a result that :func:`derive.derivation.derivation` derives, and each
checked exactly against the chain's first line (a rational function of ``e_m = exp(z_m)``
and the labels, under the stated assumptions) and numerically at random points.

>>> identity = two_class_softmax()
>>> [sp.sstr(chain.steps[-1].rhs) for chain in identity.chains]
['sigmoid(z[1] - z[2])', 'S[1] - y[1]']
>>> all(step.check.exact for chain in identity.chains for step in chain.steps)
True
"""

from __future__ import annotations

import difflib

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import sympy as sp

from .assumptions import Assumption
from .calculus.indexed import recognise_sigmoid
from .calculus.steps import Step
from .catalog import get_target, labels_sum_to_one
from .check.concrete import Concrete
from .check.numeric import lambdify_entries
from .errors import StepError, UnknownTargetError
from .functions import S, sigmoid, y, z

__all__ = ["Identity", "Chain", "IdentityCheck", "IDENTITIES", "get_identity", "two_class_softmax"]

# Random points of the numeric check of each step.
POINTS = 8


@dataclass(frozen=True)
class IdentityCheck:
    """How one step was checked against its chain's first line."""

    exact: bool
    points: int
    max_abs_error: float


@dataclass(frozen=True)
class Chain:
    """``lhs = steps[0].rhs = steps[1].rhs = …``, each step checked."""

    lhs: sp.Expr
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Identity:
    """A named identity: its chains, what they show, and what it assumes."""

    name: str
    title: str
    summary: str
    chains: tuple[Chain, ...]
    conclusion: str
    summary_latex: str
    assumptions: tuple[Assumption, ...] = ()


@lru_cache(maxsize=None)
def two_class_softmax(seed: int = 0) -> Identity:
    """For two classes, ``S_1 = σ(z_1 − z_2)``, and the softmax cross-entropy gradient
    ``S_1 − y_1`` is the binary cross-entropy gradient ``σ(d) − y_1`` at the logit
    difference ``d = z_1 − z_2``: softmax over 2 classes *is* logistic regression."""
    z1, z2, y1, y2 = z[1], z[2], y[1], y[2]
    problem = get_target("softmax-cross-entropy-grad").problem(2)
    assumption = labels_sum_to_one(2)

    # S_1 = e^{z_1}/(e^{z_1} + e^{z_2}): divide by e^{z_1}, then recognise σ in the
    # difference d (the change of variables z_1 = d + z_2 leaves one logit).
    definition = sp.exp(z1) / (sp.exp(z1) + sp.exp(z2))
    divided = 1 / sp.powsimp(sp.expand(sp.exp(z2) / sp.exp(z1)) + 1)
    d = sp.Symbol("d")
    in_d = sp.powsimp(sp.expand(divided.xreplace({z1: d + z2})))
    recognised = recognise_sigmoid(in_d, (d,)).xreplace({d: z1 - z2})
    first = Chain(S[1], (
        Step(definition, "definition of the softmax for two classes", "definition"),
        Step(divided, "divide numerator and denominator by the first exponential", "divide"),
        Step(recognised, "definition of the sigmoid", "recognise-sigmoid",
             facts=((sigmoid(sp.Symbol("x")), 1 / (1 + sp.exp(-sp.Symbol("x")))),)),
    ))

    # ∂L/∂z_1 for L = −y_1 log S_1 − y_2 log S_2: the same loss as the binary
    # cross-entropy of σ(d), so its gradient is that target's result, derived at N = 1.
    loss = -y1 * sp.log(S[1]) - y2 * sp.log(S[2])
    binary = -y1 * sp.log(recognised) - (1 - y1) * sp.log(1 - recognised)
    bce = _derived("sigmoid-binary-cross-entropy-grad", 1)
    j = get_target("sigmoid-binary-cross-entropy-grad").problem(1).wrt_index
    u = sp.Symbol("u")
    through_bce = (bce.xreplace({z[j]: u, y[j]: y1}) * sp.diff(z1 - z2, z1)).xreplace({u: z1 - z2})
    softmax_ce = _derived("softmax-cross-entropy-grad", 2).xreplace({problem.wrt_index: 1})
    second = Chain(sp.Derivative(sp.Symbol("L"), z1), (
        Step(sp.Derivative(loss, z1), "definition of the cross-entropy for two classes",
             "definition", facts=((sp.Symbol("L"), loss),)),
        Step(sp.Derivative(binary, z1), "substitute the first chain", "substitute",
             facts=((S[1], recognised), (S[2], 1 - S[1]), (y2, 1 - y1)),
             assumes=(assumption,)),
        Step(through_bce, "the sigmoid binary cross-entropy gradient (derived, N = 1) "
             "and the chain rule through the logit difference", "lemma",
             facts=((d, z1 - z2), (sp.Derivative(d, z1), sp.diff(z1 - z2, z1))),
             assumes=(assumption,)),
        Step(softmax_ce, "the softmax cross-entropy gradient (derived, N = 2)", "lemma",
             assumes=(assumption,)),
    ))
    chains = tuple(_checked(chain, problem, seed) for chain in (first, second))
    return Identity(
        name="two-class-softmax", title="two-class softmax is a sigmoid",
        summary="for N = 2, S_1 = σ(z_1 − z_2), and the softmax cross-entropy gradient is "
                "the binary cross-entropy gradient at the logit difference",
        chains=chains,
        conclusion="S_1 = σ(z_1 − z_2) and ∂L/∂z_1 = σ(z_1 − z_2) − y_1 = S_1 − y_1: "
                   "sigmoid-binary-cross-entropy-grad at the logit z_1 − z_2 and "
                   "softmax-cross-entropy-grad at N = 2 agree",
        summary_latex=r"For $N = 2$, $S_1 = \sigma(z_1 - z_2)$, and the softmax cross-entropy "
                      r"gradient is the binary cross-entropy gradient at the logit difference.",
        assumptions=(assumption,))


def _derived(target: str, n: int) -> sp.Expr:
    from .derivation import derivation
    return derivation(target, n, check=False, steps=False).result


def _checked(chain: Chain, problem, seed: int) -> Chain:
    """Every step equal to the first, exactly (rational functions in e_m = exp(z_m) and
    the labels, y_2 = 1 − y_1 where a step assumes it) and at random points."""
    concrete = Concrete(problem, 2)
    rng = np.random.default_rng(seed)
    start = chain.steps[0].rhs
    out = []
    for number, step in enumerate(chain.steps, start=1):
        a, b = concrete(start, (), step.assumes), concrete(step.rhs, (), step.assumes)
        if sp.cancel(sp.together(a - b)) != 0:
            raise StepError(f"step {number} ({step.reason}) of {sp.sstr(chain.lhs)} does not "
                            f"follow: {sp.sstr(step.rhs)}")
        symbols = sorted((a - b).free_symbols | a.free_symbols, key=str)
        values = [np.exp(rng.normal(0.0, 1.0, POINTS)) if s.name.startswith("e_")
                  else rng.uniform(0.0, 1.0, POINTS) for s in symbols]
        pair = lambdify_entries([a, b], symbols)(*values) if symbols else np.zeros((1, 2))
        error = float(np.max(np.abs(pair[:, 0] - pair[:, 1])))
        out.append(replace(step, check=IdentityCheck(True, POINTS, error)))
    return replace(chain, steps=tuple(out))


IDENTITIES = {"two-class-softmax": two_class_softmax}


def get_identity(name: str, seed: int = 0) -> Identity:
    """The identity called ``name``, derived and checked.

    Raises:
        UnknownTargetError: for an unknown name, listing the known ones.
    """
    if name not in IDENTITIES:
        close = difflib.get_close_matches(name, list(IDENTITIES), n=1, cutoff=0.6)
        guess = f"did you mean {close[0]}? " if close else ""
        raise UnknownTargetError(f"unknown identity {name!r}; {guess}known: "
                                 f"{', '.join(IDENTITIES)}")
    return IDENTITIES[name](seed)
