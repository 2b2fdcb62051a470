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

from .verdicts.verify import Verdict, verify

__all__ = ["assert_derivative", "TIME_LIMIT"]

# Seconds: a gradient that sleeps or loops must fail a test suite, not hang it.
TIME_LIMIT = 60.0


def assert_derivative(claim, against: str | None = None, classes=3, *, seed: int = 0,
                      allow_assumptions: bool = True,
                      time_limit: float | None = TIME_LIMIT, of: str | None = None,
                      wrt: str | None = None, assume: tuple[str, ...] = ()) -> Verdict:
    """Raise ``AssertionError`` with the verdict, the diagnosis and the counterexample
    unless ``claim`` (a NumPy function, a formula as text, or a SymPy expression) is the
    derivative ``against``.

    ``allow_assumptions=False`` also refuses a claim that holds only under the target's
    stated assumption (``Σ_k y_k = 1``).  Returns the verdict when it holds.

    A function is called only in a worker process of its own (:mod:`derive.verdicts.isolated`),
    and the whole check is stopped after ``time_limit`` seconds (:data:`TIME_LIMIT` by
    default; ``None``: no limit): a function that does not return by then raises
    :class:`~derive.errors.InputError`, and so does one that raises, exits or returns
    what is not real numbers.

    With ``of="L = …"`` (and ``wrt``, ``assume``) instead of ``against``, ``claim`` is a
    formula checked against the derivative of that definition.
    """
    from .render.text import verdict_text

    extra = {} if of is None else {"of": of, "assume": tuple(assume),
                                   **({"wrt": wrt} if wrt is not None else {})}
    v = verify(claim, against=against, classes=classes, seed=seed, time_limit=time_limit,
               **extra)
    if not v.holds or (v.assumptions and not allow_assumptions):
        raise AssertionError("\n" + verdict_text(v))
    return v
