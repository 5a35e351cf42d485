"""Histogram bins shared by a training profile and the production profiles compared with it.

`len(edges) + 1` bins: an underflow bin (x < edges[0]), the interior bins [e_i, e_i+1) with the
last one closed [e_-2, e_-1], and an overflow bin (x > edges[-1]). Training edges are quantiles of
the training sketch, so each interior bin holds about the same share of training data; production
values outside the training range land in the underflow and overflow bins.
"""

from __future__ import annotations

import numpy as np

from functions.stats.kll import KllSketch

DEFAULT_BINS = 10


def edges_from_sketch(sketch: KllSketch, minimum: float, maximum: float, bins: int = DEFAULT_BINS) -> np.ndarray:
    """Equal-frequency edges from the exact min and max and the sketch's inner quantiles.

    Repeated values collapse edges; a constant stream gets the edges [c, c] (one closed bin).
    """
    inner = sketch.quantiles(np.linspace(0.0, 1.0, bins + 1)[1:-1])
    edges = np.unique(np.concatenate([[minimum], inner, [maximum]]))
    return np.array([edges[0], edges[0]]) if edges.size == 1 else edges


def count_into(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Exact counts of finite values in the bins of `edges`."""
    index = np.searchsorted(edges, values, side="right")
    index[values == edges[-1]] = edges.size - 1
    return np.bincount(index, minlength=edges.size + 1).astype(np.float64)


def estimate_counts(sketch: KllSketch, edges: np.ndarray) -> np.ndarray:
    """The bin counts a sketch implies (each off by at most the sketch's rank error times n)."""
    if sketch.n == 0:
        return np.zeros(edges.size + 1)
    below = sketch.weight_below(edges[:-1], inclusive=False)
    through_last = sketch.weight_below(edges[-1:], inclusive=True)
    return np.diff(np.concatenate([[0.0], below, through_last, [float(sketch.n)]]))


def valid_edges(edges: np.ndarray) -> bool:
    shaped = edges.ndim == 1 and edges.size >= 2
    return shaped and bool(np.all(np.isfinite(edges))) and bool(np.all(np.diff(edges) >= 0))
