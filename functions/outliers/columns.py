"""Which model inputs the outlier detector trains on: the column plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from functions.outliers.errors import NoUsableColumns
from protos.contract import Contract, Field
from protos.hydrosphere.serving.contract import types_pb2

Kind = Literal["numerical", "categorical"]

# Hydrosphere's finer profiles count as their family: ordinal and nominal data are categories,
# continuous, interval and ratio data are numbers. Image, video, audio and text are not tabular.
_PROFILE_KINDS: dict[int, Kind] = {
    types_pb2.NUMERICAL: "numerical", types_pb2.CONTINUOUS: "numerical",
    types_pb2.INTERVAL: "numerical", types_pb2.RATIO: "numerical",
    types_pb2.CATEGORICAL: "categorical", types_pb2.NOMINAL: "categorical", types_pb2.ORDINAL: "categorical",
}
_NUMERIC_DTYPES = frozenset({
    types_pb2.DT_HALF, types_pb2.DT_FLOAT, types_pb2.DT_DOUBLE, types_pb2.DT_INT8, types_pb2.DT_INT16,
    types_pb2.DT_INT32, types_pb2.DT_INT64, types_pb2.DT_UINT8, types_pb2.DT_UINT16, types_pb2.DT_UINT32,
    types_pb2.DT_UINT64, types_pb2.DT_QINT8, types_pb2.DT_QUINT8, types_pb2.DT_QINT16,
    types_pb2.DT_QUINT16, types_pb2.DT_QINT32,
})
# Booleans have two values: categories, not a scale.
_CATEGORY_DTYPES = frozenset({types_pb2.DT_STRING, types_pb2.DT_BOOL})


@dataclass(frozen=True)
class Column:
    """One input the detector uses: its contract field, how it is encoded, its CSV position."""

    field: Field
    kind: Kind
    index: int

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def textual(self) -> bool:
        """String values are compared as text; numbers and booleans by their numeric value."""
        return self.field.dtype == types_pb2.DT_STRING


@dataclass(frozen=True)
class ColumnPlan:
    """The usable inputs (numerical first, then categorical, each in contract order) and why the
    other inputs were left out."""

    numerical: tuple[Column, ...]
    categorical: tuple[Column, ...]
    skipped: tuple[tuple[str, str], ...] = ()

    @property
    def columns(self) -> tuple[Column, ...]:
        return self.numerical + self.categorical

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def training_columns(contract: Contract, header: Sequence[str]) -> ColumnPlan:
    """The contract inputs the detector can train on: scalar, numerical or categorical (by profile,
    else by dtype), and present in the CSV `header`. `NoUsableColumns` lists every input and why
    it was left out when none is usable."""
    positions = _header_positions(header)
    usable: list[Column] = []
    skipped: list[tuple[str, str]] = []
    for field in contract.inputs:
        kind, reason = _kind(field)
        if kind is not None and field.name not in positions:
            reason = "not in the CSV header"
        if kind is None or field.name not in positions:
            skipped.append((field.name, str(reason)))
            continue
        usable.append(Column(field, kind, positions[field.name]))
    if not usable:
        why = "; ".join(f"{name}: {reason}" for name, reason in skipped) or "the contract has no inputs"
        raise NoUsableColumns(f"no input is usable for outlier detection ({why})")
    numerical = tuple(c for c in usable if c.kind == "numerical")
    categorical = tuple(c for c in usable if c.kind == "categorical")
    return ColumnPlan(numerical, categorical, tuple(skipped))


def _kind(field: Field) -> tuple[Kind | None, str | None]:
    if field.dtype is None:
        return None, "a map of subfields, not a scalar"
    if not field.is_scalar:
        return None, f"shape {field.shape_text()} is not scalar"
    if field.dtype not in _NUMERIC_DTYPES | _CATEGORY_DTYPES:
        return None, f"type {field.dtype_name} is neither a number nor a category"
    if field.profile in _PROFILE_KINDS:
        return _PROFILE_KINDS[field.profile], None
    if field.profile != types_pb2.NONE:
        return None, f"profile {field.profile_name} is neither numerical nor categorical"
    return ("numerical" if field.dtype in _NUMERIC_DTYPES else "categorical"), None


def _header_positions(header: Sequence[str]) -> dict[str, int]:
    """Column name -> position; a name repeated in the header keeps its first position."""
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        positions.setdefault(name.strip(), index)
    return positions
