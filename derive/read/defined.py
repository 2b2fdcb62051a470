"""A definition as data: the quantity and its body in index notation, its input families
and constants, and its intermediate families (a softmax ``S``, the argument ``u`` of a
softmax, the output ``h`` itself), each with the definition of one entry.

:mod:`derive.read.definition` builds it from text; the strategy differentiates it, the
checks write it out (:meth:`Definition.written_out`) and evaluate it.

>>> from derive.read.definition import read_definition
>>> d = read_definition("S_i = softmax(z/T)_i")
>>> [(x.family, x.kind) for x in d.defined], d.shape("z")
([(u, 'argument'), (S, 'softmax')], ('N',))
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from ..sizes import BATCH, INPUTS

__all__ = ["Definition", "Defined", "CLASSES", "EXTENTS", "size_values", "free_indices"]

CLASSES = sp.Symbol("N", integer=True, positive=True)
# The extents an index runs over, by name: the classes N, the inputs D, the examples m.
EXTENTS = {"N": CLASSES, "D": INPUTS, "m": BATCH}


def size_values(sizes) -> dict:
    """``{N: 3, D: 2, m: 2}`` for the sizes ``{"N": 3, "D": 2, "m": 2}`` (D and m 1 when
    not given)."""
    return {CLASSES: sizes["N"], INPUTS: sizes.get("D", 1), BATCH: sizes.get("m", 1)}


@dataclass(frozen=True)
class Defined:
    """An intermediate family of a definition, with the definition of one entry.

    Attributes:
        family: the family, e.g. ``S`` or ``u``.
        index: the index of ``body``: the entry ``family[index]`` is ``body``.
        body: that entry in the inputs and earlier intermediates.
        rows, row_extents: for a softmax of each row of a matrix (``softmax(Z_n)_k``), the
            leading indices of ``family`` and their extents; ``index`` is the last one.
        kind: ``"softmax"`` (``S = softmax(argument)``), ``"argument"`` (the vector a
            softmax is taken of, when it is an expression, or a family defined after a
            ``;``: ``z_k = Σ_r W_kr x_r + b_k``) or ``"output"`` (the quantity itself,
            ``h_i``, whose definition the result is written through).
        argument: for a softmax, the family of its argument (``z`` or ``u``).
        extent: the extent of the index, ``"N"`` or ``"D"``.
        own: the reader's own name for an argument the definition did not name (``u`` of
            ``softmax(z/T)``): printed inline, never a name a claim may use.
    """

    family: sp.IndexedBase
    index: sp.Symbol
    body: sp.Expr
    kind: str
    argument: sp.IndexedBase | None = None
    extent: str = "N"
    rows: tuple[sp.Symbol, ...] = ()   # leading indices: S_nk, the softmax of row n of Z
    row_extents: tuple[str, ...] = ()
    own: bool = False

    def entry(self, *indices: sp.Expr) -> sp.Expr:
        """The definition of ``family[indices]``: the body at those indices (a summation
        index of the body that the new index names is renamed first: ``u_r`` of
        ``u_m = Σ_r k_mr q_r`` is ``Σ_s k_rs q_s``, not ``Σ_r k_rr q_r``)."""
        body = self.body
        named = set().union(*(sp.sympify(i).free_symbols for i in indices))
        clash = {b for s in body.atoms(sp.Sum) for b, *_ in s.limits} & named
        if clash:
            body = body.xreplace({b: sp.Dummy(b.name, integer=True, positive=True)
                                  for b in clash})
        *rows, index = indices
        return body.xreplace({**dict(zip(self.rows, rows)), self.index: index})


@dataclass(frozen=True)
class Definition:
    """A function the user defined, understood.

    Attributes:
        text: the definition as written.
        name: the left side: a symbol ``L``, or an entry ``a[i]``.
        outputs: the output indices (the left side's subscript).
        body: the right side, with intermediate families (``S[k]``) standing for the
            named functions.
        families: the input families with the extents of their positions, e.g.
            ``(("k", ("N", "D")), ("q", ("D",)))``.
        defined: the intermediate families, each after the ones it uses.
        constants: the scalar constants (positive symbols).
        extents: the extent of each index letter used, free or bound.
    """

    text: str
    name: sp.Expr
    outputs: tuple[sp.Symbol, ...]
    body: sp.Expr
    families: tuple[tuple[str, tuple[str, ...]], ...]
    defined: tuple[Defined, ...] = ()
    constants: tuple[sp.Symbol, ...] = ()
    extents: tuple[tuple[sp.Symbol, str], ...] = field(default=(), compare=False)

    def family(self, name: str) -> sp.IndexedBase | None:
        """The input or intermediate family called ``name``, or ``None``."""
        if name in dict(self.families):
            return sp.IndexedBase(name)
        return next((x.family for x in self.defined if str(x.family) == name), None)

    def shape(self, name: str) -> tuple[str, ...]:
        """The extents of an input family's positions: ``("N",)``, ``("N", "D")``."""
        return dict(self.families)[name]

    def variable(self, wrt: str) -> sp.Indexed:
        """The entry of the input ``wrt`` differentiated against: ``z[j]``, ``W[j, p]``,
        with index letters that the definition does not use.

        >>> from derive.read.definition import read_definition
        >>> read_definition("L = Σ_k Σ_r W_kr^2").variable("W")
        W[i, j]

        Raises:
            InputError: ``wrt`` is not an input of the definition.
        """
        from ..errors import InputError
        if not isinstance(wrt, str) or not wrt.isidentifier() or len(wrt) > 16:
            raise InputError(f"--wrt takes the name of a family, such as z; got {wrt!r}")
        inputs = dict(self.families)
        if wrt in {str(c) for c in self.constants}:
            raise InputError(f"cannot differentiate with respect to {wrt}: it is a scalar "
                             "constant of the definition, not a family; its inputs are "
                             + ", ".join(sorted(inputs)))
        if wrt not in inputs:
            named = self.intermediate(sp.IndexedBase(wrt)) is not None
            why = (f"{wrt} is defined inside the definition (an intermediate), not an input"
                   if named else f"{wrt} does not occur in {self.text!r}")
            raise InputError(f"cannot differentiate with respect to {wrt}: {why}; its inputs "
                             "are " + ", ".join(sorted(inputs)))
        used = {str(s) for s in self._symbols()}
        rank = len(inputs[wrt])
        # As the textbooks write them: ∂L/∂z_j, ∂L/∂W_ij (letters the definition leaves free).
        preferred = "jpqstuvabcdefgh" if rank == 1 else "ijpqstuvabcdefgh"
        letters = [c for c in preferred if c not in used and c not in inputs]
        indices = tuple(sp.Symbol(c, integer=True, positive=True) for c in letters[:rank])
        return sp.IndexedBase(wrt)[indices]

    def _symbols(self) -> set:
        """Every symbol the definition uses: indices, bound letters, constants."""
        out = set(self.outputs)
        for e in (self.body, *(x.body for x in self.defined)):
            out |= e.free_symbols | {b for s in e.atoms(sp.Sum) for b, *_ in s.limits}
            out |= {s for a in e.atoms(sp.Indexed) for s in a.indices}
        return out

    def intermediate(self, family: sp.IndexedBase) -> Defined | None:
        return next((x for x in self.defined if x.family == family), None)

    def written_out(self, expr: sp.Expr, kinds=None, families=None) -> sp.Expr:
        """``expr`` with every intermediate (of ``kinds`` and among ``families``, or any)
        replaced by its definition, until only inputs and constants remain."""
        items = {x.family: x for x in self.defined if (kinds is None or x.kind in kinds)
                 and (families is None or x.family in families)}
        if isinstance(self.name, sp.Symbol) and expr.has(self.name):   # H in −S_j(log S_j + H)
            expr = expr.xreplace({self.name: self.body})
        done: dict = {}

        def entry(a: sp.Indexed) -> sp.Expr:
            if a not in done:
                done[a] = write(items[a.base].entry(*a.indices))
            return done[a]

        def write(e: sp.Expr) -> sp.Expr:
            found = {a for a in e.atoms(sp.Indexed) if a.base in items}
            return e.xreplace({a: entry(a) for a in found}) if found else e

        return write(expr)

    def vector_form(self, item: Defined) -> sp.Expr | None:
        """``item``'s definition as one for the whole vector, when it is elementwise:
        ``(1 − ε) y + ε/N`` for ``q_k = (1 − ε) y_k + ε/N``, ``z/T`` for ``u_m = z_m/T``;
        ``None`` for anything with a sum, a δ or another index."""
        entries = item.body.atoms(sp.Indexed)
        if item.rows or item.body.has(sp.Sum, sp.KroneckerDelta) or any(
                a.indices != (item.index,) for a in entries):
            return None
        return item.body.xreplace({a: sp.Symbol(str(a.base)) for a in entries})

    @property
    def output(self) -> Defined | None:
        """The quantity itself as a family, ``h_i = tanh(…)``: results are written
        through it (``1 − h_i²``)."""
        return next((x for x in self.defined if x.kind == "output"), None)


def free_indices(expr: sp.Expr) -> set[sp.Symbol]:
    """The index symbols of ``expr`` that no sum binds."""
    free = set()
    for atom in expr.atoms(sp.Indexed, sp.KroneckerDelta):
        args = atom.indices if isinstance(atom, sp.Indexed) else atom.args
        for a in args:
            free |= {s for s in sp.sympify(a).free_symbols if s.is_integer}
    bound = {b for s in expr.atoms(sp.Sum) for b, *_ in s.limits}
    return {s for s in free if s not in bound or _free_somewhere(expr, s)}


def _free_somewhere(expr: sp.Expr, index: sp.Symbol) -> bool:
    """Whether ``index`` occurs outside every sum that binds it."""
    if isinstance(expr, sp.Sum):
        if any(b == index for b, *_ in expr.limits):
            return False
        return _free_somewhere(expr.function, index)
    if isinstance(expr, (sp.Indexed, sp.KroneckerDelta)):
        return index in expr.free_symbols
    return any(_free_somewhere(a, index) for a in expr.args)
