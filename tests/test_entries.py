"""derive.entries.Entries: a lazy matrix reads as the SymPy matrix of the same entries."""

import pickle

import pytest
import sympy as sp

from derive.catalog import get_target
from derive.calculus import mechanical_matrix
from derive.derivation import derivation
from derive.entries import Entries
from derive.functions import S, i, j, y


def jacobian(n):
    problem = get_target("softmax-jacobian").problem(n)
    return Entries(S[i] * (sp.KroneckerDelta(i, j) - S[j]), problem), problem


@pytest.mark.parametrize("view", [
    lambda m: m,
    lambda m: m.T,
    lambda m: m.reshape(2, 8),
    lambda m: m.T.reshape(8, 2),
    lambda m: m.reshape(8, 2).T,
])
def test_views_read_as_the_sympy_matrix(view):
    lazy, _ = jacobian(4)
    eager = lazy.as_matrix()
    assert view(lazy).shape == view(eager).shape
    assert view(lazy).tolist() == view(eager).tolist()
    assert list(view(lazy)) == list(view(eager))
    assert view(lazy).row(1) == list(view(eager).row(1))
    assert view(lazy).col(1) == list(view(eager).col(1))
    assert view(lazy) == view(eager)


def test_entries_are_built_when_read_and_once():
    lazy, _ = jacobian(512)
    assert lazy.built == 0
    assert lazy[0, 0] == sp.Symbol("S_1") * (1 - sp.Symbol("S_1"))
    assert lazy.T[511, 0] == lazy[0, 511] == -sp.Symbol("S_1") * sp.Symbol("S_512")
    assert lazy[-1, -1] == sp.Symbol("S_512") * (1 - sp.Symbol("S_512"))
    assert lazy.built == 3   # the view shares what was built


def test_a_view_pickles_and_reads_the_same():
    """A derivation comes back from the command line's worker by pickle."""
    lazy, _ = jacobian(6)
    view = lazy.T.reshape(4, 9)
    back = pickle.loads(pickle.dumps(view))
    assert back.tolist() == view.tolist()


def test_a_reshape_must_keep_the_number_of_entries():
    lazy, _ = jacobian(3)
    with pytest.raises(ValueError, match="cannot reshape"):
        lazy.reshape(2, 5)


def test_written_out_sums_are_entries_of_the_construction():
    """∂L/∂z = S − y with Σ_k y_k written out stays, entry by entry, the derivative."""
    problem = get_target("softmax-cross-entropy-grad").problem(5)
    k = sp.Symbol("k", integer=True)
    general = S[j] * sp.Sum(y[k], (k, 1, 5)) - y[j]
    built = Entries(general, problem)
    assert built.shape == (1, 5)
    mechanical = mechanical_matrix(problem, 5)
    for c in range(5):
        assert sp.simplify(built[0, c].xreplace(_softmax(5)) - mechanical[0, c]) == 0


def _softmax(n):
    total = sum(sp.exp(sp.Symbol(f"z_{k}")) for k in range(1, n + 1))
    return {sp.Symbol(f"S_{k}"): sp.exp(sp.Symbol(f"z_{k}")) / total for k in range(1, n + 1)}


def test_large_derivations_are_lazy_and_small_ones_sympy_matrices():
    assert isinstance(derivation("softmax-jacobian", 4, check=False).matrix, sp.MatrixBase)
    big = derivation("linear-softmax-jacobian", 64, check=False, steps=False)
    assert isinstance(big.matrix, Entries) and big.matrix.shape == (64, 192)
