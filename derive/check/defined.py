"""Checks of a derivation from a user's definition, independent of the rules that made it.

* :func:`exact_entries` — at concrete sizes, every entry of an expression (a step, the
  result) against SymPy's ``diff`` of the written-out definition: the difference is
  shown to be zero exactly, as a rational function of its atoms with every ``e^{m}`` of a
  monomial ``m`` an independent symbol (a zero there is a zero of the original: the
  substitution is a ring homomorphism).  What the test cannot show to be zero is counted
  separately and compared at 50 digits instead.
* :func:`numeric_check` — the result evaluated stably (:mod:`derive.check.stable`)
  against central finite differences of the stable evaluation of the definition itself,
  at seeded random points.

>>> from derive.read.definition import read_definition
>>> from derive.calculus.strategy import derive_definition
>>> d = read_definition("L = logsumexp(z)")
>>> derived = derive_definition(d, "z")
>>> exact_entries(derived.result, d, derived.variable, (), {"N": 3, "D": 2})
(3, 3, [])
"""

from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np
import sympy as sp

from ..errors import InputError
from ..functions import entry_name, expand_sums, sigmoid, softplus
from ..read.definition import size_values
from .evaluator import zero_test
from .numeric import FD_ATOL, FD_RTOL, FD_STEP, CheckReport, compare

__all__ = ["concrete", "exact_entries", "fast_entries", "sympy_entries", "numeric_check",
           "numeric_steps", "evaluated", "finite_differences", "sample", "keys",
           "concrete_problem", "in_exponentials", "under_assumptions", "positive_families",
           "with_extremes"]



def keys(definition, variable, sizes) -> tuple[list[tuple], list[tuple]]:
    """The concrete output keys (``[()]`` for a scalar) and variable keys."""
    shape = definition.shape(str(variable.base))
    outputs = [tuple(k) for k in itertools.product(range(1, sizes["N"] + 1),
                                                   repeat=len(definition.outputs))]
    columns = list(itertools.product(*(range(1, sizes[e] + 1) for e in shape)))
    return outputs, columns


def concrete(expr: sp.Expr, definition, sizes, env: dict) -> sp.Expr:
    """``expr`` written out at concrete sizes and indices: intermediates replaced by
    their definitions, sums expanded, every entry a symbol ``z_2``, ``W_1_3``."""
    values = {**size_values(sizes), **env}
    # (N alone becomes the Python int 2: sympify what xreplace gives back.)
    written = sp.sympify(definition.written_out(sp.sympify(expr)).xreplace(values))
    written = expand_sums(written) if written.has(sp.Sum) else written
    entries = {}
    for atom in written.atoms(sp.Indexed):
        if not all(i.is_Integer for i in atom.indices):
            raise InputError(f"{atom} has no concrete index")
        entries[atom] = sp.Symbol(entry_name(str(atom.base), atom.indices))
    return written.xreplace(entries)


def case_keys(definition, variable, sizes, case) -> list[tuple] | None:
    """The entries of a case ``(p, q, equal)``: those where the indices ``p`` and ``q``
    are equal (or differ); ``None`` for no case (every entry)."""
    if case is None:
        return None
    p, q, equal = case
    outputs, columns = keys(definition, variable, sizes)
    names = (*definition.outputs, *variable.indices)
    a, b = names.index(p), names.index(q)
    return [o + c for o in outputs for c in columns if ((o + c)[a] == (o + c)[b]) == equal]


def exact_entries(expr: sp.Expr, definition, variable, assumptions, sizes,
                  reference: sp.Expr | None = None, case=None) -> tuple[int, int, list]:
    """See :func:`sympy_entries`; the fast evaluator of :mod:`derive.check.exact` first
    (microseconds an entry), SymPy where that has no rule (tanh, a root).  With a
    ``case`` ``(p, q, equal)``, the entries of that case only (a step that holds where
    ``p = q``)."""
    if reference is None:
        fast = fast_entries(expr, definition, variable, assumptions, sizes, case)
        if fast is not None:
            return fast
    return sympy_entries(expr, definition, variable, assumptions, sizes, reference, case)


