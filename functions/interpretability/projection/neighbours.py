"""Exact k-nearest neighbours (scikit-learn) in place of UMAP's approximate NNDescent index.

From 4,096 rows on, UMAP builds a pynndescent index whose numba kernels compile on every cold
start of a process (one to two minutes on two cores), which a function that scales to zero pays
again and again. Instead the projector gives UMAP the exact neighbour graph (`precomputed_knn`)
and this index, which answers the one call `UMAP.transform` makes on it: `query(X, k, epsilon)`.
Every fit takes this path (also below 4,096 rows, where UMAP would compute all pairwise
distances), so fit and transform share one set of compiled kernels, and exact search makes the
map independent of NNDescent's randomness. UMAP warns that the index is not an NNDescent object;
the projector's tests cover `transform` on this path.
"""

from __future__ import annotations

import numpy as np


class ExactNeighbours:
    """A fitted exact neighbour index over the rows UMAP was fitted on."""

    # Read by UMAP.transform to pick the epsilon of an NNDescent query; exact search ignores it.
    _angular_trees = False

    def __init__(self, data: np.ndarray, metric: str) -> None:
        from sklearn.neighbors import NearestNeighbors  # at the first projection, not at start

        self.index = NearestNeighbors(metric=metric).fit(data)

    def query(self, points: np.ndarray, k: int, epsilon: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
        """(indices, distances) of the k nearest fitted rows of each point, nearest first."""
        distances, indices = self.index.kneighbors(points, n_neighbors=k)
        return indices.astype(np.int32), distances.astype(np.float32)

    def graph(self, data: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Each fitted row's k nearest rows (itself first), as UMAP's `precomputed_knn` wants them.

        `data` must be the rows the index was built on."""
        return self.query(data, k)
