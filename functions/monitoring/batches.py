"""Batch work: when a version's batch of `batchSize` requests is full, aggregate its checks per
field and metric, merge its profiles into the production profiles, and compare the drift window
ending with it against training data (queueing a drift alert when a feature drifted).

Two steps, so the store's write lock is never held over statistics: everything is computed from
committed data first, then written in one short transaction whose first statement claims the
batch (`full` -> `done`) and whose second locks the version's row. A batch is so processed once
even when several threads or replicas find it due; a crash rolls the write back and leaves the
batch due for the next ping. The version's `profile_revision` catches a merge that raced another
one (replicas sharing the store): the losing batch computes again. A batch that fails is retried a
few times, then marked `failed` with the error; a failure never stops other batches or versions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cloudevents.core.base import BaseCloudEvent
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from functions.host.store import Store
from functions.monitoring import alerts, drift, profile_store, versions
from functions.monitoring.documents import utc
from functions.monitoring.manager import VersionInfo
from functions.monitoring.profiles import profile_requests
from functions.monitoring.recorder import DONE, FAILED, FULL
from functions.monitoring.settings import MonitoringSettings
from functions.monitoring.tables import BatchRow, DriftRow, RequestRow, VersionRow
from functions.stats import BadProfile, Profile

logger = logging.getLogger(__name__)
MAX_BATCHES_PER_RUN = 100
MAX_RACES = 3


@dataclass(frozen=True)
class BatchOutcome:
    model_version_id: int
    batch: int
    processed: bool
    drifted_features: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class _Computed:
    """What processing a batch writes, computed from the data committed when it started."""

    revision: int
    production: dict[str, Profile]
    aggregates: dict[str, Any]
    report: DriftRow | None
    alert: BaseCloudEvent | None


class _Raced(Exception):
    """Another batch of the version merged into its production profiles meanwhile."""


class BatchWork:
    def __init__(self, store: Store, settings: MonitoringSettings, on_alert: Callable[[], None]) -> None:
        self.store = store
        self.settings = settings
        self._on_alert = on_alert

    def run_due(self, version_id: int | None = None) -> list[BatchOutcome]:
        """Process every due batch (of one version, or of all), oldest first."""
        query = select(BatchRow.model_version_id, BatchRow.batch).where(BatchRow.status == FULL)
        if version_id is not None:
            query = query.where(BatchRow.model_version_id == version_id)
        with self.store.transaction() as session:
            due = session.execute(query.order_by(BatchRow.model_version_id, BatchRow.batch)
                                  .limit(MAX_BATCHES_PER_RUN)).all()
        outcomes = [self._run_one(int(mv), int(batch)) for mv, batch in due]
        if any(o.drifted_features for o in outcomes):
            self._on_alert()
        return outcomes

    def _run_one(self, version_id: int, batch: int) -> BatchOutcome:
        try:
            for _ in range(MAX_RACES):
                try:
                    return self.process(version_id, batch)
                except _Raced:
                    continue
            raise RuntimeError(f"batch {batch} lost the race for the production profiles {MAX_RACES} times")
        except Exception as error:
            logger.exception("model version %d: batch %d failed", version_id, batch)
            self._failed(version_id, batch, f"{type(error).__name__}: {error}")
            return BatchOutcome(version_id, batch, False, error=str(error))

    def process(self, version_id: int, batch: int) -> BatchOutcome:
        with self.store.transaction() as session:
            row = session.get(BatchRow, {"model_version_id": version_id, "batch": batch})
            if row is None or row.status != FULL:
                return BatchOutcome(version_id, batch, False)
            computed = _compute(session, version_id, batch, self.settings)
        with self.store.transaction() as session:
            if not _store(session, version_id, batch, computed):
                return BatchOutcome(version_id, batch, False)
        drifted = tuple(computed.report.report["drifted_features"]) if computed.report is not None else ()
        return BatchOutcome(version_id, batch, True, drifted)

    def _failed(self, version_id: int, batch: int, message: str) -> None:
        with self.store.transaction() as session:
            row = session.get(BatchRow, {"model_version_id": version_id, "batch": batch})
            if row is not None and row.status == FULL:
                row.attempts += 1
                row.error = message
                if row.attempts >= self.settings.batch_max_attempts:
                    row.status = FAILED


def _compute(session: Session, version_id: int, batch: int, settings: MonitoringSettings) -> _Computed:
    version = session.get_one(VersionRow, version_id)
    info = versions.from_row(version)
    spans = drift.window_batches(info.batch_size, settings.drift_min_window)
    window = list(session.scalars(select(RequestRow).where(
        RequestRow.model_version_id == version_id, RequestRow.batch > batch - spans, RequestRow.batch <= batch,
    ).order_by(RequestRow.seq)))
    rows = [row for row in window if row.batch == batch]
    closes_window = (batch + 1) % spans == 0  # windows follow each other: drift once per window
    report = drift.evaluate(session, info, window, trigger=drift.BATCH, batch=batch) if closes_window else None
    alert = None
    if report is not None and report.drifted:
        failures = alerts.drift_failures(report.report)
        alert = alerts.alert(info, alerts.DRIFT, failures, utc(rows[-1].timestamp), batch=batch)
    return _Computed(version.profile_revision, _merged_production(session, info, rows), aggregate(rows),
                     report, alert)


def _store(session: Session, version_id: int, batch: int, computed: _Computed) -> bool:
    """Write a computed batch; False when another thread or replica already did."""
    claimed = session.execute(update(BatchRow).where(
        BatchRow.model_version_id == version_id, BatchRow.batch == batch, BatchRow.status == FULL,
    ).values(status=DONE, error=None, aggregates=computed.aggregates))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    version = session.get_one(VersionRow, version_id, with_for_update=True, populate_existing=True)
    if version.profile_revision != computed.revision:
        raise _Raced()
    version.profile_revision += 1
    profile_store.save(session, version_id, profile_store.PRODUCTION, computed.production)
    if computed.report is not None:
        session.add(computed.report)
        session.flush()
        session.execute(update(BatchRow).where(BatchRow.model_version_id == version_id, BatchRow.batch == batch)
                        .values(drift_id=computed.report.id))
    if computed.alert is not None:
        alerts.keep(session, version_id, computed.alert)
    return True


def _merged_production(session: Session, info: VersionInfo, rows: Sequence[RequestRow]) -> dict[str, Profile]:
    stored = profile_store.load(session, info.id, profile_store.PRODUCTION)
    templates = stored or profile_store.load(session, info.id, profile_store.TRAINING)
    fresh = profile_requests(info.contract, [drift.values_of(row) for row in rows], templates)
    merged: dict[str, Profile] = {}
    for field, profile in fresh.items():
        previous = stored.get(field)
        try:
            merged[field] = previous.merge(profile) if previous is not None else profile
        except BadProfile:  # a field whose kind changed: its production profile starts again
            merged[field] = profile
    return merged


def aggregate(rows: Sequence[RequestRow]) -> dict[str, Any]:
    """Per field: requests checked and requests whose checks all passed; per metric: requests
    scored, passed, and unavailable."""
    fields: dict[str, dict[str, int]] = {}
    metrics: dict[str, dict[str, int]] = {}
    for row in rows:
        for field, checks in (row.data.get("checks") or {}).items():
            counts = fields.setdefault(field, {"checks": 0, "passed": 0})
            counts["checks"] += 1
            counts["passed"] += int(all(check["check"] for check in checks))
        for name, result in (row.data.get("metrics") or {}).items():
            counts = metrics.setdefault(name, {"checked": 0, "passed": 0, "unavailable": 0})
            counts["checked"] += int(result["check"] is not None)
            counts["passed"] += int(result["check"] is True)
            counts["unavailable"] += int(result["status"] != "ok")
    latencies = [row.latency_ms for row in rows if row.latency_ms is not None]
    return {"requests": len(rows), "errors": sum(row.error is not None for row in rows),
            "checksFailed": sum(row.checks_failed for row in rows), "outliers": sum(row.outlier for row in rows),
            "meanLatencyMs": sum(latencies) / len(latencies) if latencies else None,
            "fields": fields, "metrics": metrics}
