"""What a derivation records: plain immutable data that the renderers read.

A :class:`Derivation` holds the target, the construction, the raw derivative, the result
in index and matrix form, its assumptions, the checked steps and the reports of every
check.  It formats nothing itself: :mod:`derive.render` reads it (and, in Jupyter,
:mod:`derive.render.notebook` shows it as maths).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sympy as sp

from .assumptions import Assumption
from .calculus.matrices import MatrixForm
from .calculus.proof import Proof
from .calculus.steps import Step
from .calculus.successive import HessianVectorProduct, Symmetry
from .catalog import Problem, Target

if TYPE_CHECKING:   # the annotations only: `derive list` does not import NumPy
    import numpy as np

__all__ = ["Derivation", "Evaluation"]


@dataclass(frozen=True)
class Derivation:
    """A derived result for one target and a concrete number of classes.

    Attributes:
        target: the catalog entry.
        classes: N.
        problem: the construction that was differentiated.
        mechanical: the raw derivatives, rows = outputs (one row for a scalar), columns
            = the variables differentiated against: for a symbolic N the derivative in
            index notation (:func:`derive.calculus.derivative`); at a concrete N, when
            it is kept, ``sp.diff`` of every entry (the independent cross-check).
        general: the index form before any assumption, e.g. ``S_j Σ_k y_k − y_j``.
        result: the textbook index form, with ``assumptions`` applied.
        general_matrix, matrix: the concrete entries (in S_k, y_k) before and after the
            assumptions, same layout as ``mechanical``.
        form: the matrix / vector notation of ``result`` (``diag(S) − S Sᵀ``).
        general_form: the same for ``general``.
        assumptions: the hypotheses ``result`` uses (empty when it holds unconditionally).
        steps: the textbook steps from the definition to ``result``, every step checked
            against ``mechanical`` (exactly and numerically).
        shortcut: a second chain of steps to the same result, checked the same way (a
            layer's gradient through ∂L/∂z = S − y instead of the full chain); empty for
            most.
        check: the numeric cross-check report (``None`` when not requested).
        proof: for a symbolic N, the statement proved (``for all N ≥ 1``), its
            conditions and the rules used; ``None`` for a concrete N.
        validation: for a symbolic N, the comparison with the concrete-N mechanical
            derivatives (:func:`derive.check.crosscheck.cross_validate`), when requested.
        exact: for a concrete N derived as an instance of the proof for every N, the exact
            check of every entry of the result at this N against the chain-rule derivative
            (:class:`derive.check.exact.ExactCheck`); ``proof`` is then the proof it instantiates.
        note: a remark every output prints with the result (``no tidier form was
            reached``), empty for most.
        definition: for a function the user defined (``--of``), the
            :class:`~derive.read.definition.Definition`; ``None`` for a catalogue target.
            For a second derivative, the gradient as a definition (``∂L/∂z_i = …``).
        first: for a second derivative, the derivation of the first derivative, its index
            that of the rows (``∂L/∂z_i``); its steps come before this one's.
        symmetry: for a second derivative with respect to one variable twice, how
            ``∂²L/∂z_i∂z_j = ∂²L/∂z_j∂z_i`` was proved and checked
            (:class:`~derive.calculus.successive.Symmetry`).
        hvp: for such a second derivative, the Hessian-vector product ``Σ_j H_ij v_j``
            reduced by the rules (:class:`~derive.calculus.successive.HessianVectorProduct`).

    For a symbolic N, ``classes`` is the symbol, ``mechanical`` is the 1×1 matrix of the
    index-notation derivative, and there are no concrete entries (``general_matrix`` and
    ``matrix`` are ``None``; :func:`instantiate_derivation` gives them for any N).

    A concrete N is an instance of that proof (``proof`` set, ``exact`` its check at N);
    ``mechanical`` is then SymPy's derivative of every concrete entry when it was computed
    as an independent cross-check (at most :data:`DIFF_CHECK_CLASSES` classes, or on
    request), else ``None``.
    """

    target: Target
    classes: int | sp.Symbol
    problem: Problem
    mechanical: sp.ImmutableMatrix
    general: sp.Expr
    result: sp.Expr
    general_matrix: sp.ImmutableMatrix | None
    matrix: sp.ImmutableMatrix | None
    form: MatrixForm
    general_form: MatrixForm
    assumptions: tuple[Assumption, ...]
    steps: tuple[Step, ...] = ()
    shortcut: tuple[Step, ...] = ()
    check: object = None
    proof: Proof | None = None
    validation: object = None
    exact: object = None
    note: str = ""
    definition: object = None
    first: "Derivation | None" = None
    symmetry: Symmetry | None = None
    hvp: HessianVectorProduct | None = None

    @property
    def symbolic(self) -> bool:
        """True when the number of classes is a symbol: the result holds for every N."""
        return isinstance(self.classes, sp.Symbol)

    @property
    def checks_passed(self) -> bool:
        """Every numeric check this record carries passed: its own and, for a second
        derivative, the first derivative's (whose finite differences its own used)."""
        return all(c is None or c.passed for c in (
            self.check, None if self.first is None else self.first.check))

    @property
    def lhs(self) -> sp.Derivative:
        """The derivative written on the left, e.g. ``Derivative(S[i], z[j])``."""
        return sp.Derivative(self.problem.name, self.problem.variable)


@dataclass(frozen=True)
class Evaluation:
    """The derivative at one point.

    Attributes:
        point: the inputs as given (plus ``S = softmax(z)`` when the target has logits).
        value: the derivative, shaped as the derivation's matrix (N × N Jacobian, N-vector
            gradient; for an integer label, the gradient for that label).
        general: True when the general form was used because an assumption fails here.
        notes: sentences about the point, e.g. that Σ_k y_k ≠ 1.
        finite_differences: central differences of the stable float64 reference.
        max_abs_error: the largest difference between the two.
        agrees: True when they agree within the stated tolerance (or cannot be compared).
        compared: False when finite differences cannot resolve the point (inputs so large
            that the step is lost in rounding); a note says so.
    """

    point: dict
    value: np.ndarray
    general: bool
    notes: tuple[str, ...]
    finite_differences: np.ndarray
    max_abs_error: float
    agrees: bool
    compared: bool = True
