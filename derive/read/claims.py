"""What a typed formula means for a target: the syntax tree as an index-notation expression.

:func:`claim_for` reads a formula (:mod:`derive.read.parse`) in the variables of a target and
returns a :class:`Claim`: one SymPy expression in the target's own indices (``S[i]``,
``y[j]``, ``KroneckerDelta(i, j)``, ``Sum(…, (k, 1, N))``), whatever notation was used.

* **Index form** — ``S_i (δ_ij − S_j)``: the free index letters are the user's; a gradient
  may use any letter (``S_k − y_k`` means ``S_j − y_j``), a Jacobian uses ``i`` for the
  row (output) and ``j`` for the column (input).
* **Vector and matrix form** — ``S − y``, ``diag(S) − S Sᵀ``, ``np.diag(S) - np.outer(S, S)``:
  each value carries a shape (scalar, column, row, matrix) and is kept entry-wise in two
  placeholder indices, so ``S Sᵀ`` is the outer product and ``Sᵀ y`` the inner one (a
  product of a matrix and a column is the matrix product, as in ``Wᵀ(S − y)``).

The softmax output may be written ``S``, ``p``, ``yhat``, ``ŷ`` or ``softmax(z)``; names are
the user's, so ``S``, ``E``, ``I`` never mean SymPy's singletons (``I`` is the identity
matrix, ``N`` the number of classes).

>>> from derive.catalog import get_target
>>> claim_for("diag(S) - S Sᵀ", get_target("softmax-jacobian").problem(3)).expr
KroneckerDelta(i, j)*S[i] - S[i]*S[j]
"""

from __future__ import annotations


from dataclasses import dataclass

import sympy as sp
from sympy.core.function import AppliedUndef

from . import parse as p
from ..conditions import conditions_of, nonzero, positive
from ..errors import InputError, UndefinedClaim
from ..functions import convention_hint, S, c as label, i, j, q, sigmoid, z
from .shapes import COLUMN, INNER, ROW, ShapeError, Value, dims, index_letters, length
from .claim_reader import ALIASES, FAMILIES, PLAIN_NAME, Reader

__all__ = ["Claim", "claim_for", "claim_from_sympy", "ALIASES", "ShapeError",
           "check_summed_entries"]

@dataclass(frozen=True)
class Claim:
    """A formula, understood.

    Attributes:
        text: what was typed.
        expr: the index-notation expression in the target's indices.
        shape: ``"scalar"`` (index form), ``"column"``, ``"row"`` or ``"matrix"``, as
            written; the expression is entry-wise in any case.
        letters: the user's free index letters, in the target's order (for messages).
        conditions: what the claim needs to have a value, as written (its divisors,
            logarithms and roots, :mod:`derive.conditions`), in the target's indices:
            SymPy has cancelled ``x/x`` in ``expr`` already, not here.
    """

    text: str
    expr: sp.Expr
    shape: str
    letters: tuple[str, ...]
    conditions: tuple = ()


def claim_for(text: str, problem, lhs: tuple[str, ...] | None = None) -> Claim:
    """Read ``text`` as a formula for ``problem``'s derivative.

    ``lhs`` gives the index letters of a written left side (``∂ log S_j/∂z_i`` gives
    ``("j", "i")``: output, then input), which then name the target's indices.

    Raises:
        ParseError: unreadable text (column and what was expected).
        InputError: an unknown symbol (with the known ones), or indices that do not fit.
        ShapeError: a value of the wrong shape for the target.
    """
    reader = Reader(problem)
    value = reader.read(p.parse(text))
    return _in_target_indices(text, value, problem, lhs)


