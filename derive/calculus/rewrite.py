"""Rewriting rules that bring a raw mechanical derivative into textbook form.

Each rule is a small named function, and each is exact:

* :func:`recognise_softmax` — replace ``Σ_k exp(z_k)`` by a symbol ``D`` and every
  ``exp(Σ_k a_k z_k)`` by ``Π_k (S_k D)^{a_k}``; the result is ``D``-free exactly when the
  derivative is a function of the softmax outputs ``S_k``.  (SymPy merges ``exp(a)·exp(b)``
  into ``exp(a + b)`` and ``1/exp(a)`` into ``exp(−a)``, so a substitution keyed on
  ``exp(z_k)`` alone would miss terms; the linear-combination rule does not.)
* :func:`recognise_sums` — collect ``c·y_1 + … + c·y_N`` into ``c·Σ_k y_k``.
* :func:`apply_assumption` — replace a recognised sum by its assumed value
  (``Σ_k y_k = 1``).
* :func:`index_form` — abstract concrete entries to free indices, one case per pattern of
  equal indices (``i = j`` and ``i ≠ j``), check that every entry of a case gives the same
  form, and merge the cases with a Kronecker delta.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import sympy as sp

from ..assumptions import Assumption
from ..errors import RewriteError
from ..functions import sigmoid, to_indexed

__all__ = [
    "recognise_softmax", "exponentials_as_products", "recognise_sums", "apply_assumption",
    "index_form", "tidy", "concrete_symbols", "combine_sums", "collect",
]


def recognise_softmax(expr: sp.Expr, logits: Sequence[sp.Symbol], outputs: Sequence[sp.Symbol],
                      denominator: sp.Expr) -> sp.Expr:
    """Rewrite ``expr``, a function of the logits, in terms of the softmax outputs.

    Args:
        expr: a rational expression in ``exp(z_k)`` (and other symbols, such as labels).
        logits: the symbols ``z_1 … z_N``.
        outputs: the symbols ``S_1 … S_N`` that stand for ``exp(z_k)/denominator``.
        denominator: the expression ``exp(z_1) + … + exp(z_N)``.

    Returns:
        The equal expression in ``S_k`` (and the other symbols), cancelled.

    Raises:
        RewriteError: when ``expr`` is not a function of the ``S_k`` alone.

    >>> z1, z2, S1, S2 = sp.symbols("z_1 z_2 S_1 S_2")
    >>> den = sp.exp(z1) + sp.exp(z2)
    >>> recognise_softmax(sp.diff(sp.exp(z1) / den, z2), (z1, z2), (S1, S2), den)
    -S_1*S_2
    """
    d = sp.Dummy("D", positive=True)
    output_of = {zk: outputs[m] * d for m, zk in enumerate(logits)}

    def scaled(e: sp.Expr) -> sp.Expr | None:
        # SymPy distributes a number over a sum: (e^{z_1} + e^{z_2})/2 is stored with the
        # denominator 2e^{z_1} + 2e^{z_2}, a multiple of the sum of exponentials.
        content, primitive = e.as_content_primitive()
        if primitive == denominator:
            return content * d
        if primitive == -denominator:
            return -content * d
        return None

    replaced = expr.replace(lambda e: isinstance(e, sp.Add) and scaled(e) is not None, scaled)
    replaced = exponentials_as_products(replaced, output_of.get)
    result = sp.cancel(replaced)
    leftover = result.free_symbols & (set(logits) | {d})
    if leftover:
        raise RewriteError(
            f"cannot write {sp.sstr(expr)} through the softmax outputs alone "
            f"({', '.join(sorted(map(str, leftover - {d})) or ['the sum of exponentials'])} remains)")
    return result


def exponentials_as_products(expr: sp.Expr, factor_for) -> sp.Expr:
    """Rewrite every ``exp(Σ a_m t_m)`` as ``Π factor_for(t_m)^{a_m} · exp(rest)``.

    ``factor_for(term)`` gives what ``exp(term)`` stands for, or None to leave the term in
    the exponent; only integer coefficients are taken out.  Working on the linear
    combination catches ``exp(a)·exp(b)`` that SymPy has merged into ``exp(a + b)``.

    >>> a, b, A = sp.symbols("a b A")
    >>> exponentials_as_products(sp.exp(2*a - b), {a: A}.get)
    A**2*exp(-b)
    >>> exponentials_as_products(sp.exp((2*a + 2*b)/2), {a: A}.get)
    A*exp(b)
    """
    def split(e: sp.exp) -> sp.Expr:
        product, rest = sp.Integer(1), sp.Integer(0)
        # (z_i + z_j)/T, as SymPy keeps it, is z_i/T + z_j/T: each term on its own.
        for term, coeff in sp.expand_mul(e.args[0]).as_coefficients_dict().items():
            factor = factor_for(term) if coeff.is_Integer else None
            if factor is None:
                rest += coeff * term
            else:
                product *= factor ** coeff
        return product * sp.exp(rest)

    return expr.replace(lambda e: isinstance(e, sp.exp), split)


def recognise_sums(expr: sp.Expr, family: Sequence[sp.Symbol], total: sp.Expr) -> sp.Expr:
    """Collect every ``r·x_1 + … + r·x_N`` (all members of ``family``) into ``r·total``.

    >>> y1, y2, s = sp.symbols("y_1 y_2 s")
    >>> recognise_sums(s * y1 + s * y2 - y1, (y1, y2), sp.Symbol("Y"))
    Y*s - y_1
    """
    members = set(family)
    groups: dict[sp.Expr, set[sp.Symbol]] = defaultdict(set)
    others = []
    for term in sp.Add.make_args(sp.expand(expr)):
        powers = term.as_powers_dict()
        found = [s for s in powers if s in members]
        if len(found) == 1 and powers[found[0]] == 1:
            groups[term / found[0]].add(found[0])
        else:
            others.append(term)
    result = sp.Add(*others)
    for rest, present in groups.items():
        if present == members:
            result += rest * total
        else:
            result += rest * sp.Add(*present)
    return result


def apply_assumption(expr: sp.Expr, assumption: Assumption) -> sp.Expr:
    """Replace the assumed quantity by its value: the rule behind ``Σ_k y_k = 1``.

    >>> from derive.functions import y, k
    >>> total = sp.Sum(y[k], (k, 1, 3))
    >>> one = Assumption("labels-sum-to-one", total, sp.Integer(1), "", "")
    >>> apply_assumption(sp.Symbol("s") * total - 1, one)
    s - 1
    """
    if assumption.index is not None:   # the quantity for any value of its index
        w = sp.Wild("w")
        pattern = assumption.quantity.xreplace({assumption.index: w})
        expr = expr.replace(lambda e: isinstance(e, sp.Sum) and e.match(pattern) is not None,
                            lambda e: assumption.value)
    return expr.xreplace({assumption.quantity: assumption.value, **dict(assumption.implies)})


def concrete_symbols(expr: sp.Expr) -> set[sp.Symbol]:
    """The symbols of ``expr`` that name one concrete entry, such as ``S_3`` or ``W_2_1``."""
    return {s for s in expr.free_symbols
            if isinstance(s, sp.Symbol) and s.name.rpartition("_")[2].isdigit()}


def index_form(table: Mapping[tuple[int, ...], sp.Expr], n: int,
               names: Sequence[sp.Symbol], problem=None) -> sp.Expr:
    """Abstract a table of concrete entries into one expression in free indices.

    ``table[(a,)]`` (one index) or ``table[(a, b)]`` (two indices) is the entry at those
    concrete indices.  With two indices the entries split into the cases ``a = b`` and
    ``a ≠ b``; every entry of a case must give the same form once its indices are named,
    which checks the pattern on all entries instead of assuming it.  The cases are merged
    as ``off + δ_pq·(diag − off|_{q=p})``, exact because ``δ_pq`` vanishes unless ``q = p``.

    With a ``problem`` (:class:`~derive.catalog.Problem`) the indices run over its
    extents: only two indices over the same extent split into cases (``∂S_t/∂W_ij``: t
    and i are classes, j an input), each family's entries are named by the extents of its
    positions, and a full sum over an extent no free index runs over is recognised
    (``Σ_k W_kj S_k`` in ``∂L/∂x_j``).

    Raises:
        RewriteError: when an entry still refers to other concrete entries, or when two
            entries of one case disagree.

    >>> from derive.functions import S, i, j
    >>> S1, S2 = sp.symbols("S_1 S_2")
    >>> table = {(1, 1): S1 - S1**2, (1, 2): -S1*S2, (2, 1): -S1*S2, (2, 2): S2 - S2**2}
    >>> index_form(table, 2, (i, j))
    (KroneckerDelta(i, j) - S[j])*S[i]
    """
    extents = [problem.range_of(a) if problem is not None else "N" for a in names]
    ranges = problem.shape if problem is not None else None

    def naming(key: tuple[int, ...]) -> dict:
        # On a diagonal both positions hold one value: name it by the first index.
        if problem is None:
            return dict(zip(reversed(key), reversed(names)))
        out: dict[str, dict[int, sp.Symbol]] = {}
        for value, name, extent in reversed(list(zip(key, names, extents))):
            out.setdefault(extent, {})[value] = name
        return out

    def case_form(keys: list[tuple[int, ...]]) -> sp.Expr:
        forms = {}
        for key in keys:
            form = sp.expand(to_indexed(table[key], n, naming(key), ranges))
            stray = concrete_symbols(form)
            if stray and problem is not None:
                form = _full_sums(sp.expand(table[key]), naming(key), problem, set(extents), n)
                stray = concrete_symbols(form)
            if stray:
                raise RewriteError(
                    f"entry {key} refers to {', '.join(sorted(map(str, stray)))}: "
                    "it has no index form in the free indices alone")
            forms.setdefault(form, key)
        if len(forms) > 1:
            (f1, k1), (f2, k2) = list(forms.items())[:2]
            raise RewriteError(f"entries {k1} and {k2} differ in index form: "
                               f"{sp.sstr(f1)} versus {sp.sstr(f2)}")
        return next(iter(forms))

    pairs = [(a, b) for a in range(len(names)) for b in range(a + 1, len(names))
             if extents[a] == extents[b]]
    if not pairs:
        return tidy(case_form(sorted(table)))
    if len(pairs) > 1:
        raise ValueError("index_form splits cases for one pair of indices only")
    (a, b), = pairs
    p, q = names[a], names[b]
    diagonal = case_form([key for key in sorted(table) if key[a] == key[b]])
    off = case_form([key for key in sorted(table) if key[a] != key[b]])
    merged = off + sp.KroneckerDelta(p, q) * sp.expand(diagonal - off.subs(q, p))
    return tidy(merged)


# The bound index of a full sum over each extent: classes, inputs, examples.
_BOUND = {"N": sp.Symbol("k", integer=True, positive=True),
          "D": sp.Symbol("r", integer=True, positive=True),
          "m": sp.Symbol("n", integer=True, positive=True)}


def _full_sums(entry: sp.Expr, names: dict, problem, free: set[str], n: int) -> sp.Expr:
    """Name ``entry`` with a full sum over an extent that no free index runs over.

    The terms are grouped by the value they hold in that extent (``W_2j S_2`` by 2); the
    groups must be one summand in a bound index, for every value of the extent, to give
    ``Σ_k summand``.  Terms without such a value stay outside the sum.  On any doubt the
    entry is named as it is, so that the caller reports what is left.
    """
    for extent in sorted({e for _f, shape in problem.shapes for e in shape} - free):
        bound, size = _BOUND[extent], problem.extent(extent)
        groups: dict[int, list[sp.Expr]] = defaultdict(list)
        outside = []
        for term in sp.Add.make_args(entry):
            values = _values_in(term, extent, problem)
            if len(values) > 1:
                break
            (groups[values.pop()] if values else outside).append(term)
        else:
            summands = {to_indexed(sp.Add(*terms), n, {**names, extent: {value: bound}},
                                   problem.shape) for value, terms in groups.items()}
            if len(summands) == 1 and set(groups) == set(range(1, size + 1)):
                rest = to_indexed(sp.Add(*outside), n, names, problem.shape)
                return rest + sp.Sum(sp.factor_terms(summands.pop()), (bound, 1, size))
    return to_indexed(entry, n, names, problem.shape)


def _values_in(term: sp.Expr, extent: str, problem) -> set[int]:
    """The concrete values that ``term``'s entries hold in positions of ``extent``."""
    values = set()
    for symbol in concrete_symbols(term):
        base, *tails = symbol.name.split("_")
        for tail, position in zip(tails, problem.shape(base)):
            if position == extent:
                values.add(int(tail))
    return values


