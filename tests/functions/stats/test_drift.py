from __future__ import annotations

import json

import numpy as np
import pytest

from functions.stats import DriftConfig, ImageProfile, NumericalProfile, TextProfile, drift_report
from tests.functions.stats.synthetic import DRIFTED, training_and_production


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("n_training", "n_production", "regime"), [(5_000, 300, "small"), (100_000, 100_000, "large")])
def test_exactly_the_two_drifted_features_are_flagged(seed: int, n_training: int, n_production: int,
                                                       regime: str) -> None:
    training, production = training_and_production(seed, n_training, n_production)
    report = drift_report(training, production)
    assert set(report.drifted_features) == set(DRIFTED)
    assert {f.regime for f in report.features} == {regime}
    assert len(report.tested) == 8 and report.share == 0.25 and report.drifted is False
    json.dumps(report.to_dict(), allow_nan=False)


def test_feature_results_carry_tests_effects_and_histograms() -> None:
    training, production = training_and_production(0, 5_000, 2_000)
    report = drift_report(training, production)
    shifted, color = report.feature("shifted"), report.feature("color")
    assert (shifted.test, color.test) == ("ks", "chi2")
    assert shifted.corrected_p_value is not None and shifted.p_value is not None
    assert shifted.corrected_p_value >= shifted.p_value
    assert set(shifted.effect_sizes) == {"wasserstein", "wasserstein_std", "psi", "js"}
    assert shifted.effect_sizes["wasserstein_std"] == pytest.approx(0.5, abs=0.1)
    assert set(shifted.hydrosphere_tests) == {"welch", "mood_median", "levene", "brown_forsythe"}
    assert shifted.hydrosphere_tests["welch"].p_value is not None and shifted.hydrosphere_tests["welch"].p_value < 1e-6
    assert shifted.thresholds == {"alpha": 0.05, "wasserstein_std": 0.1, "psi": 0.2, "js": 0.1}
    histogram = shifted.histogram
    assert len(histogram["training"]) == len(histogram["production"]) == len(histogram["edges"]) + 1
    assert sum(histogram["production"]) == 2_000
    assert color.histogram["categories"] == ["red", "green", "blue", "black"]
    assert sum(color.histogram["production"]) + color.histogram["other"][1] == 2_000


def _shift_report(shift_in_std: float) -> tuple[float, bool, str | None]:
    rng = np.random.default_rng(5)
    raw = NumericalProfile()
    for _ in range(10):
        raw.update(rng.normal(size=100_000))
    training = raw.with_reference_bins()
    production = training.empty_like()
    for _ in range(10):
        production.update(rng.normal(size=100_000) + shift_in_std)
    result = drift_report({"x": training}, {"x": production}).feature("x")
    assert result.corrected_p_value is not None
    return result.corrected_p_value, result.drifted, result.regime


def test_a_trivial_shift_on_a_million_rows_is_significant_but_not_drift() -> None:
    p_value, drifted, regime = _shift_report(0.01)
    assert regime == "large" and p_value < 0.05 and not drifted


def test_a_real_shift_on_a_million_rows_is_drift() -> None:
    assert _shift_report(0.2)[1]


def test_share_threshold_decides_the_verdict() -> None:
    training, production = training_and_production(0, 5_000, 300)
    assert drift_report(training, production, DriftConfig(share_threshold=0.25)).drifted
    assert not drift_report(training, production, DriftConfig(share_threshold=0.3)).drifted


def test_correction_is_configurable() -> None:
    training, production = training_and_production(1, 5_000, 300)
    holm = drift_report(training, production, DriftConfig(correction="holm"))
    bh = drift_report(training, production, DriftConfig(correction="bh"))
    pairs = [(h.corrected_p_value, b.corrected_p_value) for h, b in zip(holm.features, bh.features, strict=True)]
    assert all(b is not None and h is not None and b <= h for h, b in pairs)
    assert any(b != h for h, b in pairs)


def test_text_and_image_fields_are_compared_through_their_parts() -> None:
    rng = np.random.default_rng(0)
    words = np.array(["good", "bad", "fine", "meh", "great"])
    training_text = TextProfile()
    training_text.update([" ".join(rng.choice(words, rng.integers(1, 8))) for _ in range(3_000)])
    production_text = training_text.with_reference_bins().empty_like()
    production_text.update([" ".join(rng.choice(words, rng.integers(1, 8))) for _ in range(3_000)])
    training_image = ImageProfile()
    training_image.update(rng.integers(0, 200, (500, 8, 8), dtype=np.uint8))
    production_image = training_image.with_reference_bins().empty_like()
    production_image.update(rng.integers(56, 256, (500, 8, 8), dtype=np.uint8))
    training = {"review": training_text.with_reference_bins(), "photo": training_image.with_reference_bins()}
    report = drift_report(training, {"review": production_text, "photo": production_image})
    names = [f.feature for f in report.features]
    assert names == ["review.chars", "review.tokens", "review.vocabulary", "photo.height", "photo.width",
                     "photo.channels", "photo.mean", "photo.std"]
    assert report.feature("photo.height").reason == "constant with the same value in training and production"
    assert set(report.drifted_features) == {"photo.mean"}
