"""The named mistakes: each wrong derivative is told what it is, as a formula (exactly, at a
concrete N and for every N) and as a NumPy function (at every sample point); a formula
near a named mistake but not it is not told so."""

import numpy as np
import pytest

from derive.verdicts.mistakes import MISTAKES, named_mistakes
from derive.catalog import get_target
from derive.verdicts.verify import verify

SCE, CE = "softmax-cross-entropy-grad", "cross-entropy-grad"
LS, BCE = "label-smoothing-cross-entropy-grad", "sigmoid-binary-cross-entropy-grad"
J, LJ, LCE, SP = ("softmax-jacobian", "log-softmax-jacobian",
                  "linear-softmax-cross-entropy-grad", "sparse-softmax-cross-entropy-grad")

FORMULAS = [
    ("-y/S", SCE, "this is ∂L/∂S, the gradient with respect to the softmax output"),
    ("-y ⊘ S", SCE, "this is ∂L/∂S"),
    ("S - y", CE, "this is ∂L/∂z, the gradient with respect to the logits"),
    ("S Σ_k y_k - y", CE, "this is ∂L/∂z"),
    ("S - (1 - ε) y - ε/(N - 1)", LS, "spread ε over the N − 1 other classes"),
    ("S - (1 - ε) y - ε (1 - y)/(N - 1)", LS, "spread ε over the N − 1 other classes"),
    ("σ(z)(1 - σ(z))", BCE, "is σ′(z), the derivative of the sigmoid alone"),
    ("(σ(z) - y) σ(z)(1 - σ(z))", BCE, "the chain rule of the squared error"),
    ("S_i(1 - S_i)", J, "the diagonal i = j of the Jacobian only"),
    ("1 - S_k", LJ, "the diagonal i = j of the Jacobian only"),
]


@pytest.mark.parametrize("claim, target, diagnosis", FORMULAS)
@pytest.mark.parametrize("classes", [3, "N"])
def test_a_named_mistake_in_a_formula(claim, target, diagnosis, classes):
    v = verify(claim, against=target, classes=classes)
    assert v.verdict == "fails" and diagnosis in v.diagnosis, v.diagnosis


@pytest.mark.parametrize("claim, target", [
    ("-y/S + 1e-9", SCE),                # near ∂L/∂S, not it
    ("S - y + S", CE),
    ("σ(z)(1 - σ(z)) + y", BCE),
    ("S_i(1 + S_i)", J),                  # not the diagonal
    ("S - (1 - ε) y - ε/(N + 1)", LS),
])
def test_no_named_mistake_for_a_neighbour(claim, target):
    v = verify(claim, against=target, classes=3)
    assert v.verdict == "fails"
    named = [m.says[:40] for m in MISTAKES] + ["your formula is the diagonal"]
    assert not any(v.diagnosis.startswith(x) for x in named), v.diagnosis


def test_the_diagonal_is_named_for_every_n_only_for_a_claim_free_of_n():
    # Decided at N = 3 and 4: a claim with N in it may differ at N = 5.
    v = verify("S_i(1 - S_i) + (N-3)(N-4)", against=J, classes="N")
    assert v.verdict == "fails" and "the diagonal" not in v.diagnosis


def test_every_named_mistake_is_readable_for_its_target():
    for mistake in MISTAKES:
        problem = get_target(mistake.target).problem(3)
        assert mistake.says in [says for _, says in named_mistakes(mistake.target, problem)]


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def by_s(z, y):
    return -y / _softmax(z)


def by_z(S, y):
    return S - y


def sigma_prime(z, y):
    s = 1 / (1 + np.exp(-z))
    return s * (1 - s)


def spread(z, y, eps):
    return _softmax(z) - (1 - eps) * y - eps / (len(z) - 1)


def w_untransposed(W, x, b, y):
    return W @ (_softmax(W @ x + b) - y)


def class_from_one(z, c):
    g = _softmax(z)
    g[c - 1] -= 1
    return g


def overflowing_and_wrong(z, y):
    e = np.exp(z)
    return 2 * e / e.sum() - y


@pytest.mark.parametrize("function, target, options, diagnosis", [
    (by_s, SCE, {}, "this is ∂L/∂S"),
    (by_z, CE, {}, "this is ∂L/∂z"),
    (sigma_prime, BCE, {}, "is σ′(z)"),
    (spread, LS, {}, "spread ε over the N − 1 other classes"),
    (w_untransposed, LCE, {"wrt": "x", "inputs": 4}, "W and Wᵀ are swapped"),
    (class_from_one, SP, {}, "class index off by one"),
    # Wrong where it is finite too: the overflow is a note, not the headline.
    (overflowing_and_wrong, SCE, {}, "no common mistake recognised"),
])
def test_a_named_mistake_in_a_function(function, target, options, diagnosis):
    v = verify(function, against=target, classes=4, **options)
    assert v.verdict == "fails" and diagnosis in v.diagnosis, v.diagnosis
    if function is overflowing_and_wrong:
        assert any("subtract max(z)" in note for note in v.notes)
