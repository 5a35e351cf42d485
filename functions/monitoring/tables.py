"""The monitoring function's tables (`fn_monitoring_*`), everything keyed by model version id.

- `versions`: per model version, what monitoring knows of it (model name, contract, batch size,
  metadata) and running counters; its row is also the per-version lock that orders requests.
- `requests`: the production data store: every request/response with its checks, numbered per
  version (`seq`, from 1) and assigned to a batch (`(seq - 1) // batch_size`).
- `batches`: per batch, its state (`open` -> `full` -> `done` | `failed`) and aggregated checks.
- `profiles`: training and production profiles per field, as `functions.stats` JSON.
- `drift`: drift reports (per batch window, or on demand).
- `drift_configs`: per-version drift settings stored through the API.
- `jobs`: training-data jobs (profile, then the automatic outlier detector).
- `alerts`: drift alerts not yet delivered (to the Broker, or as a ping's reply).
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Dialect, Float, Index, Integer, String, Text, TypeDecorator
from sqlalchemy.orm import Mapped, mapped_column

from functions.host.store import FunctionBase


class Json(TypeDecorator[Any]):
    """JSON text that never holds NaN or infinity (neither JSON nor PostgreSQL accepts them; float
    tensors may carry them): such numbers are stored as null. Serialised once, by this type."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        try:
            return json.dumps(value, allow_nan=False, separators=(",", ":"))
        except ValueError:
            return json.dumps(_finite(value), allow_nan=False, separators=(",", ":"))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value



class VersionRow(FunctionBase):
    __tablename__ = "fn_monitoring_versions"

    model_version_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    model_name: Mapped[str] = mapped_column(String(255))
    model_version: Mapped[int] = mapped_column(Integer)
    contract: Mapped[dict[str, Any]] = mapped_column(Json)
    batch_size: Mapped[int] = mapped_column(Integer)
    meta: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    checks_failed: Mapped[int] = mapped_column(Integer, default=0)
    outliers: Mapped[int] = mapped_column(Integer, default=0)
    profile_revision: Mapped[int] = mapped_column(Integer, default=0)
    """Bumped by every batch merged into the production profiles (optimistic concurrency)."""
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RequestRow(FunctionBase):
    __tablename__ = "fn_monitoring_requests"
    __table_args__ = (
        Index("ix_fn_monitoring_requests_version_seq", "model_version_id", "seq", unique=True),
        Index("ix_fn_monitoring_requests_version_time", "model_version_id", "timestamp"),
        Index("ix_fn_monitoring_requests_version_batch", "model_version_id", "batch"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_version_id: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    batch: Mapped[int] = mapped_column(Integer)
    request_id: Mapped[str] = mapped_column(String(255))
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    latency_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    shadow: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    """Share of raw checks passed (Hydrosphere's `_hs_score`)."""
    checks_failed: Mapped[bool] = mapped_column(Boolean, default=False)
    outlier: Mapped[bool] = mapped_column(Boolean, default=False)
    """At least one metric check failed."""
    data: Mapped[dict[str, Any]] = mapped_column(Json)
    """`{"request", "response", "checks": {field: [check]}, "metrics": {name: result}}`."""


class BatchRow(FunctionBase):
    __tablename__ = "fn_monitoring_batches"

    model_version_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    batch: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(16), index=True)
    size: Mapped[int] = mapped_column(Integer)
    first_seq: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    aggregates: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    drift_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class ProfileRow(FunctionBase):
    __tablename__ = "fn_monitoring_profiles"

    model_version_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    field: Mapped[str] = mapped_column(String(255), primary_key=True)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    """`training` or `production`."""
    kind: Mapped[str] = mapped_column(String(32))
    minimum: Mapped[float | None] = mapped_column(Float, nullable=True)
    maximum: Mapped[float | None] = mapped_column(Float, nullable=True)
    profile: Mapped[dict[str, Any]] = mapped_column(Json)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DriftRow(FunctionBase):
    __tablename__ = "fn_monitoring_drift"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_version_id: Mapped[int] = mapped_column(Integer, index=True)
    batch: Mapped[int | None] = mapped_column(Integer, nullable=True)
    trigger: Mapped[str] = mapped_column(String(16))
    """`batch` (a batch window completed) or `on-demand`."""
    window: Mapped[dict[str, Any]] = mapped_column(Json)
    """`{"requests", "firstSeq", "lastSeq", "batches"}`: the production data compared."""
    drifted: Mapped[bool] = mapped_column(Boolean)
    report: Mapped[dict[str, Any]] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DriftConfigRow(FunctionBase):
    __tablename__ = "fn_monitoring_drift_configs"

    model_version_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    config: Mapped[dict[str, Any]] = mapped_column(Json)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class JobRow(FunctionBase):
    __tablename__ = "fn_monitoring_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_version_id: Mapped[int] = mapped_column(Integer, index=True)
    training_data_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    uri: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    """PENDING, STARTED, SUCCESS or FAILED."""
    stage: Mapped[str] = mapped_column(String(32))
    """What the job does or did last: profile, train, upload, release, metric-spec, done."""
    profile_status: Mapped[str] = mapped_column(String(16))
    """Processing, Success or Failure (as reported to the catalog)."""
    profile_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    detector: Mapped[bool] = mapped_column(Boolean)
    """False for metric models: they get no detector of their own."""
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    rows: Mapped[int | None] = mapped_column(Integer, nullable=True)
    report: Mapped[dict[str, Any] | None] = mapped_column(Json, nullable=True)
    metric_version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    metric_spec_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AlertRow(FunctionBase):
    __tablename__ = "fn_monitoring_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_version_id: Mapped[int] = mapped_column(Integer, index=True)
    event: Mapped[str] = mapped_column(Text)
    """The `dev.hydro.check.failed` CloudEvent, stored (structured JSON)."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
