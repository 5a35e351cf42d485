"""What training produced, as plain JSON-able data, and the metric spec that attaches it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

COMPARISON = "LessEq"
"""Hydrosphere's threshold operator for the served `value` (an anomaly score, higher = more
anomalous): a request is healthy when `value <= threshold`; one that fails it is an outlier."""


@dataclass(frozen=True)
class DetectorReport:
    """The chosen algorithm, why (criterion scores of both candidates), and how it flags outliers."""

    algorithm: str
    criterion: str
    criterion_scores: Mapping[str, float]
    """Area under the mass-volume curve per candidate algorithm; smaller is better."""
    threshold: float
    comparison: str
    contamination: float
    numerical_columns: tuple[str, ...]
    categorical_columns: tuple[str, ...]
    skipped_columns: tuple[tuple[str, str], ...]
    """(input name, why it is not used)."""
    rows_used: int
    rows_read: int
    training_outlier_rate: float
    """Share of training rows above the threshold (close to `contamination` by construction)."""
    training_seconds: float
    seed: int

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["criterion_scores"] = dict(self.criterion_scores)
        out["numerical_columns"] = list(self.numerical_columns)
        out["categorical_columns"] = list(self.categorical_columns)
        out["skipped_columns"] = [{"name": name, "reason": reason} for name, reason in self.skipped_columns]
        return out

    def metric_spec(self, name: str, model_version_id: int, metric_version_id: int) -> dict[str, Any]:
        """Hydrosphere's MetricSpec JSON (`POST /api/v2/monitoring/metricspec`) attaching the
        detector's model version `metric_version_id` to the monitored `model_version_id`."""
        return {
            "name": name,
            "modelVersionId": model_version_id,
            "config": {
                "modelVersionId": metric_version_id,
                "threshold": self.threshold,
                "thresholdCmpOperator": {"kind": self.comparison},
            },
        }
