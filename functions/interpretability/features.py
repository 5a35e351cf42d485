"""Tabular features: which model inputs are numerical or categorical, and checks on the data.

A `FeatureSpec` is what every tabular method needs to know about an input. `features_from_contract`
derives them from a model's contract; the checks below validate instances and training columns
once, with errors naming the field.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from functions.interpretability.errors import InvalidArgument, NotSupported
from protos.contract import Contract, Field
from protos.hydrosphere.serving.contract import types_pb2

NUMERICAL_PROFILES = frozenset({types_pb2.NUMERICAL, types_pb2.CONTINUOUS, types_pb2.INTERVAL, types_pb2.RATIO})
CATEGORICAL_PROFILES = frozenset({types_pb2.CATEGORICAL, types_pb2.NOMINAL, types_pb2.ORDINAL})
NUMERIC_DTYPES = frozenset(
    {
        types_pb2.DT_HALF, types_pb2.DT_FLOAT, types_pb2.DT_DOUBLE, types_pb2.DT_INT8, types_pb2.DT_INT16,
        types_pb2.DT_INT32, types_pb2.DT_INT64, types_pb2.DT_UINT8, types_pb2.DT_UINT16, types_pb2.DT_UINT32,
        types_pb2.DT_UINT64,
    }
)  # fmt: skip
_CATEGORICAL_DTYPES = frozenset({types_pb2.DT_STRING, types_pb2.DT_BOOL})


class Kind(enum.StrEnum):
    NUMERICAL = "numerical"
    CATEGORICAL = "categorical"


@dataclass(frozen=True)
class FeatureSpec:
    """One scalar model input and how to treat it: `FeatureSpec("age", "numerical")`."""

    name: str
    kind: Kind

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InvalidArgument("features", f"a feature name must be a non-empty string, got {self.name!r}")
        try:
            object.__setattr__(self, "kind", Kind(self.kind))
        except ValueError:
            kinds = [k.value for k in Kind]
            raise InvalidArgument(f"features.{self.name}", f"kind must be one of {kinds}, got {self.kind!r}") from None

    @property
    def numerical(self) -> bool:
        return self.kind is Kind.NUMERICAL


def row_shape(field: Field) -> tuple[int, ...]:
    """The shape of one row of a field: its shape without a leading -1 batch dimension."""
    shape = tuple(field.shape or ())
    return shape[1:] if shape and shape[0] == -1 else shape


def field_kind(field: Field) -> Kind | None:
    """The tabular kind of a contract field, or None when it is not a scalar number or category per row."""
    if row_shape(field) or field.dtype is None:
        return None
    if field.profile in NUMERICAL_PROFILES:
        return Kind.NUMERICAL if field.dtype in NUMERIC_DTYPES else None
    if field.profile in CATEGORICAL_PROFILES:
        return Kind.CATEGORICAL if field.dtype in NUMERIC_DTYPES | _CATEGORICAL_DTYPES else None
    if field.profile != types_pb2.NONE:
        return None
    if field.dtype in NUMERIC_DTYPES:
        return Kind.NUMERICAL
    return Kind.CATEGORICAL if field.dtype in _CATEGORICAL_DTYPES else None


def features_from_contract(contract: Contract) -> list[FeatureSpec]:
    """Every input as a feature; `NotSupported` naming the first input that is not tabular."""
    features = []
    for field in contract.inputs:
        kind = field_kind(field)
        if kind is None:
            dtype = "map" if field.dtype is None else field.to_dict()["type"]
            raise NotSupported(
                f"input '{field.name}' ({dtype} {field.shape_text()}, profile {field.profile_name}) "
                "is not a scalar numerical or categorical field"
            )
        features.append(FeatureSpec(field.name, kind))
    return features


def check_features(features: Sequence[FeatureSpec]) -> tuple[FeatureSpec, ...]:
    if not features:
        raise InvalidArgument("features", "at least one feature is required")
    if not all(isinstance(f, FeatureSpec) for f in features):
        raise InvalidArgument("features", "must be a list of FeatureSpec")
    names = [f.name for f in features]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InvalidArgument(f"features.{duplicates[0]}", "is listed more than once")
    return tuple(features)


def check_columns(
    training: Mapping[str, Any], features: Sequence[FeatureSpec], min_rows: int = 1
) -> dict[str, np.ndarray]:
    """The features' training columns as 1-D arrays of one common length (at least `min_rows`)."""
    if not isinstance(training, Mapping):
        raise InvalidArgument("training", f"must map column names to arrays, got {type(training).__name__}")
    columns: dict[str, np.ndarray] = {}
    for feature in features:
        if feature.name not in training:
            raise InvalidArgument(f"training.{feature.name}", "column is missing from the training data")
        column = np.asarray(training[feature.name])
        if column.ndim != 1:
            raise InvalidArgument(f"training.{feature.name}", f"must be a 1-D column, got shape {column.shape}")
        if feature.numerical and column.dtype.kind not in "biuf":
            raise InvalidArgument(
                f"training.{feature.name}", f"numerical feature needs numbers, got dtype {column.dtype}"
            )
        columns[feature.name] = column
    lengths = {name: len(column) for name, column in columns.items()}
    if len(set(lengths.values())) > 1:
        raise InvalidArgument("training", f"columns have different lengths: {lengths}")
    rows = next(iter(lengths.values()))
    if rows < min_rows:
        raise InvalidArgument("training", f"needs at least {min_rows} rows, got {rows}")
    return columns


def numeric_value(value: Any, field: str) -> float:
    """A finite float from an instance value, or `InvalidArgument` naming the field."""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(()).item()
    if isinstance(value, bool | str | bytes) or value is None:
        raise InvalidArgument(field, f"must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidArgument(field, f"must be a number, got {value!r}") from None
    if not np.isfinite(number):
        raise InvalidArgument(field, f"must be finite, got {value!r}")
    return number


def scalar_value(value: Any, field: str) -> Any:
    """A categorical instance value as a plain Python scalar (0-d and 1-element arrays unwrapped)."""
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise InvalidArgument(field, f"must be a scalar, got an array of shape {value.shape}")
        value = value.reshape(()).item()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, list | tuple | dict | set):
        raise InvalidArgument(field, f"must be a scalar, got {type(value).__name__}")
    return value
