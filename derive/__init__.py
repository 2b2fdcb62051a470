"""derive: mechanical derivations of the calculus of machine learning, checked."""
__version__ = "0.1.0"

import sys as _sys

from .catalog import TARGETS, Target, get_target
from .derivation import derivation
from .errors import (DeriveError, InputError, InternalError, RewriteError, TooLarge,
                     UndefinedClaim, UnknownTargetError)
from .record import Derivation
from .sizes import MAX_CLASSES
from .verdicts.isolated import PythonFunction
from .verdicts.verify import Verdict, verify

if "IPython" in _sys.modules:   # Jupyter: a Derivation is shown as maths
    from .render.notebook import register as _register
    _register()

__all__ = ["TARGETS", "Target", "get_target", "MAX_CLASSES", "Derivation", "derivation",
           "Verdict", "verify", "PythonFunction", "DeriveError", "InputError", "RewriteError",
           "UnknownTargetError", "UndefinedClaim", "TooLarge", "InternalError"]
