"""Delivers the deliveries outbox: one thread per webhook, in order, retrying with backoff.

A webhook's notifications go out oldest first, so a receiver never sees a resolution before the
firing it ends; a webhook that is down only delays its own queue. A failed attempt is recorded
(attempts, last error) and retried after an exponential backoff (capped); a 400, 413, 415 or
422 means the receiver will never accept that body, so the delivery is marked rejected and the
queue moves on. Several replicas may share the store: a delivery is leased (a conditional
UPDATE) before it is sent, so only one of them sends it.

Delivery is at least once: a process killed between the receiver's 2xx and the status update
sends that notification again; Alertmanager deduplicates identical alerts by their labels.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import requests
from sqlalchemy import or_, select, update

from functions.alerts.settings import AlertSettings
from functions.alerts.tables import DELIVERED, PENDING, REJECTED, DeliveryRow, utc
from functions.host.store import Store

logger = logging.getLogger(__name__)

PERMANENT = frozenset({400, 413, 415, 422})
LEASE_MARGIN = timedelta(seconds=5)
JSON = {"Content-Type": "application/json"}


class Sender:
    """The sending thread of one webhook; see the module docstring."""

    def __init__(self, store: Store, webhook: str, settings: AlertSettings, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.webhook = webhook
        self.settings = settings
        self.clock = clock
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._session = requests.Session()
        self._failing = False

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"alerts-sender-{self.webhook}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(self.settings.webhook_timeout_seconds + 1)
            self._thread = None
        self._session.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                delay = self.step()
            except Exception:  # the store may be briefly unreachable: log, wait, try again
                logger.exception("alerts sender for %s failed; retrying", self.webhook)
                delay = self.settings.poll_seconds
            if delay > 0:
                self.wake.wait(delay)
                self.wake.clear()

    def step(self) -> float:
        """Send the head of this webhook's queue if it is due; seconds to wait before the next step."""
        now = self.clock()
        with self.store.transaction() as session:
            head = session.scalars(select(DeliveryRow).where(DeliveryRow.webhook == self.webhook,
                                                             DeliveryRow.status == PENDING)
                                   .order_by(DeliveryRow.id).limit(1)).first()
        if head is None:
            return self.settings.poll_seconds
        wait = (utc(head.next_attempt_at) - now).total_seconds()
        if wait > 0:
            return min(wait, self.settings.poll_seconds)
        if not self._lease(head, now):
            return self.settings.poll_seconds
        status, error = self._post(head.payload)
        self._record(head.id, head.attempts + 1, status, error)
        return 0.0

    def _lease(self, head: DeliveryRow, now: datetime) -> bool:
        """Claim the delivery as read (same attempt count), unless another replica holds or sent it."""
        until = now + timedelta(seconds=self.settings.webhook_timeout_seconds) + LEASE_MARGIN
        with self.store.transaction() as session:
            won = session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == head.id, DeliveryRow.status == PENDING, DeliveryRow.attempts == head.attempts,
                       or_(DeliveryRow.leased_until.is_(None), DeliveryRow.leased_until < now))
                .values(leased_until=until)
            )
            return getattr(won, "rowcount", 0) == 1

    def _post(self, body: str) -> tuple[str, str | None]:
        """(new status, error or None) after one attempt."""
        try:
            answer = self._session.post(self.webhook, data=body.encode("utf-8"), headers=JSON,
                                        timeout=self.settings.webhook_timeout_seconds)
        except requests.RequestException as error:
            return self._retry(f"{type(error).__name__}: {error}")
        if 200 <= answer.status_code < 300:
            if self._failing:
                logger.info("webhook %s reachable again", self.webhook)
            self._failing = False
            return DELIVERED, None
        error_text = f"HTTP {answer.status_code}: {answer.text[:500]}"
        if answer.status_code in PERMANENT:
            logger.error("webhook %s refused a notification for good: %s", self.webhook, error_text)
            return REJECTED, error_text
        return self._retry(error_text)

    def _retry(self, error: str) -> tuple[str, str]:
        if not self._failing:
            logger.warning("webhook %s failed (%s); retrying with backoff", self.webhook, error)
        self._failing = True
        return PENDING, error

    def _record(self, delivery_id: int, attempts: int, status: str, error: str | None) -> None:
        now = self.clock()
        backoff = min(self.settings.retry_max_seconds, self.settings.retry_base_seconds * 2 ** min(attempts - 1, 30))
        values = {"attempts": attempts, "status": status, "leased_until": None,
                  "next_attempt_at": now + timedelta(seconds=backoff) if status == PENDING else now,
                  "delivered_at": now if status == DELIVERED else None}
        if error is not None:  # a delivery that succeeds after failures keeps the last error seen
            values["last_error"] = error
        with self.store.transaction() as session:
            session.execute(update(DeliveryRow).where(DeliveryRow.id == delivery_id).values(**values))
