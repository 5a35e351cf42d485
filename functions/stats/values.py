"""Turning a chunk of one field's values into what the profiles count.

A chunk is anything `np.asarray` accepts: a numpy array of any shape (flattened), a list, an
object array mixing values and None. None and NaN are missing values everywhere.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np

from functions.stats.errors import BadValues

Category = str | int | float | bool


def _describe(array: np.ndarray) -> str:
    sample = array.ravel()[:3].tolist()
    return f"dtype {array.dtype} (first values {sample!r})"


def as_numbers(values: Any) -> np.ndarray:
    """A flat float64 array; missing values become NaN. Raises BadValues for non-numbers."""
    array = np.asarray(values)
    if array.dtype.kind in "biuf":
        return array.astype(np.float64, copy=False).ravel()
    if array.dtype.kind in "OUS":
        try:
            # float64 conversion turns None into NaN and numeric strings into numbers.
            return np.array(array.ravel().tolist(), dtype=np.float64)
        except (TypeError, ValueError):
            raise BadValues("values", f"a numerical profile needs numbers, got {_describe(array)}") from None
    raise BadValues("values", f"a numerical profile needs real numbers, got {_describe(array)}")


def canonical_category(value: Any) -> Category | None:
    """The JSON-able key of one categorical value, or None when it is missing.

    Integral floats become ints (a CSV column of 1.0, 2.0 means the categories 1 and 2); bytes are
    decoded; non-finite floats and any other object are keyed by their text.
    """
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return None
        if math.isinf(number):
            return str(number)
        return int(number) if number.is_integer() and abs(number) < 2**63 else number
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else str(value)


def category_counts(values: Any) -> tuple[Counter[Category], int]:
    """Counts of each canonical category in the chunk, and the number of missing values."""
    array = np.asarray(values)
    raw: Counter[Any] = Counter()
    if array.dtype.kind in "biuf":
        flat = array.ravel()
        if array.dtype.kind == "f":
            nan = np.isnan(flat)
            raw[None] = int(nan.sum())
            flat = flat[~nan]
        uniques, counts = np.unique(flat, return_counts=True)
        raw.update(dict(zip(uniques.tolist(), counts.tolist(), strict=True)))
    elif array.dtype.kind in "OUS":
        raw.update(array.ravel().tolist())
    else:
        raise BadValues("values", f"a categorical profile needs strings, numbers or booleans, got {_describe(array)}")
    result: Counter[Category] = Counter()
    missing = 0
    for value, count in raw.items():
        key = canonical_category(value)
        if key is None:
            missing += count
        else:
            result[key] += count
    return result, missing


def as_texts(values: Any) -> tuple[list[str], int]:
    """The non-missing values as strings, and the number of missing ones."""
    array = np.asarray(values, dtype=object).ravel()
    texts: list[str] = []
    for value in array.tolist():
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        texts.append(value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value))
    return texts, array.size - len(texts)
