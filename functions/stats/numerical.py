"""Numerical profile: counts, exact moments, quantile sketch, distinct estimate and histogram."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Self

import numpy as np

from functions.stats import bins as binning
from functions.stats.errors import BadProfile
from functions.stats.hll import DEFAULT_PRECISION, HyperLogLog
from functions.stats.kll import DEFAULT_K, KllSketch
from functions.stats.moments import Moments
from functions.stats.profile import Profile, check_header, field_of, finite, header, nested
from functions.stats.values import as_numbers

QUANTILES = {"p5": 0.05, "q1": 0.25, "median": 0.5, "q3": 0.75, "p95": 0.95}


class NumericalProfile(Profile):
    """Profile of a numerical field. Infinities are counted apart and kept out of the statistics.

    Created with `edges` (a training profile's reference edges) it counts every value exactly into
    those bins; `with_reference_bins()` derives edges from the profile's own sketch.
    """

    kind = "numerical"

    def __init__(self, edges: Sequence[float] | np.ndarray | None = None, *, k: int = DEFAULT_K,
                 precision: int = DEFAULT_PRECISION) -> None:
        self._missing = 0
        self.infinite = 0
        self.minimum = math.inf
        self.maximum = -math.inf
        self.moments = Moments()
        self.sketch = KllSketch(k)
        self.hll = HyperLogLog(precision)
        self.edges: np.ndarray | None = None
        self.bin_counts: np.ndarray | None = None
        self.estimated_bins = False
        if edges is not None:
            self._set_edges(np.asarray(edges, dtype=np.float64), None, estimated=False)

    def _set_edges(self, edges: np.ndarray, counts: np.ndarray | None, estimated: bool) -> None:
        if not binning.valid_edges(edges):
            raise BadProfile("bins.edges", "need at least 2 finite, non-decreasing edges")
        if counts is not None and counts.shape != (edges.size + 1,):
            raise BadProfile("bins.counts", f"need {edges.size + 1} counts for {edges.size} edges")
        self.edges = edges
        self.bin_counts = np.zeros(edges.size + 1) if counts is None else counts
        self.estimated_bins = estimated

    @property
    def count(self) -> int:
        return self.moments.n

    @property
    def missing(self) -> int:
        return self._missing

    @property
    def std(self) -> float | None:
        return self.moments.std

    def update(self, values: Any) -> None:
        numbers = as_numbers(values)
        nan = np.isnan(numbers)
        infinite = np.isinf(numbers)
        self._missing += int(nan.sum())
        self.infinite += int(infinite.sum())
        finite_values = numbers[~(nan | infinite)]
        if finite_values.size == 0:
            return
        self.minimum = min(self.minimum, float(finite_values.min()))
        self.maximum = max(self.maximum, float(finite_values.max()))
        self.moments = self.moments.merge(Moments.of(finite_values))
        self.sketch.update(finite_values)
        self.hll.add_numbers(finite_values)
        if self.edges is not None and self.bin_counts is not None:
            self.bin_counts = self.bin_counts + binning.count_into(self.edges, finite_values)

    def merge(self, other: Self) -> Self:
        self._check_mergeable(other)
        if not _same_edges(self.edges, other.edges):
            raise BadProfile("bins.edges", "cannot merge numerical profiles with different reference bins")
        merged = self.empty_like()
        merged._missing = self._missing + other._missing
        merged.infinite = self.infinite + other.infinite
        merged.minimum = min(self.minimum, other.minimum)
        merged.maximum = max(self.maximum, other.maximum)
        merged.moments = self.moments.merge(other.moments)
        merged.sketch = self.sketch.merge(other.sketch)
        merged.hll = self.hll.merge(other.hll)
        if self.bin_counts is not None and other.bin_counts is not None:
            merged.bin_counts = self.bin_counts + other.bin_counts
            merged.estimated_bins = self.estimated_bins or other.estimated_bins
        return merged

    def empty_like(self) -> Self:
        return type(self)(self.edges, k=self.sketch.k, precision=self.hll.precision)

    def with_reference_bins(self, bins: int = binning.DEFAULT_BINS) -> Self:
        """A copy binned on equal-frequency edges of its own data; the counts come from the sketch.

        Production profiles built with `empty_like()` on the result count into the same bins.
        """
        copy = self.merge(self.empty_like())
        if self.count == 0:
            return copy
        edges = binning.edges_from_sketch(self.sketch, self.minimum, self.maximum, bins)
        copy._set_edges(edges, binning.estimate_counts(self.sketch, edges), estimated=True)
        return copy

    def counts_for(self, edges: np.ndarray) -> np.ndarray:
        """Counts in the bins of `edges`: exact when they are this profile's own edges, else
        estimated from the sketch."""
        if self.bin_counts is not None and _same_edges(self.edges, edges):
            return self.bin_counts
        return binning.estimate_counts(self.sketch, edges)

    def histogram(self, bins: int = binning.DEFAULT_BINS) -> tuple[np.ndarray, np.ndarray]:
        """(edges, counts): the reference bins when set, otherwise equal-frequency bins."""
        if self.edges is not None and self.bin_counts is not None:
            return self.edges, self.bin_counts
        if self.count == 0:
            return np.empty(0), np.empty(0)
        edges = binning.edges_from_sketch(self.sketch, self.minimum, self.maximum, bins)
        return edges, binning.estimate_counts(self.sketch, edges)

    def is_constant(self) -> bool:
        return self.count > 0 and self.minimum == self.maximum

    def summary(self) -> dict[str, Any]:
        quantiles = self.sketch.quantiles(list(QUANTILES.values()))
        edges, counts = self.histogram()
        figures: dict[str, Any] = {
            "count": self.count,
            "missing": self._missing,
            "infinite": self.infinite,
            "distinct": self._distinct(),
            "min": finite(self.minimum),
            "max": finite(self.maximum),
            "mean": finite(self.moments.mean) if self.count else None,
            "std": finite(self.moments.std),
            "skewness": finite(self.moments.skewness),
            "kurtosis": finite(self.moments.kurtosis),
        }
        figures.update({name: finite(value) for name, value in zip(QUANTILES, quantiles, strict=True)})
        figures["histogram"] = {"edges": edges.tolist(), "counts": counts.tolist(), "estimated": self._estimated()}
        return figures

    def _distinct(self) -> int:
        # The sketch is exact while it has never compacted; then the count of distinct items is too.
        if self.sketch.retained == self.count:
            return int(np.unique(self.sketch.weighted_items()[0]).size)
        return min(self.count, round(self.hll.estimate()))

    def _estimated(self) -> bool:
        return self.estimated_bins if self.edges is not None else self.sketch.retained < self.count

    def to_dict(self) -> dict[str, Any]:
        bins = None
        if self.edges is not None and self.bin_counts is not None:
            bins = {"edges": self.edges.tolist(), "counts": self.bin_counts.tolist(), "estimated": self.estimated_bins}
        return {
            **header(self.kind),
            "missing": self._missing,
            "infinite": self.infinite,
            "min": finite(self.minimum),
            "max": finite(self.maximum),
            "moments": self.moments.to_dict(),
            "sketch": self.sketch.to_dict(),
            "hll": self.hll.to_dict(),
            "bins": bins,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        data = check_header(data, cls.kind)
        profile = cls()
        profile._missing = field_of(data, "missing", int)
        profile.infinite = field_of(data, "infinite", int)
        profile.moments = nested(data, "moments", Moments.from_dict)
        profile.sketch = nested(data, "sketch", KllSketch.from_dict)
        profile.hll = nested(data, "hll", HyperLogLog.from_dict)
        if profile.sketch.n != profile.moments.n:
            raise BadProfile("sketch.n", f"{profile.sketch.n} values but the moments count {profile.moments.n}")
        if profile.moments.n:
            profile.minimum = field_of(data, "min", float)
            profile.maximum = field_of(data, "max", float)
        bins = data.get("bins")
        if bins is not None:
            try:
                edges = np.asarray(bins["edges"], dtype=np.float64)
                counts = np.asarray(bins["counts"], dtype=np.float64)
                estimated = bool(bins["estimated"])
            except (KeyError, TypeError, ValueError) as exc:
                raise BadProfile("bins", f"expected {{edges, counts, estimated}}: {exc}") from None
            profile._set_edges(edges, counts, estimated)
        return profile


def _same_edges(left: np.ndarray | None, right: np.ndarray | None) -> bool:
    if left is None or right is None:
        return left is None and right is None
    return left.shape == right.shape and bool(np.array_equal(left, right))