def claim_from_sympy(expr: sp.Basic, problem) -> Claim:
    """A SymPy expression in index notation as a claim for ``problem``.

    ``IndexedBase`` families are taken by name (``S``, ``p``, ``yhat``, ``y``, ``z``) and
    index symbols by letter, so expressions built with the user's own symbols work.

    >>> from derive.catalog import get_target
    >>> S, y = sp.IndexedBase("S"), sp.IndexedBase("y")
    >>> k = sp.Symbol("k")
    >>> claim_from_sympy(S[k] - y[k], get_target("softmax-cross-entropy-grad").problem(3)).expr
    S[j] - y[j]
    """
    if isinstance(expr, sp.MatrixBase) or not isinstance(expr, sp.Expr):
        raise InputError("a SymPy claim is a scalar expression in index notation, e.g. "
                         "S[i]*(KroneckerDelta(i, j) - S[j])")
    # Names first: a Symbol may be called anything, and a name that is not a plain
    # identifier would reach error messages, index arithmetic and generated code.
    for symbol in expr.free_symbols | expr.atoms(sp.IndexedBase):
        name = str(symbol.label if isinstance(symbol, sp.IndexedBase) else
                   symbol.base.label if isinstance(symbol, sp.Indexed) else symbol)
        if not PLAIN_NAME.fullmatch(name) or "__" in name:
            raise InputError(f"a SymPy claim's names are letters, digits and single "
                             f"underscores (such as S, y, k, eps); got {name[:40]!r}")
    _check_sympy_nodes(expr)
    known = {sp.exp, sp.log, sigmoid, sp.KroneckerDelta}
    unknown = [f for f in expr.atoms(sp.Function) if f.func not in known]
    if unknown:
        raise InputError(f"unknown function {unknown[0].func}; a SymPy claim may use exp, "
                         "log, sigmoid, KroneckerDelta, Sum, powers and arithmetic")
    # The definition's constants by name (T, eps): the user's Symbol("T") is the temperature.
    scalars = problem.constants
    classes = str(problem.classes)
    # Index letters (ASCII, lowercase, one letter; also inside subscripts), then families.
    letters = {s: sp.Symbol(s.name, integer=True, positive=True) for s in expr.free_symbols
               if isinstance(s, sp.Symbol) and not isinstance(s, sp.Indexed)
               and len(s.name) == 1 and s.name.isascii() and s.name.islower()
               and s.name not in scalars and s.name != classes}
    # The conditions of the tree as given (an unevaluated Mul keeps its divisor), renamed
    # with it: xreplace rebuilds, and would cancel x/x.
    packed = sp.Tuple(expr, *conditions_of(expr))
    renamed = packed.xreplace(letters).xreplace(
        {s: scalars[s.name] for s in expr.free_symbols
         if isinstance(s, sp.Symbol) and s.name in scalars})
    families = dict(FAMILIES)
    if "q" in problem.names:   # the smoothed labels
        families["q"] = q
    bases = {}
    for base in renamed.atoms(sp.IndexedBase):
        name = ALIASES.get(str(base.label), str(base.label))
        if name not in families:
            raise InputError(f"unknown family {base.label}; known: "
                             f"{', '.join(['S (also p, yhat)', *sorted(set(families) - {'S'})])}")
        bases[base] = families[name]
    renamed = renamed.xreplace(bases)
    if problem.sigmoid_of is not None:   # S (ŷ, p) is σ(z) for independent sigmoid outputs
        renamed = renamed.replace(lambda a: isinstance(a, sp.Indexed) and a.base == S,
                                  lambda a: 1 / (1 + sp.exp(-z[a.indices[0]])))
    renamed = renamed.xreplace({sp.Symbol(name): problem.classes
                                for name in {classes, "N"} if not isinstance(problem.classes, int)
                                or name == "N"})
    labels = {base.label for base in renamed.atoms(sp.IndexedBase)}
    for symbol in renamed.free_symbols - labels:
        if (isinstance(symbol, (sp.Indexed, sp.IndexedBase)) or symbol in scalars.values()
                or (symbol.is_integer and len(symbol.name) == 1)):   # an index letter, N
            continue
        raise InputError(f"unknown symbol {symbol}; known: the families S (p, yhat), y, z, "
                         f"index letters, N{', ' + ', '.join(scalars) if scalars else ''}")
    renamed, *conditions = renamed.args
    return _in_target_indices(sp.sstr(expr), Value(renamed, "scalar",
                                                    conditions=tuple(conditions)), problem)


def _in_target_indices(text: str, value: Value, problem, lhs=None) -> Claim:
    """Rename the placeholders or the user's letters to the target's indices, and check
    that what remains is a well-formed entry of the target.

    The conditions travel with the expression, as one tuple, through every renaming: a
    divisor's letters are the claim's letters (a letter only in a cancelled divisor is
    still a free index of what was written)."""
    from dataclasses import replace
    _check_defined(value.expr, value.conditions)
    packed = replace(value, expr=sp.Tuple(value.expr, *value.conditions), conditions=())
    claim = _renamed(text, packed, problem, lhs)
    _check_entry(claim, problem)
    expr, *conditions = claim.expr.args
    return replace(claim, expr=expr, conditions=tuple(conditions))


