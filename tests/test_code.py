"""Code generated from a derivation (derive.render.code, derive.generated): vectorised,
stable, checked before it is written, refused when wrong."""

import numpy as np
import pytest
from click.testing import CliRunner

from cli import main
from derive import TARGETS, derivation
from derive.errors import InputError, InternalError
from derive.gallery import GALLERY
from derive.generated import generated_numpy
from derive.render import code
from derive.render.code import CodeError, numpy_expression

# (target, options, the vectorised expression): matrix forms become matrix code.
EXPRESSIONS = [
    ("softmax-jacobian", {}, "S[..., :, None] * (np.eye(N) - S[..., None, :])"),
    ("softmax-cross-entropy-grad", {}, "S - y"),
    ("softmax-cross-entropy-hessian", {}, "S[..., :, None] * (np.eye(N) - S[..., None, :])"),
    ("cross-entropy-grad", {}, "-y / S"),
    ("sparse-softmax-cross-entropy-grad", {}, "S - (np.arange(N) == np.asarray(c)[..., None])"),
    ("temperature-softmax-jacobian", {}, "S[..., :, None] * (np.eye(N) - S[..., None, :]) / T"),
    ("linear-softmax-cross-entropy-grad", {"wrt": "W"}, "x[..., None, :] * (S - y)[..., :, None]"),
    ("linear-softmax-cross-entropy-grad", {"wrt": "x"}, "np.einsum('...k,...kj->...j', S - y, W)"),
    ("batch-softmax-cross-entropy-grad", {}, "(S - Y) / m"),
]


@pytest.mark.parametrize("target, options, expected", EXPRESSIONS)
def test_matrix_forms_become_matrix_code(target, options, expected):
    assert numpy_expression(derivation(target, "N", check=False, steps=False,
                                       **options)) == expected


def _cases():
    out = []
    for name, t in TARGETS.items():
        for w in (t.wrt_choices if len(t.wrt_choices) > 1 else (None,)):
            out.append((name, {"wrt": w} if w else {}))
    return out + [("linear-softmax-cross-entropy-grad", {"convention": "WTx"}),
                  ("batch-softmax-cross-entropy-grad", {"reduction": "sum"})]


@pytest.mark.parametrize("target, options", _cases())
def test_every_target_generates_code_that_holds(target, options):
    g = generated_numpy(target, **options)
    assert [v.verdict for v in g.verdicts] == ["holds", "holds"]
    body = g.source.split('"""')[-1]   # the code after the function's docstring
    assert f"def {g.function}(" in g.source and "for " not in body and "return" in body


@pytest.mark.parametrize("example", GALLERY, ids=lambda e: e.name)
def test_every_gallery_function_and_hessian_generates_code_that_holds(example):
    for wrt in (example.wrt, (example.wrt, example.wrt)) if example.hessian else (example.wrt,):
        g = generated_numpy(of=example.of, wrt=wrt, assume=example.assume)
        assert all(v.verdict == "holds" for v in g.verdicts)


def _run(source: str, name: str, **values):
    namespace: dict = {}
    exec(compile(source, "generated.py", "exec"), namespace)   # derive's own output
    return namespace[name](**values)


def test_the_code_is_stable_and_takes_a_stack_of_points():
    g = generated_numpy("softmax-cross-entropy-hessian")
    z = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    y = np.array([[0.0, 1.0, 0.0], [0.2, 0.3, 0.5]])
    h = _run(g.source, g.function, z=z, y=y)
    assert h.shape == (2, 3, 3) and np.isfinite(h).all()
    s = np.exp(z[1] - z[1].max()) / np.exp(z[1] - z[1].max()).sum()
    assert np.allclose(h[1], np.diag(s) - np.outer(s, s), rtol=1e-14, atol=0)
    assert np.allclose(h[0], 0.0)   # a saturated softmax has a zero Hessian


def test_a_layer_jacobian_is_flattened_as_check_python_expects():
    g = generated_numpy("linear-softmax-jacobian", inputs=2)
    rng = np.random.default_rng(0)
    out = _run(g.source, g.function, W=rng.normal(size=(3, 2)), x=rng.normal(size=2),
               b=rng.normal(size=3))
    assert out.shape == (3, 6)


def test_the_header_says_where_the_code_came_from_and_how_it_was_checked():
    g = generated_numpy("softmax-jacobian")
    assert "derive show softmax-jacobian --classes N" in g.source
    assert "it holds at\nN = 3, 5" in g.source or "it holds at N = 3, 5" in g.source
    assert "derive show softmax-jacobian --format numpy" in g.source


@pytest.mark.parametrize("broken, message", [
    ("e / (1 + e.sum(axis=-1, keepdims=True))", "does not hold at N = 3"),   # wrong
    ("np.exp(u) / np.exp(u).sum(axis=-1, keepdims=True)", "inf or NaN"),    # unstable
])
def test_code_that_does_not_hold_is_refused(monkeypatch, broken, message):
    helper = code._HELPERS["_softmax"].rsplit("return ", 1)[0] + f"return {broken}"
    monkeypatch.setitem(code._HELPERS, "_softmax", helper)
    with pytest.raises(InternalError, match=message):
        generated_numpy("softmax-jacobian")


