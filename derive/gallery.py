"""Functions beyond the catalogue, as a user would define them (``--of``): the gallery of
the documentation, the benchmarks and the tests read this one list.

Each entry is data — a definition in the notation, the variable, the assumptions, and
a claim in the form people write it — never a result: the result is derived.

>>> [e.name for e in GALLERY][:3]
['logsumexp', 'kl-divergence', 'l2-softmax-regression']
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Example", "GALLERY", "example"]


@dataclass(frozen=True)
class Example:
    """A function of the gallery.

    Attributes:
        name: a short name, the page's file name.
        title: what it is, in words.
        of: the definition (``derive show --of``).
        wrt: the variable.
        assume: the hypotheses the textbook result uses.
        claim: the result as people write it, verified with ``derive check --of``.
        hessian: for a scalar, its second derivative with respect to ``wrt`` twice as
            people write it (``--wrt z --wrt z``), verified the same way; empty for none.
    """

    name: str
    title: str
    of: str
    wrt: str
    claim: str
    assume: tuple[str, ...] = ()
    hessian: str = ""


GALLERY: tuple[Example, ...] = (
    Example("logsumexp", "log-sum-exp (the smooth maximum)",
            "L = logsumexp(z)", "z", "softmax(z)_j",
            hessian="diag(S) - S Sᵀ"),
    Example("kl-divergence", "KL divergence KL(y ‖ softmax(z))",
            "L = Σ_k y_k log(y_k / softmax(z)_k)", "z", "S_j - y_j", ("Σ_k y_k = 1",),
            hessian="diag(S) - S Sᵀ"),
    Example("l2-softmax-regression", "softmax regression with an L2 penalty on W",
            "L = -Σ_k y_k log(softmax(W x + b)_k) + λ/2 Σ_k Σ_{r=1}^{D} W_kr^2",
            "W", "(S_i - y_i) x_j + λ W_ij", ("Σ_k y_k = 1",)),
    Example("attention-matrix", "attention weights softmax(K q/√d), keys in the rows of K",
            "a_i = softmax(K q/√d)_i", "q", "a_i (K_ij - Σ_m a_m K_mj)/√d"),
    Example("attention", "attention weights softmax(q·k_i/√d), with respect to the query q",
            "a_i = exp(q·k_i/√d)/Σ_m exp(q·k_m/√d)", "q",
            "a_i (k_ij - Σ_m a_m k_mj)/√d"),
    Example("weighted-binary-cross-entropy", "binary cross-entropy with class weights",
            "L = -Σ_k w_k (y_k log σ(z_k) + (1 - y_k) log(1 - σ(z_k)))", "z",
            "w_j (σ(z_j) - y_j)",
            hessian="diag(w ⊙ σ(z) ⊙ (1 - σ(z)))"),
    Example("sigmoid-squared-error", "squared error of a sigmoid output",
            "L = 1/2 Σ_k (σ(z_k) - y_k)^2", "z", "(σ(z_j) - y_j) σ(z_j) (1 - σ(z_j))"),
    Example("tanh-layer", "the Jacobian of a tanh layer with respect to its input",
            "h_i = tanh(W x + b)_i", "x", "(1 - h_i^2) W_ij"),
    Example("masked-softmax", "softmax with an additive mask or bias",
            "S_i = softmax(z + m)_i", "z", "S_i (δ_ij - S_j)"),
    Example("distillation", "distillation: cross-entropy between two temperature softmaxes",
            "L = -T^2 Σ_k softmax(t/T)_k log_softmax(z/T)_k", "z",
            "T (softmax(z/T)_j - softmax(t/T)_j)",
            hessian="diag(softmax(z/T)) - softmax(z/T) softmax(z/T)ᵀ"),
    Example("gaussian-nll", "the Gaussian negative log-likelihood, in its mean",
            "L = Σ_k (log(σ_k) + (y_k - μ_k)^2/(2 σ_k^2))", "mu", "(μ_j - y_j)/σ_j^2"),
    Example("entropy", "the entropy of a softmax",
            "H = -Σ_k softmax(z)_k log_softmax(z)_k", "z", "-S_j (log S_j + H)"),
    Example("linear-squared-error", "squared error of a linear layer, in its weights",
            "L = 1/2 Σ_k (z_k - y_k)^2; z_k = Σ_{r=1}^{D} W_kr x_r + b_k", "W",
            "(z_i - y_i) x_j"),
    Example("weighted-cross-entropy", "class-weighted softmax cross-entropy",
            "L = -Σ_k w_k y_k log(softmax(z)_k)", "z", "S_j Σ_k w_k y_k - w_j y_j",
            hessian="Σ_k w_k y_k (diag(S) - S Sᵀ)"),
    Example("sigmoid-layer", "the Jacobian of a sigmoid layer with respect to its weights",
            "h_t = σ(Σ_{r=1}^{D} W_tr x_r + b_t)", "W", "h_t (1 - h_t) δ_ti x_j"),
    Example("logistic-softplus", "the logistic loss written with softplus",
            "L = Σ_k (softplus(z_k) - y_k z_k)", "z", "σ(z_j) - y_j",
            hessian="diag(σ(z) ⊙ (1 - σ(z)))"),
    Example("label-smoothing", "cross-entropy with label smoothing ε, written out",
            "L = -Σ_k ((1 - ε) y_k + ε/N) log(softmax(z)_k)", "z",
            "S_j - (1 - ε) y_j - ε/N", ("Σ_k y_k = 1",)),
)


def example(name: str) -> Example:
    """The gallery entry called ``name``."""
    for e in GALLERY:
        if e.name == name:
            return e
    raise KeyError(name)
