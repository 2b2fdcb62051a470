"""A verdict on a claim, as plain immutable data: what :func:`derive.verdicts.verify.verify` and
:func:`derive.verdicts.gradcheck.check_callable` return, and the renderers read.

>>> from derive.functions import S, y, j
>>> v = Verdict("holds", "softmax-cross-entropy-grad", 3, None, S[j] - y[j], S[j] - y[j],
...             S[j])
>>> v.holds, v.scope
(True, 'for N = 3')
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from ..assumptions import Assumption
from ..read.claims import Claim

__all__ = ["Verdict", "Counterexample"]

_SHOWN = 10   # values of a vector written out in a counterexample (the JSON has them all)


@dataclass(frozen=True)
class Counterexample:
    """A point where the claim and the derivative differ: the two values at the point
    (the inputs as given, exactly), proved different by interval arithmetic; ``difference``
    is claimed − expected, computed as such (it can be far below the values' rounding)."""

    entry: tuple[int, ...]
    indices: tuple[str, ...]
    point: dict
    expected: float
    claimed: float
    classes: int
    difference: float | None = None

    def describe(self) -> str:
        """``i=1, j=2, z=[0.31, -1.20, 0.05]: expected −0.0216, claimed 0.0411``."""
        where = ", ".join(f"{name}={value}" for name, value in zip(self.indices, self.entry))
        def shown(v) -> str:
            if isinstance(v, float):
                return f"{v:.6g}"
            if len(v) > _SHOWN:   # N = 256 logits: the ends, and how many
                return (f"[{', '.join(map(shown, v[:_SHOWN - 2]))}, …, "
                        f"{', '.join(map(shown, v[-2:]))}] ({len(v)} values)")
            return f"[{', '.join(map(shown, v))}]"

        values = "; ".join(f"{name}={shown(v)}" for name, v in self.point.items())
        expected, claimed = f"{self.expected:.6g}", f"{self.claimed:.6g}"
        if expected == claimed:   # a tiny difference: show all the digits
            expected, claimed = repr(self.expected), repr(self.claimed)
        tail = ""
        if expected == claimed or (self.difference is not None and
                                   abs(self.difference) < 1e-6 * max(1.0, abs(self.expected))):
            # Equal in print: the difference, which the intervals proved nonzero.
            shown = f"{self.difference:.3g}" if self.difference is not None else "nonzero"
            tail = f" (claimed − expected = {shown}, proved by interval arithmetic)"
        return f"{where}, {values}: expected {expected}, claimed {claimed}{tail}"


@dataclass(frozen=True)
class Verdict:
    """The answer of :func:`verify`.

    Attributes:
        verdict: ``"holds"``, ``"fails"`` or ``"undetermined"``.
        target: the target name; ``classes``: N (an int or a symbol).
        claim: the claim as understood (``None`` when it could not be given a shape).
        expected: the derived result, and ``general`` the form without assumptions.
        lhs: the derivative, e.g. ``Derivative(S[i], z[j])``.
        assumptions: the hypotheses the verdict needs (empty: holds unconditionally).
        methods: how it was decided, e.g. ``"exact: 9 entries …"``, ``"numeric: …"``.
        counterexample: for ``fails``.
        diagnosis: for ``fails``, the likely mistake in words.
    """

    verdict: str
    target: str
    classes: object
    claim: Claim | None
    expected: sp.Expr
    general: sp.Expr
    lhs: sp.Expr
    assumptions: tuple[Assumption, ...] = ()
    methods: tuple[str, ...] = ()
    counterexample: Counterexample | None = None
    diagnosis: str | None = None
    notes: tuple[str, ...] = field(default=())
    sizes: tuple[tuple[str, object], ...] = ()   # the other sizes: (("D", 3),), (("m", 2),)
    minimum: int = 1   # for a symbolic N: the smallest N the verdict is about

    @property
    def scope(self) -> str:
        """``for N = 4``, ``for all N ≥ 2``: which sizes the verdict is about."""
        if isinstance(self.classes, int):
            return f"for N = {self.classes}"
        return f"for all {self.classes} ≥ {self.minimum}"

    @property
    def holds(self) -> bool:
        return self.verdict == "holds"
