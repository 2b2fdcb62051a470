"""Reading a definition (--of): the notation, intermediates, and the errors."""

import pytest
import sympy as sp

from derive.errors import InputError
from derive.read.definition import read_definition
from derive.read.definition_claims import read_assumption, read_claim
from derive.read.parse import ParseError, parse_definition


@pytest.mark.parametrize("text, body, defined", [
    ("L = -Σ_k y_k log(softmax(z)_k)", "-Sum(log(S[k])*y[k], (k, 1, N))",
     ["S: exp(z[m])/Sum(exp(z[l]), (l, 1, N))"]),
    # The written-out quotient is the same softmax.
    ("L = -Σ_k y_k log(exp(z_k)/Σ_m exp(z_m))", "-Sum(log(S[k])*y[k], (k, 1, N))",
     ["S: exp(z[l])/Sum(exp(z[n]), (n, 1, N))"]),
    ("H = -Σ_k softmax(z)[k] log_softmax(z)_k", "-Sum(log(S[k])*S[k], (k, 1, N))",
     ["S: exp(z[m])/Sum(exp(z[l]), (l, 1, N))"]),
    # A softmax of an expression: a family for its argument; the output keeps its name.
    ("S_i = softmax(z/T)_i", "S[i]", ["u: z[m]/T", "S: exp(u[m])/Sum(exp(u[k]), (k, 1, N))"]),
    ("a_i = exp(q·k_i/√d)/Σ_m exp(q·k_m/√d)", "a[i]",
     ["u: Sum(k[l, r]*q[r], (r, 1, D))/sqrt(d)", "a: exp(u[l])/Sum(exp(u[n]), (n, 1, N))"]),
    ("L = λ/2 Σ_k z_k^2 + logsumexp(z)",
     "lambda*Sum(z[k]**2, (k, 1, N))/2 + log(Sum(exp(z[n]), (n, 1, N)))",
     ["S: exp(z[m])/Sum(exp(z[l]), (l, 1, N))"]),
    # The quantity itself is a family the result is written through.
    ("h_i = tanh(Σ_{r=1}^{D} W_ir x_r + b_i)", "tanh(b[i] + Sum(W[i, r]*x[r], (r, 1, D)))",
     ["h: tanh(b[i] + Sum(W[i, r]*x[r], (r, 1, D)))"]),
    # A family defined after ';' for the first definition.
    ("L = Σ_k (z_k - y_k)^2; z_k = Σ_r W_kr x_r + b_k", "Sum((-y[k] + z[k])**2, (k, 1, N))",
     ["z: b[k] + Sum(W[k, r]*x[r], (r, 1, N))"]),
    ("L = Σ_k (softplus(z_k) - y_k z_k)", "Sum(softplus(z[k]) - y[k]*z[k], (k, 1, N))", []),
    # σ with an index and no brackets is a family (a standard deviation).
    ("L = Σ_k (log(σ_k) + (y_k - μ_k)^2/(2 σ_k^2))",
     "Sum((-mu[k] + y[k])**2/(2*sigma[k]**2) + log(sigma[k]), (k, 1, N))", []),
])
def test_definitions_read_into_index_notation(text, body, defined):
    d = read_definition(text)
    assert sp.sstr(d.body) == body
    assert [f"{x.family}: {sp.sstr(x.body)}" for x in d.defined] == defined


@pytest.mark.parametrize("text, body", [
    # A capital letter written whole, inside a vector, is a matrix: W x is Σ_r W_kr x_r over
    # the inputs 1..D, Wᵀ x is Σ_r W_rk x_r.
    ("L = Σ_k ((W x + b)_k - y_k)^2",
     "Sum((b[k] - y[k] + Sum(W[k, r]*x[r], (r, 1, D)))**2, (k, 1, N))"),
    ("h_j = tanh(Wᵀ x + b)_j", "tanh(b[j] + Sum(W[r, j]*x[r], (r, 1, D)))"),
    ("L = Σ_k (W @ x)_k", "Sum(W[k, r]*x[r], (r, 1, D), (k, 1, N))"),
])
def test_matrix_notation_inside_a_vector(text, body):
    assert sp.sstr(read_definition(text).body) == body