def _renamed(text: str, value: Value, problem, lhs) -> Claim:
    if len(problem.wrt_indices) == 2 or problem.convention is not None:
        return _renamed_layer(text, value, problem, lhs)
    if value.inner:
        raise ShapeError(f"{text!r} is a Kronecker product ({dims(value)}); the derivative "
                         "here is a vector or an N × N matrix")
    jacobian = problem.output_index is not None and problem.name.has(problem.output_index)
    targets = [problem.output_index, problem.wrt_index] if jacobian else [problem.wrt_index]
    expr = _bound_away_from(value.expr, {i, j, label, *problem.indices})
    letters = sorted(index_letters(expr) - problem.size_symbols
                     - {label if not jacobian and problem.output_index else None}, key=str)
    if value.shape == "scalar":
        names = [x.name for x in letters]
        if lhs is not None:   # the left side says which letter is the output, which the input
            wanted = [x for x in lhs if x]
            if sorted(wanted) != sorted(names):
                raise InputError(f"the left side has the index {', '.join(wanted) or 'none'} "
                                 f"but the right side {', '.join(names) or 'none'}")
            mapping = {sp.Symbol(a, integer=True, positive=True): t
                       for a, t in zip(wanted[-len(targets):], targets)}
            return Claim(text, _simultaneous(expr, mapping), "scalar", tuple(wanted))
        if jacobian:
            if set(names) != {"i", "j"}:
                raise ShapeError(f"a Jacobian entry has two free indices, i (the output, row) "
                                 f"and j (the input, column); {text!r} has "
                                 f"{', '.join(names) or 'none'}")
            return Claim(text, expr, "scalar", ("i", "j"))
        if not letters and problem.classes == 1:   # one output: σ(z_1) − y_1 is its entry
            return Claim(text, expr, "scalar", ())
        if len(letters) != 1:
            raise ShapeError(f"a gradient entry has one free index (any letter: S_j − y_j); "
                             f"{text!r} has {', '.join(names) or 'none'}")
        return Claim(text, _simultaneous(expr, {letters[0]: j}), "scalar", (letters[0].name,))
    if jacobian:
        if value.shape != "matrix":
            raise ShapeError(f"the target is a Jacobian (an N×N matrix) but {text!r} is a "
                             f"{value.shape} vector")
        row, column = problem.output_index, problem.wrt_index   # i, j; a definition's own
        return Claim(text, expr.xreplace({ROW: row, COLUMN: column}), "matrix",
                     (str(row), str(column)))
    if value.shape == "matrix":
        raise ShapeError(f"the target is a gradient (a vector of N entries) but {text!r} is "
                         "an N×N matrix")
    return Claim(text, expr.xreplace({ROW: j, COLUMN: j}), value.shape, ("j",))


