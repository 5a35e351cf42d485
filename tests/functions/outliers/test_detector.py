"""Training for real on synthetic people: what the chosen detector flags, and its report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from functions.outliers import COMPARISON, BadSettings, Detector, TrainingSettings, train_from_csv
from functions.outliers.algorithms import ALGORITHMS
from protos.contract import Contract
from tests.functions.outliers.conftest import CONTRACT, TRAINING_ROWS, far_outliers, people, write_csv


def test_about_the_contamination_share_of_training_rows_is_flagged(detector: Detector) -> None:
    assert detector.report.training_outlier_rate == pytest.approx(0.03, abs=0.002)
    # Scored again as requests, LOF's training rows count themselves as neighbours and look a
    # little more normal than on the scores the threshold came from; hence the wider tolerance.
    flagged = detector.score(people(TRAINING_ROWS, seed=0))["is_outlier"]
    assert 0.015 <= flagged.mean() <= 0.045


def test_fresh_inliers_are_rarely_flagged(detector: Detector) -> None:
    assert detector.score(people(10_000, seed=1))["is_outlier"].mean() <= 0.05


def test_far_away_outliers_are_flagged(detector: Detector) -> None:
    assert detector.score(far_outliers(500, seed=2))["is_outlier"].mean() >= 0.9


def test_values_above_the_threshold_are_exactly_the_flagged_ones(detector: Detector) -> None:
    scored = detector.score({**people(50, seed=3), "age": np.linspace(-100, 200, 50)})
    assert scored["is_outlier"].any() and not scored["is_outlier"].all()
    assert np.array_equal(scored["is_outlier"], scored["value"] > detector.report.threshold)


def test_a_category_never_seen_in_training_is_scored(detector: Detector) -> None:
    row = {"age": 40.0, "income": 40_000.0, "hours": 40, "grade": 2}
    for city in ("atlantis", "", None):
        assert np.isfinite(detector.score({**row, "city": city})["value"])


def test_the_report_names_the_choice_scores_and_columns(detector: Detector) -> None:
    report = detector.report
    assert report.algorithm in ALGORITHMS and set(report.criterion_scores) == set(ALGORITHMS)
    assert report.criterion == "mass-volume" and report.comparison == COMPARISON == "LessEq"
    assert report.numerical_columns == ("age", "income", "hours")
    assert report.categorical_columns == ("city", "grade")
    assert report.skipped_columns == (("photo", "shape [28, 28] is not scalar"),)
    assert (report.rows_used, report.rows_read, report.contamination) == (TRAINING_ROWS, TRAINING_ROWS, 0.03)
    assert report.training_seconds > 0
    encoded = json.loads(json.dumps(report.to_dict()))
    assert encoded["skipped_columns"] == [{"name": "photo", "reason": report.skipped_columns[0][1]}]
    assert encoded["threshold"] == report.threshold


def test_the_metric_spec_is_hydrospheres_json(detector: Detector) -> None:
    assert detector.report.metric_spec("auto_od", 7, 12) == {
        "name": "auto_od",
        "modelVersionId": 7,
        "config": {"modelVersionId": 12, "threshold": detector.report.threshold,
                   "thresholdCmpOperator": {"kind": "LessEq"}},
    }


def test_training_is_deterministic_for_a_seed(training_csv: Path, detector: Detector) -> None:
    again = train_from_csv(training_csv, CONTRACT, TrainingSettings(seed=0))
    assert again.report.criterion_scores == detector.report.criterion_scores
    assert again.report.threshold == detector.report.threshold
    probe = far_outliers(20, seed=4)
    assert np.array_equal(again.score(probe)["value"], detector.score(probe)["value"])


def test_contamination_sets_the_flagged_share(training_csv: Path) -> None:
    report = train_from_csv(training_csv, CONTRACT, TrainingSettings(contamination=0.1)).report
    assert report.training_outlier_rate == pytest.approx(0.1, abs=0.005)


@pytest.mark.parametrize(("options", "field"), [
    ({"contamination": 0.0}, "contamination"),
    ({"contamination": 0.6}, "contamination"),
    ({"max_rows": 0}, "max_rows"),
    ({"alpha_min": 0.99, "alpha_max": 0.9}, "alpha_min, alpha_max"),
    ({"min_rows": 3}, "min_rows"),
])
def test_bad_settings_name_the_setting(options: dict[str, float], field: str) -> None:
    with pytest.raises(BadSettings, match=f"^{field}: "):
        TrainingSettings(**options)  # type: ignore[arg-type]


def test_constant_and_empty_columns_do_not_break_training(tmp_path: Path) -> None:
    contract = Contract.from_dict({
        "inputs": {"const": {"type": "double"}, "empty": {"type": "double"}, "y": {"type": "double"},
                   "tag": {"type": "string"}},
        "outputs": {"o": {"type": "double"}},
    })
    rng = np.random.default_rng(6)
    rows = [[5.0, "", value, "same"] for value in rng.normal(0, 1, 500)]
    detector = train_from_csv(write_csv(tmp_path / "c.csv", ["const", "empty", "y", "tag"], rows), contract)
    assert detector.report.training_outlier_rate == pytest.approx(0.03, abs=0.01)
    scored = detector.score({"const": [5.0, 5.0], "empty": [None, 1.0], "y": [0.0, 0.0], "tag": ["same", "new"]})
    assert np.isfinite(scored["value"]).all()
