"""Degenerate inputs give defined results: a skip with a reason or finite numbers, never NaN."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from functions.stats import CategoricalProfile, DriftReport, NumericalProfile, Profile, drift_report


def _numerical(values: Any, like: NumericalProfile | None = None) -> NumericalProfile:
    profile = like.empty_like() if like is not None else NumericalProfile()
    profile.update(np.asarray(values, dtype=object))
    return profile


def _categorical(values: Any) -> CategoricalProfile:
    profile = CategoricalProfile()
    profile.update(np.asarray(values, dtype=object))
    return profile


def _report(training: Profile, production: Profile) -> DriftReport:
    report = drift_report({"x": training}, {"x": production})
    text = json.dumps(report.to_dict(), allow_nan=False)
    assert "Infinity" not in text and "NaN" not in text
    return report


def _assert_finite_numbers(value: Any) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _assert_finite_numbers(item)
    elif isinstance(value, list):
        for item in value:
            _assert_finite_numbers(item)
    elif isinstance(value, float):
        assert math.isfinite(value)


NORMAL = np.random.default_rng(0).normal(size=2_000)


@pytest.mark.parametrize(
    ("training", "production", "reason"),
    [
        (NORMAL, [], "production has no values"),
        (NORMAL, [None, np.nan], "production values are all missing"),
        ([None] * 5, NORMAL, "training values are all missing"),
        ([3.0] * 50, [3.0] * 20, "constant with the same value in training and production"),
    ],
)
def test_numerical_pairs_that_cannot_be_tested_are_skipped_with_a_reason(training: Any, production: Any,
                                                                         reason: str) -> None:
    result = _report(_numerical(training), _numerical(production)).feature("x")
    assert (result.status, result.reason, result.drifted) == ("skipped", reason, False)


@pytest.mark.parametrize(
    ("training", "production"),
    [
        ([3.0] * 50, [4.0] * 20),
        ([3.0] * 50, NORMAL[:500]),
        (NORMAL, [1.5] * 500),
        (NORMAL, [0.3]),
        ([1.0, 2.0], [0.5]),
        ([7.0], [7.0, 8.0]),
    ],
)
def test_constant_and_tiny_numerical_sides_give_finite_results(training: Any, production: Any) -> None:
    report = _report(_numerical(training), _numerical(production))
    result = report.feature("x")
    assert result.status == "tested" and result.p_value is not None and result.corrected_p_value is not None
    _assert_finite_numbers(report.to_dict())


def test_two_different_constants_are_drift() -> None:
    result = _report(_numerical([3.0] * 500), _numerical([4.0] * 2_000)).feature("x")
    assert result.drifted
    assert result.effect_sizes["wasserstein"] == 1.0 and result.effect_sizes["wasserstein_std"] is None


def test_unseen_production_categories_get_their_own_bins() -> None:
    rng = np.random.default_rng(1)
    training = _categorical(rng.choice(["a", "b"], 5_000))
    production = _categorical(np.concatenate([rng.choice(["a", "b"], 400), ["z"] * 100]))
    report = _report(training, production)
    result = report.feature("x")
    assert result.drifted and result.statistic is not None and math.isfinite(result.statistic)
    histogram = result.histogram
    index = histogram["categories"].index("z")
    assert (histogram["training"][index], histogram["production"][index]) == (0.0, 100.0)


@pytest.mark.parametrize(
    ("training", "production", "reason"),
    [
        (["a"] * 10, ["a"] * 3, "constant with the same value in training and production"),
        (["a", "b"], [], "production has no values"),
        ([None, None], ["a"], "training values are all missing"),
    ],
)
def test_categorical_pairs_that_cannot_be_tested_are_skipped(training: Any, production: Any, reason: str) -> None:
    assert _report(_categorical(training), _categorical(production)).feature("x").reason == reason


@pytest.mark.parametrize(("training", "production"), [(["a"] * 10, ["b"] * 3), (["a", "b", "b"], ["b"]),
                                                      (["a"] * 10, ["a", "c"])])
def test_tiny_or_constant_categorical_sides_give_finite_results(training: Any, production: Any) -> None:
    report = _report(_categorical(training), _categorical(production))
    assert report.feature("x").status == "tested"
    _assert_finite_numbers(report.to_dict())


def test_missing_profiles_and_kind_mismatches_are_skipped() -> None:
    numbers, labels = _numerical(NORMAL), _categorical(["a", "b"])
    report = drift_report({"a": numbers, "b": numbers, "c": labels}, {"b": labels, "c": labels, "d": numbers})
    reasons = {f.feature: f.reason for f in report.features}
    assert reasons == {
        "a": "no production profile",
        "b": "profile kinds differ: numerical in training, categorical in production",
        "c": None,
        "d": "no training profile",
    }
    assert report.to_dict()["skipped_reasons"] == {
        "no production profile": 1, "profile kinds differ: numerical in training, categorical in production": 1,
        "no training profile": 1}


def test_nothing_to_compare_gives_an_empty_verdict() -> None:
    report = drift_report({}, {})
    assert (len(report.tested), report.share, report.drifted) == (0, 0.0, False)
    production_empty = drift_report({"x": _numerical(NORMAL)}, {})
    assert production_empty.to_dict()["skipped"] == 1 and not production_empty.drifted


small_numbers = st.lists(st.one_of(st.none(), st.sampled_from([0.0, 1.0, 2.5, -3.0, 1e9])), max_size=12)
small_labels = st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", 3])), max_size=12)


@given(small_numbers, small_numbers, small_labels, small_labels)
@settings(max_examples=80, deadline=None)
def test_any_small_input_gives_a_json_report_without_nan(train_numbers: list[Any], prod_numbers: list[Any],
                                                         train_labels: list[Any], prod_labels: list[Any]) -> None:
    report = drift_report({"n": _numerical(train_numbers), "c": _categorical(train_labels)},
                          {"n": _numerical(prod_numbers), "c": _categorical(prod_labels)})
    json.dumps(report.to_dict(), allow_nan=False)
    for result in report.features:
        assert result.tested or result.reason
