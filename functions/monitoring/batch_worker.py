"""The batch worker: runs batch work on its own thread, so the request that fills a batch is
answered at once.

`notify(version)` after a batch fills; the worker then runs that version's due batches. Pings run
the due work too (on their own thread), which also covers anything a crash left behind.
"""

from __future__ import annotations

import logging
import threading

from functions.host.background import BackgroundLoop
from functions.monitoring.batches import BatchWork

logger = logging.getLogger(__name__)


class BatchWorker(BackgroundLoop):
    thread_name = "monitoring-batches"

    def __init__(self, work: BatchWork) -> None:
        super().__init__()
        self.work = work
        self._due: set[int] = set()
        self._lock = threading.Lock()

    def notify(self, version_id: int) -> None:
        with self._lock:
            self._due.add(version_id)
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            with self._lock:
                due, self._due = self._due, set()
            for version_id in sorted(due):
                try:
                    self.work.run_due(version_id)
                except Exception:
                    logger.exception("model version %d: batch work failed; the next ping retries it", version_id)
