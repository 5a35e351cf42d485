"""Tabular rows as vectors for projection: numerical fields robustly scaled, categorical one-hot.

Fitted once on the training columns and kept with the projector, so production requests are
encoded exactly like training. Constant columns get scale 1 (never a division by zero), missing
numbers the training median, unseen or missing categories an all-zero one-hot block.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from functions.interpretability.features import FeatureSpec, check_columns


@dataclass(frozen=True)
class NumericalColumn:
    name: str
    center: float
    scale: float


@dataclass(frozen=True)
class CategoricalColumn:
    name: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class TabularEncoder:
    features: tuple[FeatureSpec, ...]
    numerical: tuple[NumericalColumn, ...]
    categorical: tuple[CategoricalColumn, ...]

    @property
    def dimension(self) -> int:
        return len(self.numerical) + sum(len(c.values) for c in self.categorical)

    @classmethod
    def fit(
        cls, columns: Mapping[str, np.ndarray], features: Sequence[FeatureSpec], max_categories: int
    ) -> TabularEncoder:
        numerical = tuple(_fit_numerical(f.name, columns[f.name]) for f in features if f.numerical)
        categorical = tuple(
            _fit_categorical(f.name, columns[f.name], max_categories) for f in features if not f.numerical
        )
        return cls(tuple(features), numerical, categorical)

    def transform(self, rows: Mapping[str, Any]) -> np.ndarray:
        """(n, dimension) float32 for rows given as columns; errors name the offending field."""
        columns = check_columns(rows, self.features)
        n = len(next(iter(columns.values())))
        blocks = [np.empty((n, 0), dtype=np.float32)]
        for num in self.numerical:
            values = np.asarray(columns[num.name], dtype=np.float64)
            values = np.where(np.isfinite(values), values, num.center)
            blocks.append(((values - num.center) / num.scale).astype(np.float32)[:, None])
        for cat in self.categorical:
            index = {value: position for position, value in enumerate(cat.values)}
            block = np.zeros((n, len(cat.values)), dtype=np.float32)
            for row, value in enumerate(columns[cat.name].tolist()):
                position = index.get(value)
                if position is not None:
                    block[row, position] = 1.0
            blocks.append(block)
        return np.hstack(blocks)


def _fit_numerical(name: str, column: np.ndarray) -> NumericalColumn:
    values = np.asarray(column, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return NumericalColumn(name, 0.0, 1.0)
    q1, median, q3 = np.quantile(values, [0.25, 0.5, 0.75])
    scale = next((s for s in (q3 - q1, values.std()) if s > 0), 1.0)
    return NumericalColumn(name, float(median), float(scale))


def _fit_categorical(name: str, column: np.ndarray, limit: int) -> CategoricalColumn:
    counts = Counter(v for v in column.tolist() if v is not None and v == v)  # v == v drops NaN
    ranked = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    return CategoricalColumn(name, tuple(value for value, _count in ranked[:limit]))