def fast_entries(expr: sp.Expr, definition, variable, assumptions, sizes, case=None):
    """Every entry of ``expr`` (of its ``case``) against the chain-rule derivative of the
    written-out definition by :func:`derive.check.exact.compare` (Laurent polynomials in
    atoms), or ``None`` when the evaluator has no rule for a node."""
    from .exact import compare
    from .polynomials import Unsupported
    problem = concrete_problem(definition, variable, tuple(sorted(sizes.items())),
                               tuple(assumptions))
    claim = _written_for_evaluator(definition, expr).xreplace(size_values(sizes))
    wanted = case_keys(definition, variable, sizes, case)
    if wanted == []:
        return 0, 0, []
    try:
        check = compare(problem, sizes["N"], claim, keys=wanted).check
    except (Unsupported, KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    good = check.by_atoms + check.by_expansion + check.by_assumptions
    return good, check.entries, list(check.differing)


def fast_steps(steps, definition, variable, assumptions, sizes) -> list | None:
    """Every step (``(expr, case, assumes)``) against the chain-rule derivative at
    ``sizes``, on every entry of its case, by :mod:`derive.check.exact`'s evaluator as in
    :func:`derive.check.exact.compare` (one reverse sweep per output), but with one
    evaluator and one derivative of each entry for all the steps.  Per step
    ``(exact, entries, differing)`` as :func:`fast_entries`, or ``None`` when the
    evaluator has no rule for a node of one of them (then each step is checked alone)."""
    from .concrete import Concrete
    from .evaluator import Evaluator
    from .exact import _written_out
    from .polynomials import Unsupported, _add
    problem = concrete_problem(definition, variable, tuple(sorted(sizes.items())),
                               tuple(assumptions))
    n, family = sizes["N"], str(variable.base)
    outputs, inputs = definition.outputs, variable.indices
    names = (*outputs, *inputs)
    try:
        evaluator = Evaluator(problem, n)
        construction = _written_out(problem.function, problem, n)
        concrete = Concrete(problem, n)
        claims = [evaluator.entrywise(concrete.written_out(_written_for_evaluator(
            definition, expr).xreplace(size_values(sizes)), evaluated=False))
            for expr, _case, _assumes in steps]
        counts, differing = [0] * len(steps), [[] for _ in steps]
        columns = problem.keys(problem.wrt_indices)
        variables = {column: evaluator.leaf(family, column) for column in columns}
        for row in problem.output_keys():
            env = dict(zip(outputs, row))
            try:
                gradient = evaluator.gradient(construction, env, family)
            except (Unsupported, KeyError):   # differentiated forward, column by column
                gradient = None
            for column in columns:
                env.update(zip(inputs, column))
                truth = gradient.get(variables[column], {}) if gradient is not None else \
                    evaluator.derivative(construction, dict(env), variables[column])
                key = row + column
                for number, ((_expr, case, assumes), claim_at) in enumerate(zip(steps, claims)):
                    at = dict(zip(names, key))
                    if case is not None and (at[case[0]] == at[case[1]]) != case[2]:
                        continue
                    counts[number] += 1
                    claimed = claim_at(env)
                    if truth != claimed and evaluator.decide_shared(
                            _add(truth, claimed, -1), assumes) == "differs":
                        differing[number].append(key)
    except (Unsupported, KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    return [(count - len(keys), count, keys) for count, keys in zip(counts, differing)]


@lru_cache(maxsize=128)
def _written_for_evaluator(definition, expr: sp.Expr) -> sp.Expr:
    """``expr`` with the intermediates written out and a ``Derivative`` (the definition
    step) evaluated by the chain rule, tanh and σ in exponentials, a constant under a root
    a power of a new symbol: once for every size, as none of it depends on N."""
    from ..calculus.indexed import evaluate_derivatives
    written = definition.written_out(expr)
    if written.has(sp.Derivative):
        written = evaluate_derivatives(written)
    return _rational_powers(in_exponentials(written, True), definition)


@lru_cache(maxsize=64)
def concrete_problem(definition, variable, sizes: tuple, assumptions: tuple = ()):
    """The definition at concrete sizes (``(("D", 2), ("N", 3))``) as a
    :class:`~derive.catalog.Problem` the exact evaluator reads: the written-out function
    of the inputs alone."""
    from ..catalog import Problem
    sizes = dict(sizes)
    values = size_values(sizes)
    function = _written_for_evaluator(definition, definition.body).xreplace(values)
    shape = definition.shape(str(variable.base))
    indices = variable.indices
    return Problem(
        name=definition.name, function=function,
        output_index=definition.outputs[0] if definition.outputs else None,
        wrt=variable.base, wrt_index=indices[0] if len(indices) == 1 else indices,
        inputs=tuple(name for name, _ in definition.families), assumptions=tuple(assumptions),
        classes=sizes["N"],
        sizes=(("D", sizes.get("D", 1)), ("m", sizes.get("m", 1))),
        shapes=tuple((name, s) for name, s in definition.families),
        ranges=tuple((x, e) for x, e in zip(indices, shape)))


def sympy_entries(expr: sp.Expr, definition, variable, assumptions, sizes,
                  reference: sp.Expr | None = None, case=None) -> tuple[int, int, list]:
    """Compare ``expr`` (in index notation, the output and variable indices free) with
    the derivative of the written-out definition on every entry at ``sizes`` (or with
    the expression ``reference``, written out the same way).

    Returns:
        ``(exact, entries, differing)``: the entries shown equal exactly, all entries,
        and the keys of entries that differ (numerically, at 50 digits).
    """
    outputs, columns = keys(definition, variable, sizes)
    wanted = case_keys(definition, variable, sizes, case)
    wanted = None if wanted is None else set(wanted)
    function_of = {}
    exact, differing, total = 0, [], 0
    for out in outputs:
        env = dict(zip(definition.outputs, out))
        if out not in function_of and reference is None:   # σ, softplus written out
            function_of[out] = in_exponentials(concrete(definition.body, definition, sizes, env))
        for column in columns:
            if wanted is not None and out + column not in wanted:
                continue
            total += 1
            at = {**env, **dict(zip(variable.indices, column))}
            symbol = sp.Symbol(entry_name(str(variable.base), column))
            truth = sp.diff(function_of[out], symbol) if reference is None else \
                concrete(reference, definition, sizes, at)
            claim = concrete(expr, definition, sizes, at)
            if claim.has(sp.Derivative):   # the definition step: σ written out, SymPy's diff
                claim = in_exponentials(claim).doit()
            claim = under_assumptions(claim, assumptions, definition, sizes, at)
            truth = under_assumptions(truth, assumptions, definition, sizes, at)
            verdict = equal_exactly(truth, claim)
            if verdict:
                exact += 1
            elif not _equal_at_random_points(truth, claim):
                differing.append(out + column)
    return exact, total, differing


def under_assumptions(expr, assumptions, definition, sizes, env):
    """Apply the assumptions at concrete sizes: ``y_1 + y_2 + y_3 = 1`` solved for the
    last entry (for every row, for one that holds for every value of an index), so that
    a zero test under them is a zero test without."""
    for assumption in assumptions:
        rows = [{}]
        if assumption.index is not None:
            extent = _extent_of(assumption.index, assumption.quantity, definition)
            rows = [{assumption.index: sp.Integer(v)}
                    for v in range(1, dict(sizes).get(extent, sizes["N"]) + 1)]
        for row in rows:
            total = concrete(assumption.quantity.xreplace(row), definition, sizes, env)
            value = concrete(assumption.value, definition, sizes, env)
            symbols = sorted(total.free_symbols, key=str)
            if not symbols:
                continue
            solved = sp.solve(sp.Eq(total, value), symbols[-1], dict=True)
            if len(solved) == 1:
                expr = expr.xreplace(solved[0])
    return expr


def _extent_of(index, expr, definition) -> str:
    """The extent of ``index`` where it indexes a family of ``expr``."""
    for a in expr.atoms(sp.Indexed):
        if index in a.indices:
            return definition.shape(str(a.base))[list(a.indices).index(index)]
    return "N"


def in_exponentials(expr: sp.Expr, tanh: bool = False) -> sp.Expr:
    """σ and softplus (and with ``tanh``, tanh) by their definitions in exponentials."""
    kinds = (sigmoid, softplus, sp.tanh) if tanh else (sigmoid, softplus)
    if not expr.has(*kinds):
        return expr
    return expr.replace(lambda e: isinstance(e, kinds), lambda e: e.rewrite(sp.exp))


def _rational_powers(expr: sp.Expr, definition) -> sp.Expr:
    """A constant under a root as a power of a new positive symbol (``d = t²``, so
    ``√d = t``): a Laurent polynomial in atoms has integer powers only."""
    for constant in definition.constants:
        powers = [p.exp for p in expr.atoms(sp.Pow) if p.base == constant
                  and p.exp.is_Rational and not p.exp.is_Integer]
        if powers:
            q = sp.ilcm(1, *[int(p.q) for p in powers])
            root = sp.Symbol(f"{constant}_root", positive=True)
            expr = expr.xreplace({constant: root ** q})
    return expr


def equal_exactly(a: sp.Expr, b: sp.Expr) -> bool:
    """True when ``a − b`` is zero as a rational function of its atoms (a proof); False
    when the tests here cannot show it (not a proof of a difference)."""
    difference = in_exponentials(a - b)
    difference = difference.rewrite(sp.tanh, sp.exp) if difference.has(sp.tanh) else difference
    if zero_test(difference) is True:
        return True
    return sp.cancel(sp.together(_independent_exponentials(difference))) == 0


def _independent_exponentials(expr: sp.Expr) -> sp.Expr:
    """Every ``e^{Σ c_m m}`` (monomials m, rational c) as ``Π E_m^{c_m}`` with a new
    positive symbol ``E_m`` per monomial."""
    symbols: dict = {}

    def split(e: sp.exp) -> sp.Expr:
        product = sp.Integer(1)
        for term, coeff in sp.expand(e.args[0]).as_coefficients_dict().items():
            if not coeff.is_Rational:
                return e
            if term not in symbols:
                symbols[term] = sp.Dummy("E", positive=True)
            product *= symbols[term] ** coeff
        return product

    return expr.replace(lambda e: isinstance(e, sp.exp), split)


def _equal_at_random_points(a: sp.Expr, b: sp.Expr, points: int = 3) -> bool:
    """``a`` and ``b`` agree to 40 digits at random rational points (evidence, used only
    for entries the exact test could not decide)."""
    rng = np.random.default_rng(0)
    symbols = sorted((a - b).free_symbols, key=str)
    for _ in range(points):
        values = {s: sp.Rational(int(rng.integers(1, 400)), 100) for s in symbols}
        x, y = sp.N(a.xreplace(values), 50), sp.N(b.xreplace(values), 50)
        if not (x.is_number and y.is_number) or abs(x - y) > 1e-40 * (1 + abs(x)):
            return False
    return True


# ---- numeric check -----------------------------------------------------------------
def sample(definition, sizes, rng: np.random.Generator, points: int, assumptions=()
           ) -> dict[str, np.ndarray]:
    """Seeded inputs: families normal (σ = 2), constants in [0.5, 2]; a family that an
    assumption sums to a number (``Σ_k y_k = 1``) on the simplex, scaled to that sum."""
    on_simplex = {str(a.base): (float(assumption.value) if sp.sympify(assumption.value).is_number
                                else 1.0)
                  for assumption in assumptions for a in assumption.quantity.atoms(sp.Indexed)}
    positive = positive_families(definition)
    values = {}
    for name, shape in definition.families:
        size = tuple(sizes[e] for e in shape)
        if name in on_simplex:   # every row on the simplex (the last index sums to one)
            total = on_simplex[name]
            if total == 0:   # Σ_k y_k = 0: centred values, not all zero
                spread = rng.normal(0.0, 1.0, size=(points, *size))
                values[name] = spread - spread.mean(axis=-1, keepdims=True)
            else:
                values[name] = total * rng.dirichlet(np.ones(size[-1]),
                                                     size=(points, *size[:-1]))
        elif name in positive:
            values[name] = rng.uniform(0.1, 2.0, size=(points, *size))
        else:
            values[name] = rng.normal(0.0, 2.0, size=(points, *size))
    for constant in definition.constants:
        values[str(constant)] = rng.uniform(0.5, 2.0, size=points)
    return values


def numeric_check(expr: sp.Expr, definition, variable, sizes_list, seed: int = 0,
                  assumptions=(), points: int = 12, name: str = "result vs finite differences"
                  ) -> CheckReport:
    """``expr`` (the derivative in index notation) evaluated stably against central
    finite differences of the stable evaluation of the definition, at each sizes of
    ``sizes_list``; one comparison per sizes."""
    rng = np.random.default_rng(seed)
    comparisons, extreme = [], 0
    for sizes in sizes_list:
        values = with_extremes(sample(definition, sizes, rng, points, assumptions),
                                str(variable.base), definition, rng)
        with np.errstate(all="ignore"):   # inf/NaN where the definition overflows: filtered
            numeric, rounding = finite_differences(definition, variable, values, sizes, True)
            analytic = evaluated(expr, definition, variable, values, sizes)
        # An extreme point is compared where finite differences of the definition resolve
        # it there (a written-out e^{z} at z = 1000 overflows; Σ_k e^{z_k} at z = 260 loses
        # the smaller terms): the derived form must then agree there too.
        keep = np.ones(len(numeric), dtype=bool)
        with np.errstate(all="ignore"):
            resolved = np.isfinite(numeric) & (rounding <= 1e-3 * np.maximum(
                np.abs(numeric), FD_ATOL))
        keep[points:] = resolved[points:].all(axis=(1, 2))
        extreme += int(keep[points:].sum())
        analytic, numeric, rounding = analytic[keep], numeric[keep], rounding[keep]
        values = {k: v[keep] for k, v in values.items()}
        label = f"{name} at N = {sizes['N']}" + (f", D = {sizes['D']}"
                                                 if _uses_inputs(definition) else "")
        comparisons.append(compare(label, analytic, numeric, values, FD_RTOL,
                                   FD_ATOL + rounding))
    return CheckReport(comparisons=tuple(comparisons), seed=seed,
                       points=points * len(sizes_list) + extreme, extreme_points=extreme,
                       sizes=tuple(s["N"] for s in sizes_list))


def numeric_steps(exprs, definition, variable, sizes, seed: int = 0, assumptions=(),
                  points: int = 8, cases=None) -> list:
    """Each expression (a step's right side) against the same central finite differences
    of the stable evaluation of the definition, at ``points`` ordinary points (a step
    with the softmax written out overflows where the result does not): per expression,
    the :class:`~derive.check.numeric.Comparison`, or ``None`` for one that has no
    numeric value (the definition step, a ``Derivative``).  ``cases`` gives each
    expression's case (or ``None``): a case step is compared on the entries of its case."""
    rng = np.random.default_rng(seed)
    values = sample(definition, sizes, rng, points, assumptions)
    numeric, rounding = finite_differences(definition, variable, values, sizes, True)
    outputs, columns = keys(definition, variable, sizes)
    every = [o + c for o in outputs for c in columns]
    out = []
    for expr, case in zip(exprs, cases or [None] * len(exprs)):
        if expr.has(sp.Derivative):
            out.append(None)
            continue
        analytic = evaluated(expr, definition, variable, values, sizes)
        wanted = case_keys(definition, variable, sizes, case)
        if wanted is None:
            out.append(compare("step vs finite differences", analytic, numeric, values,
                               FD_RTOL, FD_ATOL + rounding))
            continue
        # The entries of the case, as one row.
        mask = np.array([key in set(wanted) for key in every])
        if not mask.any():
            out.append(None)
            continue

        def chosen(a):
            return a.reshape(a.shape[0], 1, -1)[:, :, mask]
        out.append(compare("step vs finite differences", chosen(analytic), chosen(numeric),
                           values, FD_RTOL, FD_ATOL + chosen(rounding)))
    return out


def evaluated(expr: sp.Expr, definition, variable, values: dict, sizes) -> np.ndarray:
    """``expr`` at every point and entry: shape (points, outputs, variable entries)."""
    from .stable import Evaluation
    outputs, columns = keys(definition, variable, sizes)
    total = next(iter(values.values())).shape[0]
    analytic = np.empty((total, len(outputs), len(columns)))
    evaluation = Evaluation(definition, values, sizes)
    for r, out in enumerate(outputs):
        for c, column in enumerate(columns):
            env = {**dict(zip(definition.outputs, out)), **dict(zip(variable.indices, column))}
            analytic[:, r, c] = evaluation.of(expr, env)
    return analytic


def finite_differences(definition, variable, values: dict, sizes,
                       rounding: bool = False):
    """Central differences of the stable evaluation of the definition with respect to
    each entry of the variable: shape (points, outputs, variable entries); with
    ``rounding``, also a bound on the rounding error of each difference (the values
    differenced are large where one term dominates: Σ_k e^{z_k} at z = 260 cannot resolve
    ∂/∂z_j of a smaller term)."""
    from .stable import Evaluation
    outputs, columns = keys(definition, variable, sizes)
    wrt = str(variable.base)
    total = next(iter(values.values())).shape[0]
    numeric = np.empty((total, len(outputs), len(columns)))
    bound = np.empty_like(numeric)
    for c, column in enumerate(columns):
        at = tuple(m - 1 for m in column)
        shifted = []
        for sign in (1.0, -1.0):
            moved = {k: v.copy() for k, v in values.items()}
            moved[wrt][(slice(None), *at)] += sign * FD_STEP
            moved_eval = Evaluation(definition, moved, sizes)
            shifted.append(np.stack([moved_eval.of(definition.body, dict(
                zip(definition.outputs, out))) for out in outputs], axis=1))
        with np.errstate(all="ignore"):   # inf − inf where e^{z} overflows: filtered later
            numeric[:, :, c] = (shifted[0] - shifted[1]) / (2 * FD_STEP)
            bound[:, :, c] = _ROUNDING * np.maximum(np.abs(shifted[0]),
                                                    np.abs(shifted[1])) / (2 * FD_STEP)
    return (numeric, bound) if rounding else numeric


# A generous multiple of the machine epsilon for one stable evaluation of a definition.
_ROUNDING = 100 * np.finfo(np.float64).eps


def with_extremes(values: dict, wrt: str, definition, rng) -> dict:
    """Two more points where the variable is extreme: offset by 1000, and spread over
    ±300 (logits that overflow a naive e^{z}); the other inputs as at an ordinary point."""
    out = {}
    for name, v in values.items():
        extra = v[:2].copy()
        if name == wrt:
            extra[0] = extra[0] + 1000.0
            extra[1] = rng.uniform(-300.0, 300.0, size=extra[1].shape)
        out[name] = np.concatenate([v, extra])
    return out


def positive_families(definition) -> set[str]:
    """The families the definition takes a log or a root of, or divides by: sampled
    positive, where the definition is defined."""
    found = set()
    for expr in (definition.body, *(x.body for x in definition.defined)):
        for node in sp.preorder_traversal(expr):
            if isinstance(node, sp.log) or (isinstance(node, sp.Pow) and (
                    node.exp.is_negative or not node.exp.is_integer)):
                inside = node.args[0] if isinstance(node, sp.log) else node.base
                # What only an exponential, σ or softplus of takes is any real number:
                # the z of Σ_k e^{z_k} is not sampled positive for being divided by.
                inside = inside.replace(lambda e: isinstance(e, (sp.exp, sigmoid, softplus)),
                                        lambda e: sp.Integer(1))
                found |= {str(a.base) for a in inside.atoms(sp.Indexed)
                          if definition.intermediate(a.base) is None}
    return found


def _uses_inputs(definition) -> bool:
    return any("D" in shape for _, shape in definition.families)