def combine_sums(expr: sp.Expr) -> sp.Expr:
    """Sums over the same range added into one, its summand factored:
    ``Σ_k W_kj S_k − Σ_k W_kj y_k`` ↦ ``Σ_k W_kj (S_k − y_k)``.

    >>> from derive.functions import S, W, y, j, k
    >>> combine_sums(sp.Sum(W[k, j] * S[k], (k, 1, 3)) - sp.Sum(W[k, j] * y[k], (k, 1, 3)))
    Sum((S[k] - y[k])*W[k, j], (k, 1, 3))
    """
    sums: dict[tuple, sp.Expr] = defaultdict(lambda: sp.Integer(0))
    bounds: dict[tuple, sp.Symbol] = {}
    rest = []
    for term in sp.Add.make_args(expr):
        coeff, factors = term.as_coeff_mul()
        found = [f for f in factors if isinstance(f, sp.Sum)]
        if len(found) == 1 and len(factors) == 1 and len(found[0].limits) == 1:
            (bound, low, high), = found[0].limits
            key = (low, high)
            name = bounds.setdefault(key, bound)
            function = found[0].function
            if name != bound:   # Σ_l f(l) is Σ_k f(k), when k is not already in f
                if function.has(name):
                    rest.append(term)
                    continue
                function = function.xreplace({bound: name})
            sums[key] += coeff * function
        else:
            rest.append(term)
    for limits, summand in sums.items():
        summand = sp.factor_terms(summand)
        sign = -1 if summand.could_extract_minus_sign() else 1
        rest.append(sign * sp.Sum(sign * summand, (bounds[limits], *limits)))
    return sp.Add(*rest)


