"""`explain_outlier`: which fields of a request are far from the training data, most unusual first.

Numerical fields get a robust z-score, (value - median) / (IQR / 1.349), so a few extreme training
rows do not hide a shift. Categorical fields get a rarity score: the normal quantile of the
value's (smoothed) training share, the two-sided z a numerical value with the same tail
probability would have. Both land on one scale, so fields of either kind rank together.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from functions.interpretability.errors import InvalidArgument
from functions.interpretability.features import FeatureSpec, check_features, numeric_value, scalar_value
from functions.interpretability.reference import CategoricalReference, NumericalReference, TrainingReference

# Scores are capped so that results stay finite (and JSON-able) for constant training columns.
MAX_SCORE = 1000.0
_IQR_TO_SIGMA = 1.349
_P90_TO_SIGMA = 3.29


@dataclass(frozen=True)
class FieldDeviation:
    """How unusual one field's value is. `score` >= 0 ranks fields; `z` is signed for numbers."""

    field: str
    kind: str
    value: Any
    score: float
    z: float | None
    outside_range: bool
    reason: str
    training: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "kind": self.kind,
            "value": self.value,
            "score": self.score,
            "z": self.z,
            "outsideRange": self.outside_range,
            "reason": self.reason,
            "training": self.training,
        }


@dataclass(frozen=True)
class OutlierExplanation:
    fields: tuple[FieldDeviation, ...]

    @property
    def top(self) -> FieldDeviation:
        return self.fields[0]

    def to_dict(self) -> dict[str, Any]:
        return {"fields": [f.to_dict() for f in self.fields]}


def explain_outlier(
    instance: Mapping[str, Any], training: TrainingReference | Mapping[str, Any], features: Sequence[FeatureSpec]
) -> OutlierExplanation:
    """Rank `features` of `instance` by distance from training.

    `training` is a `TrainingReference`, the training columns (`{field: array}`), or per-field
    profile summaries (`{field: {median, q1, q3, min, max, ...}}`, see `reference`).
    """
    features = check_features(features)
    if not isinstance(instance, Mapping):
        raise InvalidArgument("instance", f"must map field names to values, got {type(instance).__name__}")
    reference = _reference(training, features)
    deviations = []
    for feature in features:
        if feature.name not in instance:
            raise InvalidArgument(f"instance.{feature.name}", "value is missing")
        field_reference = reference.fields[feature.name]
        value = instance[feature.name]
        if isinstance(field_reference, NumericalReference):
            deviations.append(_numerical(feature.name, value, field_reference))
        else:
            deviations.append(_categorical(feature.name, value, field_reference))
    order = sorted(range(len(deviations)), key=lambda i: (-deviations[i].score, i))
    return OutlierExplanation(tuple(deviations[i] for i in order))


def _reference(training: TrainingReference | Mapping[str, Any], features: Sequence[FeatureSpec]) -> TrainingReference:
    if isinstance(training, TrainingReference):
        missing = [f.name for f in features if f.name not in training.fields]
        if missing:
            raise InvalidArgument(f"training.{missing[0]}", "is not in the training reference")
        return training
    if not isinstance(training, Mapping):
        raise InvalidArgument("training", f"must be columns or profile summaries, got {type(training).__name__}")
    if any(isinstance(training.get(f.name), Mapping) for f in features):
        return TrainingReference.from_dict(training, features)
    return TrainingReference.from_columns(training, features)


def _numerical(name: str, raw: Any, ref: NumericalReference) -> FieldDeviation:
    figures = {"min": ref.min, "max": ref.max, "median": ref.median, "q1": ref.q1, "q3": ref.q3}
    if _is_missing(raw):
        return _missing(name, "numerical", ref.count, ref.missing, figures)
    value = numeric_value(raw, f"instance.{name}")
    outside = value < ref.min or value > ref.max
    scale = _scale(ref)
    if scale is None:
        z = 0.0 if value == ref.median else math.copysign(MAX_SCORE, value - ref.median)
    else:
        z = float(np.clip((value - ref.median) / scale, -MAX_SCORE, MAX_SCORE))
    side = "above" if z > 0 else "below"
    where = f"outside the training range [{ref.min:.4g}, {ref.max:.4g}]" if outside else "within the training range"
    reason = (
        f"{value:.4g} is {abs(z):.2f} robust standard deviations {side} the training median {ref.median:.4g}, {where}"
    )
    return FieldDeviation(name, "numerical", value, abs(z), z, outside, reason, figures)


def _scale(ref: NumericalReference) -> float | None:
    """A robust sigma: IQR-based, else from the 5-95% range, else the std; None for a constant column."""
    candidates = [(ref.q3 - ref.q1) / _IQR_TO_SIGMA]
    if ref.p5 is not None and ref.p95 is not None:
        candidates.append((ref.p95 - ref.p5) / _P90_TO_SIGMA)
    candidates.append(ref.std or 0.0)
    candidates.append((ref.max - ref.min) / 4)
    return next((c for c in candidates if c > 0), None)


def _categorical(name: str, raw: Any, ref: CategoricalReference) -> FieldDeviation:
    top = dict(sorted(ref.frequencies.items(), key=lambda item: -item[1])[:10])
    figures = {"count": ref.count, "top": {str(k): v for k, v in top.items()}}
    if _is_missing(raw):
        return _missing(name, "categorical", ref.count, ref.missing, figures)
    value = scalar_value(raw, f"instance.{name}")
    share = ref.share(value)
    seen = ref.seen(value)
    score = _rarity(share)
    if seen:
        reason = f"{value!r} is {seen / max(ref.count, 1):.2%} of training values"
    else:
        reason = f"{value!r} never occurs in training"
    return FieldDeviation(name, "categorical", value, score, None, not seen, reason, figures)


def _missing(name: str, kind: str, count: int, missing: int, figures: dict[str, Any]) -> FieldDeviation:
    share = (missing + 0.5) / (count + missing + 1)
    reason = f"value is missing ({missing} of {count + missing} training rows were missing)"
    return FieldDeviation(name, kind, None, _rarity(share), None, missing == 0, reason, figures)


def _rarity(share: float) -> float:
    from scipy.stats import norm  # imported when an explanation runs, not when the explainer starts

    return float(min(norm.isf(min(share, 1.0) / 2), MAX_SCORE))


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(isinstance(value, float | np.floating) and np.isnan(value))
    except TypeError:
        return False
