"""Symbolic building blocks: softmax, log-softmax and cross-entropy in index notation.

Every function is written once, in index notation (``IndexedBase`` families such as ``z``
with ``Sum`` over a bound index ``k``), for a number of classes ``n`` that is a concrete
integer here and may be a symbol later.  :func:`instantiate` turns such an expression into
the concrete-N construction that is differentiated: sums are expanded and each ``z[3]``
becomes a plain symbol ``z_3`` (plain symbols keep SymPy's differentiation fast).

>>> from derive.functions import softmax, instantiate, z, i
>>> instantiate(softmax(z, i, 2).subs(i, 1), 2)
exp(z_1)/(exp(z_1) + exp(z_2))
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

__all__ = [
    "z", "y", "S", "q", "T", "eps", "i", "j", "k", "l", "c", "SCALAR_SYMBOLS", "smoothed",
    "sigmoid", "binary_cross_entropy",
    "softmax", "log_softmax", "cross_entropy", "family_symbols", "instantiate",
    "to_indexed", "expand_sums",
]

# The families a target may use: logits z, labels y, softmax outputs S.
z = sp.IndexedBase("z")
y = sp.IndexedBase("y")
S = sp.IndexedBase("S")
# Smoothed labels q = (1 − ε) y + ε/N (label smoothing).
q = sp.IndexedBase("q")

# Free indices (i, j: rows and columns; c: the class of an integer label) and the
# bound summation indices k and l.  integer=True keeps KroneckerDelta(i, j) unevaluated.
i, j, k, l, c = sp.symbols("i j k l c", integer=True, positive=True)

# The temperature of a softmax, S = softmax(z/T): a positive scalar; and the label
# smoothing ε, in [0, 1).  Each is one number, the same for every class.
T = sp.Symbol("T", positive=True)
eps = sp.Symbol("eps", nonnegative=True)
SCALAR_SYMBOLS = {"T": T, "eps": eps}


def softmax(logits: sp.IndexedBase, index: sp.Expr, n: int | sp.Symbol,
            temperature: sp.Expr | None = None) -> sp.Expr:
    """``S_index = exp(z_index) / Σ_{k=1}^{n} exp(z_k)``, or of ``z/T`` with a temperature.

    The sum is over ``k``, or over ``l`` when ``index`` is ``k`` itself (inside another
    sum over ``k``), so that a printed formula never reuses a bound index.

    >>> softmax(z, i, 3)
    exp(z[i])/Sum(exp(z[k]), (k, 1, 3))
    >>> softmax(z, k, 3)
    exp(z[k])/Sum(exp(z[l]), (l, 1, 3))
    >>> softmax(z, i, 3, T)
    exp(z[i]/T)/Sum(exp(z[k]/T), (k, 1, 3))
    """
    bound = l if index == k else k
    return (sp.exp(logit(logits, index, temperature))
            / sp.Sum(sp.exp(logit(logits, bound, temperature)), (bound, 1, n)))


def logit(logits: sp.IndexedBase, index: sp.Expr, temperature: sp.Expr | None = None) -> sp.Expr:
    """The softmax's argument ``z_index``, divided by the temperature when there is one."""
    return logits[index] if temperature is None else logits[index] / temperature


def log_softmax(logits: sp.IndexedBase, index: sp.Expr, n: int | sp.Symbol,
                temperature: sp.Expr | None = None) -> sp.Expr:
    """``log S_index``, written as the logarithm of :func:`softmax` (not simplified).

    >>> log_softmax(z, i, 3)
    log(exp(z[i])/Sum(exp(z[k]), (k, 1, 3)))
    """
    return sp.log(softmax(logits, index, n, temperature))


def smoothed(labels: sp.IndexedBase, index: sp.Expr, n: int | sp.Symbol,
             smoothing: sp.Expr) -> sp.Expr:
    """The smoothed label ``q_index = (1 − ε) y_index + ε/n``.

    >>> smoothed(y, k, 3, eps)
    eps/3 + (1 - eps)*y[k]
    """
    return (1 - smoothing) * labels[index] + smoothing / n


