"""Training data as the algorithms take it: `{feature: 1-D array}` from the version's CSV.

The CSV is found through the catalog (`file://` or `s3://`, read by the monitoring function's
`training_source`), streamed, and sampled uniformly to at most `max_rows` rows (reservoir
sampling, seeded, from `functions.outliers`). A row with an empty or unparsable cell in any
feature is skipped: perturbations and projections need complete rows.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from functions.explainer.errors import Unexplainable
from functions.host.settings import S3Settings
from functions.interpretability import FeatureSpec
from functions.monitoring.training_source import local_file
from functions.outliers.training_data import reservoir
from protos.contract import Contract
from protos.hydrosphere.serving.contract import types_pb2

_TEXT_DTYPES = frozenset({types_pb2.DT_STRING})
_BOOL_DTYPES = frozenset({types_pb2.DT_BOOL})
_FLOAT_DTYPES = frozenset({types_pb2.DT_HALF, types_pb2.DT_FLOAT, types_pb2.DT_DOUBLE})
MIN_ROWS = 5


def training_columns(uri: str, contract: Contract, features: Sequence[FeatureSpec], *, s3: S3Settings | None,
                     scratch: Path, max_rows: int, seed: int = 0) -> dict[str, np.ndarray]:
    """The features' training columns (`Unexplainable` naming what is wrong with the file)."""
    with local_file(uri, s3, scratch) as path, path.open(encoding="utf-8", newline="") as lines:
        reader = csv.reader(lines)
        header = next(reader, None)
        if not header:
            raise Unexplainable(f"training data {uri} is empty (no header row)")
        positions = _positions(header, features, uri)
        parsers = [_parser(contract, feature) for feature in features]
        rows, _read = reservoir(_rows(reader, positions, parsers), max_rows, random.Random(seed))
    if len(rows) < MIN_ROWS:
        raise Unexplainable(f"training data {uri} has {len(rows)} complete rows for "
                            f"{', '.join(f.name for f in features)}; at least {MIN_ROWS} are needed")
    return {feature.name: _column([row[i] for row in rows], feature)
            for i, feature in enumerate(features)}


def _positions(header: Sequence[str], features: Sequence[FeatureSpec], uri: str) -> list[int]:
    names = [cell.strip() for cell in header]
    missing = [f.name for f in features if f.name not in names]
    if missing:
        raise Unexplainable(f"training data {uri} has no column '{missing[0]}' (columns: {', '.join(names)})")
    return [names.index(f.name) for f in features]


def _rows(reader: Iterator[list[str]], positions: list[int], parsers: list[Any]) -> Iterator[tuple[Any, ...]]:
    for row in reader:
        try:
            yield tuple(parse(row[i].strip()) for i, parse in zip(positions, parsers, strict=True))
        except (IndexError, ValueError):
            continue


def _parser(contract: Contract, feature: FeatureSpec) -> Any:
    field = next(f for f in contract.inputs if f.name == feature.name)
    if field.dtype in _TEXT_DTYPES:
        return _text
    if field.dtype in _BOOL_DTYPES:
        return _boolean
    if field.dtype in _FLOAT_DTYPES:
        return _number
    return _integer


def _text(cell: str) -> str:
    if not cell:
        raise ValueError("empty cell")
    return cell


def _number(cell: str) -> float:
    value = float(cell)
    if not math.isfinite(value):
        raise ValueError("not finite")
    return value


def _integer(cell: str) -> int:
    value = _number(cell)
    if not value.is_integer():
        raise ValueError("not a whole number")
    return int(value)


def _boolean(cell: str) -> bool:
    lowered = cell.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise ValueError("not a boolean")


def _column(values: list[Any], feature: FeatureSpec) -> np.ndarray:
    if feature.numerical:
        return np.asarray(values, dtype=np.float64)
    if values and isinstance(values[0], str):
        return np.asarray(values, dtype=object)
    return np.asarray(values)
