"""Pure statistics of the harness: one cell's figures, medians over rounds, ratios between systems."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class CellResult:
    """One timed slice of closed-loop load against one endpoint."""

    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default method); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarise(latencies_s: Sequence[float], errors: int, seconds: float) -> CellResult:
    ms = [value * 1000 for value in latencies_s]
    return CellResult(len(ms), errors, seconds, percentile(ms, 50), percentile(ms, 99))


def median_of_rounds(rounds: Iterable[CellResult]) -> CellResult:
    """The median of each figure over rounds (requests and errors are summed, seconds too)."""
    done = list(rounds)
    if not done:
        raise ValueError("no rounds to combine")
    rate = statistics.median(r.throughput for r in done)
    seconds = sum(r.seconds for r in done)
    return CellResult(round(rate * seconds), sum(r.errors for r in done), seconds,
                      statistics.median(r.p50_ms for r in done), statistics.median(r.p99_ms for r in done))


def ratio(ours: float, theirs: float) -> float:
    """ours / theirs, NaN when either is missing or theirs is zero."""
    if not theirs or math.isnan(theirs) or math.isnan(ours):
        return math.nan
    return ours / theirs


def fmt_ratio(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f}x"


def fmt_number(value: float, digits: int = 1) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value:,.{digits}f}"
