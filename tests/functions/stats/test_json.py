"""Profiles and reports survive JSON (without NaN or infinity) and come back equal."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from functions.stats import (
    BadProfile,
    CategoricalProfile,
    DriftReport,
    ImageProfile,
    NumericalProfile,
    Profile,
    TextProfile,
    drift_report,
    profile_from_dict,
)
from tests.functions.stats.synthetic import training_and_production


def _through_json(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, allow_nan=False))  # type: ignore[no-any-return]


def _filled() -> list[Profile]:
    rng = np.random.default_rng(0)
    numbers = NumericalProfile()
    numbers.update(np.concatenate([rng.normal(size=50_000), [np.nan, np.inf]]))
    labels = CategoricalProfile()
    labels.update(np.array(["a", "b", None, 3, 2.5], dtype=object))
    texts = TextProfile()
    texts.update(["one two", "three", None])
    images = ImageProfile()
    images.update(rng.random((4, 5, 5, 3)))
    return [numbers, numbers.with_reference_bins(), labels, texts, texts.with_reference_bins(), images,
            NumericalProfile(), CategoricalProfile(), TextProfile(), ImageProfile()]


@pytest.mark.parametrize("profile", _filled(), ids=lambda p: p.kind)
def test_profiles_round_trip(profile: Profile) -> None:
    again = profile_from_dict(_through_json(profile.to_dict()))
    assert again.to_dict() == profile.to_dict()
    assert json.dumps(again.summary(), allow_nan=False) == json.dumps(profile.summary(), allow_nan=False)


def test_a_restored_profile_keeps_streaming_and_merging() -> None:
    profile = _filled()[0]
    again = profile_from_dict(_through_json(profile.to_dict()))
    assert isinstance(again, NumericalProfile)
    again.update(np.arange(10.0))
    assert again.merge(profile).count == 2 * profile.count + 10


def test_reports_round_trip() -> None:
    training, production = training_and_production(0, 3_000, 500)
    report = drift_report(training, production)
    again = DriftReport.from_dict(_through_json(report.to_dict()))
    assert again.to_dict() == report.to_dict()
    assert again.drifted_features == report.drifted_features


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (lambda d: d.pop("missing"), "missing"),
        (lambda d: d.update(missing="many"), "missing"),
        (lambda d: d.update(version=99), "version"),
        (lambda d: d["sketch"].update(n=-1), "sketch.n"),
        (lambda d: d.pop("hll"), "hll"),
        (lambda d: d["moments"].pop("m2"), "moments"),
        (lambda d: d.update(bins={"edges": [1.0, 0.0], "counts": [0, 0, 0], "estimated": True}), "bins.edges"),
    ],
)
def test_malformed_numerical_profiles_name_the_key(mutate: Any, key: str) -> None:
    data = _through_json(_filled()[1].to_dict())
    mutate(data)
    with pytest.raises(BadProfile) as error:
        profile_from_dict(data)
    assert error.value.key == key


def test_malformed_nested_profiles_name_the_path() -> None:
    data = _through_json(_filled()[3].to_dict())
    data["chars"].pop("moments")
    with pytest.raises(BadProfile, match=r"^chars.moments"):
        profile_from_dict(data)
    labels = _through_json(_filled()[2].to_dict())
    labels["frequent"]["counts"].append([["nested"], 1])
    with pytest.raises(BadProfile, match=r"^frequent.counts"):
        profile_from_dict(labels)
