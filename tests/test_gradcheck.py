"""verify() of NumPy functions: bound by parameter name, compared with the derived result."""

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner

from cli import main
from derive.errors import InputError
from derive.testing import assert_derivative
from derive.verdicts.verify import verify

SCE, J, LJ, CE, SP = ("softmax-cross-entropy-grad", "softmax-jacobian", "log-softmax-jacobian",
                      "cross-entropy-grad", "sparse-softmax-cross-entropy-grad")


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def good(z, y):
    return _softmax(z) - y


def general(z, y):          # the derivative for any labels, not only Σ y = 1
    return _softmax(z) * y.sum() - y


def naive(z, y):            # overflows at large logits
    e = np.exp(z)
    return e / e.sum() - y


def flipped(z, y):
    return y - _softmax(z)


def per_class(z, y):        # a forgotten 1/N
    return (_softmax(z) - y) / len(z)


def in_place(z, y):         # mutates its argument: must not corrupt the comparison
    z -= z.max()
    e = np.exp(z)
    return e / e.sum() - y


def in_float32(z, y):
    z = z.astype(np.float32)
    e = np.exp(z - z.max())
    return e / e.sum() - y.astype(np.float32)


def column(z, y):
    return (_softmax(z) - y)[:, None]


def noisy(z, y):
    return _softmax(z) - y + np.random.default_rng().normal(0, 1e-3, z.shape)


def jacobian(z):
    s = _softmax(z)
    return np.diag(s) - np.outer(s, s)


def log_jacobian(z):
    return np.eye(len(z)) - _softmax(z)[None, :]


def log_jacobian_transposed(z):
    return np.eye(len(z)) - _softmax(z)[:, None]


def log_jacobian_rolled(z):   # the right entries, rows in the wrong order
    return np.roll(np.eye(len(z)) - _softmax(z)[None, :], 1, axis=0)


def from_probabilities(S, y):   # S = softmax(z) is passed by name
    return S - y


def ce(S, y):
    return -y / S


def sparse(z, c):   # c counted from 0, as NumPy indexes
    g = _softmax(z)
    g[c] -= 1
    return g


def sparse_from_one(z, c):   # the off-by-one of a class counted from 1
    g = _softmax(z)
    g[c - 1] -= 1
    return g


def raises(z, y):
    raise ValueError("not implemented")


def unknown_parameter(z, labels):
    return z


@pytest.mark.parametrize("function, target, verdict, detail", [
    (good, SCE, "holds", "labels-sum-to-one"),
    (general, SCE, "holds", None),
    (in_place, SCE, "holds", "labels-sum-to-one"),
    (from_probabilities, SCE, "holds", "labels-sum-to-one"),
    (jacobian, J, "holds", None),
    (log_jacobian, LJ, "holds", None),
    (ce, CE, "holds", None),
    (sparse, SP, "holds", None),
    (sparse_from_one, SP, "fails", "class index off by one"),
    (naive, SCE, "fails", "returns inf or NaN"),
    (flipped, SCE, "fails", "sign is flipped"),
    (per_class, SCE, "fails", "1/5 × the derivative"),
    (in_float32, SCE, "fails", "float32"),
    (column, SCE, "fails", "shape mismatch: expected an array of shape (5,), got (5, 1)"),
    (noisy, SCE, "fails", "nondeterministic"),
    (log_jacobian_transposed, LJ, "fails", "transposed"),
    (log_jacobian_rolled, LJ, "fails", "the right entries in the wrong places"),
])
def test_numpy_functions(function, target, verdict, detail):
    v = verify(function, against=target, classes=5)
    assert v.verdict == verdict, (v.diagnosis, v.notes)
    if verdict == "holds":
        assert [a.name for a in v.assumptions] == ([detail] if detail else [])
        assert "numeric evidence for a NumPy function, not a proof" in v.methods[0]
    else:
        assert detail in v.diagnosis


def test_a_counterexample_from_a_numpy_function_is_at_a_typed_back_point():
    v = verify(flipped, against=SCE, classes=3)
    ce_ = v.counterexample
    assert all(round(x, 2) == x for x in ce_.point["z"])
    assert ce_.expected == pytest.approx(-ce_.claimed)


def returns_objects(z, y):
    return np.array(["a"] * len(z), dtype=object)


@pytest.mark.parametrize("function, message", [
    (raises, "your function raised ValueError: not implemented"),
    (returns_objects, "returned object values, not real numbers"),
    (unknown_parameter, "parameter 'labels' is not a variable of the target"),
])
def test_bad_functions_are_input_errors(function, message):
    with pytest.raises(InputError, match=message):
        verify(function, against=SCE, classes=3)


