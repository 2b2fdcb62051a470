"""Code generated from a checked derivation, and checked itself before it is written.

:func:`generated_numpy` prints the derivation's result as a NumPy module
(:mod:`derive.render.code`), writes it to a private temporary file and verifies the
function there exactly as ``derive check --python`` verifies a user's (in a worker of its
own, at random points and at extreme ones, against the derivation), at two numbers of
classes.  Code that does not hold is refused, never returned.

>>> g = generated_numpy("softmax-cross-entropy-grad")
>>> [v.verdict for v in g.verdicts], g.function
(['holds', 'holds'], 'softmax_cross_entropy_grad')
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from .errors import InternalError

__all__ = ["Generated", "generated_code", "generated_numpy"]

# The numbers of classes the code is run at: the generated code is the same for every N.
CHECK_CLASSES = (3, 5)


@dataclass(frozen=True)
class Generated:
    """A module and how its function was checked.

    Attributes:
        source: the module's text, its header saying what it came from and was checked by.
        function: the name of its function.
        verdicts: ``derive check --python`` of the function at each N it was run at
            (:data:`CHECK_CLASSES` by default; each ``holds``: anything else is refused).
    """

    source: str
    function: str
    verdicts: tuple


def generated_numpy(target: str | None = None, **request) -> Generated:
    """:func:`generated_code` in NumPy."""
    return generated_code(target, **request, language="numpy")


def generated_code(target: str | None = None, *, of: str | None = None, wrt=None,
                   assume: tuple[str, ...] = (), seed: int = 0,
                   classes: tuple[int, ...] = CHECK_CLASSES, language: str = "numpy",
                   **options) -> Generated:
    """The NumPy (or, ``language="torch"``, PyTorch) module of a target (with its
    ``options``: ``inputs``, ``wrt`` …) or of a definition ``of`` (with ``wrt``, twice for
    a second derivative, and ``assume``), verified at each number of ``classes``
    (:data:`CHECK_CLASSES`) before it is returned.  PyTorch code is run through an
    adapter (NumPy arrays in as float64 tensors, tensors out as arrays), so that the same
    check runs it.

    Raises:
        CodeError: a result the printer has no vectorised code for; PyTorch code where
            PyTorch is not installed (it could not be run, so it is not written).
        InternalError: generated code that does not hold (a bug in derive: said so).
    """
    from .derivation import derivation
    from .errors import InputError
    from .render.code import DIALECTS, CodeError, function_name, numpy_source
    if language not in DIALECTS:
        raise InputError(f"code is written in {' or '.join(DIALECTS)}; got {language!r}")
    dialect = DIALECTS[language]
    if language == "torch":
        import importlib.util
        if importlib.util.find_spec("torch") is None:
            raise CodeError("--format torch runs the code it writes before printing it, and "
                            "PyTorch is not installed here: pip install torch (or use "
                            "--format numpy); nothing is written")
    from .render.unicode import text
    from .verdicts.verify import verify
    from .version import __version__
    if of is not None:
        d = derivation(of=of, wrt=wrt, classes="N", assume=assume, check=False, steps=False)
        request = {"of": of, "wrt": wrt, "assume": tuple(assume)}
        command = _command(of=of, wrt=wrt, assume=assume, language=language)
    else:
        d = derivation(target, "N", check=False, steps=False,
                       **({**options, "wrt": wrt} if wrt is not None else options))
        request = {"against": target, **options, **({"wrt": wrt} if wrt else {})}
        command = _command(target=target, wrt=wrt, language=language, **options)
    name = function_name(d)
    body = numpy_source(d, name=name, dialect=dialect)
    run, product = name, f"{name}_vector_product"
    if language == "torch":   # derive's own adapters: NumPy arrays in and out
        body += _adapter(name, d, "_checked")
        run = "_checked"
        if d.hvp is not None:
            body += _adapter(product, d, "_checked_product", (str(d.hvp.vector),))
            product = "_checked_product"
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="derive-code-") as folder:
        path = Path(folder) / "generated.py"
        path.write_text(body)
        from .verdicts.worker_child import PythonFunction
        for n in classes:
            sizes = {"inputs": 2} if "inputs" in _options_of(d) and "inputs" not in options \
                else {}
            try:
                v = verify(PythonFunction(str(path), run), classes=n, seed=seed,
                           **request, **sizes)
            except InputError as error:   # "your function raised …": it is derive's code
                raise InternalError(f"the generated code could not be run at N = {n} "
                                    f"({error}); it was not written") from None
            if v.verdict != "holds" and "inf or NaN" in (v.diagnosis or "") \
                    and d.result.has(sp.exp):
                # Written as derived: a result the rules left in exponentials (no softmax
                # recognised) overflows at large inputs; nothing stable to print.
                raise CodeError(
                    f"the result, {text(d.result)}, is not finite at large inputs in float64 "
                    "(it is written with exponentials that overflow), so no code is written; "
                    "define the function with softmax(z)_k, log_softmax(z)_k or "
                    "logsumexp(z), whose results are computed stably")
            if v.verdict != "holds":
                raise InternalError(
                    f"the generated code does not hold at N = {n} ({v.verdict}: "
                    f"{v.diagnosis or '; '.join(v.notes) or 'see derive check'}); it was not "
                    "written")
            verdicts.append(v)
            if d.hvp is not None:
                _check_product(PythonFunction(str(path), product), d, n, seed)
    header = _header(d, command, verdicts, __version__, dialect)
    return Generated(source=numpy_source(d, header=header, name=name, dialect=dialect),
                     function=name, verdicts=tuple(verdicts))


def _adapter(function: str, d, name: str, extra: tuple = ()) -> str:
    """A function ``name`` with ``function``'s parameters that takes NumPy values, calls
    ``function`` with float64 tensors (the class label as an integer tensor) and returns
    a NumPy array: how the check, which speaks NumPy, runs PyTorch code."""
    from .render.code import _name
    parameters = [_name(p) for p in d.problem.inputs] + list(extra)
    arguments = ", ".join(f"{p}=torch.as_tensor({p})" if p == "c" else
                          f"{p}=torch.as_tensor({p}, dtype=torch.float64)" for p in parameters)
    return (f"\n\ndef {name}({', '.join(parameters)}):\n"
            f"    return {function}({arguments}).numpy()\n")


def _check_product(function, d, n: int, seed: int) -> None:
    """The generated Hessian-vector product against ``H v``, H the derived Hessian
    evaluated stably, at random points and where the variable is extreme, the function
    run in a worker of its own as ``derive check --python`` runs one.

    Raises:
        InternalError: a product that differs (the code is then not written).
    """
    import numpy as np

    from .check.defined import evaluated, sample, with_extremes
    from .verdicts.defined_code import ATOL, POINTS, RTOL
    from .verdicts.isolated import Worker
    definition, variable = d.problem.definition, d.problem.variable
    sizes = {"N": n, "D": 2, "m": 2}
    rng = np.random.default_rng(seed)
    points = with_extremes(sample(definition, sizes, rng, POINTS - 2, d.assumptions),
                           str(variable.base), definition, rng)
    count = next(iter(points.values())).shape[0]
    points[str(d.hvp.vector)] = rng.normal(size=(count, n))
    hessian = evaluated(d.result, definition, variable, points, sizes)
    expected = np.einsum("pij,pj->pi", hessian, points[str(d.hvp.vector)])
    batch = {name: [np.asarray(v[row]).copy() if np.ndim(v) > 1 else float(v[row])
                    for row in range(count)] for name, v in points.items()}
    with Worker(function, {"points": batch}, (n,), seconds=60) as worker:
        names = [(p.name, p.name) for p in worker.parameters() if p.name in points]
        calls = worker.call("points", names)
    claimed = calls.values
    good = claimed is not None and bool((np.abs(claimed - expected) <= ATOL + RTOL * np.maximum(
        np.abs(claimed), np.abs(expected))).all())
    if not good:
        raise InternalError(f"the generated Hessian-vector product differs from H v at N = {n}; "
                            "it was not written")


def _options_of(d) -> tuple:
    return d.target.options


def _command(target=None, of=None, wrt=None, assume=(), language="numpy", **options) -> str:
    import shlex
    words = ["derive", "show"] + ([target] if target else ["--of", of])
    wrts = wrt if isinstance(wrt, tuple) else (wrt,) if wrt else ()
    words += [w for v in wrts for w in ("--wrt", v)]
    words += [w for a in assume for w in ("--assume", a)]
    words += [w for k, v in options.items() if v is not None for w in (f"--{k}", str(v))]
    return " ".join(shlex.quote(w) for w in [*words, "--format", language])


def _header(d, command: str, verdicts, version: str, dialect=None) -> str:
    from .render.unicode import text
    methods = verdicts[0].methods[0].split(";")[0] if verdicts[0].methods else ""
    assumed = "; ".join(a.text.split(" (")[0] for a in d.assumptions)
    import textwrap
    fill = lambda words: textwrap.wrap(words, 88, break_long_words=False,  # noqa: E731
                                       break_on_hyphens=False)
    title = d.target.title[:1].upper() + d.target.title[1:]
    lines = [*fill(f'"""{title}: generated by derive {version}.'), "",
             f"    {text(d.lhs)} = {text(d.result)}"
             + (f", assuming {assumed}" if assumed else ""), "",
             "Derived and proved for every N by:", "",
             "    " + command.rsplit(" --format ", 1)[0] + " --classes N", "",
             *fill("Checked before it was written, as `derive check --python` checks a "
                   + ("function (called with float64 tensors made from its NumPy points)"
                      if dialect is not None and dialect.name == "torch" else "function")
                   + f": it holds at N = {', '.join(str(v.classes) for v in verdicts)} "
                   f"({methods})."
                   + (" Its Hessian-vector product equals H v at the same N, at random "
                      "points and where the variable is extreme." if d.hvp is not None
                      else "")), "",
             "Regenerate with:", "", f"    {command}", '"""']
    return "\n".join(lines)
