"""Scoring with a trained detector bundle: shared by training and by the served model.

This module is copied verbatim into the served model's `src/func_main.py`, so it imports only
numpy and joblib (the bundle's pipeline brings scikit-learn) and nothing from `functions`.

The bundle is a plain dict: `numerical` (column names), `categorical` (a list of
`{"name", "textual", "known"}`), `pipeline` (a scikit-learn Pipeline: encoder + detector),
`threshold` (float) and `algorithm` (str). The value served is an anomaly score, the negated
`score_samples` of the detector: higher means more anomalous; above `threshold` is an outlier.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import joblib
import numpy as np

MISSING = "__missing__"
"""The category of an empty or absent value."""
OTHER = "__other__"
"""The category of every value outside a column's most frequent ones, including unseen ones."""
_TRUE = frozenset({"true", "yes"})
_FALSE = frozenset({"false", "no"})


def load_bundle(path: str) -> dict[str, Any]:
    """Read a bundle written by `joblib.dump`."""
    bundle = joblib.load(path)
    if not isinstance(bundle, dict) or "pipeline" not in bundle:
        raise ValueError(f"{path}: not an outlier detector bundle")
    return bundle


def parse_number(value: Any) -> float:
    """A finite float, or NaN for a missing, unparsable or infinite value."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE or text in _FALSE:
            return 1.0 if text in _TRUE else 0.0
        value = text
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def category_key(value: Any, textual: bool) -> str:
    """The category a value stands for. Text is compared stripped; numbers and booleans by value
    (`"3"`, `3`, `3.0` are one category, as are `"true"` and `True`), so CSV text and typed
    request values agree."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if textual:
        return str(value).strip() or MISSING
    number = parse_number(value)
    if math.isnan(number):
        text = str(value).strip()
        return MISSING if text.lower() in ("", "nan") else text
    if number.is_integer() and abs(number) < 2**53:
        return str(int(number))
    return repr(number)


def to_matrix(bundle: Mapping[str, Any], inputs: Mapping[str, Any]) -> tuple[np.ndarray, bool]:
    """The encoder's input: one row per request (object array, numbers then categories), and
    whether the request was a batch (any input with a dimension) rather than one scalar row."""
    names = [*bundle["numerical"], *(c["name"] for c in bundle["categorical"])]
    arrays = {name: np.asarray(inputs.get(name), dtype=object) for name in names}
    batched = any(a.ndim > 0 for a in arrays.values())
    rows = max((a.size for a in arrays.values() if a.ndim > 0), default=1)
    columns = {name: np.broadcast_to(a.reshape(-1) if a.ndim else a, (rows,)).tolist() for name, a in arrays.items()}
    matrix = np.empty((rows, len(names)), dtype=object)
    for j, name in enumerate(bundle["numerical"]):
        matrix[:, j] = [parse_number(v) for v in columns[name]]
    offset = len(bundle["numerical"])
    for j, spec in enumerate(bundle["categorical"], start=offset):
        known = set(spec["known"])
        keys = (category_key(v, spec["textual"]) for v in columns[spec["name"]])
        matrix[:, j] = [k if k in known else OTHER for k in keys]
    return matrix, batched


def anomaly_scores(bundle: Mapping[str, Any], matrix: np.ndarray) -> np.ndarray:
    """Higher is more anomalous (the detector's `score_samples`, negated)."""
    return -np.asarray(bundle["pipeline"].score_samples(matrix), dtype=np.float64)


def score(bundle: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """`{"value": anomaly score, "is_outlier": value > threshold}`: scalars for scalar inputs,
    arrays (one entry per row) for batched inputs."""
    matrix, batched = to_matrix(bundle, inputs)
    values = anomaly_scores(bundle, matrix)
    flags = values > bundle["threshold"]
    if batched:
        return {"value": values, "is_outlier": flags}
    return {"value": values[0], "is_outlier": flags[0]}
