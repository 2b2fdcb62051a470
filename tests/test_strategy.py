"""The one strategy: any definition differentiated through its intermediates and brought
to normal form by the named rules — results in the names the definition used."""

import pytest
import sympy as sp

from derive.calculus import strategy
from derive.calculus.indexed import case
from derive.calculus.proof import same_normal_form
from derive.calculus.strategy import collect, derive_definition, normal_form
from derive.errors import InputError
from derive.functions import sigmoid, z
from derive.read.definition import read_definition
from derive.read.definition_claims import read_assumption

# (definition, variable, assumptions, result in SymPy's notation)
CASES = [
    ("L = -Σ_k y_k log(softmax(z)_k)", "z", ("Σ_k y_k = 1",), "S[j] - y[j]"),
    ("L = -Σ_k y_k log(softmax(z)_k)", "z", (), "S[j]*Sum(y[k], (k, 1, N)) - y[j]"),
    ("L = -Σ_k w_k y_k log(softmax(z)_k)", "z", (), "S[j]*Sum(w[k]*y[k], (k, 1, N)) - w[j]*y[j]"),
    ("S_i = softmax(z)_i", "z", (), "(KroneckerDelta(i, j) - S[j])*S[i]"),
    ("S_i = softmax(z/T)_i", "z", (), "(KroneckerDelta(i, j) - S[j])*S[i]/T"),
    ("L_i = log_softmax(z)_i", "z", (), "KroneckerDelta(i, j) - S[j]"),
    # The quantity's own definition is recognised in the result: H, h_i.
    ("H = -Σ_k softmax(z)_k log_softmax(z)_k", "z", (), "-(H + log(S[j]))*S[j]"),
    ("L = logsumexp(z)", "z", (), "S[j]"),
    ("L = λ/2 Σ_k z_k^2 + logsumexp(z)", "z", (), "lambda*z[j] + S[j]"),
    ("L = Σ_k y_k log(y_k / softmax(z)_k)", "z", ("Σ_k y_k = 1",), "S[j] - y[j]"),
    ("L = -Σ_k softmax(t/T)_k log_softmax(z/T)_k", "z", (), "(P[j] - S[j])/T"),
    ("a_i = exp(q·k_i/√d)/Σ_m exp(q·k_m/√d)", "q", (),
     "(k[i, j] - Sum(a[r]*k[r, j], (r, 1, N)))*a[i]/sqrt(d)"),
    ("L = -Σ_k (y_k log σ(z_k) + (1 - y_k) log(1 - σ(z_k)))", "z", (), "sigmoid(z[j]) - y[j]"),
    ("L = Σ_k (softplus(z_k) - y_k z_k)", "z", (), "sigmoid(z[j]) - y[j]"),
    ("L = 1/2 Σ_k (σ(z_k) - y_k)^2", "z", (),
     "(1 - sigmoid(z[j]))*(sigmoid(z[j]) - y[j])*sigmoid(z[j])"),
    ("h_i = tanh(Σ_r W_ir x_r + b_i)", "x", (), "(1 - h[i]**2)*W[i, j]"),
    ("h_t = σ(Σ_r W_tr x_r + b_t)", "W", (), "(1 - h[t])*KroneckerDelta(i, t)*h[t]*x[j]"),
    ("L = 1/2 Σ_k (z_k - y_k)^2; z_k = Σ_r W_kr x_r + b_k", "W", (), "(-y[i] + z[i])*x[j]"),
    ("L = -Σ_k y_k log(softmax(W x + b)_k)", "x", ("Σ_k y_k = 1",),
     "Sum((S[k] - y[k])*W[k, j], (k, 1, N))"),
    ("h_j = tanh(Wᵀ x + b)_j", "x", (), "(1 - h[j]**2)*W[p, j]"),
    # A batch: the softmax of each row of Z, and an assumption for every row.
    ("L = -1/m Σ_{n=1}^{m} Σ_k Y_nk log(softmax(Z_n)_k)", "Z", ("Σ_k Y_nk = 1",),
     "(S[i, j] - Y[i, j])/m"),
    ("L = -Σ_{n=1}^{m} Σ_k Y_nk log(exp(Z_nk)/Σ_l exp(Z_nl))", "Z", (),
     "S[i, j]*Sum(Y[i, k], (k, 1, N)) - Y[i, j]"),
    ("L = -Σ_k y_k log(softmax(z)_k) + λ/2 Σ_k Σ_r W_kr^2; z_k = Σ_r W_kr x_r + b_k", "W",
     ("Σ_k y_k = 1",), "lambda*W[i, j] + (S[i] - y[i])*x[j]"),
    ("L = Σ_k (log(σ_k) + (y_k - μ_k)^2/(2 σ_k^2))", "mu", (), "(mu[j] - y[j])/sigma[j]**2"),
]


