"""Stable references, finite differences and the comparison rule."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from derive import derivation
from derive.check.numeric import (FD_ATOL, FD_RTOL, REFERENCES, compare, finite_differences,
                            log_softmax, sample_points, softmax)
from derive.point import evaluate

EXTREME = [
    [1000.0, 1000.0, 1000.0],
    [-1000.0, -1000.0, -999.0],
    [5000.0, -5000.0, 0.0],
    [710.0, 0.0, -710.0],      # exp(710) overflows float64 without max-subtraction
]


@pytest.mark.parametrize("z", EXTREME)
def test_stable_softmax_and_log_softmax_are_finite(z):
    z = np.array([z])
    s, log_s = softmax(z), log_softmax(z)
    assert np.isfinite(s).all() and np.isfinite(log_s).all()
    assert np.isclose(s.sum(), 1.0)
    np.testing.assert_allclose(np.exp(log_s), s, atol=1e-300)


def test_finite_differences_of_softmax_match_the_known_jacobian(rng):
    z = rng.normal(size=(5, 4))
    fd = finite_differences(REFERENCES["softmax"], {"z": z}, "z")
    s = softmax(z)
    exact = np.einsum("pi,ij->pij", s, np.eye(4)) - np.einsum("pi,pj->pij", s, s)
    np.testing.assert_allclose(fd, exact, rtol=FD_RTOL, atol=FD_ATOL)


@pytest.mark.parametrize("a, b, passed", [
    (1.0, 1.0 + 1e-12, True),
    (1.0, 1.001, False),
    (np.inf, np.inf, False),     # np.allclose says True; we do not
    (np.nan, np.nan, False),
    (1e-9, 2e-9, True),          # below atol
])
def test_compare_is_symmetric_and_rejects_non_finite(a, b, passed):
    x, y = np.full((1, 1, 1), a), np.full((1, 1, 1), b)
    assert compare("t", x, y, {}, 1e-9, 1e-8).passed is passed
    assert compare("t", y, x, {}, 1e-9, 1e-8).passed is passed


def test_sample_points_include_extreme_logits_and_simplex_labels(rng):
    p = sample_points(("z", "y"), 5, rng, 10, extreme=True, labels="simplex")
    assert np.abs(p["z"]).max() >= 999
    np.testing.assert_allclose(p["y"].sum(axis=1), 1.0)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, 4, elements=st.floats(-800, 800, allow_nan=False)))
def test_textbook_gradient_matches_finite_differences_at_any_logits(z):
    d = derivation("softmax-cross-entropy-grad", 4, check=False)
    e = evaluate(d, {"z": z, "y": np.array([0.1, 0.2, 0.3, 0.4])})
    assert np.isfinite(e.value).all() and e.agrees, (z, e.value, e.finite_differences)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, 3, elements=st.floats(-1e4, 1e4, allow_nan=False)))
def test_textbook_jacobian_matches_finite_differences_at_any_logits(z):
    e = evaluate(derivation("softmax-jacobian", 3, check=False), {"z": z})
    assert np.isfinite(e.value).all() and e.agrees