def _renamed_layer(text: str, value: Value, problem, lhs) -> Claim:
    """A claim about a layer or a batch: the index form (∂S_t/∂W_ij, ∂L/∂W_ij, ∂L/∂Z_ij,
    ∂L/∂x_j), or a matrix / vector of the variable's shape.  Index letters are named by the
    left side when there is one, else by the extents they run over (in ``(S_a − y_a) x_b``
    a is a class and b an input); an index used where another extent belongs is a shape
    mistake, named as a transposition when swapping the variable's indices mends it."""
    expr = _bound_away_from(value.expr, set(problem.indices))
    wanted = [str(a) for a in problem.indices]
    if value.shape == "scalar":
        letters = sorted(index_letters(expr) - problem.size_symbols, key=str)
        names = [x.name for x in letters]
        if lhs is not None:
            given = list(lhs)
            if len(given) != len(wanted):
                raise InputError(f"the left side has the indices {', '.join(given)} but "
                                 f"{_derivative(problem)} has "
                                 f"{len(wanted)}")
            if sorted(given) != sorted(names):
                raise InputError(f"the left side has the indices {', '.join(given)} but the "
                                 f"right side {', '.join(names) or 'none'}")
            mapping = {sp.Symbol(a, integer=True, positive=True): target
                       for a, target in zip(given, problem.indices)}
        else:
            mapping = _letters_by_extent(expr, letters, problem, text)
        expr = _simultaneous(expr, mapping)
        _check_extents(expr, problem)
        return Claim(text, expr, "scalar", tuple(lhs or names))
    if problem.output_index is not None and len(problem.wrt_indices) == 1:
        # ∂S_t/∂b_j: an N × N Jacobian, rows = outputs (∂²L/∂b_i∂x_j: N × D).
        columns = problem.range_of(problem.wrt_index)
        if value.shape != "matrix" or (value.rows, value.cols) != ("N", columns) or value.inner:
            raise ShapeError(f"the target is an N × {columns} Jacobian but {text!r} is "
                             f"{dims(value)}")
        return Claim(text, expr.xreplace({ROW: problem.output_index, COLUMN: problem.wrt_index}),
                     "matrix", tuple(wanted))
    if problem.output_index is not None:
        # A Jacobian of a vector by a matrix: rows the outputs, columns W row by row, as
        # the Kronecker product A ⊗ xᵀ lays them out.
        name = getattr(problem.name, "base", problem.name)
        extents = (problem.shape(str(name))[0], *problem.shape(str(problem.wrt)))
        if value.shape == "matrix" and (value.rows, value.cols, value.inner) == extents:
            expr = expr.xreplace({ROW: problem.output_index, COLUMN: problem.wrt_indices[0],
                                  INNER: problem.wrt_indices[1]})
            _check_extents(expr, problem)
            return Claim(text, expr, "matrix", tuple(wanted))
        entry = f"∂{name}_{problem.output_index}/∂{problem.wrt}_" + \
            "".join(map(str, problem.wrt_indices))
        example = (", e.g. S_t (δ_ti − S_i) x_j, or the matrix (diag(S) − S Sᵀ) ⊗ xᵀ"
                   if str(name) == "S" else "")
        raise ShapeError(f"the Jacobian ∂{name}/∂{problem.wrt} is an {extents[0]} × "
                         f"{extents[1]}·{extents[2]} matrix (rows the outputs, columns "
                         f"{problem.wrt} row by row) but {text!r} is {dims(value)}: write its "
                         f"entry {entry}{example}")
    family = str(problem.wrt)
    extents = problem.shape(family)
    if value.inner:
        raise ShapeError(f"{text!r} is a Kronecker product ({dims(value)}); the gradient "
                         f"∂L/∂{family} has the shape of {family}")
    if len(extents) == 2:
        given = (value.rows, value.cols) if value.shape == "matrix" else None
        if given == extents:
            expr = expr.xreplace({ROW: problem.indices[0], COLUMN: problem.indices[1]})
            _check_extents(expr, problem)
            return Claim(text, expr, "matrix", tuple(wanted))
        if given == extents[::-1]:
            from ..verdicts.diagnoses import transposed_message
            raise ShapeError(transposed_message(problem))
        raise ShapeError(f"the gradient ∂L/∂{family} is an {extents[0]} × {extents[1]} matrix "
                         f"(the shape of {family}) but {text!r} is {dims(value)}")
    if value.shape == "matrix":
        raise ShapeError(f"the gradient ∂L/∂{family} is a vector of {extents[0]} entries but "
                         f"{text!r} is {dims(value)}")
    if length(value) != extents[0]:
        raise ShapeError(f"the gradient ∂L/∂{family} has {extents[0]} entries (the length of "
                         f"{family}) but {text!r} is {dims(value)}")
    expr = expr.xreplace({ROW: problem.indices[0], COLUMN: problem.indices[0]})
    _check_extents(expr, problem)
    return Claim(text, expr, value.shape, tuple(wanted))


_EXTENT_WORDS = {"N": "the classes", "D": "the inputs", "m": "the examples"}


def _positions(expr: sp.Expr, problem) -> dict[sp.Symbol, set[str]]:
    """For every index symbol, the extents of the family positions it stands in."""
    out: dict[sp.Symbol, set[str]] = {}
    for atom in expr.atoms(sp.Indexed):
        for index, extent in zip(atom.indices, problem.shape(str(atom.base))):
            if isinstance(index, sp.Symbol):
                out.setdefault(index, set()).add(extent)
    return out