def test_a_node_without_vectorised_code_is_a_clear_error():
    import sympy as sp
    d = derivation("softmax-cross-entropy-grad", "N", check=False, steps=False)
    with pytest.raises(CodeError, match="no vectorised code"):
        numpy_expression(d, sp.Piecewise((1, d.problem.wrt_index > 1), (0, True)))
    assert issubclass(CodeError, InputError)


def test_show_writes_checked_code(tmp_path):
    out = tmp_path / "grad.py"
    result = CliRunner().invoke(main, ["show", "softmax-cross-entropy-grad", "--format",
                                       "numpy", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "def softmax_cross_entropy_grad(z, y):" in out.read_text()
    result = CliRunner().invoke(main, ["check", "--python", f"{out}:softmax_cross_entropy_grad",
                                       "--against", "softmax-cross-entropy-grad"])
    assert result.exit_code == 0 and result.output.startswith("holds")


@pytest.mark.parametrize("arguments, message", [
    (["show", "softmax-jacobian", "--format", "numpy", "--at", "z=[1, 2]"], "do not apply"),
    (["show", "softmax-jacobian", "--format", "numpy", "-n", "N"], "same for every N"),
])
def test_show_refuses_what_does_not_apply_to_code(arguments, message):
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 2 and message in result.output


def test_a_hessian_comes_with_its_vector_product_in_o_of_n():
    g = generated_numpy("softmax-cross-entropy-hessian")
    rng = np.random.default_rng(1)
    z, y, v = rng.normal(size=(4, 6)) * 3, rng.dirichlet(np.ones(6), size=4), \
        rng.normal(size=(4, 6))
    h = _run(g.source, g.function, z=z, y=y)
    hv = _run(g.source, g.function + "_vector_product", z=z, y=y, v=v)
    assert np.allclose(hv, np.einsum("pij,pj->pi", h, v), rtol=1e-13, atol=1e-15)
    body = g.source.split("def softmax_cross_entropy_hessian_vector_product")[1]
    assert "np.eye" not in body and "None, :]" not in body   # no N × N temporary
    assert "Hessian-vector product equals H v" in g.source


def test_a_wrong_vector_product_is_refused(monkeypatch):
    original = code.numpy_product

    def wrong(*args, **kwargs):
        lines = original(*args, **kwargs)
        return lines[:-1] + ["    return v"]
    monkeypatch.setattr(code, "numpy_product", wrong)
    with pytest.raises(InternalError, match="Hessian-vector product differs"):
        generated_numpy("softmax-cross-entropy-hessian")


def test_a_result_in_exponentials_is_refused_as_unstable():
    with pytest.raises(CodeError, match="not finite at large inputs"):
        generated_numpy(of="L = log(Σ_k exp(z_k))", wrt="z")


def test_a_family_named_np_does_not_hide_numpy():
    g = generated_numpy(of="L = -Σ_k np_k log(softmax(z)_k)", wrt=("z", "z"))
    assert "import numpy\n" in g.source and "numpy.eye(N)" in g.source


def test_one_minus_sigma_is_sigma_of_minus_x_in_code():
    # σ(z)(1 − σ(z)) as σ(z)σ(−z): full relative precision where σ(z) ≈ 1.
    g = generated_numpy(of="L = Σ_k softplus(z_k)", wrt=("z", "z"))
    assert "_sigmoid(-z)" in g.source
    h = _run(g.source, g.function, z=np.array([40.0, -40.0, 0.0]))
    assert np.allclose(np.diag(h), [np.exp(-40.0), np.exp(-40.0), 0.25], rtol=1e-12, atol=0)


# ---- PyTorch (an optional extra: tested where torch is installed) ------------------------

@pytest.mark.parametrize("target, options", [
    ("softmax-cross-entropy-grad", {}), ("sparse-softmax-cross-entropy-grad", {}),
    ("linear-softmax-cross-entropy-grad", {"wrt": "x"}), ("softmax-cross-entropy-hessian", {}),
    ("sigmoid-binary-cross-entropy-grad", {}),
])
def test_torch_code_holds_and_is_stable(target, options):
    torch = pytest.importorskip("torch")
    from derive.generated import generated_code
    g = generated_code(target, language="torch", **options)
    assert all(v.verdict == "holds" for v in g.verdicts)
    assert "import torch" in g.source and "np." not in g.source
    if target == "softmax-cross-entropy-hessian":
        namespace: dict = {}
        exec(compile(g.source, "generated.py", "exec"), namespace)   # derive's own output
        z = torch.tensor([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]], dtype=torch.float64)
        y = torch.full((2, 3), 1 / 3, dtype=torch.float64)
        h = namespace[g.function](z=z, y=y)
        assert h.shape == (2, 3, 3) and h.dtype == torch.float64 and torch.isfinite(h).all()


def test_torch_code_is_refused_without_torch(monkeypatch):
    import importlib.util
    from derive.generated import generated_code
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "torch" else real(name, *a))
    with pytest.raises(CodeError, match="PyTorch is not installed"):
        generated_code("softmax-jacobian", language="torch")
