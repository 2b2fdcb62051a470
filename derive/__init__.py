"""derive: mechanical derivations of the calculus of machine learning, checked."""
from .catalog import TARGETS, Target, get_target
from .derivation import MAX_CLASSES, Derivation, derivation
from .errors import DeriveError, InputError, RewriteError, UnknownTargetError

__all__ = ["TARGETS", "Target", "get_target", "MAX_CLASSES", "Derivation", "derivation",
           "DeriveError", "InputError", "RewriteError", "UnknownTargetError"]
