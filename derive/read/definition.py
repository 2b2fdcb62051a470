"""Reading a definition (``--of "L = …"``): the function a user wrote, in index notation.

The notation is the claim notation (:mod:`derive.read.parse`, never ``eval``), read as a
definition: the left side names the quantity and its output indices (``L =``, ``a_i =``);
on the right, every family written with indices (``z_k``, ``W_ij``, ``y_k``) is an input,
the Greek letters, ``T`` and ``d`` are positive scalar constants, and the functions of the
ML vocabulary are ``exp``, ``log``, ``sqrt``/``√``, ``tanh``, ``σ``/``sigmoid``,
``softplus``, ``softmax(z)_k``, ``log_softmax(z)_k`` and ``logsumexp(z)``.

Inside ``softmax(…)``, ``log_softmax(…)`` and ``logsumexp(…)`` a family written without
its last index is the vector (``softmax(z/T)_k``); ``q·k_i`` (or ``dot(q, k_i)``) is the dot
product ``Σ_r q_r k_ir`` over a new index r that runs over the inputs, ``1..D``.  A sum
``Σ_k`` runs over the classes, ``1..N``, unless its limits say otherwise.

Named functions become *intermediate families*: ``softmax(z)_k`` is ``S_k`` with
``S_k = e^{z_k}/Σ_m e^{z_m}``, and the written-out quotient reads the same, so that both
spellings give one derivation; a softmax of an expression gets a family for its argument
(``u_m = q·k_m/√d``).  The differentiation goes through these definitions and the result
is written through them again (:mod:`derive.calculus.strategy`).

>>> d = read_definition("L = -Σ_k y_k log(softmax(z)_k)")
>>> d.body
-Sum(log(S[k])*y[k], (k, 1, N))
>>> [(x.family, x.body) for x in d.defined]
[(S, exp(z[m])/Sum(exp(z[l]), (l, 1, N)))]
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from . import parse as p
from ..errors import InputError
from ..functions import sigmoid, softplus
from ..sizes import BATCH, INPUTS
from .defined import CLASSES, EXTENTS, Defined, Definition, free_indices, size_values

# The data (Definition, Defined, the extents) is :mod:`derive.read.defined`'s, named here too.
__all__ = ["Definition", "Defined", "read_definition", "Reader", "free_indices", "CLASSES",
           "EXTENTS", "size_values", "CONSTANT_NAMES", "NOT_DIFFERENTIABLE"]

# Names that are scalar constants when written without an index: the temperature T, a
# dimension d, the smoothing ε, and the Greek letters.
CONSTANT_NAMES = frozenset({"T", "d", "eps", *p.GREEK.values()})
# Functions that people use in ML code and that have no derivative everywhere.
NOT_DIFFERENTIABLE = frozenset({"abs", "max", "min", "relu", "ReLU", "sign", "floor", "ceil",
                                "round", "argmax", "maximum", "minimum", "clip", "heaviside"})
_ELEMENTWISE = {"exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt, "tanh": sp.tanh,
                "sigmoid": sigmoid, "softplus": softplus}
_ACCEPTED = ("exp, log, sqrt (√), tanh, σ/sigmoid, softplus, softmax(z)_k, log_softmax(z)_k, "
             "logsumexp(z), Σ_k, δ_ij")
_MAX_EXPONENT = 64
_MAX_SUM_EXPONENT = 8
_SOFTMAX_NAMES = "SPQRAB"
_ARGUMENT_NAMES = "uvgst"


def _index(letter: str) -> sp.Symbol:
    return sp.Symbol(letter, integer=True, positive=True)


def read_definition(text: str) -> Definition:
    """Read ``NAME = FORMULA`` into a :class:`Definition`.

    Raises:
        ParseError: unreadable text.
        InputError: a name outside the vocabulary, a non-differentiable function, an
            index free on the right but not on the left, or the reverse; what is
            accepted is named in the message.

    >>> read_definition("H = -Σ_k softmax(z)_k log_softmax(z)_k").body
    -Sum(log(S[k])*S[k], (k, 1, N))
    >>> read_definition("L = relu(z_1)")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    derive.errors.InputError: relu is not differentiable everywhere; ... (softplus is a smooth relu)
    """
    if not isinstance(text, str):
        raise InputError(f"a definition must be text, got {type(text).__name__}")
    # A row vector read before its extent is known (xᵀ x + Σ_{r=1}^{D} x_r) is read over
    # the classes; where a later use says otherwise, the definition is read again with
    # that extent known from the start.
    hints: dict[str, str] = {}
    for _ in range(4):
        try:
            return _read(text, hints)
        except _Extent as known:
            if hints.get(known.family) == known.extent:
                raise InputError(known.message) from None
            hints[known.family] = known.extent
    raise InputError(f"cannot settle the extents of the families in {text!r}; write the "
                     "sums with their limits, Σ_{k=1}^{D}")


class _Extent(Exception):
    """A row vector's extent, assumed before it was known, differs from a later use."""

    def __init__(self, family: str, extent: str, message: str):
        super().__init__(message)
        self.family, self.extent, self.message = family, extent, message


