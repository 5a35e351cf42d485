"""The two candidate detectors, each as one scikit-learn Pipeline (encoder + detector).

Both follow scikit-learn's convention: `score_samples` is higher for normal rows and `offset_`
is the score below which the `contamination` share of the training rows falls. For Isolation
Forest that share is measured on the training rows' own scores; for Local Outlier Factor on
`negative_outlier_factor_`, the training rows' scores computed without counting a row as its own
neighbour. Scoring LOF's training rows with `score_samples` would count them as their own
neighbours and make them look more normal than fresh rows, so a threshold taken from those scores
would flag too many fresh rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from functions.outliers.encoding import encoder
from functions.outliers.settings import TrainingSettings

if TYPE_CHECKING:  # scikit-learn is imported when a detector is trained, not when monitoring starts
    from sklearn.ensemble import IsolationForest
    from sklearn.neighbors import LocalOutlierFactor
    from sklearn.pipeline import Pipeline

ISOLATION_FOREST = "isolation_forest"
LOCAL_OUTLIER_FACTOR = "local_outlier_factor"
ALGORITHMS = (ISOLATION_FOREST, LOCAL_OUTLIER_FACTOR)


def fit(algorithm: str, spec: Mapping[str, Any], matrix: np.ndarray, settings: TrainingSettings) -> Pipeline:
    """A fitted Pipeline of `algorithm` on `matrix` (rows built by `scoring.to_matrix`)."""
    from sklearn.pipeline import Pipeline

    pipeline = Pipeline([("encode", encoder(spec)), ("detect", _detector(algorithm, len(matrix), settings))])
    return pipeline.fit(matrix)


def threshold(pipeline: Pipeline) -> float:
    """The anomaly score above which a row is an outlier (the detector's `offset_`, negated)."""
    return float(-pipeline.named_steps["detect"].offset_)


def training_outlier_rate(pipeline: Pipeline, matrix: np.ndarray) -> float:
    """The share of training rows above the threshold, on the scores the threshold came from."""
    from sklearn.neighbors import LocalOutlierFactor

    detector = pipeline.named_steps["detect"]
    if isinstance(detector, LocalOutlierFactor):
        normality = detector.negative_outlier_factor_
    else:
        normality = pipeline.score_samples(matrix)
    return float(np.mean(normality < detector.offset_))


def _detector(algorithm: str, rows: int, settings: TrainingSettings) -> IsolationForest | LocalOutlierFactor:
    from sklearn.ensemble import IsolationForest
    from sklearn.neighbors import LocalOutlierFactor

    if algorithm == ISOLATION_FOREST:
        return IsolationForest(
            n_estimators=settings.n_estimators, contamination=settings.contamination, random_state=settings.seed
        )
    if algorithm == LOCAL_OUTLIER_FACTOR:
        return LocalOutlierFactor(
            n_neighbors=max(1, min(settings.n_neighbors, rows - 1)), contamination=settings.contamination,
            novelty=True,
        )
    raise ValueError(f"algorithm: unknown {algorithm!r}; one of {', '.join(ALGORITHMS)}")
