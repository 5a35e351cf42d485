"""Delivers the outbox to the Broker: one thread per process, one active shipper per outbox.

Every serving process runs a `Shipper`, but only the holder of an exclusive `fcntl.flock` on
`<outbox>.lock` ships; the others wait for the lock (a crashed holder's lock is released by the
kernel). The holder reads the outbox in insertion order and POSTs each event in binary mode with
a pooled `requests.Session`; a row is deleted only after a 2xx. Failures are retried with
exponential backoff (capped) on the same event, so the stream keeps its order. An event the
Broker refuses for good (400, 413, 415, 422), or that cannot be rendered, is moved to the
outbox's `rejected` table and logged, so it cannot block the stream.

Delivery is at least once: a process killed between the Broker's 2xx and the DELETE ships that
event again; consumers deduplicate by CloudEvent `id`.
"""

from __future__ import annotations

import enum
import fcntl
import logging
import os
import threading
from pathlib import Path
from typing import Protocol

import requests

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
                 max_backoff: float = 5.0, timeout: float = 10.0) -> None:
        self.outbox = outbox
        self.broker_url = broker_url
        self.observer = observer
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.shipped = 0
        self.failed_attempts = 0
        self.lock = ProcessLock(outbox.path.with_name(outbox.path.name + ".lock"))
        self._session = requests.Session()
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
        self._session.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.lock.acquire():
                self._stop.wait(self.poll_seconds)
                continue
            self.outbox.changed.clear()
            rows = self.outbox.head(self.batch)
            if not rows:
                self.outbox.changed.wait(self.poll_seconds)
            for row in rows:
                if not self._deliver(row):
                    return

    def _deliver(self, row: StoredEvent) -> bool:
        """Ship one event until it is delivered or rejected; False when stopped first."""
        attempt = 0
        while not self._stop.is_set():
            outcome, reason = self._post(row)
            if outcome is _Outcome.SHIPPED:
                self.outbox.delete(row.seq)
                self.shipped += 1
                if self.observer is not None:
                    self.observer.outbox_shipped()
                return True
            if outcome is _Outcome.REJECTED:
                logger.error("event %s rejected for good, moved aside: %s", row.event.id, reason)
                self.outbox.reject(row, reason)
                return True
            attempt += 1
            self.failed_attempts += 1
            if self.observer is not None:
                self.observer.outbox_failed_attempt()
            self._stop.wait(min(self.max_backoff, self.base_backoff * 2 ** (attempt - 1)))
        return False

    def _post(self, row: StoredEvent) -> tuple[_Outcome, str]:
        try:
            message = self.outbox.render(row.event)
        except Exception as exc:  # a renderer bug must not block the stream forever
            return _Outcome.REJECTED, f"cannot render: {type(exc).__name__}: {exc}"
        try:
            response = self._session.post(str(self.broker_url), data=message.body, headers=message.headers,
                                          timeout=self.timeout)
        except requests.RequestException as exc:
            return self._retry(f"{type(exc).__name__}: {exc}")
        if 200 <= response.status_code < 300:
            self._recovered()
            return _Outcome.SHIPPED, ""
        reason = f"HTTP {response.status_code}: {response.text[:500]}"
        if response.status_code in PERMANENT:
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
