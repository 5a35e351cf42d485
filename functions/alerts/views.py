"""What an alert looks like outside: in the read API, in Hydro's webhook JSON, and to Alertmanager.

Alertmanager's API v2 (`POST /api/v2/alerts`, schema `postableAlerts`) takes a JSON list of
alerts whose `labels` and `annotations` are string-to-string maps; `startsAt`/`endsAt` are
RFC 3339 date-times and an alert with `endsAt` in the past is resolved.

A firing alert carries `endsAt` too, as Prometheus does: the time it will resolve unless another
failure comes (last seen + the resolve window). Without it Alertmanager would resolve the alert
on its own after its `resolve_timeout` (5 minutes by default, the same as our deduplication
window, so a still-failing alert would flap); with it, Alertmanager and this function agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from functions.alerts.tables import RESOLVED, AlertRow, DeliveryRow, utc
from protos.cloudevent_http import rfc3339

ALERTMANAGER_PATH = "/api/v2/alerts"
ALERT_NAMES = {"check": "HydroCheckFailed", "metric": "HydroMetricFailed", "drift": "HydroDriftDetected"}
# A failed check or metric concerns single requests; drift means the traffic as a whole has moved
# away from the training data, which every prediction of the version inherits.
SEVERITIES = {"check": "warning", "metric": "warning", "drift": "critical"}
KIND_WORDS = {"check": "Check", "metric": "Metric", "drift": "Drift test"}


def is_alertmanager(webhook: str) -> bool:
    """Whether the webhook is an Alertmanager (or compatible) alerts endpoint."""
    return urlparse(webhook).path.rstrip("/").endswith(ALERTMANAGER_PATH)


def alert_view(alert: AlertRow, deliveries: Iterable[DeliveryRow] | None = None) -> dict[str, Any]:
    """The alert as the API shows it (and as Hydro's webhook JSON carries it, without deliveries)."""
    view: dict[str, Any] = {
        "id": alert.id, "modelVersionId": alert.model_version_id, "modelName": alert.model_name,
        "modelVersion": alert.model_version, "kind": alert.kind, alert.subject_kind: alert.subject,
        "state": alert.state, "severity": SEVERITIES[alert.kind], "count": alert.count,
        "firstSeen": _time(alert.first_seen), "lastSeen": _time(alert.last_seen),
        "resolvedAt": _time(alert.resolved_at), "lastValue": alert.last_value, "threshold": alert.threshold,
        "comparison": alert.comparison, "message": alert.message, "lastRequestId": alert.last_request_id,
        "lastBatch": alert.last_batch, "lastTimestamp": _time(alert.last_timestamp),
    }
    if deliveries is not None:
        view["deliveries"] = [delivery_view(delivery) for delivery in deliveries]
    return view


def delivery_view(delivery: DeliveryRow) -> dict[str, Any]:
    return {
        "id": delivery.id, "webhook": delivery.webhook, "notification": delivery.notification,
        "status": delivery.status, "attempts": delivery.attempts, "lastError": delivery.last_error,
        "createdAt": _time(delivery.created_at), "deliveredAt": _time(delivery.delivered_at),
    }


def payload(alert: AlertRow, webhook: str, generator_base: str, resolve: timedelta) -> str:
    """The body one webhook gets for the alert in its current state."""
    if is_alertmanager(webhook):
        return json.dumps([alertmanager_alert(alert, generator_base, resolve)])
    return json.dumps(alert_view(alert))


def alertmanager_alert(alert: AlertRow, generator_base: str, resolve: timedelta) -> dict[str, Any]:
    """One `postableAlert` of Alertmanager's API v2; `resolve` is the resolve window."""
    labels = {
        "alertname": ALERT_NAMES[alert.kind], "model": alert.model_name, "version": str(alert.model_version),
        alert.subject_kind: alert.subject, "kind": alert.kind, "severity": SEVERITIES[alert.kind],
    }
    annotations = {"summary": _summary(alert), "description": _description(alert)}
    for name, number in (("value", alert.last_value), ("threshold", alert.threshold)):
        if number is not None:
            annotations[name] = _number(number)
    resolved = alert.state == RESOLVED and alert.resolved_at is not None
    ends = alert.resolved_at if resolved else utc(alert.last_seen) + resolve
    return {"labels": labels, "annotations": annotations, "startsAt": _time(alert.first_seen), "endsAt": _time(ends),
            "generatorURL": f"{generator_base.rstrip('/')}/{alert.id}"}


def _summary(alert: AlertRow) -> str:
    return (f"{KIND_WORDS[alert.kind]} on {alert.subject_kind} '{alert.subject}' failed for model "
            f"{alert.model_name} version {alert.model_version}")


def _description(alert: AlertRow) -> str:
    times = "once" if alert.count == 1 else f"{alert.count} times"
    return f"{alert.message} (failed {times} since {_time(alert.first_seen)})"


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)


def _time(moment: Any) -> str | None:
    return None if moment is None else rfc3339(utc(moment))
