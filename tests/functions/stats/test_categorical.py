from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from functions.stats.categorical import CategoricalProfile
from functions.stats.errors import BadValues


def test_counts_are_exact_below_capacity() -> None:
    rng = np.random.default_rng(0)
    values = rng.choice(["red", "green", "blue", "cyan"], 10_000, p=[0.4, 0.3, 0.2, 0.1])
    profile = CategoricalProfile()
    for chunk in np.array_split(values, 9):
        profile.update(chunk)
    summary = profile.summary()
    assert summary["exact"] is True and summary["distinct"] == 4 and summary["other"] == 0
    expected = Counter(values.tolist()).most_common()
    assert [(row["value"], row["count"]) for row in summary["top"]] == expected


@pytest.mark.parametrize(
    ("values", "expected", "missing"),
    [
        (np.array(["a", None, "b", np.nan, "a"], dtype=object), {"a": 2, "b": 1}, 2),
        (np.array([1, 2, 2]), {1: 1, 2: 2}, 0),
        (np.array([3.0, np.nan, 3.0]), {3: 2}, 1),
        (np.array([True, False, True]), {True: 2, False: 1}, 0),
        (np.array([b"x", "x", np.inf], dtype=object), {"x": 2, "inf": 1}, 0),
    ],
)
def test_values_of_each_type_and_missing_values(values: np.ndarray, expected: dict[object, int],
                                                missing: int) -> None:
    profile = CategoricalProfile()
    profile.update(values)
    assert dict(profile.frequent.counts) == expected
    assert profile.missing == missing
    assert profile.count == sum(expected.values())


def test_integral_floats_are_the_same_category_as_ints() -> None:
    profile = CategoricalProfile()
    profile.update(np.array([1, 2]))
    profile.update(np.array([1.0, 2.5]))
    assert dict(profile.frequent.counts) == {1: 2, 2: 1, 2.5: 1}


def test_beyond_capacity_counts_are_lower_bounds_within_the_error_bound() -> None:
    rng = np.random.default_rng(1)
    values = rng.zipf(1.3, 50_000) % 5_000
    profile = CategoricalProfile(capacity=100)
    for chunk in np.array_split(values, 20):
        profile.update(chunk)
    truth = Counter(values.tolist())
    bound = values.size / 101
    assert not profile.frequent.exact
    assert len(profile.frequent.counts) <= 100
    for key, count in profile.frequent.counts.items():
        assert truth[key] - bound <= count <= truth[key]
    heavy = [key for key, count in truth.items() if count > bound]
    assert set(heavy) <= set(profile.frequent.counts)
    assert abs(profile.distinct / len(truth) - 1) < 0.05


def test_distinct_is_estimated_once_counters_overflow() -> None:
    profile = CategoricalProfile(capacity=50)
    profile.update(np.array([f"id-{i}" for i in range(20_000)]))
    assert abs(profile.distinct / 20_000 - 1) < 0.05


def test_unsupported_values_are_rejected() -> None:
    with pytest.raises(BadValues, match=r"^values"):
        CategoricalProfile().update(np.array([1 + 1j]))


def test_json_keeps_value_types() -> None:
    mixed, flags = CategoricalProfile(), CategoricalProfile()
    mixed.update(np.array(["1", 1, 2.5], dtype=object))
    flags.update(np.array([True, False]))
    for profile in (mixed, flags):
        again = CategoricalProfile.from_dict(json.loads(json.dumps(profile.to_dict(), allow_nan=False)))
        assert {(key, type(key)) for key in again.frequent.counts} == {
            (key, type(key)) for key in profile.frequent.counts}
        assert again.summary() == profile.summary()
