"""Mistakes with a name: wrong derivatives people write often enough that derive says what
they are — the gradient with respect to S given for the one with respect to z, the
derivative of σ alone for that of the binary cross-entropy, a label smoothing that spreads
ε over the other N − 1 classes, W where Wᵀ belongs.

Each is a formula in derive's own notation, read by the claim reader against the target's
problem (so that it has the target's indices and sizes), and recognised only when the claim
equals it: exactly, entry by entry, for a formula (:func:`derive.verdicts.at_n`), or at every
sample point for a NumPy function (:mod:`derive.verdicts.gradcheck`).  A diagnosis that
names one is therefore a statement about the claim, not a guess.

>>> from derive.catalog import get_target
>>> [says[:30] for _, says in named_mistakes("softmax-cross-entropy-grad",
...                                          get_target("softmax-cross-entropy-grad").problem(3))]
['this is ∂L/∂S, the gradient wi']
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..errors import InputError

__all__ = ["Mistake", "MISTAKES", "named_mistakes", "weights_transposed"]


@dataclass(frozen=True)
class Mistake:
    """A wrong derivative of ``target`` (with ``options``, e.g. ``(("wrt", "x"),)``), as
    written, and what to say when a claim is exactly it."""

    target: str
    written: str
    says: str
    options: tuple[tuple[str, object], ...] = ()


_BY_S = ("this is ∂L/∂S, the gradient with respect to the softmax output S "
         "(derive's cross-entropy-grad), not with respect to the logits z: the chain rule "
         "through the softmax multiplies it by the Jacobian, (diag(S) − S Sᵀ)(−y ⊘ S) = "
         "S Σ_k y_k − y")
_BY_Z = ("this is ∂L/∂z, the gradient with respect to the logits "
         "(softmax-cross-entropy-grad), not with respect to the softmax output S: "
         "∂L/∂S_j = −y_j/S_j, without the softmax's Jacobian")
_SPREAD = ("your smoothed labels spread ε over the N − 1 other classes (ε/(N − 1)); this "
           "target's q = (1 − ε) y + ε/N spreads it over all N")
_SIGMA_PRIME = ("σ(z)(1 − σ(z)) is σ′(z), the derivative of the sigmoid alone; in the binary "
                "cross-entropy's chain rule it cancels: ∂L/∂z = σ(z) − y")
_SQUARED = ("an extra factor σ(z)(1 − σ(z)): that is the chain rule of the squared error "
            "(σ(z) − y)²/2; with the cross-entropy it cancels: ∂L/∂z = σ(z) − y")

MISTAKES = (
    Mistake("softmax-cross-entropy-grad", "-y/S", _BY_S),
    Mistake("cross-entropy-grad", "S - y", _BY_Z),
    Mistake("cross-entropy-grad", "S Σ_k y_k - y", _BY_Z),
    Mistake("label-smoothing-cross-entropy-grad", "S - (1 - ε) y - ε/(N - 1)", _SPREAD),
    Mistake("label-smoothing-cross-entropy-grad", "S - (1 - ε) y - ε (1 - y)/(N - 1)", _SPREAD),
    Mistake("sigmoid-binary-cross-entropy-grad", "σ(z) (1 - σ(z))", _SIGMA_PRIME),
    Mistake("sigmoid-binary-cross-entropy-grad", "(σ(z) - y) σ(z) (1 - σ(z))", _SQUARED),
)


def weights_transposed(result: sp.Expr, problem) -> tuple[sp.Expr, str] | None:
    """The derivative with a square W's indices swapped, ``W (S − y)`` for ``Wᵀ(S − y)``:
    the slip shapes cannot show when N = D.  A formula with it is refused by its shape
    before (the extents N and D are named, not counted); a NumPy function is not."""
    weights = [a for a in result.atoms(sp.Indexed) if str(a.base) == "W"]
    if not weights or len(set(problem.size_of("W"))) != 1:
        return None
    swapped = result.xreplace({a: a.base[a.indices[::-1]] for a in weights})
    transpose = "Wᵀ" if problem.convention == "Wx" else "W"
    return swapped, (f"W and Wᵀ are swapped: this derivative uses {transpose} (z = "
                     f"{'W x' if problem.convention == 'Wx' else 'Wᵀ x'} + b), your function "
                     "the other; with N = D the shapes cannot tell them apart")


def named_mistakes(target: str, problem) -> list[tuple[sp.Expr, str]]:
    """The named mistakes of ``target`` that fit ``problem``, each as an index-form
    expression in the problem's indices and the words that name it (a mistake whose shape
    does not fit, such as W (S − y) when N ≠ D, is left out: a shape mismatch says it)."""
    from ..read.claims import claim_for
    out = []
    for mistake in MISTAKES:
        if mistake.target != target or any(problem.option(name) != value
                                           for name, value in mistake.options):
            continue
        try:
            out.append((claim_for(mistake.written, problem).expr, mistake.says))
        except InputError:
            continue
    return out