def _letters_by_extent(expr: sp.Expr, letters, problem, text: str) -> dict:
    """The user's letters named as the target's: the target's own letters stay; otherwise
    each letter by the one extent it runs over, when that decides."""
    wanted = list(problem.indices)
    if {x.name for x in letters} == {str(a) for a in wanted}:
        return {}
    if len(letters) != len(wanted):
        raise InputError(f"an entry of {_derivative(problem)} has "
                         f"{len(wanted)} free indices ({', '.join(map(str, wanted))}); {text!r} "
                         f"has {', '.join(x.name for x in letters) or 'none'}")
    seen = _positions(expr, problem)
    if len({problem.range_of(a) for a in wanted}) == 1:
        # Every index over one extent (∂S_t/∂b_j): the letters in alphabetical order,
        # the output's first, as in S_i (δ_ij − S_j).
        return dict(zip(letters, wanted))
    mapping = {}
    for letter in letters:
        extents = seen.get(letter, set())
        targets = [a for a in wanted if problem.range_of(a) in extents]
        if len(extents) != 1 or len(targets) != 1:
            raise InputError(f"cannot tell which index of "
                             f"{_derivative(problem)} the letter "
                             f"{letter} is; write the entry with its letters "
                             f"{', '.join(map(str, wanted))}")
        mapping[letter] = targets[0]
    if len(set(mapping.values())) != len(mapping):
        raise InputError(f"two letters of {text!r} run over the same extent; write the entry "
                         f"with the letters {', '.join(map(str, wanted))}")
    return mapping


def _check_extents(expr: sp.Expr, problem) -> None:
    """Every free index must stand where its extent belongs: ``y_j`` with j an input is a
    shape mistake (named a transposition when swapping the variable's indices mends it)."""
    def wrong(e: sp.Expr) -> list[tuple]:
        return [(index, extents) for index, extents in _positions(e, problem).items()
                if index in problem.indices and extents != {problem.range_of(index)}]

    bad = wrong(expr)
    if not bad:
        return
    if problem.output_index is None and len(problem.wrt_indices) == 2:
        a, b = problem.wrt_indices
        if not wrong(_simultaneous(expr, {a: b, b: a})):
            from ..verdicts.diagnoses import transposed_message
            raise ShapeError(transposed_message(problem))
    index, extents = bad[0]
    hint = ""
    if problem.convention is not None:
        hint = "; " + convention_hint(problem)
    raise ShapeError(f"the index {index} runs over {_EXTENT_WORDS[problem.range_of(index)]} "
                     f"but stands where {' and '.join(_EXTENT_WORDS[e] for e in sorted(extents))} "
                     f"belong{hint}")


def _entry(e: sp.Expr) -> str:
    """``W_ij`` for ``W[i, j]``: an entry as people write it."""
    if isinstance(e, sp.Indexed):
        return f"{e.base}_{''.join(map(str, e.indices))}"
    return str(e)


def _derivative(problem) -> str:
    """``∂S_t/∂W_ij``, or ``∂²L/∂b_i∂x_j`` for a second derivative."""
    name, variable = problem.name, problem.variable
    if isinstance(name, sp.Derivative):
        return f"∂²{name.expr}/∂{_entry(name.variables[0])}∂{_entry(variable)}"
    return f"∂{_entry(name)}/∂{_entry(variable)}"


def _simultaneous(expr: sp.Expr, mapping: dict) -> sp.Expr:
    """Rename indices all at once (k → j and j → i must not chain)."""
    temporary = {a: sp.Dummy(a.name) for a in mapping}
    return expr.xreplace(temporary).xreplace({temporary[a]: b for a, b in mapping.items()})


def _bound_away_from(expr: sp.Expr, names: set) -> sp.Expr:
    """Rename summation indices that are also target indices (Σ_j y_j in a claim about
    S_k) or free letters of the claim (``S_k Σ_k y_k − y_k``), so that renaming the free
    letters cannot capture them and what is printed never sums over a free letter."""
    avoid = set(names) | index_letters(expr)
    used = {x.name for x in expr.atoms(sp.Symbol)} | {x.name for x in avoid}

    def rename(s: sp.Sum) -> sp.Expr:
        limits = []
        body = s.function
        for bound, low, high in s.limits:
            if bound in avoid:
                letter = next(c for c in "klmnqrstuvwabcdfgh" if c not in used)
                used.add(letter)
                fresh = sp.Symbol(letter, integer=True, positive=True)
                body = body.xreplace({bound: fresh})
                bound = fresh
            limits.append((bound, low, high))
        return sp.Sum(body, *limits)

    return expr.replace(lambda e: isinstance(e, sp.Sum), rename)


