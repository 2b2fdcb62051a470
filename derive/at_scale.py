"""A target's derived result at any N, compiled to NumPy and checked vectorised.

The result is derived once for every N (:func:`derive.derivation.derivation` with a
symbolic N: the proof by the rules, never a stored answer), its sizes are given values,
and :mod:`derive.check.vectorised` evaluates it over whole arrays: ten thousand classes at a
thousand points in about a second.

>>> report = check_at_scale("softmax-cross-entropy-grad", 1000, points=20)
>>> report.passed, report.points, report.extreme_points, report.sizes
(True, 20, 4, (1000,))
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import sympy as sp

from .catalog import get_target
from .check.numeric import CheckReport
from .check.vectorised import DIRECTIONS, IndexFunction, check_forms, check_classes, index_function
from .derivation import derivation
from .errors import InputError

__all__ = ["instance", "compiled", "check_at_scale"]


@lru_cache(maxsize=64)  # derived once per (target, N, form, options)
def _instance(target: str, n: int, form: str, options: tuple) -> tuple[sp.Expr, object]:
    found = get_target(target)
    if not found.symbolic:
        raise InputError(f"{target} is derived for a concrete number of classes only; check "
                         "it with derive.check.crosscheck instead")
    check_classes(found, n)
    if form not in ("result", "general"):
        raise InputError(f"unknown form {form!r}; give result or general")
    chosen = dict(options)
    problem = found.build(n, **chosen)
    # The symbolic derivation with symbolic sizes (D, m) too, so that one proof serves
    # every size; the sizes are then given their values.
    d = derivation(found.name, "N", check=False, steps=False,
                   **{k: v for k, v in chosen.items() if k not in ("inputs", "batch")})
    sizes = {d.classes: n}
    for option in ("inputs", "batch"):
        size = dict(d.problem.options).get(option)
        if isinstance(size, sp.Symbol):
            sizes[size] = problem.option(option)
    expr = (d.result if form == "result" else d.general).subs(sizes)
    return expr.xreplace(dict(problem.parameters)), problem


def instance(target: str, n: int, form: str = "result", **options) -> tuple[sp.Expr, object]:
    """The derived symbolic-N result of ``target`` at ``n`` classes, with its problem.

    The result is derived (``derivation(target, "N")``, the proof by rules), never stored;
    its sizes N (and D, m) are then given their values.  ``form`` is ``"result"`` (the
    textbook form, under the target's assumptions) or ``"general"`` (before them).

    >>> instance("softmax-cross-entropy-grad", 10, form="general")[0]
    S[j]*Sum(y[k], (k, 1, 10)) - y[j]
    """
    return _instance(target, n, form, _key(options))


def compiled(target: str, n: int, form: str = "result", **options) -> IndexFunction:
    """The NumPy function of ``target``'s derived result at ``n`` classes (cached per
    target, N, form and options: the same object on every call).

    >>> compiled("softmax-jacobian", 512) is compiled("softmax-jacobian", 512)
    True
    """
    return index_function(*instance(target, n, form, **options))


def _key(options: Mapping) -> tuple:
    return tuple(sorted((k, v) for k, v in options.items() if v is not None))


def check_at_scale(target: str, n: int, points: int = 100, seed: int = 0,
                   directions: int = DIRECTIONS, general: bool = False,
                   **options: str | int | None) -> CheckReport:
    """The numeric cross-check of ``target``'s derived result at ``n`` classes, vectorised.

    The symbolic-N result is derived, instantiated at ``n`` (:func:`compiled`), evaluated
    at ``points`` seeded random points (the last few with extreme logits; labels on the
    simplex when the result assumes ``Σ y = 1``) and compared with directional central
    differences of the stable float64 reference
    (:func:`derive.check.vectorised.check_forms`).  With ``general`` the form before the
    assumptions is also compared, at unrestricted labels.

    Args:
        target: a symbolic target, e.g. ``"softmax-jacobian"``.
        n: the number of classes.
        points: how many random points (see
            :func:`derive.check.vectorised.check_expression`).
        seed: the seed of the points and the directions.
        directions: random directions per point.
        general: also check the general form (targets with assumptions only).
        options: the target's options (``inputs``, ``batch``, ``wrt``, ``convention``,
            ``reduction``).

    Returns:
        A :class:`derive.check.numeric.CheckReport` at N = n.

    Raises:
        InputError: a target without a symbolic derivation, or bad sizes or options.

    >>> check_at_scale("softmax-jacobian", 64, points=10).passed
    True
    """
    expr, problem = instance(target, n, **options)
    other = instance(target, n, "general", **options)[0] \
        if general and problem.assumptions else None
    return check_forms(expr, other, target, n, points, seed, directions, **options)
