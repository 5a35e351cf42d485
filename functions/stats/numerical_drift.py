"""Comparing two numerical profiles: KS from the sketches, effect sizes, Hydrosphere's tests."""

from __future__ import annotations

import numpy as np

from functions.stats.config import DriftConfig
from functions.stats.effects import js_distance, ks_statistic, psi, wasserstein
from functions.stats.numerical import NumericalProfile
from functions.stats.report import FeatureDrift
from functions.stats.significance import TestResult, effective_n, ks_p_value, levene, mood_median, welch


def skip_reason(training_count: int, training_missing: int, production_count: int, production_missing: int,
                constant_and_equal: bool) -> str | None:
    """Why a pair of profiles cannot be tested, or None when it can."""
    for side, count, missing in (("training", training_count, training_missing),
                                 ("production", production_count, production_missing)):
        if count == 0:
            return f"{side} values are all missing" if missing else f"{side} has no values"
    if constant_and_equal:
        return "constant with the same value in training and production"
    return None


def regime(training_count: int, production_count: int, config: DriftConfig) -> str:
    return "small" if effective_n(training_count, production_count) < config.small_sample_limit else "large"


def compare_numerical(name: str, training: NumericalProfile, production: NumericalProfile,
                      config: DriftConfig) -> FeatureDrift:
    """KS decides (corrected later); Wasserstein/std, PSI and JS gate large samples."""
    same_constant = (training.is_constant() and production.is_constant()
                     and training.minimum == production.minimum)
    reason = skip_reason(training.count, training.missing, production.count, production.missing, same_constant)
    if reason:
        return FeatureDrift(name, "numerical", "skipped", reason, training.count, production.count)
    edges = training.edges if training.edges is not None else training.histogram(config.bins)[0]
    training_bins, production_bins = training.counts_for(edges), production.counts_for(edges)
    statistic = ks_statistic(training.sketch, production.sketch)
    thresholds = {"alpha": config.alpha, "wasserstein_std": config.wasserstein_threshold,
                  "psi": config.psi_threshold, "js": config.js_threshold}
    histogram = {"edges": edges.tolist(), "training": training_bins.tolist(), "production": production_bins.tolist()}
    return FeatureDrift(
        name, "numerical", "tested", None, training.count, production.count, test="ks", statistic=statistic,
        p_value=ks_p_value(statistic, training.count, production.count),
        regime=regime(training.count, production.count, config),
        effect_sizes=_effects(training, production, training_bins, production_bins), thresholds=thresholds,
        hydrosphere_tests=_hydrosphere_tests(training, production), histogram=histogram,
    )


def _effects(training: NumericalProfile, production: NumericalProfile, training_bins: np.ndarray,
             production_bins: np.ndarray) -> dict[str, float | None]:
    """Wasserstein-1 raw and in training standard deviations (the production one when training is
    constant; None when both are), PSI and JS distance over the shared bins."""
    distance = wasserstein(training.sketch, production.sketch)
    scale = training.std or production.std
    return {
        "wasserstein": distance,
        "wasserstein_std": distance / scale if scale else None,
        "psi": psi(training_bins, production_bins),
        "js": js_distance(training_bins, production_bins),
    }


def _hydrosphere_tests(training: NumericalProfile, production: NumericalProfile) -> dict[str, TestResult]:
    return {
        "welch": welch(training.moments, production.moments),
        "mood_median": mood_median(training.sketch, production.sketch),
        "levene": levene(training.sketch, production.sketch, center="mean"),
        "brown_forsythe": levene(training.sketch, production.sketch, center="median"),
    }
