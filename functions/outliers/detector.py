"""Training: read the sample, encode it, choose between the two candidates, fit the winner."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from functions.outliers import scoring
from functions.outliers.algorithms import ISOLATION_FOREST, LOCAL_OUTLIER_FACTOR, fit, threshold, training_outlier_rate
from functions.outliers.columns import ColumnPlan
from functions.outliers.criterion import NAME as CRITERION
from functions.outliers.criterion import mass_volume_scores
from functions.outliers.encoding import input_spec
from functions.outliers.errors import BadTrainingData
from functions.outliers.report import COMPARISON, DetectorReport
from functions.outliers.settings import TrainingSettings
from functions.outliers.training_data import Source, TrainingData, read_training_data
from protos.contract import Contract

logger = logging.getLogger(__name__)
BUNDLE_FORMAT = 1


@dataclass(frozen=True)
class Detector:
    """A trained detector: the bundle the served model loads, and the report on its training."""

    plan: ColumnPlan
    bundle: Mapping[str, Any]
    """Plain data and scikit-learn objects only (see `scoring`): safe to unpickle without `functions`."""
    report: DetectorReport

    def score(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """`{"value", "is_outlier"}` for inputs given as the served model gets them (name -> a
        scalar, or a sequence of values for a batch); the same code the served model runs."""
        return scoring.score(self.bundle, inputs)


def train_from_csv(source: Source, contract: Contract, settings: TrainingSettings | None = None) -> Detector:
    """Read the training CSV (`read_training_data`) and `train` on it."""
    settings = settings or TrainingSettings()
    return train(read_training_data(source, contract, max_rows=settings.max_rows, seed=settings.seed), settings)


def train(data: TrainingData, settings: TrainingSettings | None = None) -> Detector:
    """Fit both candidates, choose by the mass-volume criterion, refit the winner on all rows."""
    settings = settings or TrainingSettings()
    started = time.perf_counter()
    if data.rows_used < settings.min_rows:
        raise BadTrainingData(f"training data: {data.rows_used} rows; at least {settings.min_rows} are needed")
    spec = input_spec(data.plan, data.cells, settings.top_categories)
    matrix, _ = scoring.to_matrix(spec, data.cells)
    scores = mass_volume_scores(spec, matrix, settings)
    algorithm = choose(scores)
    rows = _fit_rows(algorithm, len(matrix), settings)
    pipeline = fit(algorithm, spec, matrix[rows], settings)
    bundle = {**spec, "pipeline": pipeline, "threshold": threshold(pipeline), "algorithm": algorithm,
              "format": BUNDLE_FORMAT}
    report = DetectorReport(
        algorithm=algorithm, criterion=CRITERION, criterion_scores=scores, threshold=bundle["threshold"],
        comparison=COMPARISON, contamination=settings.contamination,
        numerical_columns=tuple(c.name for c in data.plan.numerical),
        categorical_columns=tuple(c.name for c in data.plan.categorical),
        skipped_columns=data.plan.skipped, rows_used=data.rows_used, rows_read=data.rows_read,
        training_outlier_rate=training_outlier_rate(pipeline, matrix[rows]),
        training_seconds=time.perf_counter() - started, seed=settings.seed,
    )
    logger.info("outlier detector: %s (mass-volume %s), threshold %.4g, %d rows in %.1f s",
                algorithm, scores, report.threshold, report.rows_used, report.training_seconds)
    return Detector(data.plan, bundle, report)


def choose(scores: Mapping[str, float]) -> str:
    """The candidate with the smaller mass-volume area. Isolation Forest on ties (and when LOF's
    area is not a number): it is cheaper to serve, as it keeps no training rows."""
    lof, forest = scores[LOCAL_OUTLIER_FACTOR], scores[ISOLATION_FOREST]
    if math.isfinite(lof) and (not math.isfinite(forest) or lof < forest):
        return LOCAL_OUTLIER_FACTOR
    return ISOLATION_FOREST


def _fit_rows(algorithm: str, rows: int, settings: TrainingSettings) -> np.ndarray:
    """Every row, except that LOF (which stores its rows) fits on a seeded subsample beyond its cap."""
    if algorithm != LOCAL_OUTLIER_FACTOR or rows <= settings.lof_max_rows:
        return np.arange(rows)
    return np.sort(np.random.default_rng(settings.seed).choice(rows, settings.lof_max_rows, replace=False))