def _read(text: str, hints: dict[str, str]) -> Definition:
    main, *others = text.split(";")
    lhs, tree = p.parse_definition(main)
    parts = [p.parse_definition(other) for other in others]
    reader = Reader(text, lhs, tree, *(t for _, t in parts))
    reader.hints = hints
    reader.auxiliary = {name.name for name, _ in parts}
    for name, part in parts:   # z_k = Σ_r W_kr x_r + b_k: a family defined for the main one
        if len(name.sub) != 1 or name.name in (lhs.name, *reader.families):
            raise InputError(f"after ';' a definition names one family with one index, used "
                             f"in the first: z_k = …; got {name.name}_{''.join(name.sub)}")
        index = reader.index(name.sub[0])
        value = reader.recognise_written_softmax(reader.read(part))
        if reader.named_softmax(name.name, index, value):
            continue
        if free_indices(value) - {index}:
            raise InputError(f"{name.name}_{name.sub[0]} = … has a free index other than "
                             f"{name.sub[0]}")
        reader.defined.append(Defined(sp.IndexedBase(name.name), index, value, "argument"))
    body = reader.read(tree)
    body = reader.recognise_written_softmax(body)
    unused = reader.auxiliary - {str(a.base) for a in _all_entries(body, reader.defined)}
    if unused:
        raise InputError(f"{', '.join(sorted(unused))} is defined after ';' but not used")
    outputs = tuple(_index(letter) for letter in lhs.sub)
    if len(set(outputs)) != len(outputs):
        raise InputError(f"the left side {lhs.name}_{''.join(lhs.sub)} repeats an index")
    free = free_indices(body)
    if free - set(outputs):
        extra = ", ".join(sorted(map(str, free - set(outputs))))
        raise InputError(f"the index {extra} is free on the right of {text!r} but not on the "
                         f"left; sum over it (Σ_{extra[0]}) or name it on the left "
                         f"({lhs.name}_{extra} = …)")
    if set(outputs) - free:
        missing = ", ".join(sorted(map(str, set(outputs) - free)))
        raise InputError(f"the output index {missing} of {lhs.name} does not occur on the right "
                         f"of {text!r}")
    name = sp.IndexedBase(lhs.name)[outputs] if outputs else sp.Symbol(lhs.name)
    defined = reader.defined
    # a_i = softmax(…)_i: the quantity is the softmax itself, and keeps the user's name.
    if outputs and len(outputs) == 1 and isinstance(body, sp.Indexed) and \
            body.indices == outputs and any(x.family == body.base and x.kind == "softmax"
                                             for x in defined):
        renamed = sp.IndexedBase(lhs.name)
        swap = {body.base: renamed}
        defined = [replace(x, family=swap.get(x.family, x.family), body=x.body.xreplace(swap))
                   for x in defined]
        body = body.xreplace(swap)
    elif len(outputs) == 1:   # h_i = tanh(…): results are written through h
        defined = [*defined, Defined(sp.IndexedBase(lhs.name), outputs[0], body, "output")]
    return Definition(text=text, name=name, outputs=outputs, body=body,
                      families=tuple(sorted((k, tuple(v)) for k, v in reader.families.items())),
                      defined=tuple(defined), constants=tuple(sorted(reader.constants, key=str)),
                      extents=tuple(sorted(reader.extents.items(), key=lambda kv: str(kv[0]))))


