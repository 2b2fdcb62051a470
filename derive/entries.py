"""The entries of an index form at a concrete N, built when they are read.

At N = 512 a Jacobian has 262,144 entries; building each as a SymPy expression takes
about a quarter of a millisecond, a minute for all of them — while the text shows a dozen
(its corners) and the checks read the index form itself.  :class:`Entries` is the matrix
of a derivation at a concrete N that builds an entry the first time it is read, and
behaves, for its readers, as the SymPy matrix would: ``shape``, ``[row, column]``,
``tolist()``, iteration, ``T`` and ``reshape`` (views that build nothing).

>>> from derive.catalog import get_target
>>> from derive.functions import S, i, j
>>> problem = get_target("softmax-jacobian").problem(512)
>>> jacobian = Entries(S[i] * (sp.KroneckerDelta(i, j) - S[j]), problem)
>>> jacobian.shape, jacobian[0, 0], jacobian[511, 0], jacobian.built
((512, 512), S_1*(1 - S_1), -S_1*S_512, 2)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import sympy as sp

from .functions import entry_name, expand_sums

__all__ = ["Entries", "entry_matrix"]


def entry_matrix(form: sp.Expr, problem, eager_work: int, tidy=None):
    """Every entry of an index form at the problem's concrete sizes: a SymPy matrix when
    building them all is at most ``eager_work`` (tidied by ``tidy`` up to 16 rows and
    columns), else :class:`Entries`, which builds an entry when it is read."""
    rows, columns = len(problem.output_keys()), len(problem.keys(problem.wrt_indices))
    entries = Entries(form, problem, tidy if rows <= 16 and columns <= 16 else None)
    # The work of building them all: the entries times the size of one (a written-out
    # sum of N terms in every entry of a gradient at N = 512 is a quarter-million nodes).
    work = rows * columns * (1 + len(entries.written.atoms(sp.Indexed)))
    return entries.as_matrix() if work <= eager_work else entries


class Entries:
    """The matrix of an index form at a concrete N (rows = outputs, one row for a scalar;
    columns = the variable's entries, row by row), each entry built when first read."""

    def __init__(self, form: sp.Expr, problem, tidy=None):
        self.problem = problem
        self.written = expand_sums(form) if form.has(sp.Sum) else form
        self._rows = problem.output_keys()
        self._columns = problem.keys(problem.wrt_indices)
        self._tidy = tidy
        self._names = _entry_names(self.written, problem)
        self._cache: dict[tuple[int, int], sp.Expr] = {}
        self._view = (len(self._rows), len(self._columns), _Same())

    # --- the matrix interface its readers use ---------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        return self._view[0], self._view[1]

    @property
    def rows(self) -> int:
        return self._view[0]

    @property
    def cols(self) -> int:
        return self._view[1]

    @property
    def built(self) -> int:
        """How many entries were built so far."""
        return len(self._cache)

    def __len__(self) -> int:
        return self.rows * self.cols

    def __getitem__(self, key):
        if isinstance(key, tuple):
            r, c = key
            if isinstance(r, slice) or isinstance(c, slice):
                return sp.ImmutableMatrix([[self[a, b] for b in range(self.cols)[c]]
                                           for a in range(self.rows)[r]])
            r, c = r % self.rows, c % self.cols
            return self._entry(*self._view[2](r, c))
        index = key % len(self)
        return self[divmod(index, self.cols)]

    def __iter__(self):
        for r in range(self.rows):
            for c in range(self.cols):
                yield self[r, c]

    def row(self, r: int) -> list[sp.Expr]:
        """The entries of row ``r`` (a list; SymPy's ``row`` is a 1 × n matrix)."""
        return [self[r, c] for c in range(self.cols)]

    def col(self, c: int) -> list[sp.Expr]:
        """The entries of column ``c``."""
        return [self[r, c] for r in range(self.rows)]

    def tolist(self) -> list[list[sp.Expr]]:
        return [[self[r, c] for c in range(self.cols)] for r in range(self.rows)]

    def as_matrix(self) -> sp.ImmutableMatrix:
        """Every entry, built: a SymPy matrix."""
        return sp.ImmutableMatrix(self.tolist())

    @property
    def T(self) -> Entries:
        rows, cols, where = self._view
        return self._viewed(cols, rows, _Transposed(where))

    def reshape(self, rows: int, cols: int) -> Entries:
        """The entries in row-major order, in another shape (as SymPy's reshape)."""
        if rows * cols != len(self):
            raise ValueError(f"cannot reshape {self.shape} to {(rows, cols)}")
        return self._viewed(rows, cols, _Reshaped(self._view[2], cols, self.cols))

    def _viewed(self, rows: int, cols: int, where) -> Entries:
        view = object.__new__(Entries)
        view.__dict__.update(self.__dict__)
        view._view = (rows, cols, where)
        return view   # shares the cache: an entry is built once for every view

    def __eq__(self, other) -> bool:
        if isinstance(other, (Entries, sp.MatrixBase)):
            return self.shape == other.shape and all(
                sp.sympify(a) == sp.sympify(b) for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return f"Entries({self.rows} × {self.cols}, {self.built} built)"

    # --- building ---------------------------------------------------------------------
    def _entry(self, r: int, c: int) -> sp.Expr:
        found = self._cache.get((r, c))
        if found is None:
            key = map(sp.Integer, self._rows[r] + self._columns[c])
            found = self.written.xreplace(dict(zip(self.problem.indices, key)))
            found = found.xreplace(self._names)
            if self._tidy is not None:
                found = self._tidy(found)
            self._cache[(r, c)] = found
        return found


# Where an entry of a view is in the matrix built: small classes rather than lambdas, so
# that a derivation pickles (it comes back from the bounded worker of the command line).
@dataclass(frozen=True)
class _Same:
    def __call__(self, r: int, c: int) -> tuple[int, int]:
        return r, c


@dataclass(frozen=True)
class _Transposed:
    inner: object

    def __call__(self, r: int, c: int) -> tuple[int, int]:
        return self.inner(c, r)


@dataclass(frozen=True)
class _Reshaped:
    inner: object
    cols: int
    old_cols: int

    def __call__(self, r: int, c: int) -> tuple[int, int]:
        return self.inner(*divmod(r * self.cols + c, self.old_cols))


def _entry_names(written: sp.Expr, problem) -> dict:
    """``S[3] → S_3`` for every entry the index letters of ``written`` can stand for."""
    names: dict = {}
    for atom in written.atoms(sp.Indexed):
        family = str(atom.base)
        ranges = [range(int(a), int(a) + 1) if a.is_Integer else
                  range(1, int(problem.extent(extent)) + 1)
                  for a, extent in zip(atom.indices, problem.shape(family))]
        for key in itertools.product(*ranges):
            names[atom.base[key]] = sp.Symbol(entry_name(family, key))
    return names
