"""derive: mechanical derivations of the calculus of machine learning, checked."""
__version__ = "0.1.0"

from .catalog import TARGETS, Target, get_target
from .derivation import MAX_CLASSES, Derivation, derivation
from .errors import (DeriveError, InputError, InternalError, RewriteError, TooLarge,
                     UndefinedClaim, UnknownTargetError)
from .isolated import PythonFunction
from .verify import Verdict, verify

__all__ = ["TARGETS", "Target", "get_target", "MAX_CLASSES", "Derivation", "derivation",
           "Verdict", "verify", "PythonFunction", "DeriveError", "InputError", "RewriteError",
           "UnknownTargetError", "UndefinedClaim", "TooLarge", "InternalError"]
