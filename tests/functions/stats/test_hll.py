from __future__ import annotations

import numpy as np
import pytest

from functions.stats.errors import BadProfile
from functions.stats.hll import HyperLogLog

STANDARD_ERROR = 1.04 / np.sqrt(4096)


def _estimate_numbers(values: np.ndarray) -> float:
    sketch = HyperLogLog()
    sketch.add_numbers(values)
    return sketch.estimate()


@pytest.mark.parametrize("n", [1_000, 10_000, 20_000, 100_000, 1_000_000])
def test_estimate_is_within_three_standard_errors(n: int) -> None:
    estimate = _estimate_numbers(np.arange(n, dtype=np.float64) * 0.5)
    assert abs(estimate / n - 1) < 3 * STANDARD_ERROR


def test_mean_error_over_many_sets_is_about_the_standard_error() -> None:
    rng = np.random.default_rng(7)
    errors = [abs(_estimate_numbers(rng.normal(size=30_000)) / 30_000 - 1) for _ in range(20)]
    assert np.mean(errors) < 0.02


def test_small_counts_are_nearly_exact() -> None:
    for n in (0, 1, 5, 50):
        assert round(_estimate_numbers(np.arange(n, dtype=np.float64))) == n


def test_strings_are_counted_within_the_bound() -> None:
    sketch = HyperLogLog()
    sketch.add_strings([f"user-{i}" for i in range(200_000)])
    assert abs(sketch.estimate() / 200_000 - 1) < 3 * STANDARD_ERROR


def test_repeated_values_do_not_count_twice() -> None:
    values = np.random.default_rng(1).normal(size=5_000)
    once = _estimate_numbers(values)
    assert _estimate_numbers(np.concatenate([values, values, values])) == once


def test_merge_equals_the_sketch_of_the_union() -> None:
    rng = np.random.default_rng(2)
    left_values, right_values = rng.normal(size=20_000), rng.normal(size=30_000)
    left, right, whole = HyperLogLog(), HyperLogLog(), HyperLogLog()
    left.add_numbers(left_values)
    right.add_numbers(right_values)
    whole.add_numbers(np.concatenate([left_values, right_values]))
    assert np.array_equal(left.merge(right).registers, whole.registers)


def test_equal_numbers_hash_alike_and_strings_apart() -> None:
    ints, floats, zero, text = HyperLogLog(), HyperLogLog(), HyperLogLog(), HyperLogLog()
    ints.add_numbers(np.array([1, 2, 3]))
    floats.add_numbers(np.array([1.0, 2.0, 3.0, -0.0, 0.0]))
    zero.add_numbers(np.array([0.0]))
    text.add_strings(["1", "2", "3"])
    assert round(floats.estimate()) == 4
    assert round(ints.merge(floats).estimate()) == 4
    assert round(ints.merge(text).estimate()) == 6


def test_round_trip_and_errors_name_the_key() -> None:
    sketch = HyperLogLog()
    sketch.add_numbers(np.arange(1000.0))
    again = HyperLogLog.from_dict(sketch.to_dict())
    assert np.array_equal(again.registers, sketch.registers)
    with pytest.raises(BadProfile, match=r"^hll.registers"):
        HyperLogLog.from_dict({"precision": 12, "registers": "AAAA"})
    with pytest.raises(BadProfile, match=r"^hll.precision"):
        sketch.merge(HyperLogLog(10))