class sigmoid(sp.Function):
    """The logistic function ``σ(x) = 1/(1 + e^{−x})``, kept whole so that results print
    ``σ(z_j)``.  It has no derivative rule of its own: everything that differentiates it
    writes it out first (``rewrite(sp.exp)``), so σ' = σ(1 − σ) is derived, not stored.

    >>> sigmoid(z[j]).rewrite(sp.exp)
    1/(1 + exp(-z[j]))
    """

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sp.exp(-x))

    def _numpycode(self, printer) -> str:
        # Stable for any finite x: the branch that cannot overflow is chosen (NumPy
        # evaluates both; the other one's overflow is discarded).
        x = printer._print(self.args[0])
        exp, where = printer._module_format("numpy.exp"), printer._module_format("numpy.where")
        return f"{where}(({x}) >= 0, 1/(1 + {exp}(-({x}))), {exp}({x})/(1 + {exp}({x})))"


def binary_cross_entropy(labels: sp.IndexedBase, logits: sp.IndexedBase,
                         n: int | sp.Symbol) -> sp.Expr:
    """``L = −Σ_k [y_k log σ(z_k) + (1 − y_k) log(1 − σ(z_k))]``, σ written out as
    ``1/(1 + e^{−z_k})``: N independent binary outputs (N = 1 is the binary case)."""
    p = 1 / (1 + sp.exp(-logits[k]))
    return -sp.Sum(labels[k] * sp.log(p) + (1 - labels[k]) * sp.log(1 - p), (k, 1, n))


def cross_entropy(labels: sp.IndexedBase, probability, n: int | sp.Symbol) -> sp.Expr:
    """``L = −Σ_{k=1}^{n} y_k log p_k`` where ``probability(k)`` gives ``p_k``.

    >>> cross_entropy(y, lambda idx: S[idx], 3)
    -Sum(log(S[k])*y[k], (k, 1, 3))
    """
    return -sp.Sum(labels[k] * sp.log(probability(k)), (k, 1, n))


@lru_cache(maxsize=None)
def family_symbols(name: str, n: int) -> tuple[sp.Symbol, ...]:
    """The concrete symbols ``name_1 … name_n`` that stand for ``name[1] … name[n]``.

    >>> family_symbols("S", 3)
    (S_1, S_2, S_3)
    """
    return tuple(sp.Symbol(f"{name}_{m}") for m in range(1, n + 1))


def instantiate(expr: sp.Expr, n: int) -> sp.Expr:
    """Expand the sums of ``expr`` for ``n`` classes and name each entry ``z_m``.

    Every free index must already have a concrete value: an ``Indexed`` whose index is
    still a symbol is left alone, which the callers treat as an error.

    >>> instantiate(cross_entropy(y, lambda idx: S[idx], 2), 2)
    -y_1*log(S_1) - y_2*log(S_2)
    """
    expanded = expand_sums(expr) if expr.has(sp.Sum) else expr
    mapping = {}
    for atom in expanded.atoms(sp.Indexed):
        (index,) = atom.indices
        if index.is_Integer:
            if not 1 <= int(index) <= n:
                raise ValueError(f"index {index} of {atom} is outside 1..{n}")
            mapping[atom] = family_symbols(str(atom.base), n)[int(index) - 1]
    return expanded.xreplace(mapping)


def expand_sums(expr: sp.Expr) -> sp.Expr:
    """Write out every sum with concrete limits term by term (inner sums first).

    The same as ``Sum.doit`` on such sums, without its search for closed forms, which
    is slow (it tries partial fractions on every summand).

    >>> expand_sums(sp.Sum(y[k] * S[k], (k, 1, 3)))
    S[1]*y[1] + S[2]*y[2] + S[3]*y[3]
    """
    def write_out(s: sp.Sum) -> sp.Expr:
        (bound, low, high), = s.limits
        return sp.Add(*(s.function.xreplace({bound: sp.Integer(m)})
                        for m in range(int(low), int(high) + 1)))

    return expr.replace(lambda e: isinstance(e, sp.Sum) and len(e.limits) == 1
                        and all(x.is_Integer for x in e.limits[0][1:]), write_out)


def to_indexed(expr: sp.Expr, n: int, names: dict[int, sp.Expr]) -> sp.Expr:
    """The inverse of :func:`instantiate` for the concrete indices in ``names``.

    Each symbol ``x_m`` with ``m`` a key of ``names`` becomes ``x[names[m]]``; other
    concrete symbols are left alone (the caller checks that none remain).

    >>> to_indexed(sp.Symbol("S_2") * sp.Symbol("y_1"), 3, {1: j, 2: i})
    S[i]*y[j]
    """
    mapping = {}
    for sym in expr.free_symbols:
        base, _, tail = sym.name.rpartition("_")
        if base and tail.isdigit() and int(tail) in names:
            mapping[sym] = sp.IndexedBase(base)[names[int(tail)]]
    return expr.xreplace(mapping)
