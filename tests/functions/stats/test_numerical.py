from __future__ import annotations

import json

import numpy as np
import pytest

from functions.stats.errors import BadProfile, BadValues
from functions.stats.numerical import NumericalProfile


def _profile(values: np.ndarray, chunks: int = 7, **kwargs: object) -> NumericalProfile:
    profile = NumericalProfile(**kwargs)  # type: ignore[arg-type]
    for chunk in np.array_split(values, chunks):
        profile.update(chunk)
    return profile


def test_summary_matches_numpy() -> None:
    data = np.random.default_rng(0).normal(5.0, 2.0, 100_000)
    summary = _profile(data).summary()
    assert summary["count"] == data.size
    assert (summary["min"], summary["max"]) == (data.min(), data.max())
    assert summary["mean"] == pytest.approx(data.mean())
    assert summary["std"] == pytest.approx(data.std(ddof=1))
    assert abs(summary["distinct"] / data.size - 1) < 0.05
    ordered = np.sort(data)
    for name, q in (("p5", 0.05), ("q1", 0.25), ("median", 0.5), ("q3", 0.75), ("p95", 0.95)):
        assert abs(np.searchsorted(ordered, summary[name]) / data.size - q) <= 0.01


def test_missing_and_infinite_values_are_counted_apart() -> None:
    profile = NumericalProfile()
    profile.update(np.array([1.0, None, 2, np.nan, np.inf, -np.inf, 3], dtype=object))
    summary = profile.summary()
    assert (summary["count"], summary["missing"], summary["infinite"]) == (3, 2, 2)
    assert (summary["min"], summary["max"], summary["mean"], summary["distinct"]) == (1.0, 3.0, 2.0, 3)


def test_other_shapes_and_types_are_flattened() -> None:
    profile = NumericalProfile()
    profile.update(np.arange(12, dtype=np.int32).reshape(3, 4))
    profile.update([True, False])
    profile.update(np.array(["2.5"]))
    assert profile.count == 15
    assert profile.maximum == 11.0


def test_non_numbers_are_rejected_naming_the_values() -> None:
    with pytest.raises(BadValues, match=r"^values: a numerical profile needs numbers"):
        NumericalProfile().update(np.array(["a", "b"]))
    with pytest.raises(BadValues, match=r"^values"):
        NumericalProfile().update(np.array([1 + 2j]))


def test_reference_bins_count_exactly_with_underflow_and_overflow() -> None:
    edges = [0.0, 1.0, 2.0, 3.0]
    profile = NumericalProfile(edges)
    profile.update(np.array([-5.0, 0.0, 0.5, 1.0, 2.9, 3.0, 3.0, 7.0]))
    assert profile.summary()["histogram"] == {
        "edges": edges, "counts": [1.0, 2.0, 1.0, 3.0, 1.0], "estimated": False}


def test_training_profile_derives_equal_frequency_edges_from_its_sketch() -> None:
    data = np.random.default_rng(1).exponential(size=200_000)
    training = _profile(data).with_reference_bins(10)
    assert training.edges is not None and training.bin_counts is not None
    assert training.edges[0] == data.min() and training.edges[-1] == data.max()
    assert training.bin_counts.sum() == data.size
    assert np.abs(training.bin_counts[1:-1] / data.size - 0.1).max() < 0.01
    exact = np.histogram(data, bins=training.edges)[0]
    assert np.abs(training.bin_counts[1:-1] - exact).max() <= 0.01 * data.size


def test_production_profiles_share_the_training_bins() -> None:
    rng = np.random.default_rng(2)
    training = _profile(rng.normal(size=10_000)).with_reference_bins()
    production = training.empty_like()
    values = rng.normal(size=3_000)
    production.update(values)
    assert production.edges is not None
    assert np.array_equal(production.edges, training.edges)
    assert production.count == 3_000
    assert production.counts_for(production.edges).sum() == 3_000
    assert production.summary()["histogram"]["estimated"] is False


def test_repeated_values_collapse_edges_and_constants_get_one_closed_bin() -> None:
    few = _profile(np.random.default_rng(3).integers(0, 3, 10_000).astype(float)).with_reference_bins()
    assert few.edges is not None and list(few.edges) == [0.0, 1.0, 2.0]
    constant = _profile(np.full(100, 4.0)).with_reference_bins()
    assert constant.edges is not None and list(constant.edges) == [4.0, 4.0]
    assert list(constant.counts_for(constant.edges)) == [0.0, 100.0, 0.0]


def test_merging_profiles_with_different_bins_is_refused() -> None:
    with pytest.raises(BadProfile, match=r"^bins.edges"):
        NumericalProfile([0.0, 1.0]).merge(NumericalProfile([0.0, 2.0]))
    with pytest.raises(BadProfile, match=r"^bins.edges"):
        NumericalProfile([1.0, 0.0])


def test_empty_profile_summary_is_json_without_nan() -> None:
    summary = NumericalProfile().summary()
    assert summary["count"] == 0 and summary["mean"] is None and summary["median"] is None
    json.dumps(summary, allow_nan=False)
    json.dumps(NumericalProfile().to_dict(), allow_nan=False)
    json.dumps(NumericalProfile().with_reference_bins().to_dict(), allow_nan=False)


def test_memory_is_bounded_per_field_not_per_row() -> None:
    profile = _profile(np.random.default_rng(4).normal(size=500_000), chunks=50)
    assert len(json.dumps(profile.to_dict())) < 20_000