def tidy(expr: sp.Expr) -> sp.Expr:
    """The displayed normal form: expanded, then common factors pulled out.

    >>> S1, S2 = sp.symbols("S_1 S_2")
    >>> tidy(S1 - S1**2)
    S_1*(1 - S_1)
    """
    return sp.factor_terms(sp.expand(expr))


def collect(expr: sp.Expr) -> sp.Expr:
    """The displayed form: common factors pulled out, and a polynomial in the named
    outputs factored, or its terms grouped by a shared factor, when that is shorter
    (``σ(1 − σ)(σ − y)``, not four terms; ``λ W_ij + (S_i − y_i) x_j``).

    >>> from derive.functions import z, y, j
    >>> s = sigmoid(z[j])
    >>> collect(-s**3 + s**2*y[j] + s**2 - s*y[j])
    (1 - sigmoid(z[j]))*(sigmoid(z[j]) - y[j])*sigmoid(z[j])
    """
    tidied = tidy(expr)
    if tidied.has(sp.Sum):   # Σ_l S_l W_lj − Σ_k y_k W_kj is Σ_k W_kj(S_k − y_k)
        return combine_sums(tidied)
    if sp.count_ops(tidied) > 120:
        return tidied
    # The shortest of: common factors pulled out, the whole factored (σ(1 − σ)(σ − y)),
    # and terms grouped by one shared factor (λ W_ij + (S_i − y_i) x_j).
    candidates = [tidied, _leading_ones_first(sp.factor(tidied))]
    expanded = sp.expand(tidied)
    candidates += [sp.collect(expanded, a) for a in sorted(
        expanded.atoms(sp.Indexed, sp.Symbol, sigmoid), key=sp.default_sort_key)]
    return min(candidates, key=sp.count_ops)


def _leading_ones_first(expr: sp.Expr) -> sp.Expr:
    """``−σ(σ − 1)`` as ``σ(1 − σ)``: a minus sign absorbed into a factor ``a − 1``."""
    coeff, factors = expr.as_coeff_mul()
    if coeff >= 0:
        return expr
    for at, factor in enumerate(factors):
        if isinstance(factor, sp.Add) and factor.as_coeff_add()[0] == -1:
            return -coeff * sp.Mul(*factors[:at], -factor, *factors[at + 1:])
    return expr