def _chain(node) -> list:
    """The factors of a product written by juxtaposition or ``@``, left to right:
    ``xᵀ A x`` is ``[xᵀ, A, x]``."""
    if isinstance(node, p.MatMul) or (isinstance(node, p.Mul) and node.implicit
                                      and not node.dot):
        return [*_chain(node.left), *_chain(node.right)]
    return [node]


def _shown(node) -> str:
    """A factor of a product as written, for messages: ``xᵀ``, ``A``."""
    if isinstance(node, p.Transpose):
        return _shown(node.operand) + "ᵀ"
    return node.name if isinstance(node, p.Name) else "(…)"


def _row_vector(node) -> bool:
    """``xᵀ`` (or ``−xᵀ``): the transpose of a family written whole, lowercase."""
    if isinstance(node, p.Neg):
        return _row_vector(node.operand) and not isinstance(node.operand, p.Neg)
    return isinstance(node, p.Transpose) and isinstance(node.operand, p.Name) and \
        not node.operand.sub and node.operand.name[:1].islower()


def _all_entries(body: sp.Expr, defined) -> set:
    """The entries in ``body`` and in the definitions of the intermediates."""
    out = set(body.atoms(sp.Indexed))
    for x in defined:
        out |= x.body.atoms(sp.Indexed)
    return out


