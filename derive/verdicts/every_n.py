"""A claim's verdict for every N: equal normal forms under the rules of the one strategy
(:func:`derive.calculus.strategy.normal_form`, as for a ``--of`` definition) prove it; otherwise it is tried at concrete sizes
(:data:`SYMBOLIC_TRIAL_SIZES`), where a failure is a counterexample for that N.

>>> from derive.verdicts.verify import verify
>>> verify("S_j - y_j", against="softmax-cross-entropy-grad", classes="N").verdict
'holds'
"""

from __future__ import annotations


import sympy as sp

from ..calculus.proof import same_normal_form
from ..calculus.strategy import normal_form
from ..check.definedness import check_defined_for_every_n, smallest_size
from .diagnoses import across_sizes
from ..errors import DeriveError
from ..read.claims import Claim, check_summed_entries
from ..sizes import MAX_DIFF_CLASSES
from .verdict import Verdict
from .at_n import held_where_defined, replaced, reversed_sums, verdict_at

__all__ = ["verdict_for_every_n", "proved_for_every_n", "diagnosis_for_every_n",
           "SYMBOLIC_TRIAL_SIZES"]

SYMBOLIC_TRIAL_SIZES = (2, 3, 4, 5)  # where a symbolic claim the rules cannot prove is tried


def proved_for_every_n(d, claim: Claim, sizes: dict) -> tuple[tuple, str] | None:
    """The rules' proof that ``claim`` equals the derivative for every N (and D, m), when
    they find one and it speaks for the sizes given: ``(assumptions used, method)``.

    The proof is an identity in the letters N, D, m, so it holds at ``sizes`` — provided
    every sum of the claim runs over a range there (SymPy's convention for a reversed
    range, Σ_{k=4}^{2} = −Σ_{k=3}^{3}, is not what the claim wrote) and the claim names
    no entry past them (checked by the caller).  ``None``: no such proof; the claim is
    then compared entry by entry.
    """
    lengths = [(high - low + 1).subs(sizes) for e in (claim.expr, *claim.conditions)
               for s in e.atoms(sp.Sum) for _, low, high in s.limits]
    if any(not (length.is_Integer and length >= 0) for length in lengths):
        return None
    assumes = _by_the_rules_alike(d, claim)
    if assumes is None:
        return None
    lowest = max(d.target.min_classes, smallest_size((claim.expr, *claim.conditions),
                                                     d.problem))
    at = ", ".join(f"{symbol} = {value}" for symbol, value in sizes.items())
    return assumes, (f"proof for all {d.classes} ≥ {lowest}: the claim and the derivative of the definition "
                     f"reduce to the same normal form by the rules of derive.calculus.strategy — so at "
                     f"{at}, without writing out its entries")


def _by_the_rules_alike(d, claim: Claim) -> tuple | None:
    """The assumptions under which the claim and the derivative of ``d`` (symbolic N)
    reduce to the same normal form by the rules — none first, then the target's — or
    ``None`` when they do not."""
    for assumes in ((), d.problem.assumptions) if d.problem.assumptions else ((),):
        if _same_by_the_rules(d, claim.expr, sp.Integer(1), assumes):
            return assumes
    return None


def _same_by_the_rules(d, expr: sp.Expr, factor: sp.Expr, assumes: tuple) -> bool:
    """Whether ``expr`` and ``factor`` times the derivative of ``d`` have the same normal
    form under ``assumes``, by the strategy's rules on the target's definition: the
    derivative as derived (its result under the assumptions, its general form without),
    which the derivation proved equal to the raw derivative step by step."""
    problem = d.problem
    definition = problem.definition
    if definition is None:
        return False
    derivative = d.result if assumes else d.general
    theirs = tuple(_in_definition(a, problem) for a in assumes)
    # A size given a value (the batch m = 3 of a mean) is that number on both sides:
    # (S − Y)/3 is the derivative (S − Y)/m there.
    sizes = {symbol: sp.Integer(value) for symbol, value in problem.parameters
             if not isinstance(value, sp.Symbol)}
    try:
        left, right = (normal_form(problem.in_definition(e.xreplace(sizes)), definition,
                                   problem.variable, theirs)
                       for e in (expr, factor * derivative))
    except (DeriveError, ValueError, TypeError, KeyError, AttributeError):
        return False   # a claim the rules cannot read (z_j − y_j): concrete N decides
    return same_normal_form(left, right)


def _in_definition(assumption, problem):
    """A target's assumption in the definition's constants."""
    from dataclasses import replace
    return replace(assumption, quantity=problem.in_definition(assumption.quantity),
                   implies=tuple((problem.in_definition(a), problem.in_definition(b))
                                 for a, b in assumption.implies))


