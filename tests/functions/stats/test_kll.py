from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from functions.stats.errors import BadProfile
from functions.stats.kll import KllSketch

QUANTILES = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
MILLION = 1_000_000
Generator = Callable[[np.random.Generator], np.ndarray]

DISTRIBUTIONS: dict[str, Generator] = {
    "normal": lambda rng: rng.normal(size=MILLION),
    "pareto_heavy_tail": lambda rng: rng.pareto(1.1, size=MILLION),
    "cauchy": lambda rng: rng.standard_cauchy(MILLION),
    "seven_values": lambda rng: rng.integers(0, 7, MILLION).astype(np.float64),
    "half_zeros": lambda rng: np.where(rng.random(MILLION) < 0.5, 0.0, rng.exponential(size=MILLION)),
    "sorted_ramp": lambda rng: np.arange(MILLION, dtype=np.float64),
}


def rank_error(sorted_data: np.ndarray, values: np.ndarray, fractions: np.ndarray) -> np.ndarray:
    """Distance from q to the range of normalised ranks the returned value occupies (ties count)."""
    n = sorted_data.size
    low = np.searchsorted(sorted_data, values, side="left") / n
    high = np.searchsorted(sorted_data, values, side="right") / n
    return np.maximum(0.0, np.maximum(low - fractions, fractions - high))


@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_quantiles_of_a_million_values_are_within_one_percent_rank(name: str) -> None:
    data = DISTRIBUTIONS[name](np.random.default_rng(11))
    ordered = np.sort(data)
    streamed = KllSketch()
    for chunk in np.array_split(data, 37):
        streamed.update(chunk)
    parts = [KllSketch() for _ in range(4)]
    for index, chunk in enumerate(np.array_split(data, 40)):
        parts[index % 4].update(chunk)
    merged = parts[0].merge(parts[1]).merge(parts[2].merge(parts[3]))
    for sketch in (streamed, merged):
        assert sketch.n == MILLION
        assert rank_error(ordered, sketch.quantiles(QUANTILES), QUANTILES).max() <= 0.01


def test_cdf_error_is_within_one_percent_everywhere() -> None:
    data = np.random.default_rng(3).lognormal(size=MILLION)
    sketch = KllSketch()
    for chunk in np.array_split(data, 10):
        sketch.update(chunk)
    points = np.quantile(data, np.linspace(0, 1, 1001))
    exact = np.searchsorted(np.sort(data), points, side="right") / MILLION
    assert np.abs(sketch.weight_below(points) / MILLION - exact).max() <= 0.01


def test_memory_stays_bounded_whatever_the_stream_length() -> None:
    sketch = KllSketch()
    for chunk in np.array_split(np.random.default_rng(4).normal(size=MILLION), 100):
        sketch.update(chunk)
    assert sketch.retained <= 3 * sketch.k + 100


def test_small_streams_are_kept_exactly() -> None:
    data = np.random.default_rng(5).normal(size=150)
    sketch = KllSketch()
    sketch.update(data[:70])
    sketch.update(data[70:])
    assert sketch.retained == 150
    assert np.array_equal(sketch.quantiles(QUANTILES), np.quantile(data, QUANTILES, method="inverted_cdf"))
    assert np.array_equal(sketch.weight_below(data), np.searchsorted(np.sort(data), data, side="right"))


def test_same_stream_gives_the_same_sketch() -> None:
    data = np.random.default_rng(6).normal(size=50_000)
    first, second = KllSketch(), KllSketch()
    first.update(data)
    second.update(data)
    assert np.array_equal(first.quantiles(QUANTILES), second.quantiles(QUANTILES))


def test_empty_sketch_has_no_quantiles() -> None:
    assert np.isnan(KllSketch().quantiles(QUANTILES)).all()


def test_round_trip_and_bad_dicts() -> None:
    sketch = KllSketch()
    sketch.update(np.random.default_rng(8).normal(size=10_000))
    again = KllSketch.from_dict(sketch.to_dict())
    assert np.array_equal(again.quantiles(QUANTILES), sketch.quantiles(QUANTILES))
    broken = {**sketch.to_dict(), "n": 5}
    with pytest.raises(BadProfile, match=r"^sketch.n"):
        KllSketch.from_dict(broken)
    with pytest.raises(BadProfile, match=r"^sketch"):
        KllSketch.from_dict({"k": 200})
    with pytest.raises(BadProfile, match=r"^sketch.k"):
        sketch.merge(KllSketch(100))
