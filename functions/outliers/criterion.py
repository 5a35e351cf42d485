"""The mass-volume criterion (Goix 2016, "How to evaluate the quality of unsupervised anomaly
detection algorithms?"): choosing a detector without labelled outliers.

A scoring function is good when its high-mass level sets are small: for each mass alpha, take the
smallest score level that keeps alpha of held-out rows, and measure the volume of the region
scoring above it. The area under that volume curve for alpha in [0.9, 0.999] is the criterion;
smaller is better.

Volumes are Monte-Carlo estimates under a uniform reference measure: uniform over the training
range of each numerical column, uniform over the observed values of each categorical column
(after top-K grouping). They are fractions of that reference box, the same for every candidate,
so the areas compare. In more than `max_volume_features` columns nearly no uniform point lands
in a high-mass region and every estimate is zero, so, as in the paper, the criterion averages
over random subsets of `subset_features` columns with each candidate refitted on the subset.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from functions.outliers.algorithms import ALGORITHMS, fit
from functions.outliers.encoding import subset_spec
from functions.outliers.settings import TrainingSettings

NAME = "mass-volume"


def mass_volume_scores(spec: Mapping[str, Any], matrix: np.ndarray, settings: TrainingSettings) -> dict[str, float]:
    """Area under the mass-volume curve per algorithm (smaller is better); candidates are fitted on
    one seeded split of `matrix` and scored on the other."""
    rng = np.random.default_rng(settings.seed)
    train, test = _split(len(matrix), settings, rng)
    subsets = _feature_subsets(matrix.shape[1], settings, rng)
    alphas = np.linspace(settings.alpha_min, settings.alpha_max, settings.alpha_steps)
    totals = dict.fromkeys(ALGORITHMS, 0.0)
    for positions in subsets:
        sub_spec = subset_spec(spec, positions.tolist())
        columns = matrix[:, positions]
        uniform = uniform_points(columns, len(sub_spec["numerical"]), settings.volume_points, rng)
        for algorithm in ALGORITHMS:
            pipeline = fit(algorithm, sub_spec, columns[train], settings)
            test_scores = pipeline.score_samples(columns[test])
            totals[algorithm] += mass_volume_area(test_scores, pipeline.score_samples(uniform), alphas)
    return {algorithm: totals[algorithm] / len(subsets) for algorithm in ALGORITHMS}


def mass_volume_area(normality: np.ndarray, uniform_normality: np.ndarray, alphas: np.ndarray) -> float:
    """Area under alpha -> volume{x: s(x) >= t_alpha}, where t_alpha is the largest level keeping
    at least alpha of the rows scored `normality` (higher = more normal), and the volume is the
    share of uniform reference points scoring at or above it."""
    ordered = np.sort(np.asarray(normality, dtype=np.float64))
    # The epsilon keeps (1 - 0.9) * 10 at 1 row, not 0.999... rows, in floating point.
    below = np.floor((1.0 - alphas) * len(ordered) + 1e-9).astype(int)
    levels = ordered[np.clip(below, 0, len(ordered) - 1)]
    reference = np.sort(np.asarray(uniform_normality, dtype=np.float64))
    volumes = (len(reference) - np.searchsorted(reference, levels, side="left")) / len(reference)
    return float(np.trapezoid(volumes, alphas))


def uniform_points(matrix: np.ndarray, n_numerical: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` rows drawn from the reference measure of `matrix`'s columns (numerical ones first)."""
    points = np.empty((count, matrix.shape[1]), dtype=object)
    for j in range(matrix.shape[1]):
        column = matrix[:, j]
        if j < n_numerical:
            values = column.astype(np.float64)
            values = values[~np.isnan(values)]
            low, high = (values.min(), values.max()) if values.size else (0.0, 0.0)
            points[:, j] = rng.uniform(low, high, count)
        else:
            points[:, j] = rng.choice(np.array(sorted(set(column)), dtype=object), count)
    return points


def _split(rows: int, settings: TrainingSettings, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(rows)
    n_test = min(settings.criterion_test_rows, max(1, rows // 4))
    return order[n_test:n_test + settings.criterion_train_rows], order[:n_test]


def _feature_subsets(columns: int, settings: TrainingSettings, rng: np.random.Generator) -> list[np.ndarray]:
    if columns <= settings.max_volume_features:
        return [np.arange(columns)]
    return [np.sort(rng.choice(columns, settings.subset_features, replace=False))
            for _ in range(settings.feature_subsets)]
