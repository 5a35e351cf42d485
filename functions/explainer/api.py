"""The explainer's HTTP API (Hydrosphere's `/rootcause` paths), as thin Flask adapters.

| path | answer |
| --- | --- |
| `POST /rootcause/explanation` | body below -> 202 `{"id", "state"}` (200: an equal one exists) |
| `GET /rootcause/explanation/{id}` | the request: state, reason (also as `description`), result |
| `GET /rootcause/explanation?model_version_id=&explained_request_id=` | `{"items": [...]}`, newest first |
| `GET /rootcause/explanation?...&method=[&output_field=]` | the newest such request (404 when none was asked) |
| `GET /rootcause/supported/{model_version_id}` | per method: `{"supported", "reason"}` from the contract |

The POST body: `{"method", "model_version_id", "explained_request_id", "output_field"?, "config"?}`
(see `requests`). Errors: `{"error": message, "field": name}` with 400, 404 or 503.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from functions.explainer.errors import InterpretError, NotFound
from functions.explainer.jobs import job_view
from functions.explainer.methods import support_table
from functions.explainer.requests import ExplanationRequest, method_of, request_id, version_id
from functions.explainer.tables import ExplanationRow
from functions.monitoring.errors import MonitoringError

if TYPE_CHECKING:
    from functions.explainer.function import ExplainerFunction

MAX_ITEMS = 100


def explanation_view(row: ExplanationRow) -> dict[str, Any]:
    return {**job_view(row), "method": row.method, "explainedRequestId": row.explained_request_id,
            "outputField": row.output_field}


def blueprint(function: ExplainerFunction) -> Blueprint:
    routes = Blueprint("explainer", __name__)
    store = function.store

    @routes.post("/rootcause/explanation")
    def ask() -> Any:
        answer, created = function.submit(ExplanationRequest.from_json(request.get_json(silent=True)))
        return jsonify(answer), 202 if created else 200

    @routes.get("/rootcause/explanation/<job_id>")
    def one(job_id: str) -> Any:
        number = version_id(job_id, "id")
        with store.transaction() as session:
            row = session.get(ExplanationRow, number)
            if row is None:
                raise NotFound(f"explanation {job_id} does not exist", "id")
            return jsonify(explanation_view(row))

    @routes.get("/rootcause/explanation")
    def listing() -> Any:
        args = request.args
        query = select(ExplanationRow).where(
            ExplanationRow.model_version_id == version_id(args.get("model_version_id")),
            ExplanationRow.explained_request_id == request_id(args.get("explained_request_id")))
        if args.get("method"):
            return _newest(query.where(ExplanationRow.method == method_of(args["method"])), args.get("output_field"))
        with store.transaction() as session:
            rows = session.scalars(query.order_by(ExplanationRow.id.desc()).limit(MAX_ITEMS))
            return jsonify({"items": [explanation_view(row) for row in rows]})

    def _newest(query: Any, output: str | None) -> Any:
        if output:
            query = query.where(ExplanationRow.output_field == output)
        with store.transaction() as session:
            row = session.scalars(query.order_by(ExplanationRow.id.desc()).limit(1)).first()
            if row is None:
                raise NotFound("no such explanation was asked for; POST /rootcause/explanation asks for one")
            return jsonify(explanation_view(row))

    @routes.get("/rootcause/supported/<mv>")
    def supported(mv: str) -> Any:
        number = version_id(mv)
        contract = function.explainer.catalog.version(number).contract
        return jsonify({"modelVersionId": number, "methods": support_table(contract)})

    routes.register_error_handler(InterpretError, _error)
    routes.register_error_handler(MonitoringError, _error)
    return routes


def _error(error: InterpretError | MonitoringError) -> Any:
    return jsonify({"error": error.message, "field": error.field}), error.status
