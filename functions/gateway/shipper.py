"""Delivers the outbox to the Broker: one thread per process, one active shipper per outbox.

Every serving process runs a `Shipper`, but only the holder of an exclusive `fcntl.flock` on
`<outbox>.lock` ships; the others wait for the lock (a crashed holder's lock is released by the
kernel). The holder reads the outbox in insertion order and POSTs events in binary mode over
kept-alive connections (`broker_client.BrokerClient`), `parallel` at a time: one POST after
another capped shipping at what one Broker round trip allows (about 170 events/s under load),
well below what the gateway accepts. A window is finished before the next starts, so events
leave in windows of insertion order; the Broker promises no order anyway, and consumers key on
event and request ids. A row is deleted only after a 2xx. Failures are retried with exponential
backoff (capped) before the window moves on, and `parallel=1` keeps the strict order of the
stream. An event the Broker refuses for good (400, 413, 415, 422), or that cannot be rendered,
is moved to the outbox's `rejected` table and logged, so it cannot block the stream.

Delivery is at least once: a process killed between the Broker's 2xx and the DELETE ships that
event again; consumers deduplicate by CloudEvent `id`.
"""

from __future__ import annotations

import enum
import fcntl
import http.client
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from functions.gateway.broker_client import BrokerClient
from functions.gateway.outbox import Outbox, StoredEvent

logger = logging.getLogger(__name__)

PERMANENT = frozenset({400, 413, 415, 422})


class ShipperObserver(Protocol):
    def outbox_shipped(self) -> None: ...

    def outbox_failed_attempt(self) -> None: ...


class _Outcome(enum.Enum):
    SHIPPED = "shipped"
    REJECTED = "rejected"
    RETRY = "retry"


class ProcessLock:
    """An exclusive, non-blocking `flock` on a file; released by `release` or by process death."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class Shipper:
    """The shipping thread of one process; see the module docstring."""

    def __init__(self, outbox: Outbox, broker_url: str | None, *, observer: ShipperObserver | None = None,
                 batch: int = 100, poll_seconds: float = 0.2, base_backoff: float = 0.1,
                 max_backoff: float = 5.0, timeout: float = 10.0, parallel: int = 8) -> None:
        self.outbox = outbox
        self.broker_url = broker_url
        self.observer = observer
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.parallel = max(1, parallel)
        self.shipped = 0
        self.failed_attempts = 0
        self.lock = ProcessLock(outbox.path.with_name(outbox.path.name + ".lock"))
        self._client = BrokerClient(broker_url, timeout) if broker_url is not None else None
        self._posters = ThreadPoolExecutor(self.parallel, thread_name_prefix="outbox-post")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False

    def start(self) -> None:
        if self.broker_url is None:
            logger.warning("HYDRO_BROKER_URL is not set: events stay in the outbox %s", self.outbox.path)
            return
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="outbox-shipper", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.outbox.changed.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.lock.release()
        self._posters.shutdown(wait=True)
        if self._client is not None:
            self._client.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.lock.acquire():
                self._stop.wait(self.poll_seconds)
                continue
            self.outbox.changed.clear()
            rows = self.outbox.head(self.batch)
            if not rows:
                self.outbox.changed.wait(self.poll_seconds)
            for start in range(0, len(rows), self.parallel):
                if not self._deliver(rows[start:start + self.parallel]):
                    return

    def _deliver(self, window: list[StoredEvent]) -> bool:
        """Ship a window of events until each is delivered or rejected; False when stopped first."""
        attempt = 0
        while window and not self._stop.is_set():
            outcomes = list(self._posters.map(self._post, window)) if len(window) > 1 else [self._post(window[0])]
            results = list(zip(window, outcomes, strict=True))
            self._settle([row for row, (outcome, _) in results if outcome is _Outcome.SHIPPED])
            for row, (outcome, reason) in results:
                if outcome is _Outcome.REJECTED:
                    logger.error("event %s rejected for good, moved aside: %s", row.event.id, reason)
                    self.outbox.reject(row, reason)
            window = [row for row, (outcome, _) in results if outcome is _Outcome.RETRY]
            if window:
                attempt += 1
                self._count_failures(len(window))
                self._stop.wait(min(self.max_backoff, self.base_backoff * 2 ** (attempt - 1)))
        return not window

    def _settle(self, shipped: list[StoredEvent]) -> None:
        if not shipped:
            return
        self.outbox.delete(*(row.seq for row in shipped))
        self.shipped += len(shipped)
        if self.observer is not None:
            for _ in shipped:
                self.observer.outbox_shipped()

    def _count_failures(self, count: int) -> None:
        self.failed_attempts += count
        if self.observer is not None:
            for _ in range(count):
                self.observer.outbox_failed_attempt()

    def _post(self, row: StoredEvent) -> tuple[_Outcome, str]:
        try:
            message = self.outbox.render(row.event)
        except Exception as exc:  # a renderer bug must not block the stream forever
            return _Outcome.REJECTED, f"cannot render: {type(exc).__name__}: {exc}"
        assert self._client is not None  # the thread only runs with a broker URL
        try:
            status, text = self._client.post(message.body, message.headers)
        except (OSError, http.client.HTTPException) as exc:
            return self._retry(f"{type(exc).__name__}: {exc}")
        if 200 <= status < 300:
            self._recovered()
            return _Outcome.SHIPPED, ""
        reason = f"HTTP {status}: {text}"
        if status in PERMANENT:
            return _Outcome.REJECTED, reason
        return self._retry(reason)

    def _retry(self, reason: str) -> tuple[_Outcome, str]:
        if not self._failing:
            logger.warning("broker %s refused or unreachable (%s); retrying with backoff", self.broker_url, reason)
        self._failing = True
        return _Outcome.RETRY, reason

    def _recovered(self) -> None:
        if self._failing:
            logger.info("broker %s reachable again", self.broker_url)
        self._failing = False