def diagnosis_for_every_n(base, d, claim, n: int, found: Verdict, seed: int,
                           confirm=None) -> str | None:
    """The diagnosis at one N, for the sizes the verdict is about: the next N must give
    the same one (or a factor 1/2, 1/3 that reads 1/N: :func:`derive.verdicts.diagnoses.
    across_sizes`), and ``confirm`` (the relation it names → proved for those sizes) must
    prove it; otherwise it is said for the two sizes where it was made."""
    if found.diagnosis is None or found.verdict != "fails":
        return found.diagnosis
    try:
        other = verdict_at(base, d, claim, n + 1, seed)
    except ValueError:
        return found.diagnosis
    combined = across_sizes(found.diagnosis, other.diagnosis, n, str(d.classes))
    if combined.startswith("no common"):
        return combined
    relation = getattr(combined, "relation", ())
    if confirm is not None and relation and confirm(relation):
        return combined
    return f"at {d.classes} = {n} and {n + 1}: {combined} (not proved for the other sizes)"


def _by_the_rules(d, claim):
    """``confirm`` for a claim about every N: the claim reduces by the rules to the
    derivative times the factor (the letter of N in it read as N)."""
    def confirm(relation) -> bool:
        if relation[0] != "factor":
            return False
        factor = relation[1].xreplace({s: d.problem.classes for s in relation[1].free_symbols
                                       if s.name == str(d.classes)})
        return any(_same_by_the_rules(d, claim.expr, factor, assumes)
                   for assumes in ((), d.problem.assumptions))
    return confirm


def verdict_for_every_n(base: Verdict, d, claim: Claim, seed: int) -> Verdict:
    """The verdict on ``claim`` for every N: proved by the rules, or tried at
    :data:`SYMBOLIC_TRIAL_SIZES` (a failure there is a counterexample for that N)."""
    problem = d.problem
    check_summed_entries((claim.expr, *claim.conditions), problem, every_size=True)
    # An entry the claim names (S_6) exists from that N on: the claim is about those N.
    named = smallest_size((claim.expr, *claim.conditions), problem)
    lowest = max(d.target.min_classes, named)
    if lowest > d.target.min_classes:
        base = replaced(base, minimum=lowest, notes=base.notes + (
            f"the claim names the entry {named}, which exists from {d.classes} = {named} "
            "on: it is decided for those sizes",))
    # As written, at the sizes where a zero divisor can show: undefined is exit 2.
    defined = check_defined_for_every_n(claim.conditions, d.target, problem, seed=seed)
    # Where a sum's range is empty the rules would follow SymPy's convention for
    # reversed limits (Σ_{k=4}^{2} 1 = −1); the claim as written sums nothing there.
    for n in reversed_sums(claim, problem, lowest)[:3]:
        found = verdict_at(base, d, claim, n, seed)
        if found.verdict != "holds":
            return replaced(found, classes=d.classes, notes=found.notes + (
                f"decided at {d.classes} = {n}, where a sum of the claim has an empty range",))
    assumes = _by_the_rules_alike(d, claim)
    if assumes is not None:
        return held_where_defined(replaced(base, verdict="holds", assumptions=assumes, methods=(
            f"proof for all {d.classes} ≥ {lowest}: the claim and the derivative of the definition "
            "reduce to the same normal form by the rules of derive.calculus.strategy",)), defined,
            problem.assumptions)
    # Not proved: try concrete N; a difference there is a real counterexample.
    sizes = sorted({*SYMBOLIC_TRIAL_SIZES, *((lowest, lowest + 1) if named > 1 else ())})
    sizes = [n for n in sizes if lowest <= n <= MAX_DIFF_CLASSES]
    tried, undecided = [], []
    for n in sizes:
        concrete = verdict_at(base, d, claim, n, seed)
        tried.append(n)
        if concrete.verdict == "fails":
            return replaced(concrete, classes=d.classes,
                            diagnosis=diagnosis_for_every_n(base, d, claim, n, concrete, seed,
                                                             _by_the_rules(d, claim)),
                            notes=base.notes + (f"decided at {d.classes} = {n}: the rules do "
                                                f"not reduce the claim for every {d.classes}",))
        if concrete.verdict == "undetermined":
            undecided.append(n)
    held = [n for n in tried if n not in undecided]
    said = []
    if held:
        said.append(f"it holds exactly at {d.classes} = {', '.join(map(str, held))}")
    if undecided:
        said.append(f"it is undetermined at {d.classes} = {', '.join(map(str, undecided))}")
    if not tried:
        said.append(f"no size up to {MAX_DIFF_CLASSES} was tried (the claim names the entry "
                    f"{named})")
    return replaced(base, verdict="undetermined", methods=(
        f"the rules do not reduce the claim to the derivative's normal form for every "
        f"{d.classes}; " + "; ".join(said),))
