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

import itertools
from functools import lru_cache

import sympy as sp
from sympy.core.parameters import global_parameters

__all__ = [
    "z", "y", "S", "q", "T", "eps", "i", "j", "k", "l", "c", "SCALAR_SYMBOLS", "smoothed",
    "sigmoid", "softplus",
    "softmax", "log_softmax", "family_symbols", "instantiate",
    "to_indexed", "expand_sums", "W", "x", "b", "Z", "Y", "t", "r", "linear", "entry_name",
    "CONVENTIONS",
]

# The families a target may use: logits z, labels y, softmax outputs S.
z = sp.IndexedBase("z")
y = sp.IndexedBase("y")
S = sp.IndexedBase("S")
# Smoothed labels q = (1 − ε) y + ε/N (label smoothing).
q = sp.IndexedBase("q")

# Free indices (i, j: rows and columns; c: the class of an integer label; t: the output
# of a layer's Jacobian) and the bound summation indices k and l (classes), r (inputs)
# and n (examples).  integer=True keeps KroneckerDelta(i, j) unevaluated.
i, j, k, l, c, t, r = sp.symbols("i j k l c t r", integer=True, positive=True)

# The linear layer z = W x + b that feeds a softmax (W: weights, x: input, b: bias), and a
# batch: logits Z and labels Y with one row per example.
W, x, b = sp.IndexedBase("W"), sp.IndexedBase("x"), sp.IndexedBase("b")
Z, Y = sp.IndexedBase("Z"), sp.IndexedBase("Y")

# The two ways people write a layer: z = W x + b with W of shape N × D (rows = classes),
# or z = Wᵀ x + b with W of shape D × N (columns = classes).
CONVENTIONS = {"Wx": "z = W x + b, W of shape N × D", "WTx": "z = Wᵀ x + b, W of shape D × N"}


def convention_hint(problem) -> str:
    """The layer's convention checked and how to ask for the other one: ``--convention``
    for a catalogue target, the weights' indices for a definition of your own (``--of``).

    >>> from derive.catalog import get_target
    >>> convention_hint(get_target("linear-softmax-jacobian").build(3))
    'the convention checked is z = W x + b, W of shape N × D; for z = Wᵀ x + b, W of shape D × N, give --convention WTx'
    """
    if problem.convention is None:
        return ""
    other = "WTx" if problem.convention == "Wx" else "Wx"
    how = (f"give --convention {other}" if "convention" in dict(problem.options)
           else "write W_" + ("rk" if other == "WTx" else "kr") + " in the definition")
    return f"the convention checked is {CONVENTIONS[problem.convention]}; for {CONVENTIONS[other]}, {how}"

# The temperature of a softmax, S = softmax(z/T): a positive scalar; and the label
# smoothing ε, in [0, 1).  Each is one number, the same for every class.  (The definition
# reader makes every named constant positive; a target's problem speaks of its own symbols,
# see Problem.own.)
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


def linear(index: sp.Expr, inputs: int | sp.Symbol, convention: str = "Wx") -> sp.Expr:
    """The logit ``z_index`` of a linear layer: ``Σ_r W_index,r x_r + b_index``
    (``Σ_r W_r,index x_r + b_index`` in the ``WTx`` convention).

    >>> linear(k, 2)
    b[k] + Sum(W[k, r]*x[r], (r, 1, 2))
    >>> linear(k, 2, "WTx")
    b[k] + Sum(W[r, k]*x[r], (r, 1, 2))
    """
    weight = W[index, r] if convention == "Wx" else W[r, index]
    return sp.Sum(weight * x[r], (r, 1, inputs)) + b[index]


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

    def written_out(self) -> sp.Expr:
        """Its definition, which :func:`derive.calculus.derivative` differentiates."""
        return self.rewrite(sp.exp)

    def _numpycode(self, printer) -> str:
        # Stable for any finite x: the branch that cannot overflow is chosen (NumPy
        # evaluates both; the other one's overflow is discarded).
        x = printer._print(self.args[0])
        exp, where = printer._module_format("numpy.exp"), printer._module_format("numpy.where")
        return f"{where}(({x}) >= 0, 1/(1 + {exp}(-({x}))), {exp}({x})/(1 + {exp}({x})))"


