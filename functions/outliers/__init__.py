"""Automatic outlier detection ("auto OD"): train a detector on a model's training data and
package it as a metric model version.

    detector = train_from_csv("train.csv", contract)          # both candidates, mass-volume choice
    write_detector_folder(detector, folder, "adult", contract)  # serving.yaml, src/, detector.joblib
    spec = detector.report.metric_spec("auto_od", model_version_id, metric_version_id)

The served `value` is an anomaly score (higher = more anomalous); the metric spec's comparison
is `LessEq` against the threshold, so a request whose value fails it is an outlier.
"""

from functions.outliers.columns import Column, ColumnPlan, training_columns
from functions.outliers.detector import Detector, choose, train, train_from_csv
from functions.outliers.errors import BadSettings, BadTrainingData, NoUsableColumns, OutlierError
from functions.outliers.folder import (
    BUNDLE_FILE,
    DEFAULT_RUNTIME,
    metric_contract,
    metric_model_name,
    write_detector_folder,
)
from functions.outliers.report import COMPARISON, DetectorReport
from functions.outliers.settings import TrainingSettings
from functions.outliers.training_data import TrainingData, read_training_data

__all__ = [
    "BUNDLE_FILE",
    "COMPARISON",
    "DEFAULT_RUNTIME",
    "BadSettings",
    "BadTrainingData",
    "Column",
    "ColumnPlan",
    "Detector",
    "DetectorReport",
    "NoUsableColumns",
    "OutlierError",
    "TrainingData",
    "TrainingSettings",
    "choose",
    "metric_contract",
    "metric_model_name",
    "read_training_data",
    "train",
    "train_from_csv",
    "training_columns",
    "write_detector_folder",
]
