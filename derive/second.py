"""The record of a second derivative: the first derivative beside it (its index that of
the rows, ``∂L/∂z_i``), and for one variable twice its symmetry, proved and checked, and
its Hessian-vector product (:mod:`derive.calculus.successive` derives them; this module
checks the symmetry against the derivative itself and assembles the record that
:func:`derive.definitions.defined_derivation` and a catalogue target's derivation share).
"""

from __future__ import annotations

from dataclasses import replace

from .calculus.successive import Symmetry, hessian_vector_product
from .errors import StepError
from .forms import shown_form
from .record import Derivation
from .sizes import SYMBOLIC_SIZES

__all__ = ["second_record"]

# The input and batch sizes of the exact symmetry check (as for a definition's steps).
_SIZES = 2


def second_record(d: Derivation, first: Derivation, variable, definition,
                  assumptions) -> Derivation:
    """A second derivative's record ``d`` with the first derivative ``first`` (its index
    renamed to that of the gradient's definition ``definition``, ``∂L/∂z_i``) and, with
    respect to one variable twice, its symmetry (:func:`_symmetry`)."""
    index, = definition.outputs
    old = first.problem.variable.indices[0]
    rename = {old: index}
    first = replace(first, problem=replace(first.problem, wrt_index=index),
                    result=first.result.xreplace(rename),
                    general=first.general.xreplace(rename),
                    steps=tuple(s.renamed(rename) for s in first.steps))
    symmetry = product = None
    if first.problem.wrt == d.problem.wrt:
        # The general form's symmetry (no assumption needed; the assumption then keeps it).
        symmetry = _symmetry(d.general, definition, variable, index, ())
        # The Hessian-vector product, O(N) where the matrix is O(N²).
        product = hessian_vector_product(d.result, definition, index, variable.indices[0])
        rows = replace(d.problem, output_index=None, wrt_index=index)
        product = replace(product, form=shown_form(product.value, rows))
    return replace(d, first=first, symmetry=symmetry, hvp=product)


def _symmetry(result, definition, variable, index, assumptions) -> Symmetry:
    """``H_ji = H_ij`` for ``result`` (a second derivative before any assumption): by the
    rules for every N where they reduce both to one normal form, and on every entry
    exactly at N = 1, 2, 3 against the derivative itself."""
    from .calculus.proof import same_normal_form
    from .calculus.strategy import normal_form
    from .check.defined import exact_entries
    (other,) = variable.indices
    transpose = result.xreplace({index: other, other: index})
    proved = same_normal_form(normal_form(transpose, definition, variable, assumptions),
                              normal_form(result, definition, variable, assumptions))
    total = 0
    for size in SYMBOLIC_SIZES:
        good, entries, differing = exact_entries(
            transpose, definition, variable, assumptions,
            {"N": size, "D": _SIZES, "m": _SIZES})
        if differing:
            raise StepError(f"the second derivative is not symmetric at N = {size}: entry "
                            f"{differing[0]} differs from its transpose")
        total += entries
    return Symmetry(proved=proved, sizes=SYMBOLIC_SIZES, entries=total)