class softplus(sp.Function):
    """``softplus(x) = log(1 + e^x)``, the smooth relu, kept whole so that definitions and
    results print it; differentiated through its definition (so that softplus' = σ is
    derived, as σ' is).

    >>> softplus(z[j]).rewrite(sp.exp)
    log(exp(z[j]) + 1)
    """

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return sp.log(1 + sp.exp(x))

    def written_out(self) -> sp.Expr:
        """Its definition, which :func:`derive.calculus.derivative` differentiates."""
        return self.rewrite(sp.exp)

    def _numpycode(self, printer) -> str:
        # log(1 + e^x) without overflow: logaddexp(0, x).
        return f"{printer._module_format('numpy.logaddexp')}(0, {printer._print(self.args[0])})"


@lru_cache(maxsize=None)
def family_symbols(name: str, n: int | tuple[int, ...]) -> tuple[sp.Symbol, ...]:
    """The concrete symbols ``name_1 … name_n`` that stand for ``name[1] … name[n]``;
    for a shape ``(a, b)`` the entries ``name_1_1 … name_a_b`` row by row.

    >>> family_symbols("S", 3)
    (S_1, S_2, S_3)
    >>> family_symbols("W", (2, 2))
    (W_1_1, W_1_2, W_2_1, W_2_2)
    """
    shape = n if isinstance(n, tuple) else (n,)
    return tuple(sp.Symbol(entry_name(name, key))
                 for key in itertools.product(*(range(1, size + 1) for size in shape)))


def entry_name(name: str, key) -> str:
    """The name of one concrete entry: ``S_3``, ``W_2_1``."""
    return "_".join([name, *map(str, key)])


# Families whose one index counts the classes: instantiate checks it is within 1..N.  (The
# input x counts D inputs, and two-index families are named and checked by their callers.)
_CLASS_FAMILIES = frozenset("zySqbu")


def instantiate(expr: sp.Expr, n: int) -> sp.Expr:
    """Expand the sums of ``expr`` for ``n`` classes and name each entry ``z_m``.

    Every free index must already have a concrete value: an ``Indexed`` whose index is
    still a symbol is left alone, which the callers treat as an error.

    >>> instantiate(-sp.Sum(y[k] * sp.log(S[k]), (k, 1, 2)), 2)
    -y_1*log(S_1) - y_2*log(S_2)
    """
    expanded = expand_sums(expr) if expr.has(sp.Sum) else expr
    mapping = {}
    for atom in expanded.atoms(sp.Indexed):
        if not all(index.is_Integer for index in atom.indices):
            continue
        name = str(atom.base)
        if len(atom.indices) == 1 and name in _CLASS_FAMILIES:
            index = int(atom.indices[0])
            if not 1 <= index <= n:
                raise ValueError(f"index {index} of {atom} is outside 1..{n}")
        mapping[atom] = sp.Symbol(entry_name(name, atom.indices))
    return expanded.xreplace(mapping)


def expand_sums(expr: sp.Expr) -> sp.Expr:
    """Write out every sum with concrete limits term by term (inner sums first).

    The same as ``Sum.doit`` on such sums, without its search for closed forms, which
    is slow (it tries partial fractions on every summand).

    >>> expand_sums(sp.Sum(y[k] * S[k], (k, 1, 3)))
    S[1]*y[1] + S[2]*y[2] + S[3]*y[3]
    """
    def write_out(s: sp.Sum) -> sp.Expr:
        # The outermost limit first (SymPy lists it last): an inner limit may name its
        # index (Σ_l Σ_{k=l}^N), and is concrete once that index has its value.
        *inner, (bound, low, high) = s.limits
        body = sp.Sum(s.function, *inner) if inner else s.function
        # What does not involve the index (a softmax's denominator, written out already)
        # is set aside: each term would otherwise walk it again, N² work.
        hidden, shared = _set_aside(body, bound)
        body = sp.Add(*(_substituted(hidden, {bound: sp.Integer(m)})
                        for m in range(int(low), int(high) + 1)))
        # Asked before the shared parts are put back: has() walks a shared subtree at
        # each place it occurs, N times the N-term denominator.
        inner_sums = body.has(sp.Sum) or any(v.has(sp.Sum) for v in shared.values())
        if shared:
            body = _substituted(body, shared)
        return expand_sums(body) if inner_sums else body

    return expr.replace(lambda e: isinstance(e, sp.Sum)
                        and all(x.is_Integer for x in e.limits[-1][1:]), write_out)


