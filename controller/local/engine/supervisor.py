"""An http1 Service (a monitoring function): one supervised process on a fixed loopback port.

There is no HTTP activator locally, so a function's process runs from apply to removal; its
port is chosen once, so the Triggers' URLs stay valid across restarts. A crash restarts it after
an exponential backoff (reset once it ran for a minute).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from controller.local.engine.worker import Worker, WorkerInfo, WorkerState, describe_exit

logger = logging.getLogger(__name__)

HEALTHY_AFTER_SECONDS = 60.0


class SupervisedProcess:
    """Keeps one process of `service` running on `port`. `tick()` restarts it when it died."""

    def __init__(self, service: str, revision: str, port: int, launch: Callable[[str], Worker],
                 backoff_initial: float, backoff_max: float, drain_seconds: float) -> None:
        self.service = service
        self.revision = revision
        self.port = port
        self._launch = launch
        self._backoff = (backoff_initial, backoff_max)
        self._drain = drain_seconds
        self._lock = threading.Lock()
        self._worker: Worker | None = None
        self._serial = 0
        self._failures = 0
        self._next_start_at = 0.0
        self._stopped = False
        self.restarts = 0
        self.last_error: str | None = None

    def tick(self) -> None:
        """Start the process if it is not running and the backoff allows."""
        with self._lock:
            if self._stopped:
                return
            worker = self._worker
            if worker is not None:
                code = worker.exit_code()
                if code is None:
                    if time.monotonic() - worker.started_at > HEALTHY_AFTER_SECONDS:
                        self._failures = 0
                    return
                self._crashed(worker, code)
            if time.monotonic() >= self._next_start_at:
                self._start()

    def _crashed(self, worker: Worker, code: int) -> None:
        self._worker = None
        self._failures += 1
        self.restarts += 1
        delay = min(self._backoff[0] * 2 ** (self._failures - 1), self._backoff[1])
        self._next_start_at = time.monotonic() + delay
        self.last_error = f"process {worker.id} {worker.exit_reason(code)}"
        logger.warning("service %s: %s; restarting in %.1fs", self.service, self.last_error, delay)

    def _start(self) -> None:
        self._serial += 1
        try:
            self._worker = self._launch(f"{self.revision}-{self._serial}")
            self._worker.state = WorkerState.READY  # no readiness gate: the broker retries until it listens
        except Exception as exc:  # e.g. a missing envFrom source: retried with backoff like a crash
            self._failures += 1
            self._next_start_at = time.monotonic() + min(self._backoff[0] * 2 ** self._failures, self._backoff[1])
            self.last_error = f"process {self.revision}-{self._serial} could not be started: {exc}"
            logger.warning("service %s: %s", self.service, self.last_error)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            worker, self._worker = self._worker, None
        if worker is not None:
            code = worker.stop(self._drain)
            logger.info("service %s: process %s stopped (%s)", self.service, worker.id, describe_exit(code))

    def status(self) -> tuple[bool | None, int, str]:
        """(ready, replicas, message): running is ready; a crash-loop is not."""
        with self._lock:
            running = self._worker is not None and self._worker.popen.poll() is None
            if running:
                return True, 1, ""
            return (False if self.last_error else None), 0, self.last_error or "starting"

    def snapshot(self) -> dict[str, Any]:
        _, replicas, _ = self.status()
        return {"revision": self.revision, "port": self.port, "ready": replicas, "starting": 0, "in_flight": None,
                "restarts": self.restarts, "last_error": self.last_error}

    def workers(self) -> list[WorkerInfo]:
        with self._lock:
            return [] if self._worker is None else [self._worker.info()]
