"""The alerts read API (the controller proxies it): `GET /api/v2/alerts` and `GET /api/v2/alerts/<id>`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from functions.alerts.tables import FIRING, RESOLVED, AlertRow, DeliveryRow
from functions.alerts.views import alert_view
from functions.host.function import PermanentError
from functions.host.store import Store

MAX_LIMIT = 1000
MAX_ID = 2**31 - 1  # the ids are 32-bit INTEGER columns


@dataclass(frozen=True)
class AlertQuery:
    """`?state=firing|resolved&modelVersionId=&limit=`, validated."""

    state: str | None = None
    model_version_id: int | None = None
    limit: int = 100

    @classmethod
    def from_args(cls, args: Any) -> AlertQuery:
        state = args.get("state") or None
        if state not in (None, FIRING, RESOLVED):
            raise PermanentError(f"state must be {FIRING} or {RESOLVED}, got {state!r}", "state")
        version = args.get("modelVersionId") or None
        limit = natural(args.get("limit", "100"), "limit", 1, MAX_LIMIT)
        return cls(state, None if version is None else natural(version, "modelVersionId"), limit)


def natural(text: str, name: str, low: int = 0, high: int = MAX_ID) -> int:
    """A decimal integer parameter in [low, high]; `PermanentError` naming it otherwise."""
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise PermanentError(f"{name} must be an integer from {low} to {high}, got {text!r}", name)
    return int(text)


def list_alerts(session: Session, query: AlertQuery) -> list[dict[str, Any]]:
    """The matching alerts, newest first, each with its deliveries."""
    statement = select(AlertRow).order_by(AlertRow.id.desc()).limit(query.limit)
    if query.state is not None:
        statement = statement.where(AlertRow.state == query.state)
    if query.model_version_id is not None:
        statement = statement.where(AlertRow.model_version_id == query.model_version_id)
    return _with_deliveries(session, session.scalars(statement).all())


def _with_deliveries(session: Session, alerts: Sequence[AlertRow]) -> list[dict[str, Any]]:
    deliveries: dict[int, list[DeliveryRow]] = defaultdict(list)
    if alerts:
        rows = session.scalars(select(DeliveryRow).where(DeliveryRow.alert_id.in_([a.id for a in alerts]))
                               .order_by(DeliveryRow.id))
        for row in rows:
            deliveries[row.alert_id].append(row)
    return [alert_view(alert, deliveries[alert.id]) for alert in alerts]


def blueprint(store: Store) -> Blueprint:
    routes = Blueprint("alerts", __name__)

    @routes.get("/api/v2/alerts")
    def listing() -> Any:
        query = AlertQuery.from_args(request.args)
        with store.transaction() as session:
            return jsonify({"items": list_alerts(session, query)})

    @routes.get("/api/v2/alerts/<alert_id>")
    def one(alert_id: str) -> Any:
        number = natural(alert_id, "id")
        with store.transaction() as session:
            alert = session.get(AlertRow, number)
            if alert is None:
                return jsonify({"error": f"alert {alert_id} does not exist", "field": "id"}), 404
            return jsonify(_with_deliveries(session, [alert])[0])

    @routes.errorhandler(PermanentError)
    def bad_request(error: PermanentError) -> Any:
        return jsonify({"error": str(error), "field": error.field}), 400

    return routes
