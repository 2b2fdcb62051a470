"""Deciding whether a difference is zero: the zero test of the exact evaluator.

A difference of two index-notation expressions at a concrete N is a Laurent polynomial in
the evaluator's atoms (:mod:`derive.check.evaluator`).  It is zero as a polynomial in the
atoms, or once the sums kept as atoms are written out, or only under an assumption such as
Σ_k y_k = 1 (the last label written as one minus the others) — or it differs.  A nonzero
difference is usually shown so by its value modulo a large prime at a random point,
without writing out sums whose powers have N^k terms; and it is a nonzero *function* when
the atoms are algebraically independent (:meth:`Decision.independent`).

:class:`Decision` holds these procedures; :class:`~derive.check.evaluator.Evaluator`
inherits them, with the atoms they read (``kinds``, ``definitions``, ``logs``,
``leaves``).

>>> import sympy as sp
>>> from derive.check.evaluator import Evaluator
>>> e1, e2 = sp.symbols("e_1 e_2", positive=True)
>>> evaluator = Evaluator(None, 0)
>>> evaluator.decide(evaluator.value(e1/(e1 + e2) + e2/(e1 + e2) - 1, {}))
'expansion'
"""

from __future__ import annotations

import random
from fractions import Fraction

import sympy as sp

from .polynomials import (MAX_TERMS, Undefined, Unsupported, _add, _coefficient, _constant,
                          _mono_mul, _mul)

__all__ = ["Decision"]

# The prime of the modular evaluation that shows a difference nonzero without writing
# its sums out (a Mersenne prime: Python's integers do the arithmetic).
_PRIME = 2**61 - 1


