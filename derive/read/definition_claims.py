"""Formulas in a definition's names: the hypotheses it may use (``--assume``) and claims
about its derivative (``derive check CLAIM --of …``), read by the definition's reader.

>>> from derive.read.definition import read_definition
>>> d = read_definition("L = -Σ_k w_k y_k log(softmax(z)_k)")
>>> read_claim("softmax(z)_j Σ_k w_k y_k - w_j y_j", d).expr
S[j]*Sum(w[k]*y[k], (k, 1, N)) - w[j]*y[j]
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy as sp

from . import parse as p
from ..errors import InputError
from .definition import Definition, free_indices, Reader, read_definition  # noqa: F401 (examples)

__all__ = ["ClaimRead", "read_assumption", "read_claim"]


def read_assumption(text: str, definition: Definition):
    """A hypothesis ``QUANTITY = VALUE`` on the inputs of ``definition`` (``--assume
    "Σ_k y_k = 1"``), as an :class:`~derive.assumptions.Assumption` that the result may use
    and every output states.

    Raises:
        ParseError, InputError: unreadable, or a name the definition does not have.

    >>> d = read_definition("L = -Σ_k y_k log(softmax(z)_k)")
    >>> read_assumption("Σ_k y_k = 1", d).quantity
    Sum(y[k], (k, 1, N))
    """
    from ..assumptions import Assumption
    if not isinstance(text, str) or len(text) > 200:
        raise InputError("an assumption is a short equation such as \"Σ_k y_k = 1\"")
    tokens = p._tokens(text)
    equals = [at for at, t in enumerate(tokens) if t.kind == "op" and t.text == "="]
    if len(equals) != 1 or equals[0] == 0 or tokens[equals[0] + 1].kind == "end":
        raise InputError(f"cannot read the assumption {text!r}: write one equation, "
                         "e.g. \"Σ_k y_k = 1\"")
    at = equals[0]
    left = p._Parser(text, tokens[:at] + [p._Token("end", "", tokens[at].pos)]).parse()
    right = p._Parser(text, tokens[at + 1:]).parse()
    reader = Reader(text, p.Name("_", ()), left, right)
    quantity, value = reader.read(left), reader.read(right)
    known = dict(definition.families)
    for name, extents in reader.families.items():
        if name not in known:
            raise InputError(f"the assumption {text!r} names {name}, which is not an input "
                             f"of the definition (its inputs: {', '.join(sorted(known))})")
    free = free_indices(quantity) | free_indices(value)
    if len(free) > 1:
        raise InputError(f"the assumption {text!r} has the free indices "
                         f"{', '.join(sorted(map(str, free)))}; it holds for every value of "
                         "one at most, as Σ_k Y_nk = 1 for every n")
    index = next(iter(free), None)
    latex = f"{sp.latex(quantity)} = {sp.latex(value)}"
    written = " ".join(text.split())
    if index is not None:
        written += f" for every {index}"
        latex += rf" \text{{ for every }} {index}"
    return Assumption(name="assumed", quantity=quantity, value=value, text=written,
                      latex=latex, index=index)



@dataclass(frozen=True)
class ClaimRead:
    """A claim read in a definition's names: the expression, and what it divides by and
    takes logs or roots of as written (where it is defined)."""

    text: str
    expr: sp.Expr
    divisors: tuple[sp.Expr, ...]
    logs: tuple[sp.Expr, ...]


def read_claim(text: str, definition: Definition, problem=None) -> ClaimRead:
    """A formula for the derivative of ``definition``, in the same notation: the inputs,
    the intermediate families (``S``, or ``softmax(z)_k`` written out), constants; or,
    given the derivative's ``problem``, in vector and matrix notation (``(S − y) xᵀ``,
    ``diag(S) − S Sᵀ``), read by the claim reader of the catalogue
    (:mod:`derive.read.claims`) in the problem's indices.

    Raises:
        ParseError, InputError: unreadable, or a name the definition does not have.

    >>> d = read_definition("L = -Σ_k y_k log(softmax(z)_k)")
    >>> read_claim("softmax(z)_j - y_j", d).expr
    S[j] - y[j]
    """
    tree = _aliased(p.parse(text), definition)
    if problem is not None and _vector_notation(tree, definition):
        return _read_vectors(text, problem)
    reader = Reader(text, p.Name("_", ()), tree)
    reader.letters |= {str(x.family) for x in definition.defined} | {
        name for name, _ in definition.families}
    if problem is not None:   # the derivative's own letters run over its extents: W_ij, j ≤ D
        reader.extents.update(zip(problem.wrt_indices, definition.shape(str(problem.wrt))))
    scalar = definition.name if isinstance(definition.name, sp.Symbol) else None
    if scalar is not None:   # −S_j (log S_j + H): the quantity itself, by its name
        reader.scalars[str(scalar)] = scalar
    reader.auxiliary = {str(x.family) for x in definition.defined
                        if x.kind in ("argument", "output")}
    expr = reader.recognise_written_softmax(reader.read(tree))
    if expr.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        raise InputError(f"the claim {text!r} is undefined as written (a division by zero)")
    if scalar is not None:
        expr = expr.xreplace({scalar: definition.body})
    # The claim's own softmax families are the definition's (the same argument).
    renamed = {}
    for item in reader.defined:
        match = next((x for x in definition.defined if x.kind == item.kind and (
            x.argument == renamed.get(item.argument, item.argument) if item.kind == "softmax"
            else x.entry(item.index) == item.body.xreplace(renamed))), None)
        if match is None:
            raise InputError(f"the claim {text!r} takes a softmax that the definition does not")
        renamed[item.family] = match.family
    expr = expr.xreplace(renamed)
    known = dict(definition.families)
    named = {str(x.family): x for x in definition.defined}
    for name, extents in reader.families.items():
        if name not in known and name not in named:
            raise InputError(f"cannot read the claim {text!r}: unknown symbol {name}; known: "
                             + ", ".join(sorted({*known, *named})))
        if name in known and tuple(extents) != known[name] and len(extents) != len(known[name]):
            raise InputError(f"{name} has {len(known[name])} indices in the definition and "
                             f"{len(extents)} in the claim")
    _check_sum_ranges(expr, definition, text)
    for constant in reader.constants:
        if constant not in definition.constants:
            raise InputError(f"cannot read the claim {text!r}: unknown constant {constant}; "
                             "the definition's: " + (", ".join(map(str, definition.constants))
                                                     or "none"))
    return ClaimRead(text, expr, tuple(d.xreplace(renamed) for d in reader.divisors),
                     tuple(a.xreplace(renamed) for a in reader.logs))


def _check_sum_ranges(expr: sp.Expr, definition: Definition, text: str) -> None:
    """Every sum of the claim runs over the extent of what it indexes: ``Σ_r W_ir x_r``
    with x over the inputs is read as a sum over the classes (a sum without limits runs
    over 1..N), which is refused as the definition reader refuses it, never compared.

    Raises:
        InputError: naming the family, the two extents and what to write.
    """
    from .definition import EXTENTS
    shapes = dict(definition.families)
    shapes.update({str(x.family): (*x.row_extents, x.extent) for x in definition.defined})
    names = {size: name for name, size in EXTENTS.items()}
    for total in expr.atoms(sp.Sum):
        for bound, low, high in total.limits:
            runs = names.get(high)
            if low != 1 or runs is None:
                continue
            for entry in total.function.atoms(sp.Indexed):
                extents = shapes.get(str(entry.base), ())
                for position, index in enumerate(entry.indices):
                    if index == bound and position < len(extents) and extents[position] != runs:
                        raise InputError(
                            f"in the claim {text!r}, Σ_{bound} runs over 1..{runs} but "
                            f"{entry.base} is over 1..{extents[position]} at that index (a "
                            f"sum without limits runs over the classes 1..N); write "
                            f"Σ_{{{bound}=1}}^{{{extents[position]}}}")


def _aliased(tree, definition: Definition):
    """``p_j``, ``ŷ_j`` (``yhat``): the definition's softmax output, as for a target, when
    it takes one softmax and has no family of that name."""
    softmaxes = [x for x in definition.defined if x.kind == "softmax"]
    names = {name for name, _ in definition.families} | {str(x.family) for x in definition.defined}
    if len(softmaxes) != 1:
        return tree
    target = str(softmaxes[0].family)
    aliases = {a for a in ("p", "yhat", "y_hat") if a not in names}

    def walk(node):
        if isinstance(node, p.Name):
            return replace(node, name=target) if node.name in aliases else node
        if isinstance(node, p.Call):
            return replace(node, args=tuple(walk(a) for a in node.args))
        if isinstance(node, p.Tuple):
            return replace(node, items=tuple(walk(a) for a in node.items))
        changes = {f: walk(getattr(node, f)) for f in _CHILDREN if hasattr(node, f)}
        return replace(node, **changes) if changes else node

    return walk(tree)


# The fields of a syntax tree's nodes that hold other nodes (besides a call's arguments).
_CHILDREN = ("left", "right", "operand", "base", "exponent", "then", "test", "other")
# Functions that take or give whole vectors and matrices in the claim notation.
_MATRIX_FUNCTIONS = frozenset({"diag", "outer", "dot", "matmul"})


def _vector_notation(tree, definition: Definition) -> bool:
    """Whether a claim's tree names a whole family (``S``, ``W``) or uses a matrix
    operation (``ᵀ``, ``@``, ``diag``): vector notation, not index notation."""
    families = {name for name, _ in definition.families} | {
        str(x.family) for x in definition.defined if not x.own}
    if "S" in families:
        families |= {"p", "yhat", "y_hat"}   # the softmax output's other names

    def walk(node) -> bool:
        if isinstance(node, p.Entry):   # softmax(z)_k, (W x + b)_k: an entry, index notation
            return False
        if isinstance(node, p.Name):
            return not node.sub and node.name in families
        if isinstance(node, (p.Transpose, p.MatMul, p.Hadamard, p.Kron)):
            return True
        if isinstance(node, p.Call) and node.func in _MATRIX_FUNCTIONS:
            return True
        return any(walk(child) for child in _children(node))

    return walk(tree)


def _children(node) -> tuple:
    if isinstance(node, p.Call):
        return tuple(node.args)
    if isinstance(node, p.Tuple):
        return tuple(node.items)
    return tuple(getattr(node, name) for name in _CHILDREN if hasattr(node, name))


def _read_vectors(text: str, problem) -> ClaimRead:
    """A claim in vector or matrix notation, read against ``problem`` (whose definition
    says what S, z, W … are) into the problem's index notation, with where it is defined."""
    from ..conditions import Nonnegative, Nonzero, Positive, PowerBase
    from .claim_reader import Reader as ShapeReader
    from .claims import _in_target_indices
    value = ShapeReader(problem).read(p.parse(text))
    _check_shape(text, value, problem)
    claim = _in_target_indices(text, value, problem)
    divisors = tuple(c.args[0] for c in claim.conditions if isinstance(c, Nonzero))
    logs = tuple(c.args[0] for c in claim.conditions
                 if isinstance(c, (Positive, Nonnegative, PowerBase)))
    return ClaimRead(text, claim.expr, divisors, logs)


