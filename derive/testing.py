"""For your own test suite: assert that a gradient you wrote is the derivative.

>>> import numpy as np
>>> from derive.testing import assert_derivative
>>> def grad(z, y):
...     e = np.exp(z - z.max())
...     return e / e.sum() - y
>>> assert_derivative(grad, against="softmax-cross-entropy-grad", classes=4).verdict
'holds'
"""

from __future__ import annotations

from .verify import Verdict, verify

__all__ = ["assert_derivative"]


def assert_derivative(claim, against: str, classes=3, *, seed: int = 0,
                      allow_assumptions: bool = True) -> Verdict:
    """Raise ``AssertionError`` with the verdict, the diagnosis and the counterexample
    unless ``claim`` (a NumPy function, a formula as text, or a SymPy expression) is the
    derivative ``against``.

    ``allow_assumptions=False`` also refuses a claim that holds only under the target's
    stated assumption (``Σ_k y_k = 1``).  Returns the verdict when it holds.
    """
    from .render.text import verdict_text

    v = verify(claim, against=against, classes=classes, seed=seed)
    if not v.holds or (v.assumptions and not allow_assumptions):
        raise AssertionError("\n" + verdict_text(v))
    return v
