"""The alerts function's tables: the alerts and their deliveries (the outbox).

`firing_key` is set while an alert fires and cleared when it resolves; its unique constraint is
what makes "one firing alert per (model version, kind, field or metric)" hold under concurrent
events and several replicas. A resolved alert is kept as history; the next failure of the same
key starts a new alert.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from functions.host.store import FunctionBase

FIRING = "firing"
RESOLVED = "resolved"

PENDING = "pending"
DELIVERED = "delivered"
REJECTED = "rejected"


class AlertRow(FunctionBase):
    __tablename__ = "fn_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    firing_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    model_version_id: Mapped[int] = mapped_column(Integer, index=True)
    model_name: Mapped[str] = mapped_column(String(255))
    model_version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16), index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    last_notified: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_value: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    comparison: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text, default="")
    last_request_id: Mapped[str | None] = mapped_column(String(255))
    last_batch: Mapped[int | None] = mapped_column(Integer)
    last_timestamp: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DeliveryRow(FunctionBase):
    """One notification of one alert to one webhook, written with the alert change it reports."""

    __tablename__ = "fn_alert_deliveries"
    __table_args__ = (Index("ix_fn_alert_deliveries_queue", "webhook", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("fn_alerts.id"), index=True)
    webhook: Mapped[str] = mapped_column(String(1024))
    notification: Mapped[str] = mapped_column(String(16))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    leased_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def utc(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
