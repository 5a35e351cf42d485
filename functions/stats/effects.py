"""Distances between two distributions, from sketches or from counts in shared bins.

Sketch distances treat each sketch as the weighted discrete distribution of its retained items;
for samples the sketch still holds whole they are the exact sample distances.
"""

from __future__ import annotations

import math

import numpy as np

from functions.stats.kll import KllSketch

PSI_PSEUDO_COUNT = 0.5


def _cdfs(left: KllSketch, right: KllSketch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    points = np.union1d(left.weighted_items()[0], right.weighted_items()[0])
    return points, left.weight_below(points) / left.n, right.weight_below(points) / right.n


def ks_statistic(left: KllSketch, right: KllSketch) -> float:
    """Largest gap between the two CDFs over the union of both sketches' points (both non-empty)."""
    _, cdf_left, cdf_right = _cdfs(left, right)
    return float(np.max(np.abs(cdf_left - cdf_right)))


def wasserstein(left: KllSketch, right: KllSketch) -> float:
    """Wasserstein-1 distance: the area between the CDFs, equal to that between quantile functions."""
    points, cdf_left, cdf_right = _cdfs(left, right)
    return float(np.sum(np.abs(cdf_left - cdf_right)[:-1] * np.diff(points)))


def _shares(counts: np.ndarray) -> np.ndarray:
    # Additive smoothing: an empty bin on either side would make PSI infinite.
    smoothed = np.asarray(counts, dtype=np.float64) + PSI_PSEUDO_COUNT
    return smoothed / smoothed.sum()


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index sum (a - e) ln(a / e) over shares smoothed by 0.5 per bin."""
    e, a = _shares(expected), _shares(actual)
    return float(np.sum((a - e) * np.log(a / e)))


def js_distance(left: np.ndarray, right: np.ndarray) -> float | None:
    """Jensen-Shannon distance (base 2, in 0..1) between two count vectors; None if one is empty."""
    if left.sum() <= 0 or right.sum() <= 0:
        return None
    from scipy.spatial.distance import jensenshannon  # scipy only when a drift is computed: ~30 MB idle

    distance = float(jensenshannon(left, right, base=2.0))
    return min(1.0, distance) if math.isfinite(distance) else 0.0