@pytest.mark.parametrize("text, wrt, assume, result", CASES)
def test_results_come_from_the_rules_in_the_definitions_names(text, wrt, assume, result):
    definition = read_definition(text)
    assumptions = tuple(read_assumption(a, definition) for a in assume)
    derived = derive_definition(definition, wrt, assumptions)
    assert sp.sstr(derived.result) == result
    assert derived.closed
    # The textbook opening where one applies, else the chain rule node by node.
    assert derived.steps[0].rule == "definition" and derived.steps[1].rule in (
        "chain-rule", "linearity", "quotient-rule", "log-quotient")
    # Every step's normal form is the raw derivative's.
    # (A case step's, the derivative's in that case.)
    for step in derived.steps[1:]:
        mechanical = derived.mechanical if step.case is None else \
            case(derived.mechanical, *step.case)
        truth = normal_form(mechanical, definition, derived.variable, assumptions)
        assert same_normal_form(normal_form(step.rhs, definition, derived.variable,
                                            assumptions), truth)


# The textbook's opening of each kind of definition, found from its shape (no per-function
# code): the rules of the steps, in order.
OPENINGS = [
    ("S_i = softmax(z)_i", "z",
     ["definition", "quotient-rule", "recognise-softmax", "case", "case", "merge-cases"]),
    ("L_i = log_softmax(z)_i", "z",
     ["definition", "log-quotient", "differentiate", "recognise-softmax"]),
    ("L = -Σ_k y_k log(S_k)", "S", ["definition", "linearity", "differentiate", "sum-delta"]),
    ("L_c = -log_softmax(z)_c", "z", ["definition", "linearity", "lemma"]),
    ("S_i = softmax(z/T)_i", "z", ["definition", "chain-rule", "differentiate", "split-sums",
                                   "sum-delta", "case", "case", "merge-cases"]),
    ("L = Σ_k (softplus(z_k) - y_k z_k)", "z",
     ["definition", "linearity", "chain-rule", "split-sums", "sum-delta"]),
    ("L = -Σ_k y_k log(softmax(W x + b)_k)", "b",
     ["definition", "linearity", "chain-rule", "differentiate", "split-sums", "sum-delta"]),
    # No textbook opening: the chain rule node by node.
    ("L = logsumexp(z)", "z", ["definition", "chain-rule", "sum-delta", "recognise-softmax"]),
]


@pytest.mark.parametrize("text, wrt, rules", OPENINGS)
def test_the_opening_is_the_textbooks(text, wrt, rules):
    derived = derive_definition(read_definition(text), wrt)
    assert [s.rule for s in derived.steps] == rules


def test_a_lemma_is_derived_by_the_same_rules_not_stored():
    derived = derive_definition(read_definition("L = -Σ_k y_k log(softmax(z)_k)"), "z")
    lemma = next(s for s in derived.steps if s.rule == "lemma")
    (left, value), = lemma.facts
    assert sp.sstr(left) == "Derivative(log(S[k]), z[j])"
    assert sp.sstr(value) == "KroneckerDelta(j, k) - S[j]"
    assert lemma.conditions   # the Kronecker delta's range, relied on inside the lemma


def test_the_named_and_the_written_out_softmax_give_one_derivation():
    named = derive_definition(read_definition("L = -Σ_k y_k log(softmax(z)_k)"), "z")
    written = derive_definition(read_definition("L = -Σ_k y_k log(exp(z_k)/Σ_m exp(z_m))"),
                                "z")
    assert named.result == written.result
    assert [s.rule for s in named.steps] == [s.rule for s in written.steps]


def test_the_variable_takes_letters_the_definition_does_not_use():
    assert str(read_definition("L = Σ_j z_j^2").variable("z")) == "z[p]"
    assert str(read_definition("h_i = tanh(Σ_r W_ir x_r)").variable("W")) == "W[j, p]"
    assert str(read_definition("L = Σ_k Σ_r W_kr^2").variable("W")) == "W[i, j]"


@pytest.mark.parametrize("text, wrt, message", [
    ("L = Σ_k z_k^2", "y", "y does not occur"),
    ("L = -Σ_k y_k log(softmax(z)_k)", "S", "S is defined inside the definition"),
    ("L = Σ_k z_k^2", "z[1]", "--wrt takes the name of a family"),
])
def test_a_variable_that_is_not_an_input_is_refused(text, wrt, message):
    with pytest.raises(InputError, match=message):
        derive_definition(read_definition(text), wrt)


def test_what_the_rules_cannot_tidy_is_said_to_be_the_best_form(monkeypatch):
    """With the softmax rule taken away, the written-out quotient stays: not closed."""
    monkeypatch.setattr(strategy, "recognise_softmax_of", lambda e, item, n: e)
    derived = derive_definition(read_definition("S_i = softmax(z)_i"), "z")
    assert not derived.closed and derived.result.has(sp.exp)


def test_collect_factors_a_polynomial_in_the_named_outputs():
    s = sigmoid(z[sp.Symbol("j", integer=True, positive=True)])
    assert collect(s - s**2) == s * (1 - s)
    assert collect(-(s - 1) * s) == s * (1 - s)
