"""A small thread-safe cache whose entries expire, so per-request work reads memory, not services."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """`get(key, load)` returns the cached value while it is younger than `ttl_s`, else loads it.

    A load that raises caches nothing. Two threads missing the same key may both load it; the
    loads are idempotent reads, so that costs a request, not correctness.
    """

    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._entries: dict[K, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: K, load: Callable[[K], V], *, stale_on: tuple[type[Exception], ...] = ()) -> V:
        """The cached value, or a fresh load; when the load raises one of `stale_on` and an expired
        value is cached, that value is returned instead (a dependency down keeps the last answer)."""
        entry = self._entries.get(key)
        if entry is not None and self._clock() - entry[0] < self.ttl_s:
            return entry[1]
        try:
            value = load(key)
        except stale_on:
            if entry is None:
                raise
            return entry[1]
        with self._lock:
            self._entries[key] = (self._clock(), value)
        return value

    def invalidate(self, key: K) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
