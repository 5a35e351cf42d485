"""From sampled CSV cells to the encoder's input matrix, and the encoder itself.

Numbers: missing values take the training median, then standardisation (a constant column gets
scale 1, so it encodes to 0 instead of dividing by zero). Categories: one-hot over a column's
`top_categories` most frequent values plus the shared 'other' value (see `scoring.OTHER`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from functions.outliers import scoring
from functions.outliers.columns import ColumnPlan

if TYPE_CHECKING:  # scikit-learn is imported when a detector is trained, not when monitoring starts
    from sklearn.compose import ColumnTransformer


def input_spec(plan: ColumnPlan, cells: Mapping[str, Sequence[str]], top_categories: int) -> dict[str, Any]:
    """The bundle's column description: numerical names, and per categorical column the values
    it one-hot encodes (most frequent first; ties by value, so the choice is deterministic)."""
    categorical = []
    for column in plan.categorical:
        counts = Counter(scoring.category_key(cell, column.textual) for cell in cells[column.name])
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        known = [value for value, _ in ranked[:top_categories]]
        categorical.append({"name": column.name, "textual": column.textual, "known": known})
    return {"numerical": [c.name for c in plan.numerical], "categorical": categorical}


def encoder(spec: Mapping[str, Any]) -> ColumnTransformer:
    """The scikit-learn encoder for matrices built by `scoring.to_matrix(spec, ...)`."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    n_numerical = len(spec["numerical"])
    parts: list[tuple[str, Any, list[int]]] = []
    if n_numerical:
        numbers = Pipeline([
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
        ])
        parts.append(("numerical", numbers, list(range(n_numerical))))
    if spec["categorical"]:
        categories = [[*c["known"], scoring.OTHER] for c in spec["categorical"]]
        one_hot = OneHotEncoder(categories=categories, sparse_output=False, dtype=np.float64)
        positions = list(range(n_numerical, n_numerical + len(categories)))
        parts.append(("categorical", one_hot, positions))
    return ColumnTransformer(parts)


def subset_spec(spec: Mapping[str, Any], positions: Sequence[int]) -> dict[str, Any]:
    """The spec of the matrix columns at `positions` (sorted: numerical ones come first)."""
    n_numerical = len(spec["numerical"])
    return {
        "numerical": [spec["numerical"][p] for p in positions if p < n_numerical],
        "categorical": [spec["categorical"][p - n_numerical] for p in positions if p >= n_numerical],
    }