def _substituted(expr: sp.Expr, values: dict) -> sp.Expr:
    """``expr.xreplace(values)`` for symbols ``values``, each shared subtree rebuilt once.

    ``xreplace`` rebuilds a subtree at every place it occurs: the row's denominator
    ``Σ_l exp(Z_pl)`` inside each of the N terms of ``Σ_k Y_pk log(exp(Z_pk)/Σ_l …)``
    would be rebuilt N times for every example p — N² work per row instead of N.

    >>> e = y[k] * sp.exp(z[k]) + y[k]
    >>> _substituted(e, {k: sp.Integer(2)}) == e.xreplace({k: 2})
    True
    """
    done: dict[int, sp.Basic] = {}

    def rebuilt(node: sp.Basic) -> sp.Basic:
        found = done.get(id(node))
        if found is None:
            if node.is_Symbol:
                found = values.get(node, node)
            elif not node.args:
                found = node
            else:
                args = tuple(rebuilt(a) for a in node.args)
                found = node if all(a is b for a, b in zip(args, node.args)) \
                    else _rebuild(node, args)
            done[id(node)] = found
        return found

    return rebuilt(expr)


def _rebuild(node: sp.Basic, args: tuple) -> sp.Basic:
    """``node.func(*args)``.  Unevaluated (``sp.evaluate(False)``), a function such as
    ``exp`` is built as ``Function.__new__`` would build it, without the set of its
    argument counts that SymPy makes for each new node — most of the cost of writing out
    the 2N exponentials and logarithms of a cross-entropy at N = 1024; a sum or product
    keeps whether it commutes (substituting values for symbols does not change it)
    instead of asking each argument again."""
    if not global_parameters.evaluate:
        if isinstance(node, sp.Function):
            return sp.Basic.__new__(node.func, *args)   # as many arguments as node: valid
        if isinstance(node, (sp.Add, sp.Mul)):   # nor asked again whether it commutes
            return node.func._from_args(args, node.is_commutative)
    return node.func(*args)


def _set_aside(expr: sp.Expr, index: sp.Symbol) -> tuple[sp.Expr, dict]:
    """``expr`` with its largest parts free of ``index`` replaced by placeholders, and the
    placeholders' values: ``exp(z_k)/(e_1 + … + e_N)`` becomes ``exp(z_k)/a``."""
    shared: dict = {}

    def hide(node: sp.Expr) -> sp.Expr:
        # Only inside arithmetic: a Derivative's variables, a Sum's limits, an Indexed
        # entry keep their structure.
        if not isinstance(node, (sp.Add, sp.Mul, sp.Pow, sp.exp, sp.log)):
            return node
        if not node.has(index):
            placeholder = sp.Dummy("shared")
            shared[placeholder] = node
            return placeholder
        return node.func(*(hide(a) for a in node.args))

    hidden = hide(expr)
    return (hidden, shared) if shared else (expr, {})


def to_indexed(expr: sp.Expr, n: int, names: dict, ranges=None) -> sp.Expr:
    """The inverse of :func:`instantiate` for the concrete indices in ``names``.

    Each symbol ``x_m`` with ``m`` a key of ``names`` becomes ``x[names[m]]``; other
    concrete symbols are left alone (the caller checks that none remain).

    With ``ranges`` (a function from a family name to the range names of its positions,
    such as ``("N", "D")`` for W), ``names`` maps each range name to its own
    ``{value: index}``: ``W_2_3`` becomes ``W[i, j]`` when i is 2 in N and j is 3 in D.
    Indexed entries with integer indices (``Y[2, k]`` inside a sum) are renamed too.

    >>> to_indexed(sp.Symbol("S_2") * sp.Symbol("y_1"), 3, {1: j, 2: i})
    S[i]*y[j]
    >>> to_indexed(sp.Symbol("W_2_3"), 3, {"N": {2: i}, "D": {3: j}}, lambda f: ("N", "D"))
    W[i, j]
    """
    mapping = {}

    def named(family: str, values) -> tuple | None:
        shape = ranges(family) if ranges is not None else ("N",) * len(values)
        if len(shape) != len(values):
            return None
        out = []
        for value, extent in zip(values, shape):
            table = names.get(extent, {}) if ranges is not None else names
            if value.is_Integer if isinstance(value, sp.Basic) else True:
                if int(value) not in table:
                    return None
                out.append(table[int(value)])
            else:
                out.append(value)
        return tuple(out)

    for sym in expr.free_symbols:
        if not isinstance(sym, sp.Symbol):
            continue
        base, *tails = sym.name.split("_")
        if base and tails and all(tail.isdigit() for tail in tails):
            key = named(base, [int(tail) for tail in tails])
            if key is not None:
                mapping[sym] = sp.IndexedBase(base)[key]
    if ranges is not None:
        for atom in expr.atoms(sp.Indexed):
            if any(index.is_Integer for index in atom.indices):
                key = named(str(atom.base), atom.indices)
                if key is not None:
                    mapping[atom] = atom.base[key]
    return expr.xreplace(mapping)
