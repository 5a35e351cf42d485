"""Outlier explanations: the field that makes a request unusual is ranked first, with the training range."""

from __future__ import annotations

import json

import numpy as np
import pytest

from functions.interpretability import FeatureSpec, InvalidArgument, TrainingReference, explain_outlier

FEATURES = [
    FeatureSpec("age", "numerical"),
    FeatureSpec("income", "numerical"),
    FeatureSpec("city", "categorical"),
    FeatureSpec("score", "numerical"),
]


@pytest.fixture(scope="module")
def training() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "age": rng.normal(40, 10, size=5000),
        "income": rng.lognormal(10, 0.5, size=5000),
        "city": rng.choice(np.array(["paris", "lyon", "nice", "brest"]), size=5000, p=[0.5, 0.3, 0.15, 0.05]),
        "score": rng.uniform(0, 1, size=5000),
    }


TYPICAL = {"age": 42.0, "income": 24000.0, "city": "paris", "score": 0.4}


@pytest.mark.parametrize("field", ["age", "income", "score"])
def test_an_injected_far_off_number_is_ranked_first(field, training):
    instance = dict(TYPICAL)
    instance[field] = float(np.max(training[field]) * 5 + 10)

    explanation = explain_outlier(instance, training, FEATURES)

    top = explanation.top
    assert top.field == field
    assert top.outside_range and top.z is not None and top.z > 5
    assert top.training["max"] == pytest.approx(float(np.max(training[field])))
    assert "outside the training range" in top.reason
    assert all(f.score < 3 for f in explanation.fields[1:])


def test_a_value_far_below_is_signed_negative(training):
    explanation = explain_outlier(dict(TYPICAL, age=-200.0), training, FEATURES)
    assert explanation.top.field == "age" and explanation.top.z is not None and explanation.top.z < -20


def test_an_unseen_category_is_ranked_first(training):
    explanation = explain_outlier(dict(TYPICAL, city="atlantis"), training, FEATURES)

    assert explanation.top.field == "city"
    assert explanation.top.reason == "'atlantis' never occurs in training"
    assert explanation.top.score > 3


def test_a_common_category_scores_lower_than_a_rare_one(training):
    common, rare = (
        next(f.score for f in explain_outlier(dict(TYPICAL, city=city), training, FEATURES).fields if f.field == "city")
        for city in ("paris", "brest")
    )
    assert common < 1 < rare


def test_profile_summaries_give_the_same_ranking_as_columns(training):
    reference = TrainingReference.from_columns(training, FEATURES)
    stored = json.loads(json.dumps(reference.to_dict(), allow_nan=False))
    instance = dict(TYPICAL, income=1e7)

    from_columns = explain_outlier(instance, training, FEATURES)
    from_summaries = explain_outlier(instance, stored, FEATURES)

    assert [f.field for f in from_summaries.fields] == [f.field for f in from_columns.fields]
    assert from_summaries.top.score == pytest.approx(from_columns.top.score)


def test_stats_profile_summaries_are_read():
    # Shaped like `functions.stats` profile summaries.
    top = [{"value": "paris", "count": 600}, {"value": "lyon", "count": 250}, {"value": "nice", "count": 50}]
    summaries = {
        "age": {"count": 900, "missing": 0, "min": 18.0, "max": 90.0, "p5": 20.0, "q1": 30.0, "median": 40.0,
                "q3": 50.0, "p95": 70.0, "std": 12.0, "histogram": {"edges": [], "counts": []}},
        "city": {"count": 900, "missing": 3, "distinct": 3, "exact": True, "other": 0, "top": top},
    }  # fmt: skip
    features = [FeatureSpec("age", "numerical"), FeatureSpec("city", "categorical")]

    explanation = explain_outlier({"age": 41.0, "city": "nice"}, summaries, features)

    assert explanation.top.field == "city" and explanation.top.reason == "'nice' is 5.56% of training values"
    assert explanation.fields[1].z == pytest.approx(1 / (20 / 1.349))


def test_a_constant_training_column_gives_a_finite_score():
    training = {"flag": np.zeros(100), "x": np.arange(100.0)}
    features = [FeatureSpec("flag", "numerical"), FeatureSpec("x", "numerical")]

    same = explain_outlier({"flag": 0.0, "x": 50.0}, training, features)
    other = explain_outlier({"flag": 1.0, "x": 50.0}, training, features)

    assert next(f.score for f in same.fields if f.field == "flag") == 0.0
    assert other.top.field == "flag" and np.isfinite(other.top.score)
    json.dumps(other.to_dict(), allow_nan=False)


def test_a_missing_value_is_explained_by_how_often_training_missed_it():
    training = {"x": np.array([1.0, 2.0, 3.0, 4.0] * 25), "y": np.array([1.0, np.nan] * 50)}
    features = [FeatureSpec("x", "numerical"), FeatureSpec("y", "numerical")]

    explanation = explain_outlier({"x": None, "y": None}, training, features)

    assert explanation.top.field == "x" and explanation.top.outside_range
    assert "value is missing (0 of 100" in explanation.top.reason


@pytest.mark.parametrize(
    ("instance", "data", "field"),
    [
        ({"age": 1.0, "income": 1.0, "city": "paris"}, None, "instance.score"),
        (dict(TYPICAL, age="old"), None, "instance.age"),
        (TYPICAL, {"age": [1.0]}, "training.income"),
        (TYPICAL, {"age": {"median": 1.0}}, "training.age.min"),
        ([1, 2], None, "instance"),
    ],
)
def test_bad_arguments_name_the_field(instance, data, field, training):
    with pytest.raises(InvalidArgument) as error:
        explain_outlier(instance, training if data is None else data, FEATURES)
    assert error.value.field == field
