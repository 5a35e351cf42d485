"""The projector's HTTP API (`/visualization`), as thin Flask adapters.

| path | answer |
| --- | --- |
| `POST /visualization/projection/{model_version_id}` | optional settings (see `requests`) -> 202 `{"id", "state"}` |
| `GET /visualization/projection/{id}` | the request: state, reason, result (points, training, quality) |
| `GET /visualization/projection/latest/{model_version_id}` | the version's newest request (404: none) |
| `POST /visualization/plottable_embeddings/umap` | Hydrosphere's: `{"model_version_id", settings...}` -> the job |
| `GET /visualization/jobs?task_id=` | Hydrosphere's: the job, as `{"task_id", "state", "description", "result"}` |

Errors: `{"error": message, "field": name}` with 400, 404 or 503.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from functions.explainer.errors import InterpretError, NotFound
from functions.explainer.jobs import job_view
from functions.explainer.requests import version_id
from functions.monitoring.errors import MonitoringError
from functions.projector.requests import ProjectionRequest
from functions.projector.tables import ProjectionRow

if TYPE_CHECKING:
    from functions.projector.function import ProjectorFunction


def blueprint(function: ProjectorFunction) -> Blueprint:
    routes = Blueprint("projector", __name__)
    store = function.store

    def job(job_id: int) -> dict[str, Any]:
        with store.transaction() as session:
            row = session.get(ProjectionRow, job_id)
            if row is None:
                raise NotFound(f"projection {job_id} does not exist", "id")
            return {**job_view(row), "task_id": row.id}

    @routes.post("/visualization/projection/<mv>")
    def ask(mv: str) -> Any:
        body = request.get_json(silent=True) if request.get_data() else None
        return jsonify(function.submit(version_id(mv), ProjectionRequest.from_json(body))), 202

    @routes.get("/visualization/projection/<job_id>")
    def one(job_id: str) -> Any:
        return jsonify(job(version_id(job_id, "id")))

    @routes.get("/visualization/projection/latest/<mv>")
    def latest(mv: str) -> Any:
        number = version_id(mv)
        with store.transaction() as session:
            newest = session.scalars(select(ProjectionRow.id).where(ProjectionRow.model_version_id == number)
                                     .order_by(ProjectionRow.id.desc()).limit(1)).first()
        if newest is None:
            raise NotFound(f"model version {number} has no projection; POST /visualization/projection/{number}")
        return jsonify(job(newest))

    @routes.post("/visualization/plottable_embeddings/umap")
    def hydrosphere_ask() -> Any:
        body = request.get_json(silent=True)
        number = version_id(body.get("model_version_id") if isinstance(body, dict) else None)
        started = function.submit(number, ProjectionRequest.from_json(body, ignore=("model_version_id",)))
        return jsonify(job(started["id"])), 202

    @routes.get("/visualization/jobs")
    def hydrosphere_job() -> Any:
        return jsonify(job(version_id(request.args.get("task_id"), "task_id")))

    routes.register_error_handler(InterpretError, _error)
    routes.register_error_handler(MonitoringError, _error)
    return routes


def _error(error: InterpretError | MonitoringError) -> Any:
    return jsonify({"error": error.message, "field": error.field}), error.status
