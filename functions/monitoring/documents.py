"""Stored rows as the JSON documents Hydrosphere's sonar answered (its field names, `_hs_*` keys).

A check document: the request's field values, per field `_hs_<field>_score` (share of its checks
passed), `_hs_raw_checks` (per field, the `< max` / `> min` checks), `_hs_metric_checks` (per
metric spec name), `_hs_score` (all raw checks), `_hs_overall_score` (all metric checks), latency,
error, model and request identity, timestamp (ms) and date parts. Hydro adds `_hs_batch`,
`_hs_seq` and `_hs_checks_failed` / `_hs_outlier`.

An aggregate document (one batch): per field `{checks, passed}`, `_hs_metrics` per metric
`{checked, passed, unavailable}`, the request count and bounds, and the batch's drift verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from functions.monitoring.tables import BatchRow, DriftRow, RequestRow
from protos.contract import Contract


def check_document(row: RequestRow, contract: Contract, model_name: str, model_version: int) -> dict[str, Any]:
    values = {**(row.data.get("request") or {}), **(row.data.get("response") or {})}
    raw: Mapping[str, list[dict[str, Any]]] = row.data.get("checks") or {}
    metrics: Mapping[str, dict[str, Any]] = row.data.get("metrics") or {}
    doc: dict[str, Any] = {"_id": str(row.id)}
    for field in (*contract.inputs, *contract.outputs):
        doc[field.name] = values.get(field.name)
        doc[f"_hs_{field.name}_score"] = _share(c["check"] for c in raw.get(field.name, []))
    moment = utc(row.timestamp)
    doc.update({
        "_hs_raw_checks": {f.name: raw.get(f.name, []) for f in (*contract.inputs, *contract.outputs)},
        "_hs_metric_checks": dict(metrics),
        "_hs_latency": row.latency_ms,
        "_hs_error": row.error,
        "_hs_score": row.score,
        "_hs_overall_score": _share(m["check"] for m in metrics.values() if m.get("check") is not None),
        "_hs_model_version_id": row.model_version_id,
        "_hs_model_name": model_name,
        "_hs_model_incremental_version": model_version,
        "_hs_request_id": row.request_id,
        "_hs_timestamp": int(moment.timestamp() * 1000),
        "_hs_year": moment.year, "_hs_month": moment.month, "_hs_day": moment.day,
        "_hs_batch": row.batch, "_hs_seq": row.seq,
        "_hs_checks_failed": row.checks_failed, "_hs_outlier": row.outlier, "_hs_shadow": row.shadow,
    })
    return doc


def aggregate_document(batch: BatchRow, aggregates: Mapping[str, Any], model_name: str,
                       drift: DriftRow | None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "_id": str(batch.batch),
        "_hs_model_version_id": batch.model_version_id,
        "_hs_model_name": model_name,
        "_hs_batch": batch.batch,
        "_hs_status": batch.status,
        "_hs_requests": aggregates.get("requests", 0),
        "_hs_batch_size": batch.size,
        "_hs_first_seq": batch.first_seq,
        "_hs_start_timestamp": _seconds(batch.started_at),
        "_hs_end_timestamp": _seconds(batch.ended_at),
        "_hs_errors": aggregates.get("errors", 0),
        "_hs_checks_failed": aggregates.get("checksFailed", 0),
        "_hs_outliers": aggregates.get("outliers", 0),
        "_hs_mean_latency": aggregates.get("meanLatencyMs"),
        "_hs_metrics": dict(aggregates.get("metrics") or {}),
        "_hs_drift": drift_summary(drift),
        "_hs_error": batch.error,
    }
    for field, counts in (aggregates.get("fields") or {}).items():
        doc.setdefault(field, dict(counts))
    return doc


def drift_summary(drift: DriftRow | None) -> dict[str, Any] | None:
    if drift is None:
        return None
    return {"id": drift.id, "batch": drift.batch, "trigger": drift.trigger, "createdAt": iso(drift.created_at),
            "drifted": bool(drift.report.get("drifted")), "driftedFeatures": list(drift.report["drifted_features"]),
            "window": dict(drift.window)}


def drift_document(drift: DriftRow) -> dict[str, Any]:
    """`/stat/metrics`: the report with when, what it compared, and the settings' source."""
    return {"modelVersionId": drift.model_version_id, "id": drift.id, "batch": drift.batch,
            "trigger": drift.trigger, "createdAt": iso(drift.created_at), "window": dict(drift.window),
            **drift.report}


def _share(results: Any) -> float | None:
    values: Sequence[bool] = [bool(r) for r in results]
    return sum(values) / len(values) if values else None


def _seconds(moment: datetime | None) -> int | None:
    return None if moment is None else int(utc(moment).timestamp())


def utc(moment: datetime) -> datetime:
    """Stored times are UTC; SQLite hands them back without a zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else utc(moment).isoformat()
