"""Two-sample tests computed from profiles: KS and chi-square (the deciding tests) and
Hydrosphere's Welch's t, Mood's median and Levene / Brown-Forsythe tests (reported).

Welch's t is exact from counts, means and variances. Mood's median test counts each sample above
the pooled median from the sketches. Levene and Brown-Forsythe are approximate: each sketch's
retained items stand in for the values they summarise, weighted by how many they stand for, and
the ANOVA sums use the true group sizes. While a sketch holds a sample whole (up to ~600 values by
default) they equal scipy's tests on the raw values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from functions.stats.kll import KllSketch
from functions.stats.moments import Moments
from functions.stats.profile import finite

KS_EXACT_LIMIT = 2_000


@dataclass(frozen=True)
class TestResult:
    """A statistic and its p-value, or None with a note saying why the test is undefined."""

    statistic: float | None
    p_value: float | None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"statistic": finite(self.statistic), "p_value": finite(self.p_value), "note": self.note}

    @classmethod
    def from_dict(cls, data: Any) -> TestResult:
        return cls(data.get("statistic"), data.get("p_value"), data.get("note"))


def undefined(note: str) -> TestResult:
    return TestResult(None, None, note)


def _scipy_stats() -> ModuleType:
    """scipy.stats, imported at the first test: importing it costs ~60 MB and seconds, which an idle
    monitoring function should not pay."""
    from scipy import stats

    return stats


def effective_n(n: int, m: int) -> float:
    return n * m / (n + m)


def ks_p_value(statistic: float, n: int, m: int) -> float:
    """Two-sided p-value at the effective sample size: the finite-n Kolmogorov distribution (as
    scipy's `ks_2samp(method='asymp')`) up to KS_EXACT_LIMIT, its limit beyond.

    The finite-n distribution costs up to a second per call at n ~ 10^5. The limit with Stephens'
    (1970) small-sample factor sqrt(n) + 0.12 + 0.11 / sqrt(n) agrees with it to within 1% of the
    p-value wherever p > 10^-4 beyond that limit."""
    size = effective_n(n, m)
    if size <= KS_EXACT_LIMIT:
        return float(_scipy_stats().kstwo.sf(statistic, max(1, round(size))))
    root = math.sqrt(size)
    return float(_scipy_stats().kstwobign.sf(statistic * (root + 0.12 + 0.11 / root)))


def chi_square(table: np.ndarray) -> TestResult:
    """Pearson's chi-square test of homogeneity on a 2 x K table whose columns are all non-empty.

    Expected counts are row total x column total / grand total, so a category seen on one side only
    still has a positive expected count on the other: no division by zero, no extra smoothing.
    """
    if table.shape[1] < 2:
        return TestResult(0.0, 1.0, "a single category on both sides")
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    statistic = float(np.sum((table - expected) ** 2 / expected))
    return TestResult(statistic, float(_scipy_stats().chi2.sf(statistic, table.shape[1] - 1)))


def welch(left: Moments, right: Moments) -> TestResult:
    """Welch's unequal-variance t-test from the exact moments."""
    if left.n < 2 or right.n < 2:
        return undefined("needs at least 2 values on each side")
    assert left.variance is not None and right.variance is not None
    se_left, se_right = left.variance / left.n, right.variance / right.n
    if se_left + se_right == 0.0:
        if left.mean == right.mean:
            return TestResult(0.0, 1.0, "both sides constant and equal")
        return undefined("both sides constant with different values")
    t = (left.mean - right.mean) / math.sqrt(se_left + se_right)
    df = (se_left + se_right) ** 2 / (se_left**2 / (left.n - 1) + se_right**2 / (right.n - 1))
    return TestResult(t, float(2.0 * _scipy_stats().t.sf(abs(t), df)))


def weighted_median(items: np.ndarray, weights: np.ndarray) -> float:
    """Median of weighted sorted items; the mean of the two middle items when the cumulative
    weight reaches exactly half (so unit weights give numpy's median)."""
    cumulative = np.cumsum(weights)
    half = cumulative[-1] / 2.0
    index = int(np.searchsorted(cumulative, half, side="left"))
    if cumulative[index] == half and index + 1 < items.size:
        return float((items[index] + items[index + 1]) / 2.0)
    return float(items[index])


def mood_median(left: KllSketch, right: KllSketch) -> TestResult:
    """Mood's median test: counts above the pooled median (values equal to it count below, as in
    scipy's `median_test`), chi-square with Yates' correction on the 2 x 2 table."""
    items = np.concatenate([left.weighted_items()[0], right.weighted_items()[0]])
    weights = np.concatenate([left.weighted_items()[1], right.weighted_items()[1]])
    order = np.argsort(items, kind="stable")
    median = weighted_median(items[order], weights[order])
    below = np.array([left.weight_below([median])[0], right.weight_below([median])[0]])
    table = np.array([[left.n, right.n] - below, below])
    if np.any(table.sum(axis=1) == 0):
        return undefined("all values fall on one side of the pooled median")
    result = _scipy_stats().chi2_contingency(table, correction=True)
    return TestResult(float(result.statistic), float(result.pvalue))


def levene(left: KllSketch, right: KllSketch, center: str = "median") -> TestResult:
    """Levene's test (center='mean') or Brown-Forsythe (center='median') on weighted sketch items."""
    groups = [left.weighted_items(), right.weighted_items()]
    deviations, weights = [], []
    for items, item_weights in groups:
        middle = weighted_median(items, item_weights) if center == "median" else np.average(items, weights=item_weights)
        deviations.append(np.abs(items - middle))
        weights.append(item_weights)
    sizes = np.array([w.sum() for w in weights])
    group_means = np.array([np.average(d, weights=w) for d, w in zip(deviations, weights, strict=True)])
    grand_mean = float(np.sum(sizes * group_means) / sizes.sum())
    between = float(np.sum(sizes * (group_means - grand_mean) ** 2))
    within = float(sum(np.sum(w * (d - m) ** 2) for d, w, m in zip(deviations, weights, group_means, strict=True)))
    dof_within = sizes.sum() - 2
    if dof_within <= 0:
        return undefined("needs at least 3 values in total")
    if within == 0.0:
        return TestResult(0.0, 1.0, "no spread within either side") if between == 0.0 else undefined(
            "no spread within either side, different spreads between them")
    statistic = between / (within / dof_within)
    return TestResult(statistic, float(_scipy_stats().f.sf(statistic, 1, dof_within)))