class Reader:
    """The syntax tree of the right side as a SymPy expression, with the families,
    constants and intermediates it names."""

    def __init__(self, text: str, lhs: p.Name, *trees):
        self.text = text
        self.lhs = lhs
        self.families: dict[str, list[str]] = {}
        self.constants: set[sp.Symbol] = set()
        self.defined: list[Defined] = []
        self.extents: dict[sp.Symbol, str] = {_index(a): "N" for a in lhs.sub}
        self.bound: list[sp.Symbol] = []
        # What the formula divides by and takes logs and roots of, as written (before
        # SymPy cancels x/x): where it is defined.
        self.divisors: list[sp.Expr] = []
        self.logs: list[sp.Expr] = []
        self.auxiliary: set[str] = set()    # families defined after ';'
        self.scalars: dict[str, sp.Symbol] = {}   # names of scalar quantities (a claim's H)
        self.hints: dict[str, str] = {}     # extents of row vectors known from a first reading
        self.assumed: set[str] = set()      # row vectors read over N before any other use
        self.letters = set(lhs.sub) | {lhs.name}
        for tree in trees:
            self._collect_names(tree)
        self.written = frozenset(self.letters)   # the user's own letters

    def _collect_names(self, node) -> None:
        """Every letter the user wrote, so that new names and indices avoid them."""
        if isinstance(node, p.Name):
            self.letters.add(node.name)
            self.letters.update(node.sub)
        elif isinstance(node, p.Call):
            self.letters.update(node.sub)
        if hasattr(node, "__dataclass_fields__"):
            for value in vars(node).values():
                for child in (value if isinstance(value, tuple) else (value,)):
                    if hasattr(child, "__dataclass_fields__"):
                        self._collect_names(child)

    def fresh(self, candidates: str) -> str:
        for letter in candidates:
            if letter not in self.letters:
                self.letters.add(letter)
                return letter
        raise InputError(f"too many names in {self.text!r}")   # pragma: no cover

    def fail(self, message: str):
        raise InputError(message)

    # ---- names ------------------------------------------------------------------------
    def name(self, node: p.Name, position: tuple | None) -> sp.Expr:
        """A family entry, a constant, δ, or (in a vector context) a whole family."""
        name, sub = node.name, node.sub
        if name in NOT_DIFFERENTIABLE:
            self.not_differentiable(name)
        if name == "sigmoid" and sub:   # σ_k without brackets: a family (a standard deviation)
            name = "sigma"
        if name == "delta":
            if len(sub) != 2:
                self.fail("δ takes two indices: δ_ij")
            return sp.KroneckerDelta(*(self.index(a) for a in sub))
        if not sub and name in self.scalars:
            return self.scalars[name]
        if name in self.auxiliary:
            indices = [self.index(a) for a in sub] + ([position[0]] if position else [])
            if len(indices) != 1:
                self.fail(f"{name} is defined with one index; write {name}_k")
            return sp.IndexedBase(name)[indices[0]]
        if not sub and name in CONSTANT_NAMES:
            symbol = sp.Symbol(name, positive=True)
            self.constants.add(symbol)
            return symbol
        if not sub and name == "N":
            return CLASSES
        if not sub and name == "D":
            return INPUTS
        if not sub and name == "m" and position is None:   # the number of examples
            return BATCH
        if not sub and name == "e":
            return sp.E
        if name in p.FUNCTIONS or name == "sum":
            self.fail(f"{name} is a function: write {name}(…)")
        if any(a.isdigit() for a in sub):
            self.fail(f"{name}_{''.join(sub)}: a definition uses index letters, not numbers "
                      "(the function of every entry)")
        if position is None and not sub:
            self.fail(f"{name} has no index in {self.text!r}: an entry of a family needs its "
                      f"index ({name}_k; matrix notation is read inside a vector, "
                      f"(W x + b)_k, or as a scalar, xᵀ A x); a scalar constant is a Greek "
                      f"letter, T or d; the functions are {_ACCEPTED}")
        if _index(name) in self.bound:
            self.fail(f"{name} is a summation index here, not a quantity")
        indices = [self.index(a) for a in sub]
        extents = [self.extents[a] for a in indices]
        if position is not None:   # softmax(z)_k, q·k_i: the vector's position appended
            indices.append(position[0])
            extents.append(position[1])
        known = self.families.setdefault(name, extents)
        if len(known) != len(extents):
            self.fail(f"{name} is used with {len(known)} and with {len(extents)} indices")
        if known != extents:
            message = (f"{name} is used over different extents, {'×'.join(known)} and "
                       f"{'×'.join(extents)}: a sum Σ_k without limits runs over the classes "
                       "1..N; write Σ_{k=1}^{D} for the inputs")
            if name in self.assumed and len(extents) == 1:
                raise _Extent(name, extents[0], message)
            self.fail(message)
        return sp.IndexedBase(name)[tuple(indices)]

    def compared(self, node) -> sp.Expr:
        """A side of ``i == j``: an index letter (or any expression that is one)."""
        if isinstance(node, p.Name) and not node.sub and len(node.name) == 1 and \
                node.name.islower():
            return self.index(node.name)
        return self.read(node)

    def index(self, letter: str) -> sp.Symbol:
        symbol = _index(letter)
        self.extents.setdefault(symbol, "N")
        return symbol

    def not_differentiable(self, name: str):
        hint = " (softplus is a smooth relu)" if name.lower() == "relu" else \
            " (logsumexp is a smooth max)" if name in ("max", "maximum") else ""
        self.fail(f"{name} is not differentiable everywhere; a definition uses {_ACCEPTED}"
                  + hint)

    # ---- the tree ------------------------------------------------------------------
    def read(self, node, position: tuple | None = None) -> sp.Expr:
        """The expression of ``node``; ``position`` is ``(index, extent)`` inside a vector
        context, appended to every family written in it."""
        if isinstance(node, p.Num):
            return sp.Rational(node.value)
        if isinstance(node, p.Name):
            return self.name(node, position)
        if isinstance(node, p.Neg):
            return -self.read(node.operand, position)
        if isinstance(node, p.Add):
            return self.read(node.left, position) + self.read(node.right, position)
        if isinstance(node, p.Sub):
            return self.read(node.left, position) - self.read(node.right, position)
        if isinstance(node, (p.Mul, p.MatMul)) and position is not None and \
                self.matrix(node.left) is not None:   # W x: a matrix times a vector
            return self.matrix_product(node.left, node.right, position)
        if isinstance(node, (p.Mul, p.MatMul)) and position is None and \
                any(map(_row_vector, _chain(node))):   # uᵀ v, λ/2 xᵀ A x: a scalar
            chain = _chain(node)
            first = next(at for at, f in enumerate(chain) if _row_vector(f))
            scale = sp.Mul(*(self.read(f) for f in chain[:first]))
            sign = -1 if isinstance(chain[first], p.Neg) else 1   # −xᵀ A x
            chain[first] = chain[first].operand if sign < 0 else chain[first]
            return sign * scale * self.bilinear(chain[first:])
        if isinstance(node, p.Mul):
            if node.dot and self.vectors(node.left) and self.vectors(node.right):
                return self.dot(node.left, node.right)
            if node.implicit and isinstance(node.left, p.Name) and not node.left.sub and \
                    node.left.name in NOT_DIFFERENTIABLE:
                self.not_differentiable(node.left.name)
            return self.read(node.left, position) * self.read(node.right, position)
        if isinstance(node, p.Div):
            top, bottom = self.read(node.left, position), self.read(node.right, position)
            self.divisors.append(bottom)
            return top / bottom
        if isinstance(node, p.Pow):
            return self.power(node, position)
        if isinstance(node, p.Call):
            return self.call(node, position)
        if isinstance(node, p.Entry):
            return self.entry(node)
        if isinstance(node, p.Eq):   # (i == j), [j = c]; [i ≠ j] is 1 − δ_ij
            delta = sp.KroneckerDelta(self.compared(node.left), self.compared(node.right))
            return 1 - delta if node.negated else delta
        if isinstance(node, p.Cond):   # A if i == j else B
            chosen = self.read(node.test, position)
            return chosen * self.read(node.then, position) + \
                (1 - chosen) * self.read(node.other, position)
        if isinstance(node, (p.Hadamard, p.Kron)):
            self.fail("⊙ and ⊗ are read in a claim's vector notation; a definition writes "
                      "entries, as in a_k b_k")
        if isinstance(node, (p.Transpose, p.MatMul)):
            self.fail("matrix notation in a definition is a matrix times a vector inside a "
                      "vector, softmax(W x + b)_k, (Wᵀ h)_j, or a scalar, uᵀ v, xᵀ A x; or "
                      "write the entries, Σ_r W_kr x_r")
        self.fail(f"cannot read {type(node).__name__} in a definition")

    def power(self, node: p.Pow, position) -> sp.Expr:
        exponent = self.read(node.exponent, position)
        if isinstance(node.base, p.Name) and node.base.name == "e" and not node.base.sub:
            return sp.exp(exponent)
        if exponent.is_Number and abs(exponent) > _MAX_EXPONENT:
            self.fail(f"the exponent {exponent} is too large (at most {_MAX_EXPONENT})")
        base = self.read(node.base, position)
        if exponent.is_Number and abs(exponent) > _MAX_SUM_EXPONENT and isinstance(base, sp.Add):
            # (a_k + b_k + c_k)^64 multiplies out to tens of thousands of terms.
            self.fail(f"the exponent {exponent} is too large for a power of a sum (at most "
                      f"{_MAX_SUM_EXPONENT})")
        if not (exponent.is_integer and exponent.is_nonnegative):
            (self.divisors if exponent.is_integer else self.logs).append(base)
        return base ** exponent

    def summation_letter(self) -> str:
        """A letter for a new summation index (of ``q·k``, ``W x``, ``xᵀ A x``) that the
        definition does not write and no enclosing sum binds."""
        letter = next((c for c in "rspvwxyzabfg" if c not in self.written
                       and _index(c) not in self.bound), None)
        if letter is None:
            self.fail("too many products and sums inside one another to name their "
                      "indices; write some of the sums out with their own letters")
        return letter

    def bilinear(self, chain: list) -> sp.Expr:
        """``uᵀ v = Σ_r u_r v_r`` and ``uᵀ A v = Σ_r Σ_s u_r A_rs v_s`` (``Aᵀ``: ``A_sr``):
        a row vector, square matrices written whole, then a column vector (a family or a
        vector expression such as ``(x − μ)``), over the extent of the row vector."""
        if len(chain) < 2 or self.matrix(chain[-1]) is not None:
            self.fail(f"{' '.join(_shown(f) for f in chain)} is a row vector, not a scalar: "
                      "a definition takes uᵀ v and xᵀ A x")
        row, *matrices, column = chain
        if any(self.matrix(m) is None for m in matrices):
            self.fail("between uᵀ and v a definition takes matrices written whole, capital "
                      "letters: xᵀ A x, uᵀ Wᵀ v")
        name = row.operand.name
        if name not in self.families and name not in self.hints:
            self.assumed.add(name)   # over the classes, until a later use says otherwise
        extent = self.families.get(name, [self.hints.get(name, "N")])[-1]
        letters = []
        for _ in range(len(matrices) + 1):
            letter = self.summation_letter()
            letters.append(self.index(letter))
            self.extents[letters[-1]] = extent
            self.bound.append(letters[-1])
        term = self.read(row.operand, (letters[0], extent))
        for m, (a, b) in zip(matrices, zip(letters, letters[1:])):
            matrix, transposed = self.matrix(m)
            known = self.families.setdefault(matrix, [extent, extent])
            if known != [extent, extent]:
                self.fail(f"{matrix} is used as a {'×'.join(known)} matrix and as a square "
                          f"one in {self.text!r}")
            term *= sp.IndexedBase(matrix)[(b, a) if transposed else (a, b)]
        term *= self.read(column, (letters[-1], extent))
        del self.bound[-len(letters):]
        high = {"N": CLASSES, "D": INPUTS}[extent]
        return sp.Sum(term, *((letter, 1, high) for letter in reversed(letters)))

    def vectors(self, node) -> bool:
        """Whether ``node`` names a vector to take a dot product of (``q``, the row ``k_i``
        of a matrix, a family not seen yet): ``S_j · y_j`` and ``2 · x_k`` are products of
        numbers (LaTeX's ``\\cdot``)."""
        if isinstance(node, p.Name):
            known = self.families.get(node.name)
            arity = len(known) if known is not None else next(
                (len(x.rows) + 1 for x in self.defined if str(x.family) == node.name),
                1 if node.name in self.auxiliary else None)
            return arity is None or arity > len(node.sub)
        if isinstance(node, (p.Num, p.Entry)):   # softmax(z)_k: one entry
            return False
        if isinstance(node, p.Call):   # softmax(z), σ(W x): a vector of its vector argument
            return not node.sub and any(self.vectors(a) for a in node.args)
        return any(self.vectors(child) for child in (
            getattr(node, f) for f in ("left", "right", "operand", "base") if hasattr(node, f)))

    def dot(self, left, right) -> sp.Expr:
        """``a·b`` = ``Σ_r a_r b_r`` over a new index r of the inputs, 1..D."""
        # The same letter for sibling products (q·k_i and q·k_m read alike), a new one
        # inside another.
        letter = self.summation_letter()
        r = self.index(letter)
        self.extents[r] = "D"
        self.bound.append(r)
        product = self.read(left, (r, "D")) * self.read(right, (r, "D"))
        self.bound.pop()
        return sp.Sum(product, (r, 1, INPUTS))

    def summed(self, sub: tuple[str, ...], body, low=1, high=None, extent="N") -> sp.Expr:
        if len(sub) != 1:
            self.fail("a sum runs over one index: Σ_k")
        k = self.index(sub[0])
        self.extents[k] = extent
        self.bound.append(k)
        inner = self.read(body)
        self.bound.pop()
        return sp.Sum(inner, (k, low, CLASSES if high is None else high))

    def call(self, node: p.Call, position) -> sp.Expr:
        f, args = node.func, node.args
        if f in ("sum",) and node.sub:
            return self.summed(node.sub, args[0])
        if f == "Sum":
            return self.sum_with_limits(args)
        if f in ("softmax", "log_softmax"):
            self.fail(f"{f}(…) is a vector: take an entry, {f}(z)_k")
        if f == "logsumexp":
            argument, rows = self.vector_argument(node)
            # Its derivative is the softmax of the argument: the family that the result is
            # written through.
            self.softmax_of(argument, rows)
            l = self.index(self.fresh("lmnpq"))
            return sp.log(sp.Sum(sp.exp(argument.xreplace({self._position: l})),
                                 (l, 1, CLASSES)))
        if f in ("delta", "KroneckerDelta"):
            if len(args) != 2:
                self.fail("δ(i, j) takes two indices")
            return sp.KroneckerDelta(self.read(args[0]), self.read(args[1]))
        if f == "dot":
            if len(args) != 2:
                self.fail("dot(a, b) takes two vectors")
            return self.dot(*args)
        if f in _ELEMENTWISE:
            if len(args) != 1:
                self.fail(f"{f}(…) takes one argument")
            argument = self.read(args[0], position)
            if f in ("log", "ln", "sqrt"):
                self.logs.append(argument)
            return _ELEMENTWISE[f](argument)
        self.fail(f"{f}(…) is not read in a definition; the functions are {_ACCEPTED}")

    @property
    def _position(self) -> sp.Symbol:
        return sp.Symbol("_position", integer=True, positive=True)

    def vector_argument(self, node: p.Call) -> tuple[sp.Expr, tuple]:
        """The argument of softmax, log_softmax or logsumexp at the position index, and
        its other free indices: the rows (``Z_n`` in ``softmax(Z_n)_k``, row n of Z)."""
        if len(node.args) != 1:
            self.fail(f"{node.func}(…) takes one vector")
        argument = self.read(node.args[0], (self._position, "N"))
        if not argument.has(self._position):
            self.fail(f"{node.func}(…) takes a vector, such as z or z/T")
        others = free_indices(argument) - {self._position}
        order = [i for a in sorted(argument.atoms(sp.Indexed), key=str) for i in a.indices
                 if i in others]
        return argument, tuple(dict.fromkeys(order))

    @staticmethod
    def matrix(node) -> tuple[str, bool] | None:
        """``(name, transposed)`` for a matrix written whole, ``W`` or ``Wᵀ`` (a capital
        letter without an index, other than the sizes and T), else ``None``."""
        transposed = isinstance(node, p.Transpose)
        name = node.operand if transposed else node
        if isinstance(name, p.Name) and not name.sub and len(name.name) == 1 and \
                name.name.isupper() and name.name not in ("N", "D", "T"):
            return name.name, transposed
        return None

    def matrix_product(self, left, right, position) -> sp.Expr:
        """``(W v)_p = Σ_r W_pr v_r`` and ``(Wᵀ v)_p = Σ_r W_rp v_r``: the new index r runs
        over the other extent (the inputs 1..D for a position over the classes)."""
        name, transposed = self.matrix(left)
        index, extent = position
        other = "D" if extent == "N" else "N"
        letter = self.summation_letter()
        r = self.index(letter)
        self.extents[r] = other
        pair, extents = ((r, index), [other, extent]) if transposed else \
            ((index, r), [extent, other])
        known = self.families.setdefault(name, extents)
        if known != extents:
            self.fail(f"{name} is used as a {'×'.join(known)} and as a {'×'.join(extents)} "
                      "matrix")
        self.bound.append(r)
        vector = self.read(right, (r, other))
        self.bound.pop()
        return sp.Sum(sp.IndexedBase(name)[pair] * vector, (r, 1, CLASSES if other == "N"
                                                           else INPUTS))

    def entry(self, node: p.Entry) -> sp.Expr:
        call = node.operand
        if not isinstance(call, p.Call):   # (W x + b)_k: the vector at k
            if len(node.sub) != 1:
                self.fail("an entry of a vector takes one index: (W x + b)_k")
            index = self.index(node.sub[0])
            return self.read(call, (index, self.extents[index]))
        if call.func in _ELEMENTWISE and len(node.sub) == 1:   # tanh(W x + b)_j
            index = self.index(node.sub[0])
            return self.read(call, (index, self.extents[index]))
        if call.func not in ("softmax", "log_softmax") or len(node.sub) != 1:
            self.fail(f"an entry {call.func}(…)_k is taken of softmax, log_softmax and the "
                      "elementwise functions")
        index = self.index(node.sub[0])
        argument, rows = self.vector_argument(call)
        family = self.softmax_of(argument, rows)
        value = family[(*rows, index)]
        return sp.log(value) if call.func == "log_softmax" else value

    def named_softmax(self, name: str, index: sp.Symbol, value: sp.Expr) -> bool:
        """``S_k = softmax(z)_k`` after ';': the softmax takes the user's name (S, not a
        fresh P beside a family S equal to it)."""
        if not (isinstance(value, sp.Indexed) and value.indices == (index,)
                and str(value.base) in _SOFTMAX_NAMES and str(value.base) not in self.auxiliary):
            return False
        for at, x in enumerate(self.defined):
            if x.kind == "softmax" and x.family == value.base and not x.rows:
                self.defined[at] = replace(x, family=sp.IndexedBase(name))
                self.letters.discard(str(value.base))
                return True
        return False

    def softmax_of(self, argument: sp.Expr, rows: tuple = ()) -> sp.IndexedBase:
        """The softmax family of ``argument`` (at the position index; of each row when
        ``rows`` are given), defined once."""
        m = self.index(self.fresh("mlnpq"))
        at = argument.xreplace({self._position: m})
        extents = tuple(self.extents.get(r, "N") for r in rows)
        if isinstance(at, sp.Indexed) and at.indices == (*rows, m):
            source = at.base
        else:
            source = next((x.family for x in self.defined if x.kind == "argument"
                           and len(x.rows) == len(rows) and x.entry(*rows, m) == at), None)
            if source is None:
                source = sp.IndexedBase(self.fresh(_ARGUMENT_NAMES))
                self.defined.append(Defined(source, m, at, "argument", rows=rows,
                                            row_extents=extents, own=True))
        for x in self.defined:
            if x.kind == "softmax" and x.argument == source and len(x.rows) == len(rows):
                return x.family
        l = self.index(self.fresh("klnpq"))
        family = sp.IndexedBase(self.fresh(_SOFTMAX_NAMES))
        self.defined.append(Defined(family, m, sp.exp(source[(*rows, m)]) /
                                    sp.Sum(sp.exp(source[(*rows, l)]), (l, 1, CLASSES)),
                                    "softmax", source, rows=rows, row_extents=extents))
        return family

    def sum_with_limits(self, args) -> sp.Expr:
        if len(args) != 2 or not isinstance(args[1], p.Tuple) or len(args[1].items) != 3:
            self.fail("write Sum(f, (k, 1, N))")
        bound, low, high = args[1].items
        if not isinstance(bound, p.Name) or bound.sub:
            self.fail("the first entry of (k, 1, N) is the summation index")
        low, high = self.read(low), self.read(high)
        if low != 1 or high not in (CLASSES, INPUTS, BATCH):
            self.fail("a sum in a definition runs over 1..N (the classes), 1..D (the "
                      f"inputs) or 1..m (the examples); got {sp.sstr(low)}..{sp.sstr(high)}")
        return self.summed((bound.name,), args[0], low, high,
                           next(name for name, size in EXTENTS.items() if size == high))

    # ---- written-out softmax -------------------------------------------------------
    def recognise_written_softmax(self, expr: sp.Expr) -> sp.Expr:
        """``e^{A_x}/Σ_m e^{A_m}`` (A_m the same expression in m) is ``softmax(A)_x``:
        the written-out and the named forms give one derivation."""
        def quotient(e: sp.Expr):
            if not isinstance(e, sp.Mul):
                return None
            for factor in e.args:
                if not (isinstance(factor, sp.Pow) and factor.exp == -1
                        and isinstance(factor.base, sp.Sum)
                        and len(factor.base.limits) == 1
                        and isinstance(factor.base.function, sp.exp)):
                    continue
                (m, low, high), = factor.base.limits
                if low != 1 or high != CLASSES:
                    continue
                inner = factor.base.function.args[0]
                for top in e.args:
                    if not isinstance(top, sp.exp):
                        continue
                    for x in free_indices(top.args[0]):
                        if inner.xreplace({m: x}) == top.args[0]:
                            return factor, top, inner, m, x
            return None

        def rewrite(e: sp.Expr) -> sp.Expr:
            found = quotient(e)
            if found is None:
                return e
            factor, top, inner, m, x = found
            self.bound.append(m)
            rows = tuple(dict.fromkeys(i for a in sorted(inner.atoms(sp.Indexed), key=str)
                                       for i in a.indices if i in free_indices(inner) - {m}))
            family = self.softmax_of(inner.xreplace({m: self._position}), rows)
            self.bound.pop()
            rest = [a for a in e.args if a is not factor and a is not top]
            return sp.Mul(*rest) * family[(*rows, x)]

        return expr.replace(lambda e: quotient(e) is not None, rewrite)
