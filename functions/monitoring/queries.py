"""The read API's core: queries over the stored requests, batches, profiles, reports and jobs.

Transport-free (a session in, JSON-able data out); `api` adapts it to HTTP. `NotFound` names
what is missing and how it comes to exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from functions.monitoring import batches, documents, drift, profile_store, versions
from functions.monitoring.errors import NotFound
from functions.monitoring.manager import VersionInfo
from functions.monitoring.recorder import OPEN
from functions.monitoring.settings import MonitoringSettings
from functions.monitoring.tables import BatchRow, DriftRow, JobRow, RequestRow, VersionRow


def version(session: Session, version_id: int) -> tuple[VersionRow, VersionInfo]:
    row = session.get(VersionRow, version_id)
    if row is None:
        raise NotFound(f"model version {version_id} has no monitoring data yet (no request and no training "
                       f"data has reached the monitoring function)")
    return row, versions.from_row(row)


def checks(session: Session, version_id: int, *, start: datetime | None = None, end: datetime | None = None,
           batch: int | None = None, limit: int = 1000, offset: int = 0, newest_first: bool = False) -> list[Any]:
    _, info = version(session, version_id)
    query = select(RequestRow).where(RequestRow.model_version_id == version_id)
    if start is not None:
        query = query.where(RequestRow.timestamp >= start)
    if end is not None:
        query = query.where(RequestRow.timestamp <= end)
    if batch is not None:
        query = query.where(RequestRow.batch == batch)
    order = RequestRow.seq.desc() if newest_first else RequestRow.seq
    rows = session.scalars(query.order_by(order).limit(limit).offset(offset))
    return [documents.check_document(r, info.contract, info.model_name, info.version) for r in rows]


def check(session: Session, check_id: int) -> dict[str, Any]:
    row = session.get(RequestRow, check_id)
    if row is None:
        raise NotFound(f"check {check_id} does not exist")
    _, info = version(session, row.model_version_id)
    return documents.check_document(row, info.contract, info.model_name, info.version)


def subsample(session: Session, version_id: int, size: int) -> list[Any]:
    """A uniform random sample of `size` stored requests."""
    _, info = version(session, version_id)
    rows = session.scalars(select(RequestRow).where(RequestRow.model_version_id == version_id)
                           .order_by(func.random()).limit(size))
    return [documents.check_document(r, info.contract, info.model_name, info.version) for r in rows]


def aggregates(session: Session, version_id: int, *, limit: int, offset: int, start: datetime | None = None,
               till: datetime | None = None) -> dict[str, Any]:
    """Batches newest first, as `{count, minDate, maxDate, results}`; the open batch is aggregated
    from its requests so far."""
    row, _ = version(session, version_id)
    query = select(BatchRow).where(BatchRow.model_version_id == version_id)
    if start is not None:
        query = query.where(BatchRow.started_at >= start)
    if till is not None:
        query = query.where(BatchRow.ended_at <= till)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = list(session.scalars(query.order_by(BatchRow.batch.desc()).limit(limit).offset(offset)))
    bounds = session.execute(select(func.min(BatchRow.started_at), func.max(BatchRow.ended_at))
                             .where(BatchRow.model_version_id == version_id)).one()
    return {"count": count, "minDate": _epoch(bounds[0]), "maxDate": _epoch(bounds[1]),
            "results": [_aggregate(session, batch, row.model_name) for batch in found]}


def profile(session: Session, version_id: int, field: str) -> dict[str, Any]:
    sides = {side: profile_store.one(session, version_id, field, side)
             for side in (profile_store.TRAINING, profile_store.PRODUCTION)}
    if all(p is None for p in sides.values()):
        raise NotFound(f"model version {version_id} has no profile of field {field!r}", "field")
    return {side: None if p is None else {"kind": p.kind, **p.summary()} for side, p in sides.items()}


def profile_fields(session: Session, version_id: int) -> list[dict[str, Any]]:
    return [{"name": name, "training": sides.get(profile_store.TRAINING),
             "production": sides.get(profile_store.PRODUCTION)}
            for name, sides in sorted(profile_store.fields(session, version_id).items())]


def summary(session: Session, version_id: int, settings: MonitoringSettings) -> dict[str, Any]:
    row, _ = version(session, version_id)
    last_batch = session.scalars(select(BatchRow).where(BatchRow.model_version_id == version_id,
                                                        BatchRow.status != OPEN)
                                 .order_by(BatchRow.batch.desc()).limit(1)).first()
    return {
        "modelVersionId": version_id, "modelName": row.model_name, "modelVersion": row.model_version,
        "batchSize": row.batch_size, "requests": row.requests, "failures": row.errors,
        "failureRate": row.errors / row.requests if row.requests else None,
        "checksFailed": row.checks_failed, "outliers": row.outliers,
        "latencyMs": _latency(session, version_id, settings.latency_window),
        "lastBatch": None if last_batch is None else _aggregate(session, last_batch, row.model_name),
        "lastDrift": documents.drift_summary(drift.latest(session, version_id)),
        "trainingFields": sorted(profile_store.training_bounds(session, version_id, set(_all_fields(row)))),
        "outlierDetector": _job_status(session, version_id),
    }


def outliers(session: Session, version_id: int) -> dict[str, Any]:
    status = _job_status(session, version_id)
    if status is None:
        raise NotFound(f"model version {version_id} has no outlier detector job: upload its training data "
                       f"(metric models, named *_metric, get none)")
    return status


def latest_drift(session: Session, version_id: int) -> dict[str, Any]:
    found = drift.latest(session, version_id)
    if found is None:
        raise NotFound(f"model version {version_id} has no drift report yet: one is made when a batch completes "
                       f"after training data was profiled; ask with refresh=true to compute one now")
    return documents.drift_document(found)


def refresh_drift(session: Session, version_id: int, settings: MonitoringSettings) -> dict[str, Any]:
    """Compare the latest drift window with training data now, and store the report."""
    row, info = version(session, version_id)
    size = drift.window_batches(info.batch_size, settings.drift_min_window) * info.batch_size
    report = drift.evaluate(session, info, drift.window_rows(session, version_id, row.requests, size),
                            trigger=drift.ON_DEMAND)
    if report is None:
        trained = bool(profile_store.load(session, version_id, profile_store.TRAINING))
        raise NotFound(f"model version {version_id}: drift needs training profiles and production requests; "
                       f"it has {row.requests} requests and {'' if trained else 'no '}training profiles")
    session.add(report)
    session.flush()
    return documents.drift_document(report)


def drift_config(session: Session, version_id: int) -> dict[str, Any]:
    _, info = version(session, version_id)
    config, source = drift.config_for(session, info)
    return {"modelVersionId": version_id, "source": source, "config": config.to_dict()}


def _aggregate(session: Session, batch: BatchRow, model_name: str) -> dict[str, Any]:
    values = batch.aggregates
    if values is None:  # open (or not yet processed): aggregate what it holds so far
        rows = session.scalars(select(RequestRow).where(RequestRow.model_version_id == batch.model_version_id,
                                                        RequestRow.batch == batch.batch).order_by(RequestRow.seq))
        values = batches.aggregate(list(rows))
    report = session.get(DriftRow, batch.drift_id) if batch.drift_id is not None else None
    return documents.aggregate_document(batch, values, model_name, report)


def _latency(session: Session, version_id: int, window: int) -> dict[str, Any]:
    values = list(session.scalars(select(RequestRow.latency_ms).where(
        RequestRow.model_version_id == version_id, RequestRow.latency_ms.is_not(None))
        .order_by(RequestRow.seq.desc()).limit(window)))
    if not values:
        return {"p50": None, "p99": None, "requests": 0}
    p50, p99 = np.percentile(np.asarray(values, dtype=np.float64), [50, 99]).tolist()
    return {"p50": p50, "p99": p99, "requests": len(values)}


def _job_status(session: Session, version_id: int) -> dict[str, Any] | None:
    job = session.scalars(select(JobRow).where(JobRow.model_version_id == version_id, JobRow.detector.is_(True))
                          .order_by(JobRow.id.desc()).limit(1)).first()
    if job is None:
        return None
    return {"modelVersionId": version_id, "jobId": job.id, "status": job.status, "stage": job.stage,
            "reason": job.reason, "trainingDataId": job.training_data_id, "profileStatus": job.profile_status,
            "profileMessage": job.profile_message,
            "rows": job.rows, "metricModelVersionId": job.metric_version_id, "metricSpecId": job.metric_spec_id,
            "algorithm": (job.report or {}).get("algorithm"), "attempts": job.attempts, "report": job.report,
            "createdAt": documents.iso(job.created_at),
            "updatedAt": documents.iso(job.updated_at)}


def _all_fields(row: VersionRow) -> list[str]:
    contract = versions.from_row(row).contract
    return [f.name for f in (*contract.inputs, *contract.outputs)]


def _epoch(moment: datetime | None) -> int | None:
    return None if moment is None else int(documents.utc(moment).timestamp())
