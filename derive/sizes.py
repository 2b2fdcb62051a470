"""The sizes a derivation and a check accept — classes N, inputs D, batch m, entries —
each one number, and the validation of what a caller gives for them.

Every command and function reads its limits from here, so that ``--help``, the errors and
the library agree (``derive show --help`` prints :data:`MAX_CLASSES` from this module).

>>> validate_classes(4), validate_classes("symbolic")
(4, N)
"""

from __future__ import annotations

import sympy as sp

from .errors import InputError

__all__ = ["MAX_CLASSES", "MAX_EXACT_CLASSES", "MAX_EXACT_ENTRIES", "MAX_DERIVATIVE_ENTRIES",
           "MAX_INPUTS", "MAX_BATCH", "INPUTS", "BATCH", "SYMBOLIC_INPUTS", "SYMBOLIC_BATCH",
           "SYMBOLIC_SIZES", "DIFF_CHECK_CLASSES", "MAX_DIFF_CLASSES", "LAMBDIFY_CLASSES",
           "VECTORISED_POINTS", "EAGER_WORK", "EXACT_ENTRY_LIMIT", "STEP_POINTS",
           "RESERVED_NAMES", "validate_classes", "validate_size"]

# The largest N checked exactly: a Jacobian has N² entries; N = 256 takes seconds (bench/).
MAX_EXACT_CLASSES = 512
# The most entries of one derivative checked exactly (the Jacobian at N = 512).
MAX_EXACT_ENTRIES = 512 * 512

# The largest number of classes accepted for a concrete-N derivation: the same as for
# `derive check` (an instance of the proof, checked exactly at N; see bench/).
MAX_CLASSES = MAX_EXACT_CLASSES

# Up to this N the instance is also compared with SymPy's diff of every concrete entry
# (an independent check; `diff_check=True` asks for it at any N up to MAX_DIFF_CLASSES).
DIFF_CHECK_CLASSES = 8
MAX_DIFF_CLASSES = 64
# Up to this N the numeric cross-check lambdifies every entry; beyond, it evaluates the
# index form vectorised, at this many points.
LAMBDIFY_CLASSES = 16
VECTORISED_POINTS = 100
# Up to this much work (entries × the entries of the families in one) a concrete
# derivation's matrices are SymPy matrices; beyond, entries built when read
# (derive.entries): the Jacobian up to N = 25, a gradient with a written-out sum to 44.
# Building an entry costs most of a millisecond, and the text shows a large matrix by its
# corners: at N = 64 building all 4096 Jacobian entries was half of `derive show`.
EAGER_WORK = 2_000

# Above this many entries per step (N > 8 for a Jacobian), the exact and numeric step
# checks use the entries whose indices are in {1, 2, N−1, N}: both cases of every delta
# and both ends of the range.  The final result is still checked on every entry by the
# derivation itself.
EXACT_ENTRY_LIMIT = 64
# Random points at which every step is also compared numerically.
STEP_POINTS = 8

# A symbolic-N derivation is proved by the rules for every N; in addition each step is
# compared numerically with sp.diff of the concrete construction at these N, and the
# result with finite differences.  N = 1 is the edge case; at N = 3 the indices i, j and
# a third class are all distinct, so every pattern of equal and unequal indices occurs.
# (`cross_validate` compares exactly at N = 2..8.)
SYMBOLIC_SIZES = (1, 2, 3)

# Letters that already mean something in a derivation, so cannot name the number of classes.
RESERVED_NAMES = frozenset("ijklcmzySLDeTqutrWxbZY")   # T temperature, q smoothed labels

# The largest input size D and batch size m, and the most entries of W (N × D) or Z
# (m × N) for a concrete derivation: a layer's Jacobian has N × N·D entries, each step is
# checked on each.  bench/ has the times.
MAX_INPUTS = 32
MAX_BATCH = 32
# The most entries of a derivative derived and checked at a concrete N (N² at N = 512),
# as for `derive check`.
MAX_DERIVATIVE_ENTRIES = MAX_EXACT_ENTRIES

# With a symbolic number of classes, a layer's input size is the symbol D as well; the
# steps and the result are checked at concrete N with this many inputs.
INPUTS = sp.Symbol("D", integer=True, positive=True)
SYMBOLIC_INPUTS = 2
# A batch's size is the symbol m (the one its mean divides by), checked with m = 2.
BATCH = sp.Symbol("m", integer=True, positive=True)
SYMBOLIC_BATCH = 2


def validate_classes(classes: object, minimum: int = 2) -> int | sp.Symbol:
    """``classes`` as an int in ``minimum``..MAX_CLASSES or as a symbol, or an
    :class:`InputError` (``minimum`` is 1 for targets with independent outputs).

    A symbolic number of classes is one ASCII letter (``"N"``, ``"M"``), the word
    ``"symbolic"`` (meaning ``N``) or a SymPy symbol; it becomes the symbol of that name
    with ``integer=True, positive=True`` (use ``Derivation.classes`` to substitute a value).
    Letters that already name something in a derivation (indices ``i j k l c m``, the
    families ``z y S``, ``L``, ``D``, ``e``) are refused.

    >>> validate_classes(4), validate_classes("symbolic")
    (4, N)
    >>> validate_classes(1)
    Traceback (most recent call last):
    ...
    derive.errors.InputError: number of classes must be at least 2, got 1
    """
    if isinstance(classes, sp.Symbol):
        if classes.is_integer is False or classes.is_positive is False:
            raise InputError(f"the symbol {classes} for the number of classes must be able to "
                             "be a positive integer")
        classes = classes.name  # d.classes is the positive integer symbol of this name
    if isinstance(classes, str):
        return _symbol_for_classes(classes)
    if isinstance(classes, bool) or not isinstance(classes, int):
        raise InputError(f"number of classes must be an integer, got {classes!r}")
    if classes < minimum:
        raise InputError(f"number of classes must be at least {minimum}, got {classes}")
    if classes > MAX_CLASSES:
        raise InputError(f"number of classes must be at most {MAX_CLASSES}, got {classes}; "
                         "--classes N derives it for every N at once")
    return classes


def _symbol_for_classes(name: str) -> sp.Symbol:
    name = "N" if name == "symbolic" else name
    if name.isascii() and name.isdigit():
        raise InputError(f"number of classes {name!r} is a string; pass the integer {int(name)}, "
                         "or a letter such as 'N' for a symbolic number of classes")
    if not (len(name) == 1 and name.isascii() and name.isalpha()):
        raise InputError(f"number of classes {name!r} is neither a number nor one letter; "
                         "give e.g. 3, N or symbolic")
    if name in RESERVED_NAMES:
        raise InputError(f"{name} already names something in the derivations "
                         f"(reserved: {' '.join(sorted(RESERVED_NAMES))}); "
                         "use another letter for the number of classes, such as N")
    return sp.Symbol(name, integer=True, positive=True)


def validate_size(value: object, option: str, maximum: int) -> int | None:
    """An input size D or batch size m: an int in 1..maximum (``None`` for the default).

    >>> validate_size(0, "inputs", 32)
    Traceback (most recent call last):
    ...
    derive.errors.InputError: --inputs must be at least 1, got 0
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"the {'input' if option == 'inputs' else 'batch'} size must be an "
                         f"integer, got {value!r}")
    if not 1 <= value <= maximum:
        bound = "at least 1" if value < 1 else f"at most {maximum}"
        raise InputError(f"--{option} must be {bound}, got {value}")
    return value
