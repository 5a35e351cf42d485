"""The life of an alert: firing on its first failure, repeated after the deduplication window,
resolved after the resolve window without failures; every notification queued for each webhook
in the same transaction as the change it reports.

Times are the function's own clock (when a failure was received), not the event's timestamp: the
sweep compares against this clock, and a redelivered or late event must not resolve or re-fire
an alert by carrying an old time.

Concurrency (threads, replicas, SQLite or PostgreSQL): an alert is created with INSERT ... ON
CONFLICT DO NOTHING on its unique `firing_key` and then locked (SELECT ... FOR UPDATE; SQLite
holds the database write lock from the event's first INSERT); a resolution is a conditional
UPDATE that only wins while the alert is still firing and still stale. Failures are applied in
key order so two events never lock the same alerts in opposite orders.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from functions.alerts.failures import CheckFailed, Failure
from functions.alerts.tables import FIRING, PENDING, RESOLVED, AlertRow, DeliveryRow, utc
from functions.alerts.views import payload
from functions.host.store import Store

logger = logging.getLogger(__name__)


def firing_key(model_version_id: int, kind: str, failure: Failure) -> str:
    """The identity of an alert: model version, kind and field (or metric)."""
    text = "\x1f".join((str(model_version_id), kind, failure.subject_kind, failure.subject))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Lifecycle:
    """Applies failures and the passage of time to the alerts; `webhooks` get every notification."""

    webhooks: Sequence[str]
    generator_base: str
    dedup: timedelta
    resolve: timedelta

    def observe(self, session: Session, failed: CheckFailed, now: datetime) -> int:
        """Resolve the version's stale alerts, then count each failure; how many notifications were queued."""
        queued = self.resolve_stale(session, now, failed.model_version_id)
        keyed = sorted(((firing_key(failed.model_version_id, failed.kind, f), f) for f in failed.failures),
                       key=lambda pair: pair[0])
        for key, failure in keyed:
            queued += self._count(session, key, failed, failure, now)
        return queued

    def resolve_stale(self, session: Session, now: datetime, model_version_id: int | None = None) -> int:
        """Resolve, in this transaction, the firing alerts without failure for the resolve window."""
        queued = 0
        for alert_id in self.stale(session, now, model_version_id):
            queued += self.resolve_one(session, alert_id, now)
        return queued

    def stale(self, session: Session, now: datetime, model_version_id: int | None = None) -> list[int]:
        """Ids of the firing alerts (of one version, or all) without failure for the resolve window."""
        query = select(AlertRow.id).where(AlertRow.firing_key.is_not(None), AlertRow.last_seen < now - self.resolve)
        if model_version_id is not None:
            query = query.where(AlertRow.model_version_id == model_version_id)
        return list(session.scalars(query.order_by(AlertRow.id)))

    def resolve_one(self, session: Session, alert_id: int, now: datetime) -> int:
        """Resolve the alert if it is still firing and stale; how many notifications were queued."""
        won = session.execute(
            update(AlertRow)
            .where(AlertRow.id == alert_id, AlertRow.firing_key.is_not(None), AlertRow.last_seen < now - self.resolve)
            .values(firing_key=None, state=RESOLVED)
            .execution_options(synchronize_session=False)
        )
        if getattr(won, "rowcount", 0) != 1:
            return 0
        alert = session.get_one(AlertRow, alert_id, populate_existing=True)
        # When it became resolved, whenever the sweep noticed: the window after the last failure.
        alert.resolved_at = utc(alert.last_seen) + self.resolve
        logger.info("alert %d (%s %s of %s:%d) resolved", alert.id, alert.kind, alert.subject, alert.model_name,
                    alert.model_version)
        return self._notify(session, alert, RESOLVED, now)

    def _count(self, session: Session, key: str, failed: CheckFailed, failure: Failure, now: datetime) -> int:
        session.execute(_insert_if_absent(session, {
            "firing_key": key, "model_version_id": failed.model_version_id, "model_name": failed.model_name,
            "model_version": failed.model_version, "kind": failed.kind, "subject_kind": failure.subject_kind,
            "subject": failure.subject, "state": FIRING, "count": 0, "first_seen": now, "last_seen": now,
            "message": failure.message,
        }))
        alert = session.scalars(select(AlertRow).where(AlertRow.firing_key == key).with_for_update()
                                .execution_options(populate_existing=True)).one()
        repeat_due = alert.last_notified is not None and now - utc(alert.last_notified) >= self.dedup
        notify = alert.count == 0 or repeat_due
        alert.count += 1
        alert.last_seen = max(utc(alert.last_seen), now)
        alert.last_value, alert.threshold = failure.value, failure.threshold
        alert.comparison, alert.message = failure.comparison, failure.message
        alert.last_request_id, alert.last_batch = failed.request_id, failed.batch
        alert.last_timestamp = failed.timestamp
        if not notify:
            return 0
        if alert.count == 1:
            logger.info("alert %d (%s %s of %s:%d) firing: %s", alert.id, failed.kind, failure.subject,
                        failed.model_name, failed.model_version, failure.message)
        alert.last_notified = now
        return self._notify(session, alert, FIRING, now)

    def _notify(self, session: Session, alert: AlertRow, notification: str, now: datetime) -> int:
        for webhook in self.webhooks:
            session.add(DeliveryRow(
                alert_id=alert.id, webhook=webhook, notification=notification,
                payload=payload(alert, webhook, self.generator_base, self.resolve), status=PENDING, attempts=0,
                created_at=now, next_attempt_at=now,
            ))
        return len(self.webhooks)


def sweep(store: Store, lifecycle: Lifecycle, clock: Callable[[], datetime]) -> int:
    """Resolve every stale alert, one short transaction each (so a sweep never holds two locks)."""
    now = clock()
    with store.transaction() as session:
        stale = lifecycle.stale(session, now)
    queued = 0
    for alert_id in stale:
        with store.transaction() as session:
            queued += lifecycle.resolve_one(session, alert_id, now)
    return queued


def _insert_if_absent(session: Session, values: dict[str, Any]) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(AlertRow).values(**values).on_conflict_do_nothing(index_elements=["firing_key"])
