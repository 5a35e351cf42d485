"""Categorical profile: frequencies of the top values, distinct estimate and missing count."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any, Self

import numpy as np

from functions.stats.frequent import DEFAULT_CAPACITY, FrequentItems
from functions.stats.hll import DEFAULT_PRECISION, HyperLogLog
from functions.stats.profile import Profile, check_header, field_of, header, nested
from functions.stats.values import Category, category_counts

SUMMARY_TOP = 20


class CategoricalProfile(Profile):
    """Profile of a categorical field; values may be strings, ints, floats or booleans."""

    kind = "categorical"

    def __init__(self, *, capacity: int = DEFAULT_CAPACITY, precision: int = DEFAULT_PRECISION) -> None:
        self.frequent = FrequentItems(capacity)
        self.hll = HyperLogLog(precision)
        self._missing = 0

    @property
    def count(self) -> int:
        return self.frequent.total

    @property
    def missing(self) -> int:
        return self._missing

    def update(self, values: Any) -> None:
        counts, missing = category_counts(values)
        self.add_counts(counts, missing)

    def add_counts(self, counts: Counter[Category], missing: int = 0) -> None:
        """Fold in already-counted values (how the text profile feeds its tokens)."""
        self._missing += missing
        if not counts:
            return
        self.frequent.add(counts)
        self._add_distinct(list(counts))

    def _add_distinct(self, keys: list[Category]) -> None:
        texts = [key for key in keys if isinstance(key, str)]
        numbers = [float(key) for key in keys if not isinstance(key, str)]
        if texts:
            self.hll.add_strings(texts)
        if numbers:
            self.hll.add_numbers(np.asarray(numbers))

    def merge(self, other: Self) -> Self:
        self._check_mergeable(other)
        merged = self.empty_like()
        merged.frequent = self.frequent.merge(other.frequent)
        merged.hll = self.hll.merge(other.hll)
        merged._missing = self._missing + other._missing
        return merged

    def empty_like(self) -> Self:
        return type(self)(capacity=self.frequent.capacity, precision=self.hll.precision)

    def with_reference_bins(self, bins: int = 10) -> Self:
        """Categories are their own bins; this is a copy."""
        return self.merge(self.empty_like())

    @property
    def distinct(self) -> int:
        if self.frequent.exact:
            return len(self.frequent.counts)
        return max(len(self.frequent.counts), min(self.count, round(self.hll.estimate())))

    def is_constant(self) -> bool:
        return self.frequent.exact and len(self.frequent.counts) == 1

    def summary(self) -> dict[str, Any]:
        top = self.frequent.top(SUMMARY_TOP)
        return {
            "count": self.count,
            "missing": self._missing,
            "distinct": self.distinct,
            "exact": self.frequent.exact,
            "top": [{"value": key, "count": count} for key, count in top],
            "other": self.count - sum(count for _, count in top),
        }

    def to_dict(self) -> dict[str, Any]:
        return {**header(self.kind), "missing": self._missing, "frequent": self.frequent.to_dict(),
                "hll": self.hll.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        data = check_header(data, cls.kind)
        profile = cls()
        profile._missing = field_of(data, "missing", int)
        profile.frequent = nested(data, "frequent", FrequentItems.from_dict)
        profile.hll = nested(data, "hll", HyperLogLog.from_dict)
        return profile
