"""Comparing two categorical profiles: chi-square over the union of categories, JS and PSI.

Each side's values beyond its tracked top values (only when it had more distinct values than its
counters) form one extra `other` category. A category seen on one side only is its own column.
"""

from __future__ import annotations

import numpy as np

from functions.stats.categorical import CategoricalProfile
from functions.stats.config import DriftConfig
from functions.stats.effects import js_distance, psi
from functions.stats.numerical_drift import regime, skip_reason
from functions.stats.report import FeatureDrift
from functions.stats.significance import chi_square
from functions.stats.values import Category

HISTOGRAM_CATEGORIES = 30


def compare_categorical(name: str, training: CategoricalProfile, production: CategoricalProfile,
                        config: DriftConfig) -> FeatureDrift:
    same_constant = (training.is_constant() and production.is_constant()
                     and set(training.frequent.counts) == set(production.frequent.counts))
    reason = skip_reason(training.count, training.missing, production.count, production.missing, same_constant)
    if reason:
        return FeatureDrift(name, "categorical", "skipped", reason, training.count, production.count)
    categories, table = _table(training, production)
    effects = {"psi": psi(table[0], table[1]), "js": js_distance(table[0], table[1])}
    thresholds = {"alpha": config.alpha, "psi": config.psi_threshold, "js": config.js_threshold}
    result = chi_square(table[:, table.sum(axis=0) > 0])
    return FeatureDrift(
        name, "categorical", "tested", None, training.count, production.count, test="chi2",
        statistic=result.statistic, p_value=result.p_value,
        regime=regime(training.count, production.count, config), effect_sizes=effects, thresholds=thresholds,
        histogram=_histogram(categories, table),
    )


def _table(training: CategoricalProfile, production: CategoricalProfile) -> tuple[list[Category], np.ndarray]:
    """Categories (most frequent in training first) and the 2 x (K + 1) table, `other` last."""
    left, right = training.frequent.counts, production.frequent.counts
    categories = sorted(set(left) | set(right), key=lambda key: (-left.get(key, 0), -right.get(key, 0), str(key)))
    table = np.array([[left.get(key, 0) for key in categories] + [training.frequent.other],
                      [right.get(key, 0) for key in categories] + [production.frequent.other]], dtype=np.float64)
    return categories, table


def _histogram(categories: list[Category], table: np.ndarray) -> dict[str, object]:
    """The most common categories by pooled share, the rest folded into `other`."""
    shares = table[0, :-1] / max(table[0].sum(), 1.0) + table[1, :-1] / max(table[1].sum(), 1.0)
    shown = sorted(np.argsort(-shares, kind="stable")[:HISTOGRAM_CATEGORIES].tolist())
    rest = table.sum(axis=1) - table[:, shown].sum(axis=1)
    return {
        "categories": [categories[i] for i in shown],
        "training": table[0, shown].tolist(),
        "production": table[1, shown].tolist(),
        "other": rest.tolist(),
    }
