"""Verdicts on claims against a user's definition: right answers hold, wrong answers fail
with a counterexample and the diagnosis of the mistake, and nothing undefined holds."""

import pytest

import derive
from derive.errors import InputError
from derive.testing import assert_derivative

CE = "L = -Σ_k y_k log(softmax(z)_k)"
WEIGHTED = "L = -Σ_k w_k y_k log(softmax(z)_k)"
TEMPERATURE = "S_i = softmax(z/T)_i"
SIGMOID_SE = "L = 1/2 Σ_k (σ(z_k) - y_k)^2"
SUM_TO_ONE = ("Σ_k y_k = 1",)


@pytest.mark.parametrize("claim, of, classes, assume, verdict, diagnosis", [
    ("S_j - y_j", CE, "N", SUM_TO_ONE, "holds", None),
    ("softmax(z)_k - y_k", CE, 3, SUM_TO_ONE, "holds", None),
    ("S_j Σ_k y_k - y_j", CE, "N", (), "holds", None),
    ("S_j Σ_k w_k y_k - w_j y_j", WEIGHTED, "N", (), "holds", None),
    ("S_j Σ_k w_k y_k - w_j y_j", WEIGHTED, 4, (), "holds", None),
    ("S_i(δ_ij - S_j)/T", TEMPERATURE, "N", (), "holds", None),
    ("σ(z_j)(1 - σ(z_j))(σ(z_j) - y_j)", SIGMOID_SE, "N", (), "holds", None),
    # Wrong answers, each with its mistake named.
    ("S_j - y_j", CE, 3, (), "fails",
     'your formula is the derivative under Σ_k y_k = 1, which was not assumed: add '
     '--assume "Σ_k y_k = 1"'),
    ("y_j - S_j", CE, 3, SUM_TO_ONE, "fails",
     "the sign is flipped: your formula is minus the derivative"),
    ("S_i(δ_ij - S_j)", TEMPERATURE, 3, (), "fails",
     "your formula is the derivative times T: the factor 1/T is missing"),
    ("a_j(δ_ij - a_i)/T", "a_i = softmax(z/T)_i", "N", (), "holds", None),   # symmetric
    ("(1 - tanh(Σ_r W_jr x_r)^2) W_ji", "h_i = tanh(Σ_r W_ir x_r)", 3, (), "fails",
     "the indices i and j are exchanged: your formula is the transpose"),
    ("σ(z_j) - y_j", SIGMOID_SE, "N", (), "fails", None),
])
def test_verdicts_on_claims_against_a_definition(claim, of, classes, assume, verdict,
                                                  diagnosis):
    wrt = "x" if "x_r" in of else "z"
    v = derive.verify(claim, of=of, wrt=wrt, classes=classes, assume=assume)
    assert v.verdict == verdict
    assert v.diagnosis == diagnosis
    if verdict == "fails":
        ce = v.counterexample
        assert abs(ce.claimed - ce.expected) > 1e-6 * (1 + abs(ce.expected))


def test_a_claim_that_divides_by_what_may_vanish_does_not_hold():
    v = derive.verify("(S_j - y_j) y_j / y_j", of=CE, wrt="z", classes=3, assume=SUM_TO_ONE)
    assert v.verdict == "undetermined"
    assert "divides by" in v.notes[0]
    # Dividing by a softmax output, positive by construction, is fine.
    assert derive.verify("(S_j - y_j) S_j / S_j", of=CE, wrt="z", classes=3,
                         assume=SUM_TO_ONE).verdict == "holds"


def test_a_claim_in_other_names_is_refused():
    with pytest.raises(InputError, match="unknown symbol Q"):
        derive.verify("Q_j - y_j", of=CE, wrt="z")
    with pytest.raises(InputError, match="not both"):
        derive.verify("S_j", against="softmax-jacobian", of=CE)


def test_assert_derivative_takes_a_definition():
    assert_derivative("S_j - y_j", of=CE, wrt="z", assume=SUM_TO_ONE, classes="N")
    with pytest.raises(AssertionError, match="fails"):
        assert_derivative("S_j + y_j", of=CE, wrt="z", assume=SUM_TO_ONE)