def test_a_numpy_function_needs_a_concrete_n():
    with pytest.raises(InputError, match="concrete number of classes"):
        verify(good, against=SCE, classes="N")


def test_sympy_expressions_are_claims():
    S, y = sp.IndexedBase("S"), sp.IndexedBase("y")
    i, j, k = sp.symbols("i j k")
    assert verify(S[i] * (sp.KroneckerDelta(i, j) - S[j]), against=J).holds
    assert verify(S[k] - y[k], against=SCE, classes="N").holds
    assert "sign" in verify(y[k] - S[k], against=SCE).diagnosis
    with pytest.raises(InputError, match="unknown symbol Q"):
        verify(S[k] - sp.Symbol("Q") * y[k], against=SCE)


def test_assert_derivative():
    assert assert_derivative(good, against=SCE, classes=4).holds
    with pytest.raises(AssertionError, match="sign is flipped"):
        assert_derivative(flipped, against=SCE, classes=4)
    with pytest.raises(AssertionError, match="holds for N = 4 assuming"):
        assert_derivative("S - y", against=SCE, classes=4, allow_assumptions=False)
    assert_derivative("S_i (δ_ij − S_j)", against=J, classes="N")


def test_check_python_from_the_command_line(tmp_path):
    source = tmp_path / "mygrad.py"
    source.write_text("import numpy as np\n"
                      "def grad(z, y):\n    e = np.exp(z - z.max())\n    return e / e.sum() - y\n"
                      "def half(z, y):\n    return grad(z, y) / 2\n")
    runner = CliRunner()
    ok = runner.invoke(main, ["check", "--python", f"{source}:grad", "--against", SCE, "-n", "6"])
    assert ok.exit_code == 0 and "holds for N = 6" in ok.output, ok.output
    bad = runner.invoke(main, ["check", "--python", f"{source}:half", "--against", SCE])
    assert bad.exit_code == 1 and "1/2 × the derivative" in bad.output
    for args, message in [
        ([f"{source}:missing"], "has no function 'missing'"),
        ([f"{tmp_path}/none.py:grad"], "none.py does not exist"),
        ([f"{tmp_path}:grad"], "is not a Python file"),
        (["grad"], "give FILE.py:FUNC"),
    ]:
        result = runner.invoke(main, ["check", "--python", *args, "--against", SCE])
        assert result.exit_code == 2 and message in result.output, result.output
    both = runner.invoke(main, ["check", "S - y", "--python", f"{source}:grad", "--against", SCE])
    assert both.exit_code == 2 and "either a CLAIM or --python" in both.output


def tempered(z, T):
    u = z / T
    e = np.exp(u - u.max())
    s = e / e.sum()
    return (np.diag(s) - np.outer(s, s)) / T


def tempered_without_1_over_T(z, T):
    return tempered(z, T) * T


def tempered_from_S(S, T):
    return (np.diag(S) - np.outer(S, S)) / T


@pytest.mark.parametrize("function, verdict, detail", [
    (tempered, "holds", None),
    (tempered_from_S, "holds", None),     # S is softmax(z/T), computed for the function
    (tempered_without_1_over_T, "fails", "the factor 1/T of the chain rule is missing"),
])
def test_temperature_functions(function, verdict, detail):
    v = verify(function, against="temperature-softmax-jacobian", classes=4)
    assert v.verdict == verdict, v.diagnosis
    if detail:
        assert detail in v.diagnosis
        assert "T=" in v.counterexample.describe()


def smoothed_gradient(z, y, eps):
    e = np.exp(z - z.max())
    return e / e.sum() - ((1 - eps) * y + eps / len(z))


def smoothed_from_q(S, q):
    return S - q


def smoothing_forgotten(z, y, eps):
    e = np.exp(z - z.max())
    return e / e.sum() - y


@pytest.mark.parametrize("function, verdict, detail", [
    (smoothed_gradient, "holds", None),
    (smoothed_from_q, "holds", None),    # S and q are computed for the function
    (smoothing_forgotten, "fails", "the gradient without label smoothing"),
])
def test_label_smoothing_functions(function, verdict, detail):
    v = verify(function, against="label-smoothing-cross-entropy-grad", classes=5)
    assert v.verdict == verdict, v.diagnosis
    assert [a.name for a in v.assumptions] == ["labels-sum-to-one"]
    if detail:
        assert detail in v.diagnosis and "eps=" in v.counterexample.describe()


def bce_gradient(z, y):
    return 1 / (1 + np.exp(-z)) - y


