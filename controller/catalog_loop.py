"""A background thread that reacts to catalog changes: the shape the reconciler and the outbox
relay share. It runs `step` whenever the catalog commits a change, and at least every `period`
seconds in case a notification was missed (another process, a restart)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from controller.catalog import Catalog


class CatalogLoop:
    """Runs `step` on one daemon thread, woken by the catalog's commits; `stop` joins it."""

    def __init__(self, catalog: Catalog, step: Callable[[], None], *, name: str, period: float,
                 debounce: float = 0.0) -> None:
        self._catalog = catalog
        self._step = step
        self._name = name
        self._period = period
        self._debounce = debounce
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        self._unsubscribe = self._catalog.subscribe(lambda _events: self._wake.set())
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def pause(self, seconds: float) -> bool:
        """Sleep up to `seconds` (a back-off); True when the loop is stopping."""
        return self._stopping.wait(seconds)

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self._period)
            if self._stopping.is_set():
                return
            # A burst of commits (an `hs apply` of ten documents) becomes one step.
            if self._debounce and self._stopping.wait(self._debounce):
                return
            self._wake.clear()
            self._step()
