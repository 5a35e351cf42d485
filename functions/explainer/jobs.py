"""Asynchronous requests (explanations, projections) as rows that move PENDING -> STARTED ->
SUCCESS / FAILED / NOT_SUPPORTED, shared by the explainer and the projector.

A request is stored PENDING by the API, then its event is delivered (by the Broker, or a local
thread). `claim` moves it to STARTED with one conditional UPDATE, so of two concurrent deliveries
only one runs it; a STARTED request whose lease ran out (its process died) may be claimed again.
`finish` writes the final state in the same transaction that marks the event processed, so a
redelivery after that changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Text, and_, or_, update
from sqlalchemy.orm import Mapped, mapped_column

from functions.explainer.errors import FAILED, PENDING, STARTED, SUCCESS, outcome
from functions.host.store import Store, utcnow
from protos.cloudevent_http import rfc3339

logger = logging.getLogger(__name__)
DESCRIPTIONS = {PENDING: "queued", STARTED: "running"}


class JobColumns:
    """Columns every request table has (a declarative mixin)."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_version_id: Mapped[int] = mapped_column(Integer, index=True)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def deliver(store: Store, function: str, table: Any, event_key: str, job_id: int, lease_s: float,
            work: Callable[[], dict[str, Any]]) -> None:
    """Run request `job_id` for the event `event_key`, unless it ran already or runs elsewhere;
    whatever stops `work` becomes the request's final state and reason."""
    if store.seen(function, event_key) or not claim(store, table, job_id, lease_s):
        return
    try:
        state, reason, result = SUCCESS, None, work()
    except Exception as error:  # every failure is the request's outcome, shown to whoever asked
        state, reason = outcome(error)
        result = None
        logger.info("%s %d: %s: %s", function, job_id, state, reason)
    finish(store, function, event_key, table, job_id, state, reason, result)


def event_job_id(data: Any) -> int:
    """The request id an event's data carries; `ValueError` when it has none."""
    job_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(job_id, int) or isinstance(job_id, bool):
        raise ValueError(f"data.id: expected the request's integer id, got {job_id!r}")
    return job_id


def claim(store: Store, table: Any, job_id: int, lease_s: float) -> bool:
    """Move the request to STARTED; False when it is not PENDING (and not a stale STARTED)."""
    now = utcnow()
    stale = now - timedelta(seconds=lease_s)
    with store.transaction() as session:
        won = session.execute(
            update(table)
            .where(table.id == job_id,
                   or_(table.state == PENDING, and_(table.state == STARTED, table.started_at < stale)))
            .values(state=STARTED, started_at=now)
        )
        return getattr(won, "rowcount", 0) == 1


def finish(store: Store, function: str, event_key: str, table: Any, job_id: int, state: str, reason: str | None,
           result: dict[str, Any] | None) -> bool:
    """Store the final state, once per event; False when the event was already processed."""
    with store.transaction() as session:
        if not store.first_time(session, function, event_key):
            return False
        session.execute(update(table).where(table.id == job_id)
                        .values(state=state, reason=reason, result=result, finished_at=utcnow()))
        return True


def fail(store: Store, table: Any, job_id: int, reason: str) -> None:
    """End a request that never ran (its event could not be published)."""
    with store.transaction() as session:
        session.execute(update(table).where(table.id == job_id)
                        .values(state=FAILED, reason=reason, finished_at=utcnow()))


def job_view(row: JobColumns) -> dict[str, Any]:
    """The fields every request shows; `description` is the reason, or what is happening."""
    return {
        "id": row.id, "modelVersionId": row.model_version_id, "state": row.state, "reason": row.reason,
        "description": row.reason or DESCRIPTIONS.get(row.state, row.state.lower()), "config": row.config,
        "createdAt": _time(row.created_at), "startedAt": _time(row.started_at),
        "finishedAt": _time(row.finished_at), "result": row.result,
    }


def _time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return rfc3339(moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC))