@pytest.mark.parametrize("text, body, families", [
    # A row vector, square matrices, a vector: a scalar, summed over the row vector's extent.
    ("L = xᵀ A x", "Sum(A[r, s]*x[r]*x[s], (s, 1, N), (r, 1, N))",
     [("A", ("N", "N")), ("x", ("N",))]),
    ("L = 1/2 xᵀ Aᵀ x - bᵀ x",
     "-Sum(b[r]*x[r], (r, 1, N)) + Sum(A[s, r]*x[r]*x[s], (s, 1, N), (r, 1, N))/2",
     [("A", ("N", "N")), ("b", ("N",)), ("x", ("N",))]),
    ("L = λ/2 wᵀ w", "lambda*Sum(w[r]**2, (r, 1, N))/2", [("w", ("N",))]),
    ("L = -xᵀ A x", "-Sum(A[r, s]*x[r]*x[s], (s, 1, N), (r, 1, N))",
     [("A", ("N", "N")), ("x", ("N",))]),
    ("L = exp(-xᵀ x)", "exp(-Sum(x[r]**2, (r, 1, N)))", [("x", ("N",))]),
    ("L = uᵀ A B v", "Sum(A[r, s]*B[s, p]*u[r]*v[p], (p, 1, N), (s, 1, N), (r, 1, N))",
     [("A", ("N", "N")), ("B", ("N", "N")), ("u", ("N",)), ("v", ("N",))]),
    # The row vector's extent from a use written after it, as from one before it.
    ("L = xᵀ x + Σ_{r=1}^{D} x_r", "Sum(x[r], (r, 1, D)) + Sum(x[s]**2, (s, 1, D))",
     [("x", ("D",))]),
    ("L = Σ_{r=1}^{D} x_r + xᵀ A x",
     "Sum(x[r], (r, 1, D)) + Sum(A[s, p]*x[p]*x[s], (p, 1, D), (s, 1, D))",
     [("A", ("D", "D")), ("x", ("D",))]),
])
def test_a_row_vector_times_a_vector_is_a_scalar(text, body, families):
    d = read_definition(text)
    assert sp.sstr(d.body) == body and list(d.families) == families


def test_a_softmax_of_each_row():
    d = read_definition("L = -1/m Σ_{n=1}^{m} Σ_k Y_nk log(softmax(Z_n)_k)")
    assert sp.sstr(d.body) == "-Sum(log(S[n, k])*Y[n, k], (k, 1, N), (n, 1, m))/m"
    (softmax,) = d.defined
    assert softmax.rows == (sp.Symbol("n", integer=True, positive=True),)
    assert d.families == (("Y", ("m", "N")), ("Z", ("m", "N")))
    # m in a vector is a family (a mask), outside one the number of examples.
    assert read_definition("S_i = softmax(z + m)_i").families == (("m", ("N",)),
                                                                  ("z", ("N",)))


def test_families_constants_and_extents():
    d = read_definition("a_i = exp(q·k_i/√d)/Σ_m exp(q·k_m/√d)")
    assert d.families == (("k", ("N", "D")), ("q", ("D",)))
    assert [str(c) for c in d.constants] == ["d"] and d.constants[0].is_positive
    assert d.outputs == (sp.Symbol("i", integer=True, positive=True),)


def test_the_written_out_definition_has_only_inputs():
    d = read_definition("S_i = softmax(z/T)_i")
    written = d.written_out(d.body)
    assert not {a.base for a in written.atoms(sp.Indexed)} - {sp.IndexedBase("z")}


