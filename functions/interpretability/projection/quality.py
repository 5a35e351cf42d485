"""How faithful a 2-D projection is to the original space, measured on a sample of rows.

Trustworthiness (Venna & Kaski; `sklearn.manifold.trustworthiness`) penalises points that look
close in 2-D but are not; neighbourhood preservation is the mean share of each point's k nearest
neighbours in the original space that are also among its k nearest in 2-D. Both are in [0, 1],
higher is better.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ProjectionQuality:
    trustworthiness: float
    neighbourhood_preservation: float
    rows: int
    neighbors: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def measure(original: np.ndarray, coords: np.ndarray, neighbors: int, metric: str) -> ProjectionQuality:
    """Both figures on these rows; `neighbors` is lowered to what the row count allows."""
    rows = original.shape[0]
    k = max(1, min(neighbors, (rows - 1) // 2))
    from sklearn.manifold import trustworthiness  # at the first projection, not at start

    trust = float(trustworthiness(original, coords, n_neighbors=k, metric=metric))
    high = _neighbours(original, k, metric)
    low = _neighbours(coords, k, "euclidean")
    shared = [np.intersect1d(a, b, assume_unique=True).size for a, b in zip(high, low, strict=True)]
    return ProjectionQuality(trust, float(np.mean(shared) / k), rows, k)


def _neighbours(points: np.ndarray, k: int, metric: str) -> np.ndarray:
    from sklearn.neighbors import NearestNeighbors

    index = NearestNeighbors(n_neighbors=k + 1, metric=metric).fit(points)
    found = index.kneighbors(points, return_distance=False)
    return np.asarray([[j for j in row if j != i][:k] for i, row in enumerate(found)])