def _check_shape(text: str, value, problem) -> None:
    """A vector or matrix claim must have the derivative's shape, extents included: the
    gradient in x (D entries) is not a vector of N (``exp(y − y)`` would pass the index
    comparison, being 1 everywhere)."""
    from .shapes import ShapeError
    extents = tuple(problem.range_of(i) for i in problem.wrt_indices)
    if problem.output_index is not None:
        extents = (problem.range_of(problem.output_index), *extents)
    if value.shape == "scalar" or len(extents) > 2:
        return   # a number, an index form, or a layer's Jacobian: read by the indices
    got = (value.rows,) if value.shape in ("column", "row") else (value.rows, value.cols)
    if got != extents and got != extents[::-1]:   # a transpose: named as such below
        def words(shape):
            if len(shape) == 1:
                return f"a vector of {shape[0]}"
            return f"{'an' if shape[0] in ('N', 'm') else 'a'} {shape[0]} × {shape[1]} matrix"
        name = problem.name
        if isinstance(name, sp.Derivative):   # a second derivative: ∂²L/∂z_i∂z
            (first,) = name.variables
            derivative = (f"∂²{name.expr}/∂{first.base}_{''.join(map(str, first.indices))}"
                          f"∂{problem.wrt}")
        else:
            shown = (f"{name.base}_{''.join(map(str, name.indices))}"
                     if isinstance(name, sp.Indexed) else str(name))
            derivative = f"∂{shown}/∂{problem.wrt}"
        raise ShapeError(f"the derivative {derivative} is "
                         f"{words(extents)} but {text!r} is {words(got)}")
