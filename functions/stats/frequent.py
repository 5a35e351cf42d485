"""Frequent items with bounded counters: the mergeable Misra-Gries summary.

At most `capacity` counters are kept. While a stream has no more distinct values than that, the
counts are exact. Beyond it, a merge that leaves more than `capacity` counters subtracts the
(capacity+1)-th largest count from every counter and drops those that reach zero (Agarwal et al.,
"Mergeable summaries", 2012): each count is then a lower bound, short by at most
(total - sum of counters) / (capacity + 1). Chunks are folded in as exact summaries of themselves,
so updating and merging are one operation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from functions.stats.errors import BadProfile
from functions.stats.values import Category

DEFAULT_CAPACITY = 1000


class FrequentItems:
    """Counters of the most frequent values; `exact` until the first reduction."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise BadProfile("frequent.capacity", f"must be at least 1, got {capacity}")
        self.capacity = capacity
        self.counts: Counter[Category] = Counter()
        self.total = 0
        self.exact = True

    def add(self, counts: Mapping[Category, int]) -> None:
        """Fold in exact counts of a chunk."""
        self.counts.update(counts)
        self.total += sum(counts.values())
        self._reduce()

    def merge(self, other: FrequentItems) -> FrequentItems:
        if other.capacity != self.capacity:
            raise BadProfile("frequent.capacity", f"cannot merge capacity {self.capacity} with {other.capacity}")
        merged = FrequentItems(self.capacity)
        merged.counts = self.counts + other.counts
        merged.total = self.total + other.total
        merged.exact = self.exact and other.exact
        merged._reduce()
        return merged

    def _reduce(self) -> None:
        if len(self.counts) <= self.capacity:
            return
        ordered = sorted(self.counts.values(), reverse=True)
        cut = ordered[self.capacity]
        self.counts = Counter({key: count - cut for key, count in self.counts.items() if count > cut})
        self.exact = False

    @property
    def other(self) -> int:
        """Values not covered by the counters (all of them rare, plus the counters' shortfall)."""
        return self.total - sum(self.counts.values())

    def top(self, limit: int | None = None) -> list[tuple[Category, int]]:
        """(value, count) pairs, most frequent first; ties in a stable, type-then-value order."""
        items = sorted(self.counts.items(), key=lambda item: (-item[1], type(item[0]).__name__, str(item[0])))
        return items if limit is None else items[:limit]

    def to_dict(self) -> dict[str, Any]:
        return {"capacity": self.capacity, "total": self.total, "exact": self.exact,
                "counts": [[key, count] for key, count in self.top()]}

    @classmethod
    def from_dict(cls, data: Any) -> FrequentItems:
        try:
            items = cls(int(data["capacity"]))
            items.total = int(data["total"])
            items.exact = bool(data["exact"])
            pairs = [(key, int(count)) for key, count in data["counts"]]
        except (KeyError, TypeError, ValueError) as exc:
            expected = "{capacity, total, exact, counts: [[value, count]]}"
            raise BadProfile("frequent", f"expected {expected}: {exc}") from None
        for key, count in pairs:
            if not isinstance(key, str | int | float | bool) or count < 1:
                raise BadProfile("frequent.counts", f"bad entry {[key, count]!r}")
            items.counts[key] = count
        if len(items.counts) > items.capacity or sum(items.counts.values()) > items.total:
            raise BadProfile("frequent.counts", "more counters or counts than capacity and total allow")
        return items