_SYMPY_NODES = (sp.Add, sp.Mul, sp.Pow, sp.Symbol, sp.Indexed, sp.IndexedBase, sp.Rational,
                sp.exp, sp.log, sigmoid, sp.KroneckerDelta, sp.Sum, sp.Tuple, AppliedUndef,
                type(sp.E), type(sp.pi), type(sp.I), type(sp.zoo), type(sp.nan),
                type(sp.oo), type(-sp.oo))


def _check_sympy_nodes(expr: sp.Basic) -> None:
    """Only the nodes of the notation: arithmetic, integer powers and rationals of at most
    30 digits, exp, log, σ, δ, sums; entries indexed by letters or integers.  Anything
    else (Min, Derivative, Integral, a Float) is refused before it reaches code that was
    not written for it.  (Unknown functions, I and 1/0 get their own messages later.)"""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Float) or not isinstance(node, _SYMPY_NODES):
            raise InputError(f"a SymPy claim may use + − × /, powers, rationals, exp, log, "
                             f"sigmoid, KroneckerDelta and Sum; got {type(node).__name__}")
        if isinstance(node, sp.Rational) and max(abs(node.p), node.q) > 10**30:
            raise InputError("a number in the SymPy claim has more than 30 digits")
        if isinstance(node, sp.Indexed) and not all(
                a.is_Integer or (isinstance(a, sp.Symbol) and len(a.name) == 1)
                for a in node.indices):
            raise InputError(f"the entry {sp.sstr(node)[:40]} is indexed by something other "
                             "than an index letter or an integer")


def _check_defined(expr: sp.Expr, conditions=()) -> None:
    """Before any shape question: ``1/0`` is undefined whatever the target."""
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        what = ("the logarithm of 0" if positive(sp.Integer(0)) in conditions else
                "a division by zero" if nonzero(sp.Integer(0)) in conditions else
                "a division by zero, or the logarithm of 0")
        raise UndefinedClaim(f"the claim is undefined for every input: {what} (an operand "
                             "that is 0 as written)")
    if expr.has(sp.I):
        raise InputError("the claim is not real (it contains the imaginary unit)")


_EXTENTS = {"N": "the classes", "D": "the inputs", "m": "the examples"}


def _check_entry(claim: Claim, problem) -> None:
    """No stray index letter, no entry outside 1..N, nothing undefined or complex."""
    stray = index_letters(claim.expr) - set(problem.indices) - problem.size_symbols
    if stray:
        raise InputError(f"the index {', '.join(sorted(x.name for x in stray))} is not free "
                         f"in this target (its indices: "
                         f"{', '.join(str(x) for x in problem.indices)})")
    for atom in claim.expr.atoms(sp.Indexed):
        extents = problem.shape(str(atom.base))
        for index, extent in zip(atom.indices, extents):
            size = problem.extent(extent)
            if index.is_Integer and (index < 1 or (isinstance(size, int) and index > size)):
                what = _EXTENTS[extent]
                raise InputError(f"{atom.base}_{''.join(map(str, atom.indices))} is not an "
                                 f"entry: {what} are 1..{size}")
    check_summed_entries((claim.expr, *claim.conditions), problem)


def check_summed_entries(expressions, problem, every_size: bool = False) -> None:
    """A letter a sum binds must not run past the entries it indexes: ``Σ_k S_kj`` for a
    batch sums k over the classes 1..N, but k is the row (an example), 1..m — at N > m
    it names rows that do not exist.  With ``every_size`` (a claim decided for every N
    and m), a range that may run past (``N`` against ``m``) is refused as well."""
    sizes = {x for x in (problem.classes, *(v for _, v in problem.sizes))
             if isinstance(x, sp.Symbol)}
    for expr in expressions:
        for total in expr.atoms(sp.Sum):
            for bound, low, high in total.limits:
                for atom in total.function.atoms(sp.Indexed):
                    for index, extent in zip(atom.indices, problem.shape(str(atom.base))):
                        if index != bound:
                            continue
                        size = problem.extent(extent)
                        past = sp.sympify(high) - size
                        if past.is_positive or (every_size and past.free_symbols
                                                and past.free_symbols <= sizes
                                                and not past.is_nonpositive):
                            raise InputError(
                                f"the sum over {bound} runs over {low}..{high}, but {bound} "
                                f"indexes {_EXTENTS[extent]} of {atom.base} (1..{size}): "
                                f"{atom.base} has no entry there for every size")