@pytest.mark.parametrize("text, message", [
    ("L = relu(z_1)", "relu is not differentiable everywhere"),
    ("L = Σ_k abs(z_k)", "abs is not differentiable everywhere"),
    ("L = Σ_k max(z_k)", "logsumexp is a smooth max"),
    ("L = y_k z_k", "the index k is free on the right"),
    ("S_i = exp(z_j)", "the index j is free on the right"),
    ("S_i = z_1 + 2", "index letters, not numbers"),
    ("L = Σ_k z_k + t", "t has no index"),
    ("L = softmax(z)", "is a vector: take an entry"),
    ("L = foo(z_1)", "foo has no index"),
    ("L = W_ij x_j + W_i", "used with 2 and with 1 indices"),
    ("L = Σ_k Σ_r W_kr + Σ_k Σ_{r=1}^{D} W_kr", "used over different extents, N×N and N×D"),
    ("L = Σ_k W x", r"matrix notation is read inside a vector, \(W x \+ b\)_k, or as a scalar"),
    ("L = xᵀ W", "xᵀ W is a row vector, not a scalar"),
    ("L = xᵀ A x + xᵀ A_1 x", "between uᵀ and v a definition takes matrices written whole"),
    ("L = xᵀ A x + Σ_k Σ_{r=1}^{D} A_kr", "A is used over different extents"),
    ("L = xᵀ x + Σ_{r=1}^{D} x_r + Σ_k x_k", "x is used over different extents, D and N"),
    ("L_i = Σ_k z_k", "the output index i of L does not occur"),
    ("z_k", "write it as NAME = FORMULA"),
    ("L = z_k = 2", "one '=' only"),
    ("2 = z_k", "the left side names the quantity"),
    ("L =", "nothing after '='"),
    ("L = Σ_k z_k; u_k = z_k^2", "u is defined after ';' but not used"),
    ("L = Σ_k z_k; u = 2", "after ';' a definition names one family with one index"),
    ("L = z_k^100", "the exponent 100 is too large"),
    ("L = Σ_k (y_k + z_k)^20", "too large for a power of a sum"),
    ("L = " + "+".join(["z_k"] * 700), "at most 2000 are read"),
    ("L = " + "(" * 80 + "z_1" + ")" * 80, "nested more than 60 levels"),
    ("L = Σ_k z_k; " + "; ".join(f"u{n}_k = z_k" for n in range(3)), "after ';'"),
])
def test_definitions_outside_the_notation_are_refused_in_one_line(text, message):
    with pytest.raises((InputError, ParseError), match=message) as error:
        read_definition(text)
    assert "\n" not in str(error.value)


def test_the_parser_reads_an_entry_of_a_call_and_the_new_characters():
    lhs, tree = parse_definition("a_i = softmax(z)_i")
    assert lhs.name == "a" and lhs.sub == ("i",)
    assert type(tree).__name__ == "Entry" and tree.sub == ("i",)
    assert parse_definition("L = √d + λ γ")[1].left.func == "sqrt"


def test_assumptions_and_claims_in_the_definitions_names():
    d = read_definition("L = -Σ_k w_k y_k log(softmax(z)_k)")
    assert sp.sstr(read_assumption("Σ_k y_k = 1", d).quantity) == "Sum(y[k], (k, 1, N))"
    assert sp.sstr(read_claim("softmax(z)_j - y_j", d).expr) == "S[j] - y[j]"
    claim = read_claim("(S_j - y_j)/S_j", d)
    assert claim.divisors == (sp.IndexedBase("S")[sp.Symbol("j", integer=True, positive=True)],)
    with pytest.raises(InputError, match="unknown symbol Q; known: S, w, y, z"):
        read_claim("Q_j", d)
    with pytest.raises(InputError, match="names t, which is not an input"):
        read_assumption("Σ_k t_k = 1", d)
    with pytest.raises(InputError, match="write one equation"):
        read_assumption("Σ_k y_k", d)
    batch = read_definition("L = -Σ_{n=1}^{m} Σ_k Y_nk log(softmax(Z_n)_k)")
    every = read_assumption("Σ_k Y_nk = 1", batch)
    assert every.index == sp.Symbol("n", integer=True, positive=True)
    assert every.text == "Σ_k Y_nk = 1 for every n"
    with pytest.raises(InputError, match="the free indices"):
        read_assumption("Σ_k Y_nk = Z_ab", batch)
