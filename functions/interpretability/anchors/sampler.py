"""Perturbations around an instance: training rows with the anchored features held in the instance's bins.

For an anchor (a set of feature indices) a sample is a random training row whose anchored
features are overwritten jointly from a training row that satisfies every anchored predicate, so
correlated features stay realistic and numerical values are drawn within the instance's bin. When
no training row satisfies them all, each anchored feature is drawn from the rows satisfying its own
predicate, and from the instance's value when none does. Coverage is measured on a fixed random
sample of training rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from functions.interpretability.anchors.predicates import Predicate

Anchor = tuple[int, ...]


class PerturbationSampler:
    def __init__(
        self,
        columns: Mapping[str, np.ndarray],
        predicates: Sequence[Predicate],
        instance: Mapping[str, Any],
        rng: np.random.Generator,
        coverage_samples: int,
    ) -> None:
        self.names = [p.feature for p in predicates]
        self.columns = {name: np.asarray(columns[name]) for name in self.names}
        self.instance = instance
        self.rng = rng
        self.holds = np.column_stack([p.holds(self.columns[p.feature]) for p in predicates])
        total = self.holds.shape[0]
        sample = rng.choice(total, size=min(total, coverage_samples), replace=False)
        self._coverage_holds = self.holds[np.sort(sample)]

    def coverage(self, anchor: Anchor) -> float:
        """Share of the coverage sample where every predicate of `anchor` holds."""
        if not anchor:
            return 1.0
        return float(np.mean(np.all(self._coverage_holds[:, list(anchor)], axis=1)))

    def sample(self, anchor: Anchor, n: int) -> dict[str, np.ndarray]:
        """`n` perturbations on which every predicate of `anchor` holds."""
        base = self.rng.integers(0, self.holds.shape[0], size=n)
        batch = {name: column[base] for name, column in self.columns.items()}
        if not anchor:
            return batch
        joint = np.flatnonzero(np.all(self.holds[:, list(anchor)], axis=1))
        if joint.size:
            source = joint[self.rng.integers(0, joint.size, size=n)]
            for index in anchor:
                name = self.names[index]
                batch[name] = self.columns[name][source]
            return batch
        for index in anchor:
            batch[self.names[index]] = self._one_feature(index, n)
        return batch

    def _one_feature(self, index: int, n: int) -> np.ndarray:
        name = self.names[index]
        rows = np.flatnonzero(self.holds[:, index])
        if rows.size:
            return self.columns[name][rows[self.rng.integers(0, rows.size, size=n)]]
        return instance_column(self.instance[name], self.columns[name].dtype, n)


def instance_column(value: Any, dtype: np.dtype, n: int) -> np.ndarray:
    """`value` repeated `n` times, in the training column's dtype when it fits without loss."""
    column = np.full(n, value, dtype=object if isinstance(value, str | bytes) else None)
    if dtype.kind in "biuf" and column.dtype.kind in "biuf":
        cast = column.astype(dtype)
        if np.array_equal(cast, column):
            return cast
    if dtype.kind in "US" and isinstance(value, str):
        return column.astype(str)
    return column


def concat_columns(parts: Sequence[Mapping[str, np.ndarray]], names: Sequence[str]) -> dict[str, np.ndarray]:
    """Stack batches row-wise; columns whose dtypes do not promote (ints and strings) become objects."""
    merged = {}
    for name in names:
        arrays = [np.asarray(part[name]) for part in parts]
        try:
            merged[name] = np.concatenate(arrays)
        except TypeError:
            merged[name] = np.concatenate([a.astype(object) for a in arrays])
    return merged
