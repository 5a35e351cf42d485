"""The monitoring read API (Hydrosphere sonar's paths where it had them), as thin Flask adapters.

| path | answer |
| --- | --- |
| `GET /monitoring/checks/{mv}?from=&to=&batch=&limit=` | check documents in a time range (epoch s or ISO 8601) |
| `GET /monitoring/checks/all/{mv}?limit=&offset=` | check documents, newest first |
| `GET /monitoring/checks/subsample/{mv}?size=` | a random sample of check documents |
| `GET /monitoring/checks/aggregates/{mv}?limit=&offset=&from=&till=` | `{count, minDate, maxDate, results}` per batch |
| `GET /monitoring/checks/id/{id}` | one check document |
| `GET /monitoring/slow/checks/{mv}/{batch}` | the check documents of one batch |
| `GET /monitoring/profiles/{mv}` | profiled fields; `GET /monitoring/fields/{mv}`: their names |
| `GET /monitoring/profiles/{mv}/{field}` | `{"training", "production"}` summaries with histograms |
| `GET /monitoring/summary/{mv}` | counts, rates, latency p50/p99, last batch, last drift verdict |
| `GET /monitoring/outliers/{mv}` | the outlier detector job: status, stage, reason, report |
| `GET /stat/metrics?model_version_id=N[&refresh=true]` | the latest drift report (or a new one) |
| `GET`, `PUT /stat/config/{mv}` | the version's drift settings (`DriftConfig` JSON) |

Errors: `{"error": message, "field": name}` with 400, 404 or 503.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, jsonify, request

from functions.host.store import Store
from functions.monitoring import drift, queries, versions
from functions.monitoring.errors import BadRequest, MonitoringError
from functions.monitoring.settings import MonitoringSettings
from functions.monitoring.versions import VersionDirectory
from functions.stats import DriftConfig, StatsError

MAX_LIMIT = 10_000


Reader = Callable[..., Any]


def blueprint(store: Store, settings: MonitoringSettings, directory: VersionDirectory,
              before: Callable[[], None]) -> Blueprint:
    api = Blueprint("monitoring", __name__)
    api.before_request(before)

    def read(query: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with store.transaction() as session:
            return jsonify(query(session, *args, **kwargs))

    _check_routes(api, read)
    _profile_routes(api, read, settings)
    _stat_routes(api, read, store, settings, directory)
    api.register_error_handler(MonitoringError, _error)
    return api


def _check_routes(api: Blueprint, read: Reader) -> None:
    @api.get("/monitoring/checks/<int:mv>")
    def checks_in_range(mv: int) -> Any:
        return read(queries.checks, mv, start=_time("from"), end=_time("to"), batch=_optional_int("batch"),
                    limit=_int("limit", 1000, 1, MAX_LIMIT))

    @api.get("/monitoring/checks/all/<int:mv>")
    def checks_page(mv: int) -> Any:
        return read(queries.checks, mv, limit=_int("limit", 100, 1, MAX_LIMIT), offset=_int("offset", 0, 0),
                    newest_first=True)

    @api.get("/monitoring/checks/subsample/<int:mv>")
    def checks_subsample(mv: int) -> Any:
        return read(queries.subsample, mv, _int("size", 100, 1, MAX_LIMIT))

    @api.get("/monitoring/checks/aggregates/<int:mv>")
    def checks_aggregates(mv: int) -> Any:
        return read(queries.aggregates, mv, limit=_int("limit", 50, 1, MAX_LIMIT), offset=_int("offset", 0, 0),
                    start=_time("from"), till=_time("till"))

    @api.get("/monitoring/checks/id/<int:check_id>")
    def check_by_id(check_id: int) -> Any:
        return read(queries.check, check_id)

    @api.get("/monitoring/slow/checks/<int:mv>/<int:batch>")
    def batch_checks(mv: int, batch: int) -> Any:
        return read(queries.checks, mv, batch=batch, limit=MAX_LIMIT)


def _profile_routes(api: Blueprint, read: Reader, settings: MonitoringSettings) -> None:
    @api.get("/monitoring/profiles/<int:mv>")
    def profile_fields(mv: int) -> Any:
        return read(queries.profile_fields, mv)

    @api.get("/monitoring/fields/<int:mv>")
    def field_names(mv: int) -> Any:
        return read(lambda session, v: [f["name"] for f in queries.profile_fields(session, v)], mv)

    @api.get("/monitoring/profiles/<int:mv>/<field>")
    def profile(mv: int, field: str) -> Any:
        return read(queries.profile, mv, field)

    @api.get("/monitoring/summary/<int:mv>")
    def summary(mv: int) -> Any:
        return read(queries.summary, mv, settings)

    @api.get("/monitoring/outliers/<int:mv>")
    def outliers(mv: int) -> Any:
        return read(queries.outliers, mv)


def _stat_routes(api: Blueprint, read: Reader, store: Store, settings: MonitoringSettings,
                 directory: VersionDirectory) -> None:
    @api.get("/stat/metrics")
    def drift_metrics() -> Any:
        mv = _optional_int("model_version_id")
        if mv is None:
            raise BadRequest("model_version_id: required query parameter", "model_version_id")
        refresh = (request.args.get("refresh") or "").lower() in ("1", "true", "yes")
        return read(queries.refresh_drift, mv, settings) if refresh else read(queries.latest_drift, mv)

    @api.get("/stat/config/<int:mv>")
    def get_config(mv: int) -> Any:
        directory.get(mv)
        return read(queries.drift_config, mv)

    @api.put("/stat/config/<int:mv>")
    def put_config(mv: int) -> Any:
        config = _drift_config(request.get_json(silent=True))
        info = directory.get(mv)
        with store.transaction() as session:
            versions.save(session, info)
            drift.store_config(session, mv, config)
            return jsonify(queries.drift_config(session, mv))


def _error(error: MonitoringError) -> Any:
    return jsonify({"error": error.message, "field": error.field}), error.status


def _drift_config(body: Any) -> DriftConfig:
    if not isinstance(body, dict):
        raise BadRequest("body: expected a JSON object of drift settings", "body")
    try:
        return DriftConfig.from_dict(body)
    except StatsError as error:
        raise BadRequest(str(error), error.key) from None


def _int(name: str, default: int, low: int, high: int | None = None) -> int:
    value = _optional_int(name, low, high)
    return default if value is None else value


def _optional_int(name: str, low: int = 0, high: int | None = None) -> int | None:
    text = request.args.get(name)
    if text is None or text == "":
        return None
    if not text.lstrip("-").isdigit() or int(text) < low or (high is not None and int(text) > high):
        bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise BadRequest(f"{name}: must be an integer {bounds}, got {text!r}", name)
    return int(text)


def _time(name: str) -> datetime | None:
    """Epoch seconds or ISO 8601, as UTC."""
    text = request.args.get(name)
    if not text:
        return None
    try:
        return datetime.fromtimestamp(float(text), UTC)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{name}: must be epoch seconds or an ISO 8601 time, got {text!r}", name) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
