"""The events outbox: every catalog state change, written in the change's own transaction.

Readers (the SSE stream, later the broker) follow the table by id with `since(cursor)`. For
that cursor to be safe, ids must become visible in order: a reader that saw event 12 must never
later find a committed 11. SQLite has one writer at a time. On PostgreSQL every event-writing
transaction first takes one advisory lock (`begin`), before any row lock, so such transactions
commit one after the other and cannot deadlock on it. Catalog writes are small and rare
(control-plane changes), so serialising them costs nothing that matters.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from controller.catalog.records import EventRecord, to_jsonable
from controller.catalog.schema import Event
from protos import events

MODEL_VERSION_CHANGED = events.MODEL_VERSION_CHANGED
APPLICATION_CHANGED = events.APPLICATION_CHANGED
SERVABLE_CHANGED = events.SERVABLE_CHANGED
DEPLOYMENT_CONFIGURATION_CHANGED = events.DEPLOYMENT_CONFIGURATION_CHANGED
TRAINING_DATA_UPLOADED = events.TRAININGDATA_UPLOADED
"""Also what the profiling function subscribes to: the outbox is how it reaches the broker."""
# Catalog-only changes that no function consumes (yet), so they are not in protos.events.
METRIC_SPEC_CHANGED = "dev.hydro.metricspec.changed"
TRAINING_DATA_CHANGED = "dev.hydro.trainingdata.changed"

_OUTBOX_LOCK = 0x4859_4452_4F  # "HYDRO": one advisory lock key for the whole outbox
_PENDING = "hydro_outbox_pending"


def begin(session: Session) -> None:
    """Call first in a transaction that will write events (takes the PostgreSQL outbox lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _OUTBOX_LOCK})


def record(session: Session, event_type: str, subject: str, action: str, obj: Any) -> None:
    """Add an event `{"action": ..., "object": <obj as JSON>}` to the current transaction."""
    event = Event(type=event_type, subject=subject, data={"action": action, "object": to_jsonable(obj)})
    session.add(event)
    session.info.setdefault(_PENDING, []).append(event)


def pending(session: Session) -> list[EventRecord]:
    """The events this transaction wrote (flushed, so they have ids); clears the list."""
    events: list[Event] = session.info.pop(_PENDING, [])
    if events:
        session.flush()
    return [to_record(event) for event in events]


def since(session: Session, cursor: int, limit: int) -> list[EventRecord]:
    rows = session.scalars(select(Event).where(Event.id > cursor).order_by(Event.id).limit(limit))
    return [to_record(row) for row in rows]


def last_id(session: Session) -> int:
    return int(session.scalar(select(func.max(Event.id))) or 0)


def to_record(row: Event) -> EventRecord:
    return EventRecord(id=row.id, type=row.type, subject=row.subject, data=dict(row.data),
                       created_at=row.created_at)