def bce_gradient_stable(z, y):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)) - y


def bce_softmax_by_mistake(z, y):
    e = np.exp(z - z.max())
    return e / e.sum() - y


@pytest.mark.parametrize("function, classes, verdict, detail", [
    (bce_gradient_stable, 1, "holds", None),
    (bce_gradient_stable, 4, "holds", None),
    (bce_gradient, 3, "holds", None),                   # overflow warning only, finite
    (bce_softmax_by_mistake, 3, "fails", None),
])
def test_binary_cross_entropy_functions(function, classes, verdict, detail):
    v = verify(function, against="sigmoid-binary-cross-entropy-grad", classes=classes)
    assert v.verdict == verdict, v.diagnosis


def smoothing_with_default(z, y, eps=0.1):   # the default is not used: eps is bound
    return smoothed_gradient(z, y, eps)


def bce_from_p(p, y):                         # p is σ(z) for independent outputs
    return p - y


def smoothing_named_epsilon(z, y, epsilon):
    return smoothed_gradient(z, y, epsilon)


def tempered_named_temperature(z, temperature):
    return tempered(z, temperature)


def optional_unknown(z, y, scale=1.0):        # not a variable: keeps its default
    e = np.exp(z - z.max())
    return scale * (e / e.sum() - y)


def bce_float32(z, y):
    return (1 / (1 + np.exp(-z.astype(np.float32))) - y.astype(np.float32)).astype(np.float32)


def layer_from_S(S, y, x):                    # S = softmax(W x + b), from the definition
    return np.outer(S - y, x)


def layer_from_z(z, y, x):                    # z = W x + b, the layer's own name
    e = np.exp(z - z.max())
    return np.outer(e / e.sum() - y, x)


def batch_from_S(S, Y):                       # S = the softmax of each row of Z
    return (S - Y) / S.shape[0]


@pytest.mark.parametrize("function, target", [
    (layer_from_S, "linear-softmax-cross-entropy-grad"),
    (layer_from_z, "linear-softmax-cross-entropy-grad"),
    (batch_from_S, "batch-softmax-cross-entropy-grad"),
    (smoothing_with_default, "label-smoothing-cross-entropy-grad"),
    (bce_from_p, "sigmoid-binary-cross-entropy-grad"),
    (smoothing_named_epsilon, "label-smoothing-cross-entropy-grad"),
    (tempered_named_temperature, "temperature-softmax-jacobian"),
    (optional_unknown, "softmax-cross-entropy-grad"),
])
def test_parameters_are_bound_by_name_and_alias(function, target):
    assert verify(function, against=target, classes=4).holds


def test_float32_is_not_called_a_constant_factor():
    v = verify(bce_float32, against="sigmoid-binary-cross-entropy-grad", classes=3)
    assert v.verdict == "fails" and "constant factor" not in v.diagnosis
    assert "float32" in v.diagnosis + " ".join(v.notes)


def _python_table() -> dict[str, tuple[set[str], tuple]]:
    """The guide's table of what a function is given and returns, by target."""
    import re
    from derive.render.guide import notation_guide
    rows = {}
    for line in notation_guide("python").splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`") or cells[0] == "target":
            continue
        names = set(re.findall(r"`(\w+)`", cells[1]))
        shape = re.match(r"\(([^)]*)\)", cells[2]).group(1)
        rows[cells[0].strip("`")] = (names, shape)
    return rows


def test_the_guide_says_what_each_target_passes_and_expects():
    from derive.derivation import derivation
    from derive.verdicts.gradcheck import _expected, _known
    from derive.catalog import TARGETS
    table = _python_table()
    assert set(table) == set(TARGETS)
    sizes = {"N": 3, "D": 2, "m": 4}
    for name, (names, shape) in table.items():
        options = {k: v for k, v in (("inputs", 2), ("batch", 4))
                   if k in TARGETS[name].options}
        d = derivation(name, 3, check=False, steps=False, **options)
        assert names == _known(d.problem) - {"L"}, name
        points = {k: np.zeros((1, *d.problem.size_of(k))) if k not in ("T", "eps", "c")
                  else np.ones(1, dtype=int) for k in d.problem.inputs}
        got = _expected(d, d.matrix, points, 3).shape[1:]
        wanted = tuple(int(eval_size(part, sizes)) for part in shape.split(",") if part.strip())
        assert got == wanted, (name, got, wanted)


def eval_size(text: str, sizes: dict) -> int:
    """``N·D`` → 6: a product of the size letters (no eval)."""
    out = 1
    for letter in text.strip().split("·"):
        out *= sizes[letter.strip()]
    return out
