"""derive: mechanical derivations of the calculus of machine learning, checked."""
import sys as _sys

from .catalog import TARGETS, Target, get_target
from .derivation import derivation
from .errors import (DeriveError, InputError, InternalError, RewriteError, TooLarge,
                     UndefinedClaim, UnknownTargetError)
from .record import Derivation
from .sizes import MAX_CLASSES
from .version import __version__

# The verifier and the user-code worker, with the readers and NumPy behind them, are
# imported on first use: `derive show` and `derive list` start without them.
_LAZY = {"verify": "verdicts.verify", "Verdict": "verdicts.verify",
         "PythonFunction": "verdicts.isolated"}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'derive' has no attribute {name!r}")
    from importlib import import_module
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

if "IPython" in _sys.modules:   # Jupyter: a Derivation is shown as maths
    from .render.notebook import register as _register
    _register()

__all__ = ["TARGETS", "Target", "get_target", "MAX_CLASSES", "Derivation", "derivation",
           "Verdict", "verify", "PythonFunction", "DeriveError", "InputError", "RewriteError",
           "UnknownTargetError", "UndefinedClaim", "TooLarge", "InternalError"]
