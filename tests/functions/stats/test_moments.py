from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from functions.stats.moments import Moments

# Magnitudes below 1e-30 are flushed to 0: their fourth powers underflow (see Moments._ratio).
finite_floats = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda x: 0.0 if abs(x) < 1e-30 else x)


def _streamed(chunks: list[np.ndarray]) -> Moments:
    moments = Moments()
    for chunk in chunks:
        moments = moments.merge(Moments.of(chunk))
    return moments


@given(st.lists(st.lists(finite_floats, min_size=0, max_size=30), min_size=1, max_size=8))
@settings(max_examples=100, deadline=None)
def test_merged_chunks_equal_numpy_and_scipy(chunks: list[list[float]]) -> None:
    arrays = [np.array(chunk, dtype=np.float64) for chunk in chunks]
    data = np.concatenate(arrays)
    moments = _streamed(arrays)
    assert moments.n == data.size
    if data.size == 0:
        return
    scale = max(1.0, float(np.abs(data).max()))
    assert moments.mean == pytest.approx(data.mean(), abs=1e-9 * scale)
    if data.size > 1:
        assert moments.variance == pytest.approx(data.var(ddof=1), rel=1e-7, abs=1e-9 * scale**2)
    if moments.skewness is not None and data.var() > 1e-6 * scale**2:
        assert moments.skewness == pytest.approx(stats.skew(data), rel=1e-6, abs=1e-6)
        assert moments.kurtosis == pytest.approx(stats.kurtosis(data), rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("offset", [0.0, 1e9])
def test_large_streams_match_scipy_even_far_from_zero(offset: float) -> None:
    data = np.random.default_rng(0).gamma(2.0, 3.0, 200_000) + offset
    moments = _streamed(list(np.array_split(data, 53)))
    assert moments.mean == pytest.approx(data.mean(), rel=1e-12)
    assert moments.std == pytest.approx(data.std(ddof=1), rel=1e-6)
    assert moments.skewness == pytest.approx(stats.skew(data), rel=1e-5)
    assert moments.kurtosis == pytest.approx(stats.kurtosis(data), rel=1e-5)


def test_merge_order_does_not_matter() -> None:
    parts = [Moments.of(chunk) for chunk in np.array_split(np.random.default_rng(1).normal(size=999), 3)]
    left = parts[0].merge(parts[1]).merge(parts[2])
    right = parts[0].merge(parts[1].merge(parts[2]))
    assert left.m4 == pytest.approx(right.m4, rel=1e-12)
    assert left.mean == pytest.approx(right.mean, rel=1e-12)


def test_constant_stream_has_zero_spread_and_no_shape() -> None:
    moments = Moments.of(np.full(10, 3.3)).merge(Moments.of(np.full(7, 3.3)))
    assert moments.std == 0.0
    assert moments.skewness is None and moments.kurtosis is None


def test_too_few_values_have_no_variance() -> None:
    assert Moments().std is None
    assert Moments.of(np.array([5.0])).std is None
