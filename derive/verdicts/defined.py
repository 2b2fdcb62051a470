"""Verify a claim against a function the user defined (``derive check CLAIM --of …``).

The definition is derived (:mod:`derive.definitions`) and the claim read in its names
(:func:`derive.read.definition_claims.read_claim`); then, in order:

1. **proof for every N** — the claim and the derived result brought to the strategy's
   normal form (:func:`derive.calculus.strategy.normal_form`); equal forms prove it;
2. **exact at a concrete N** — every entry of the claim against SymPy's diff of the
   written-out definition, as a rational function of its atoms
   (:func:`derive.check.defined.exact_entries`);
3. **a counterexample** — an entry and a point with rational inputs where the two differ
   at 50 digits by far more than the rounding of either: ``fails``;

and otherwise ``undetermined``.  A claim that divides by, or takes the log of, something
that may vanish where the definition is defined is not said to hold.

>>> v = verify_definition("S_j - y_j", "L = -Σ_k y_k log(softmax(z)_k)", "z", "N",
...                       assume=("Σ_k y_k = 1",))
>>> v.verdict, v.scope
('holds', 'for all N ≥ 1')
>>> verify_definition("y_j - S_j", "L = -Σ_k y_k log(softmax(z)_k)", "z", 3,
...                   assume=("Σ_k y_k = 1",)).diagnosis
'the sign is flipped: your formula is minus the derivative'
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from ..calculus.proof import same_normal_form
from ..calculus.strategy import normal_form
from ..errors import InputError
from ..functions import sigmoid
from ..read.left_side import read_written
from ..read.claims import _bound_away_from
from ..read.definition_claims import read_claim
from .verdict import Counterexample, Verdict

__all__ = ["verify_definition"]

_TRIAL_SIZES = (2, 3, 4)
_INPUTS = 3


def verify_definition(claim: str, of: str, wrt: str | None = None, classes: int | str = 3, *,
                      assume: tuple[str, ...] = (), seed: int = 0,
                      latex: bool | None = None) -> Verdict:
    """Does ``claim`` equal the derivative of the definition ``of`` with respect to ``wrt``?

    Args:
        claim: the formula, in the notation of the definition (its families, the
            intermediate names such as ``S``, or ``softmax(z)_k`` written out).
        of: the definition, ``"L = -Σ_k y_k log(softmax(z)_k)"``.
        wrt: the variable, as for :func:`derive.definitions.defined_derivation`.
        assume: the hypotheses the result may use, ``("Σ_k y_k = 1",)``.
        classes: N, or ``"N"`` to decide for every N.
        seed: the seed of the points of a counterexample search.
        latex: read ``claim`` as LaTeX (``None``: when it looks like LaTeX); a left side
            ``\\frac{\\partial L}{\\partial z_j} =`` must name the definition's quantity
            and variable.

    Raises:
        ParseError, InputError: a claim or definition that cannot be read, or a LaTeX left
            side that is another derivative.
    """
    from ..definitions import defined_derivation
    from ..sizes import validate_classes
    if not isinstance(claim, str):
        raise InputError("with a definition (--of) the claim is a formula in text notation")
    if isinstance(assume, str):
        assume = (assume,)
    n = validate_classes(classes, 1)
    d = defined_derivation(of, wrt, "N", assume=tuple(assume), check=False, steps=False)
    definition, variable = d.definition, d.problem.variable
    written = read_written(claim, latex)
    given = _same_derivative(written.lhs, definition, variable)
    claim = written.text
    read = read_claim(claim, definition, d.problem)
    # Summation letters first renamed away from every letter the renaming touches: a
    # free i renamed j must not be captured by a Σ_j (S_i Σ_j δ_ij y_j is S_i y_i).
    wanted = {*definition.outputs, *variable.indices}
    expr = _bound_away_from(read.expr, wanted | {sp.Symbol(x, integer=True, positive=True)
                                                 for x, _ in given})
    letters = _renaming(given, expr, definition, variable, claim)
    expr = _in_result_indices(expr.xreplace(letters) if letters else expr,
                              definition, variable, claim)
    lhs = sp.Derivative(definition.name, variable)
    at = {} if isinstance(n, sp.Symbol) else {sp.Symbol("N", integer=True, positive=True): n}
    base = dict(verdict="holds", target=d.target.name, classes=n, claim=None,
                expected=d.result.xreplace(at), general=d.general.xreplace(at), lhs=lhs,
                assumptions=d.assumptions,
                sizes=tuple((name, size if isinstance(n, sp.Symbol) else
                             {"D": _INPUTS, "m": 2}[name]) for name, size in d.problem.sizes))
    undefined = _possibly_undefined(read, definition)

    # 1 — the rules: equal normal forms, for every N (so at any N).
    claim_form = normal_form(expr, definition, variable, d.assumptions)
    if same_normal_form(claim_form, normal_form(d.result, definition, variable,
                                                d.assumptions)):
        if undefined:
            return Verdict(**{**base, "verdict": "undetermined"}, notes=(undefined,),
                           methods=("the rules: it equals the derivative wherever it is "
                                    "defined",))
        uses = _uses_assumptions(expr, definition, variable, d)
        return Verdict(**{**base, "assumptions": d.assumptions if uses else ()},
                       methods=("proved for every N: the claim and the derivative reduce to "
                                "the same normal form by the rules",))

    # 2 — exact comparison at concrete sizes; 3 — a counterexample.
    from ..check.defined import exact_entries
    sizes_tried = _TRIAL_SIZES if isinstance(n, sp.Symbol) else (n,)
    for size in sizes_tried:
        sizes = {"N": size, "D": _INPUTS, "m": 2}
        found = _counterexample(expr, definition, variable, d.assumptions, sizes, seed)
        if found is not None:
            return Verdict(**{**base, "verdict": "fails"}, counterexample=found,
                           diagnosis=_diagnosis(expr, d, definition, variable, sizes, seed),
                           methods=(f"a counterexample at N = {size}, evaluated at 50 digits "
                                    "with rational inputs",))
    if isinstance(n, sp.Symbol):
        return Verdict(**{**base, "verdict": "undetermined"},
                       notes=(f"equal at N = {', '.join(map(str, sizes_tried))} "
                              "numerically, but the rules do not reduce it to the derivative; "
                              "give a number of classes to decide at that N",))
    good, total, differing = exact_entries(expr, definition, variable, d.assumptions,
                                           {"N": n, "D": _INPUTS, "m": 2})
    if good == total and not undefined:
        return Verdict(**base, methods=(f"exact: all {total} entries at N = {n} equal to "
                                        "SymPy's diff of the written-out definition",))
    why = undefined or f"{total - good} of {total} entries agree at 50 digits but were not " \
        "shown equal exactly"
    return Verdict(**{**base, "verdict": "undetermined"}, notes=(why,))


def _same_derivative(lhs, definition, variable) -> list[tuple[str, sp.Symbol]]:
    """A left side (``("L", "z_j")`` from ``\\partial L/\\partial z_j`` or ``dL/dz_j``;
    ``("L", "z_i z_j")`` from ``∂²L/∂z_i∂z_j``; ``("", "_ji")`` from a label ``H_ji``) must be
    the derivative of the definition's quantity with respect to its variable (a second
    derivative, for a second one).  Returns the index letters it gives, each with the
    derivation's index it stands for: the output's (the row's) first, then the variable's
    (``∂²L/∂z_a∂y_b``: a is the row i, b the column j; ``H_ji``: j is the row)."""
    if lhs is None:
        return []
    name = definition.name
    if isinstance(name, sp.Derivative):   # a second derivative: the gradient's definition
        (first,) = name.variables
        quantity, variables = name.expr, (first, variable)
        expected = f"∂²{quantity}/∂{_entry(first)}∂{_entry(variable)}"
        # The first variable's letter is the gradient's output index, the row.
        wanted = [definition.outputs, variable.indices]
    else:
        quantity, variables = getattr(name, "base", name), (variable,)
        expected = f"∂{_entry(name)}/∂{_entry(variable)}"
        wanted = [definition.outputs, variable.indices]
    if not lhs[0]:   # a label: J_ij, H_ji — the row's letter, then the column's
        letters = lhs[1].lstrip("_")
        indices = (*definition.outputs, *variable.indices)
        if letters and len(letters) != len(indices):
            raise InputError(f"a label with the indices {letters} names {len(letters)} of the "
                             f"{len(indices)} indices of {expected}: give "
                             f"{'both' if len(indices) == 2 else 'all'}, the row's first, or "
                             "none")
        return _distinct(list(zip(letters, indices)), expected)
    written = lhs[1].split(" ")
    given = (lhs[0].split("_")[0], tuple(w.split("_")[0] for w in written))
    if given != (str(quantity), tuple(str(v.base) for v in variables)):
        shown = (f"∂²{lhs[0]}/∂" + "∂".join(written) if len(written) == 2
                 else f"∂{lhs[0]}/∂{lhs[1]}")
        raise InputError(f"the left side is {shown}, but the definition is differentiated as "
                         f"{expected}: write that derivative on the left, or leave the left "
                         "side out")
    parts = ([w.partition("_")[2] for w in written] if len(written) == 2
             else [lhs[0].partition("_")[2], written[0].partition("_")[2]])
    pairs = []
    for letters, indices in zip(parts, wanted):
        if letters and len(letters) != len(indices):
            return []   # ∂L/∂W written with one letter, or the like: read by position
        pairs += list(zip(letters, indices))
    return _distinct(pairs, expected)


def _distinct(pairs: list, expected: str) -> list:
    """The letters of a left side, refused when one names two indices (``∂L_i/∂z_i``: a
    diagonal entry is not the derivative, which has an entry for every i and j)."""
    letters = [x for x, _ in pairs]
    if len(set(letters)) != len(letters):
        raise InputError(f"the left side names one letter for two indices of {expected}; a "
                         "claim is about every entry: give each index its own letter (a "
                         "diagonal entry is the case i = j of δ_ij)")
    return pairs


def _renaming(given: list[tuple[str, sp.Symbol]], expr, definition, variable,
              text: str) -> dict:
    """The renaming of the claim's free index letters to the derivation's, from the
    letters the left side gives; a free letter the left side leaves out stands for the
    one index left (``∂²L/∂z∂y_i = S_j − δ_ij``: i is the column, so j is the row)."""
    from ..read.definition import free_indices
    if not given:
        return {}
    letter = {x: sp.Symbol(x, integer=True, positive=True) for x, _ in given}
    mapping = {letter[x]: index for x, index in given}
    wanted = (*definition.outputs, *variable.indices)
    free = free_indices(expr)
    rest = sorted(free - set(mapping), key=str)
    left = [index for index in wanted if index not in mapping.values()]
    if len(rest) > len(left) or (len(rest) > 1 and rest != left):
        raise InputError(f"the left side names the indices {', '.join(x for x, _ in given)}, "
                         f"but the right side of {text!r} has "
                         f"{', '.join(sorted(map(str, free)))}: write the same letters on "
                         "both sides")
    mapping.update(zip(rest, left))
    return {a: b for a, b in mapping.items() if a != b}


def _entry(e) -> str:
    """``S_i``, ``W_ij``, ``L``: an entry as typed."""
    if isinstance(e, sp.Indexed):
        return f"{e.base}_{''.join(str(i) for i in e.indices)}"
    return str(e)


def _in_result_indices(expr, definition, variable, text) -> sp.Expr:
    """The claim's free index letters as the result's: the output index keeps its letter,
    the other free letter is the variable's index (``S_k − y_k`` means ``S_j − y_j``)."""
    from ..read.definition import free_indices
    free = free_indices(expr)
    wanted = (*definition.outputs, *variable.indices)
    if free <= set(wanted):
        return expr
    if len(free) > len(wanted):
        raise InputError(f"the claim {text!r} has the free indices "
                         f"{', '.join(sorted(map(str, free)))}; the derivative has "
                         f"{', '.join(map(str, wanted))}")
    others = sorted(free - set(definition.outputs), key=str)
    targets = [x for x in variable.indices if x not in free] + \
        [x for x in variable.indices if x in free]
    mapping = _by_extent(expr, others, definition, variable) or \
        {a: b for a, b in zip(others, targets) if a != b}
    renamed = expr.xreplace(mapping)
    if any(b in free and b not in mapping for b in mapping.values()) or \
            not free_indices(renamed) <= set(wanted):
        raise InputError(f"cannot tell which free index of {text!r} is which; write the "
                         f"derivative in {', '.join(map(str, wanted))}")
    return renamed


def _by_extent(expr, letters, definition, variable) -> dict:
    """The claim's free letters named by the extents they run over, where that decides
    it: in ``(S_nj − Y_nj)/m`` for ∂L/∂Z_ij, n runs over the examples (the variable's i)
    and j over the classes; ``{}`` when the extents do not tell the letters apart."""
    extent_of: dict = {}
    for atom in expr.atoms(sp.Indexed):
        name = str(atom.base)
        shape = dict(definition.families).get(name)
        if shape is None:
            item = definition.intermediate(atom.base)
            shape = None if item is None else (*item.row_extents, item.extent)
        if shape is None or len(shape) != len(atom.indices):
            continue
        for index, extent in zip(atom.indices, shape):
            if index in letters:
                extent_of.setdefault(index, set()).add(extent)
    wanted = dict(zip(variable.indices, definition.shape(str(variable.base))))
    if set(extent_of) != set(letters) or any(len(e) != 1 for e in extent_of.values()):
        return {}
    mapping = {}
    for letter, (extent,) in ((x, tuple(e)) for x, e in extent_of.items()):
        matches = [index for index, e in wanted.items() if e == extent]
        if len(matches) != 1:
            return {}
        mapping[letter] = matches[0]
    if len(set(mapping.values())) != len(mapping):
        return {}
    return {a: b for a, b in mapping.items() if a != b}


def _uses_assumptions(expr, definition, variable, d) -> bool:
    return bool(d.assumptions) and not same_normal_form(
        normal_form(expr, definition, variable), normal_form(d.general, definition, variable))


def _possibly_undefined(read, definition) -> str | None:
    """Why the claim may be undefined where the definition is not: it divides by, or
    takes a log or root of, something that is not positive by construction."""
    for expr in (*read.divisors, *read.logs):
        if not _positive(expr, definition):
            return (f"the claim divides by or takes a log or root of {sp.sstr(expr)}, which "
                    "may be zero or negative where the definition is defined")
    return None


def _positive(expr, definition) -> bool:
    """Positive by construction: softmax outputs, σ, exp, positive constants, and products,
    powers and sums of such; families the definition itself takes logs of or divides by."""
    if expr.is_positive:
        return True
    if isinstance(expr, sp.Indexed):
        item = definition.intermediate(expr.base)
        if item is not None and item.kind == "softmax":
            return True
        from ..check.defined import positive_families
        return str(expr.base) in positive_families(definition)
    if isinstance(expr, (sp.exp, sigmoid)):
        return True
    if isinstance(expr, sp.Pow):
        return _positive(expr.base, definition) or (expr.exp.is_even is True and
                                                   _nonzero(expr.base, definition))
    if isinstance(expr, (sp.Mul, sp.Add)):
        return all(_positive(a, definition) for a in expr.args)
    if isinstance(expr, sp.Sum):
        return _positive(expr.function, definition)
    return False


def _nonzero(expr, definition) -> bool:
    return _positive(expr, definition) or _positive(-expr, definition)


def _counterexample(expr, definition, variable, assumptions, sizes, seed):
    """An entry and a rational point where the claim and the derivative differ at 50
    digits by more than 10⁻²⁰ of their size, or ``None``."""
    from ..check.defined import concrete, in_exponentials, keys
    rng = np.random.default_rng(seed)
    outputs, columns = keys(definition, variable, sizes)
    function_of = {}
    for _ in range(3):
        point = _rational_point(definition, sizes, rng, assumptions)
        for out in outputs:
            env = dict(zip(definition.outputs, out))
            if out not in function_of:
                function_of[out] = in_exponentials(concrete(definition.body, definition,
                                                            sizes, env))
            for column in columns:
                at = {**env, **dict(zip(variable.indices, column))}
                from ..functions import entry_name
                symbol = sp.Symbol(entry_name(str(variable.base), column))
                expected = sp.diff(function_of[out], symbol).xreplace(point)
                claimed = in_exponentials(concrete(expr, definition, sizes, at)).xreplace(point)
                a, b = sp.N(expected, 50), sp.N(claimed, 50)
                if not (a.is_number and b.is_number) or not (a.is_real and b.is_real):
                    continue
                if abs(a - b) > 1e-20 * (1 + abs(a)):
                    return Counterexample(
                        entry=out + column,
                        indices=tuple(map(str, (*definition.outputs, *variable.indices))),
                        point=_shown_point(point), expected=float(a), claimed=float(b),
                        classes=sizes["N"], difference=float(b - a))
    return None


def _rational_point(definition, sizes, rng, assumptions) -> dict:
    """Inputs with two decimals (printed exactly as used); a family an assumption sums to
    a number on the simplex scaled to it; families the definition takes logs of positive."""
    from ..check.defined import positive_families
    from ..functions import entry_name
    import itertools
    simplex = {str(a.base): (sp.sympify(x.value) if sp.sympify(x.value).is_Rational
                             else sp.Integer(1))
               for x in assumptions for a in x.quantity.atoms(sp.Indexed)}
    positive = positive_families(definition)
    point = {}
    for name, shape in definition.families:
        size = [sizes[e] for e in shape]
        keys_ = list(itertools.product(*(range(1, s + 1) for s in size)))
        if name in simplex:   # each row sums to one (Σ_k Y_nk = 1 for every n): the last index
            raw = [int(v) for v in rng.integers(1, 100, size=len(keys_))]
            totals: dict = {}
            for key, v in zip(keys_, raw):
                totals[key[:-1]] = totals.get(key[:-1], 0) + v
            values = [simplex[name] * sp.Rational(v, totals[key[:-1]])   # summing to the value
                      for key, v in zip(keys_, raw)]
            if simplex[name] == 0:   # Σ_k y_k = 0: values that sum to 0, not all 0
                values = _centred([sp.Rational(v, 100) for v in raw], keys_)
        elif name in positive:
            values = [sp.Rational(int(v), 100) for v in rng.integers(10, 200, size=len(keys_))]
        else:
            values = [sp.Rational(int(v), 100) for v in rng.integers(-200, 200, size=len(keys_))]
        for key, value in zip(keys_, values):
            point[sp.Symbol(entry_name(name, key))] = value
    for constant in definition.constants:
        point[constant] = sp.Rational(int(rng.integers(50, 200)), 100)
    return point


def _centred(values: list, keys: list) -> list:
    """``values`` minus their mean along the last index of ``keys`` (each row sums to 0)."""
    rows: dict = {}
    for key, v in zip(keys, values):
        rows.setdefault(key[:-1], []).append(v)
    means = {row: sum(vs) / len(vs) for row, vs in rows.items()}
    return [v - means[key[:-1]] for key, v in zip(keys, values)]


def _shown_point(point: dict) -> dict:
    return {str(k): float(v) for k, v in point.items()}


def _diagnosis(expr, d, definition, variable, sizes, seed) -> str | None:
    """The usual mistakes, each tested exactly at the sizes of the counterexample: the
    textbook form that needs an assumption not stated, a flipped sign, the indices
    exchanged, a constant factor."""
    from ..check.defined import exact_entries
    result, assumptions = d.result, d.assumptions

    def equals(candidate, at=sizes) -> bool:
        good, total, _ = exact_entries(expr, definition, variable, assumptions, at,
                                       reference=candidate)
        return good == total

    # A mistake is named only where it holds at the next N too: at N = 2 "divided by N"
    # and "divided by 2" are the same numbers, and only one of them is the mistake.
    following = {**sizes, "N": sizes["N"] + 1}

    from ..calculus.strategy import apply_assumed
    hints = []
    for total in _full_sums(d.general, definition):
        if any(apply_assumed(total, a) != total for a in assumptions):
            continue   # already assumed
        assumed = result.xreplace({total: sp.Integer(1)})
        written = f"{sp.sstr(total.function)}".replace("[", "_").replace("]", "")
        equation = f"Σ_{total.limits[0][0]} {written} = 1"
        hints.append((assumed, f"your formula is the derivative under {equation}, which was "
                               f"not assumed: add --assume \"{equation}\""))
        hints.append((-assumed, f"the sign is flipped, and your formula needs {equation}: it "
                                f"is minus the derivative under --assume \"{equation}\""))
    hints.append((-result, "the sign is flipped: your formula is minus the derivative"))
    if definition.outputs and len(variable.indices) == 1:
        a, b = definition.outputs[0], variable.indices[0]
        hints.append((result.xreplace({a: b, b: a}),
                      f"the indices {a} and {b} are exchanged: your formula is the transpose"))
    hints += _symmetric_only(result, definition, variable)
    for constant in (*definition.constants, sp.Symbol("N", integer=True, positive=True),
                     sp.Integer(2)):
        hints.append((constant * result, f"your formula is the derivative times "
                                         f"{sp.sstr(constant)}: the factor 1/{sp.sstr(constant)} "
                                         "is missing"))
        hints.append((result / constant, f"your formula is the derivative divided by "
                                         f"{sp.sstr(constant)}: an extra factor "
                                         f"1/{sp.sstr(constant)}"))
    for candidate, words in hints:
        if candidate != result and equals(candidate) and equals(candidate, following):
            return words
    return None


def _symmetric_only(result, definition, variable) -> list[tuple]:
    """The derivative as it reads when a square matrix is symmetric: ``2 A x`` (or
    ``2 Aᵀ x``) for ``(A + Aᵀ) x``, the gradient of ``xᵀ A x`` — right only for A = Aᵀ.
    Each candidate writes every entry of the matrix with a free index in one place."""
    free = {*definition.outputs, *variable.indices}
    out = []
    for name, shape in definition.families:
        if len(shape) != 2 or shape[0] != shape[1]:
            continue
        matrix = sp.IndexedBase(name)
        places = {tuple(bool(s.free_symbols & free) for s in a.indices)
                  for a in result.atoms(sp.Indexed) if a.base == matrix}
        both = {(True, False), (False, True)} <= places   # A_jr and A_rj: A and Aᵀ
        for first in (True, False):   # A x: the free index first; Aᵀ x: second
            def turned(a, first=first):
                row, col = (s.free_symbols & free for s in a.indices)
                swap = (col and not row) if first else (row and not col)
                return matrix[a.indices[::-1]] if swap else a
            candidate = result.replace(lambda a: isinstance(a, sp.Indexed) and a.base == matrix,
                                       turned)
            out.append((candidate, f"your formula holds only for a symmetric {name} "
                                   f"({name}ᵀ = {name}): the derivative has both {name} and "
                                   f"{name}ᵀ" if both else
                        f"{name} is transposed: your formula has {name} where the "
                        f"derivative has {name}ᵀ (or the reverse); they agree only for a "
                        f"symmetric {name}"))
    return out


def _full_sums(expr, definition) -> list:
    """The full sums ``Σ_k y_k`` of one input family in ``expr``."""
    inputs = dict(definition.families)
    found = []
    for s in expr.atoms(sp.Sum):
        (bound, low, high), = s.limits[-1:]
        f = s.function
        if len(s.limits) == 1 and isinstance(f, sp.Indexed) and f.indices == (bound,) and \
                str(f.base) in inputs and s not in found:
            found.append(s)
    return found