class Decision:
    """The zero test, for an evaluator's atoms (a mixin of
    :class:`~derive.check.evaluator.Evaluator`): :meth:`decide`, :meth:`decide_shared`,
    :meth:`assume`, :meth:`expand`, :meth:`independent`."""

    def _start_deciding(self) -> None:
        self._points: dict = {}                  # assumptions → {atom: value mod prime}
        self._draws: dict = {}
        self._rng = random.Random(0)
        self._decided: dict = {}                 # decide_shared's memo


    def assume(self, p: dict, assumptions) -> dict:
        """``p`` with the last label written as one minus the others (Σ_k y_k = 1), or the
        last label of every row (Σ_k Y_pk = 1)."""
        for labels, total in self._label_rows(assumptions):
            p = self._eliminate(p, labels, total)
        # A logarithm whose argument is 1 under the assumptions is 0 (log Σ_k y_k).
        for atom in {a for mono in p for a, _ in mono if a in self.logs}:
            argument = _add(self.logs[atom], _constant(1), -1)
            if not self.assume(self.expand(argument), assumptions):
                if any(a == atom and power < 0 for mono in p for a, power in mono):
                    raise Undefined("a division by zero: a logarithm that is 0 under "
                                      "the assumption " + ", ".join(a.text for a in assumptions))
                p = self._substitute(p, atom, {})
        return p

    def _eliminate(self, p: dict, labels, total=1) -> dict:
        """``p`` with the last label written as ``total`` minus the others."""
        last = self.leaves.get(labels[-1])
        if last is None or not any(a == last for mono in p for a, _ in mono):
            return p
        rest = _constant(total)
        for family, indices in labels[:-1]:
            rest = _add(rest, {((self.leaf(family, indices), 1),): 1}, -1)
        return self._substitute(p, last, rest)

    def _substitute(self, p: dict, atom: int, replacement: dict) -> dict:
        """``p`` with the atom replaced (after clearing its negative powers)."""
        if not p:
            return p
        lowest = min((power for mono in p for a, power in mono if a == atom), default=0)
        if lowest < 0:
            p = _mul(p, {((atom, -lowest),): 1})
        by_power: dict[int, dict] = {}   # p = Σ_k rest_k · atomᵏ
        for mono, c in p.items():
            power = dict(mono).get(atom, 0)
            rest = tuple((a, e) for a, e in mono if a != atom)
            by_power.setdefault(power, {})[rest] = c
        out: dict = {}
        replaced = _constant(1)
        highest = max(by_power)
        for power in range(highest + 1):
            if power in by_power:
                for mono, c in _mul(by_power[power], replaced).items():
                    total = out.get(mono, 0) + c   # in place: no copy per term
                    if total:
                        out[mono] = _coefficient(total)
                    else:
                        del out[mono]
            if power < highest:
                replaced = _mul(replaced, replacement)
        if len(out) > MAX_TERMS:
            raise Unsupported(f"a polynomial of more than {MAX_TERMS} terms (sums raised to "
                              "high powers, written out): too large to decide exactly")
        return out

    def decide_shared(self, difference: dict, assumptions=()) -> str:
        """:meth:`decide`, once for all differences that are the same up to a monomial
        and a constant factor: ``e_j (A − 1/s)`` at every entry j of a gradient is decided
        once.  Sound: the atoms are nonzero functions (leaves as polynomials), so a
        product with a monomial is the zero polynomial — before or after the sums are
        written out and the assumption applied, both ring homomorphisms into an integral
        domain — exactly when the quotient is."""
        if not difference:
            return "atoms"
        monos = list(difference)
        lowest: dict = dict(monos[0])
        for mono in monos[1:]:
            present = dict(mono)
            for atom in list(lowest):
                power = min(lowest[atom], present.get(atom, 0))
                if power:
                    lowest[atom] = power
                else:
                    del lowest[atom]
            for atom, power in mono:
                if atom not in lowest and power < 0:
                    lowest[atom] = power
        # Only atoms that no step of the test maps to 0: leaves, exponentials, e (a sum
        # or a logarithm may be 0 once written out or under the assumption).
        divisor = tuple((atom, -power) for atom, power in sorted(lowest.items())
                        if self.kinds[atom][0] in ("leaf", "exp", "const"))
        divided = {_mono_mul(mono, divisor): c for mono, c in difference.items()}
        scale = Fraction(divided[min(divided)])
        key = (frozenset((mono, c / scale) for mono, c in divided.items()),
               tuple(a.name for a in assumptions))
        found = self._decided.get(key)
        if found is None:
            found = self._decided[key] = self.decide(difference, assumptions)
        return found

    def decide(self, difference: dict, assumptions=()) -> str:
        """Whether ``difference`` is zero: ``"atoms"`` (the zero polynomial in the atoms),
        ``"expansion"`` (zero once the sums are written out), ``"assumptions"`` (zero under
        them only) or ``"differs"``.

        A difference that is not zero is usually shown so by its value modulo a large
        prime at a random point (sums computed from their terms, the last label as one
        minus the others under Σ_k y_k = 1) — a nonzero value proves the polynomial
        nonzero, without writing out sums whose powers have N^k terms.  Zero there, the
        symbolic expansion decides."""
        if not difference:
            return "atoms"
        expanded = None
        if self._residue(difference, ()) in (0, None):
            expanded = self.expand(difference)
            if not expanded:
                return "expansion"
        if not assumptions or self._residue(difference, assumptions) not in (0, None):
            return "differs"
        if not self.assume(difference, assumptions):
            return "assumptions"
        if expanded is None:
            expanded = self.expand(difference)
        return "assumptions" if not self.assume(expanded, assumptions) else "differs"

    def _residue(self, p: dict, assumptions) -> int | None:
        """``p`` modulo :data:`_PRIME` at a seeded random point; ``None`` when the point
        does not serve (a sum or a divisor that is 0 there)."""
        point = self._points.setdefault(tuple(a.name for a in assumptions), {})
        total = 0
        try:
            for mono, c in p.items():
                term = c % _PRIME if isinstance(c, int) else \
                    c.numerator * pow(c.denominator, -1, _PRIME)
                for atom, power in mono:
                    value = point.get(atom)
                    if value is None:
                        value = point[atom] = self._atom_residue(atom, assumptions, point)
                    if value is False:
                        return None
                    term = term * pow(value, power, _PRIME) % _PRIME
                total += term
        except ValueError:   # the inverse of 0 modulo the prime
            return None
        return total % _PRIME

    def _atom_residue(self, atom: int, assumptions, point):
        kind = self.kinds[atom]
        if kind[0] == "sum":
            value = self._residue(self.definitions[atom], assumptions)
            return False if not value else value
        if kind[0] == "log" and assumptions and \
                not self.assume(self.expand(_add(self.logs[atom], _constant(1), -1)),
                                assumptions):
            return 0   # log Σ_k y_k under Σ_k y_k = 1
        if kind[0] == "leaf":
            for others, total in self._label_rows(assumptions):
                if (kind[1], kind[2]) == others[-1]:   # the last label: the sum minus the rest
                    value = total.numerator * pow(total.denominator, -1, _PRIME)
                    return (value - sum(self._random(("leaf", *key))
                                        for key in others[:-1])) % _PRIME
        return self._random(kind)

    def _random(self, key) -> int:
        value = self._draws.get(key)
        if value is None:
            value = self._draws[key] = self._rng.randrange(1, _PRIME)
        return value

    def _label_rows(self, assumptions) -> list[tuple[list[tuple], Fraction]]:
        """The labels with a stated sum, row by row, as ((family, indices) …, the sum)."""
        rows = []
        for assumption in assumptions:
            total = Fraction(str(assumption.value)) if _rational(assumption.value) else None
            if assumption.name == "labels-sum-to-one":
                rows.append(([("y", (k,)) for k in range(1, self.n + 1)], Fraction(1)))
            elif assumption.name == "rows-sum-to-one":
                rows += [([("Y", (row, k)) for k in range(1, self.n + 1)], Fraction(1))
                         for row in range(1, self.problem.extent("m") + 1)]
            elif total is not None and _sums_to_one(assumption):   # Σ_k w_k = c (--assume)
                family = str(assumption.quantity.function.base)
                rows.append(([(family, (k,)) for k in range(1, self.n + 1)], total))
            elif total is not None and _rows_sum_to_one(assumption):   # Σ_k Y_nk = c, each n
                family = str(assumption.quantity.function.base)
                extent = dict(self.problem.shapes)[family][0]
                rows += [([(family, (row, k)) for k in range(1, self.n + 1)], total)
                         for row in range(1, self.problem.extent(extent) + 1)]
        return rows

    def independent(self) -> bool:
        """Whether the atoms so far are algebraically independent, so that a polynomial in
        them that is not zero is a function that is not zero: no logarithm
        (``log(e_1 e_2) = log e_1 + log e_2``), no exponential of a fraction of a
        monomial (``exp(z/2)² = exp(z)``), no exponential of a sum kept as an atom
        (``exp(s) = exp(e_1) exp(e_2)``).  Exponentials of distinct monomials, Euler's
        number and the leaves are independent (Lindemann–Weierstrass, Ax)."""
        sums = {number for number, kind in enumerate(self.kinds) if kind[0] == "sum"}
        for kind in self.kinds:
            if kind[0] == "log" or (kind[0] == "exp" and (
                    len(kind) > 2 or any(a in sums for a, _ in kind[1]))):
                return False
        return True

    def expand(self, p: dict) -> dict:
        """``p`` with every sum atom replaced by its definition, until none is left."""
        while True:
            present = {a for mono in p for a, _ in mono if a in self.definitions}
            if not present:
                return p
            atom = max(present)   # the latest first: its definition may use earlier ones
            p = self._substitute(p, atom, self.definitions[atom])


def _rational(value) -> bool:
    return bool(sp.sympify(value).is_Rational)


def _sums_to_one(assumption) -> bool:
    """``Σ_{k=1}^{N} F_k = c`` for one family F and a rational c (1 most often)."""
    q = assumption.quantity
    return (isinstance(q, sp.Sum) and len(q.limits) == 1 and _rational(assumption.value)
            and isinstance(q.function, sp.Indexed)
            and q.function.indices == (q.limits[0][0],) and q.limits[0][1] == 1)


def _rows_sum_to_one(assumption) -> bool:
    """``Σ_{k=1}^{N} F_nk = c`` for every n (the assumption's index), c rational."""
    q = assumption.quantity
    return (isinstance(q, sp.Sum) and len(q.limits) == 1 and _rational(assumption.value)
            and assumption.index is not None and isinstance(q.function, sp.Indexed)
            and q.function.indices == (assumption.index, q.limits[0][0])
            and q.limits[0][1] == 1)
