"""`/monitoring/profiles/batch/<version id>`: training data for a model version, as hydrosdk sends it."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from controller.api import parse, training_data
from controller.api.context import context
from controller.api.serialize import profile_status_json, training_data_json
from controller.errors import BadRequest

blueprint = Blueprint("training_data", __name__, url_prefix="/monitoring/profiles/batch")
records = Blueprint("training_data_records", __name__, url_prefix="/api/v2/trainingdata")
PROFILE_STATUSES = ("Processing", "Success", "Failure")


@blueprint.post("/<int:version_id>")
def upload_csv(version_id: int) -> ResponseReturnValue:
    """The CSV as the raw request body (hydrosdk streams it chunked)."""
    record = training_data.store_csv(context(), version_id, request.stream)
    return jsonify(training_data_json(record))


@blueprint.post("/<int:version_id>/s3")
def register_s3(version_id: int) -> ResponseReturnValue:
    """`{"path": "s3://bucket/key.csv"}`."""
    body = parse.json_object(request.get_data(), "body")
    return jsonify(training_data_json(training_data.register_uri(context(), version_id, body.get("path"))))


@blueprint.get("/<int:version_id>/status")
def status(version_id: int) -> ResponseReturnValue:
    """`{"kind": Success|Processing|Failure|NotRegistered}` (hydrosdk's DataProfileStatus)."""
    context().catalog.get_version(version_id)
    return jsonify(profile_status_json(context().catalog.list_training_data(version_id)))


@records.get("/<int:data_id>")
def get_record(data_id: int) -> ResponseReturnValue:
    return jsonify(training_data_json(context().catalog.get_training_data(data_id)))


@records.patch("/<int:data_id>")
def report_profile(data_id: int) -> ResponseReturnValue:
    """The monitoring function reports profiling progress: `{"profileStatus", "profileMessage", "rows"}`."""
    body = parse.json_object(request.get_data(), "body")
    unknown = sorted(set(body) - {"profileStatus", "profileMessage", "rows"})
    if unknown:
        raise BadRequest(f"{unknown[0]}: unknown field", field=unknown[0])
    status = body.get("profileStatus")
    if status is not None and status not in PROFILE_STATUSES:
        raise BadRequest(f"profileStatus must be one of {', '.join(PROFILE_STATUSES)}, got {status!r}",
                         field="profileStatus")
    message = body.get("profileMessage")
    if message is not None and not isinstance(message, str):
        raise BadRequest("profileMessage must be a string", field="profileMessage")
    rows = body.get("rows")
    if rows is not None and (not isinstance(rows, int) or isinstance(rows, bool) or rows < 0):
        raise BadRequest(f"rows must be a non-negative integer, got {rows!r}", field="rows")
    record = context().catalog.update_training_data(data_id, profile_status=status, profile_message=message,
                                                    rows=rows)
    return jsonify(training_data_json(record))
