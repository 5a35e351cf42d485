"""`/monitoring/profiles/batch/<version id>`: training data for a model version, as hydrosdk sends it."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from controller.api import parse, training_data
from controller.api.context import context
from controller.api.serialize import profile_status_json, training_data_json

blueprint = Blueprint("training_data", __name__, url_prefix="/monitoring/profiles/batch")


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
