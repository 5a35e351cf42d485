"""What the training data looked like, per feature: the figures an outlier explanation compares to.

Built from the training columns (`from_columns`) or from stored profile summaries (`from_dict`),
so a function can keep a small JSON document instead of rereading the CSV. Summary keys read:
numerical `count, missing, min, max, median (or p50), q1 (or p25), q3 (or p75), p5, p95, std`;
categorical `count, missing` and `frequencies` (value -> count) or `top` ([{value, count}]); values
not listed are rare. These are the keys of `functions.stats` profile summaries.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from functions.interpretability.errors import InvalidArgument
from functions.interpretability.features import FeatureSpec, check_columns, check_features


@dataclass(frozen=True)
class NumericalReference:
    count: int
    missing: int
    min: float
    max: float
    median: float
    q1: float
    q3: float
    p5: float | None = None
    p95: float | None = None
    std: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "numerical", **asdict(self)}


@dataclass(frozen=True)
class CategoricalReference:
    count: int
    missing: int
    frequencies: dict[Any, int]

    def seen(self, value: Any) -> int:
        """Training count of `value` (stored JSON turns keys into strings, so both spellings match)."""
        return self.frequencies.get(value, self.frequencies.get(str(value), 0))

    def share(self, value: Any) -> float:
        """Smoothed share of `value` among present values; an unseen value gets half a count."""
        return (self.seen(value) + 0.5) / (self.count + 1)

    def to_dict(self) -> dict[str, Any]:
        frequencies = {str(value): count for value, count in self.frequencies.items()}
        return {"kind": "categorical", "count": self.count, "missing": self.missing, "frequencies": frequencies}


Reference = NumericalReference | CategoricalReference


@dataclass(frozen=True)
class TrainingReference:
    fields: dict[str, Reference]

    @classmethod
    def from_columns(cls, training: Mapping[str, Any], features: Sequence[FeatureSpec]) -> TrainingReference:
        features = check_features(features)
        columns = check_columns(training, features)
        fields: dict[str, Reference] = {}
        for f in features:
            fields[f.name] = _numerical(columns[f.name]) if f.numerical else _categorical(columns[f.name])
        return cls(fields)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], features: Sequence[FeatureSpec]) -> TrainingReference:
        """From per-field summaries (`{field: {summary keys}}`); errors name `training.<field>.<key>`."""
        features = check_features(features)
        fields: dict[str, Reference] = {}
        for f in features:
            summary = data.get(f.name)
            path = f"training.{f.name}"
            if not isinstance(summary, Mapping):
                raise InvalidArgument(path, "summary is missing from the training profile")
            fields[f.name] = _numerical_summary(summary, path) if f.numerical else _categorical_summary(summary, path)
        return cls(fields)

    def to_dict(self) -> dict[str, Any]:
        return {name: reference.to_dict() for name, reference in self.fields.items()}


def _numerical(column: np.ndarray) -> NumericalReference:
    numbers = np.asarray(column, dtype=float)
    present = numbers[np.isfinite(numbers)]
    if present.size == 0:
        raise InvalidArgument("training", "a numerical column has no finite values")
    p5, q1, median, q3, p95 = (float(v) for v in np.quantile(present, [0.05, 0.25, 0.5, 0.75, 0.95]))
    return NumericalReference(
        count=int(present.size),
        missing=int(numbers.size - present.size),
        min=float(present.min()),
        max=float(present.max()),
        median=median,
        q1=q1,
        q3=q3,
        p5=p5,
        p95=p95,
        std=float(present.std()),
    )


def _categorical(column: np.ndarray) -> CategoricalReference:
    values = [_plain(v) for v in column.tolist()]
    present = [v for v in values if not _is_missing(v)]
    return CategoricalReference(len(present), len(values) - len(present), dict(Counter(present)))


def _numerical_summary(summary: Mapping[str, Any], path: str) -> NumericalReference:
    def required(*keys: str) -> float:
        value = _optional(summary, *keys)
        if value is None:
            raise InvalidArgument(f"{path}.{keys[0]}", "must be a finite number in the numerical summary")
        return value

    return NumericalReference(
        count=int(_optional(summary, "count") or 0),
        missing=int(_optional(summary, "missing") or 0),
        min=required("min"),
        max=required("max"),
        median=required("median", "p50"),
        q1=required("q1", "p25"),
        q3=required("q3", "p75"),
        p5=_optional(summary, "p5"),
        p95=_optional(summary, "p95"),
        std=_optional(summary, "std"),
    )


def _optional(summary: Mapping[str, Any], *keys: str) -> float | None:
    for key in keys:
        value = summary.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
    return None


def _categorical_summary(summary: Mapping[str, Any], path: str) -> CategoricalReference:
    frequencies = summary.get("frequencies")
    if frequencies is None and isinstance(summary.get("top"), list):
        top = summary["top"]
        if not all(isinstance(item, Mapping) and "value" in item for item in top):
            raise InvalidArgument(f"{path}.top", "must be a list of {value, count} entries")
        frequencies = {item["value"]: item.get("count") for item in top}
    if not isinstance(frequencies, Mapping) or not all(_is_count(c) for c in frequencies.values()):
        raise InvalidArgument(f"{path}.frequencies", "must map category values to counts (or use top)")
    count = summary.get("count", sum(frequencies.values()))
    missing = summary.get("missing", 0)
    if not _is_count(count) or not _is_count(missing):
        raise InvalidArgument(path, "count and missing must be non-negative integers")
    return CategoricalReference(count, missing, dict(frequencies))


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
