"""`/api/v2/deployment_configuration`: how servables are scaled and scheduled."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from controller.api import parse
from controller.api.context import context
from controller.resources import DeploymentConfiguration

blueprint = Blueprint("deployment_configurations", __name__, url_prefix="/api/v2/deployment_configuration")


@blueprint.get("")
def list_configurations() -> ResponseReturnValue:
    return jsonify([c.to_dict() for c in context().catalog.list_deployment_configurations()])


@blueprint.get("/<name>")
def get_configuration(name: str) -> ResponseReturnValue:
    return jsonify(context().catalog.get_deployment_configuration(name).to_dict())


@blueprint.post("")
def create_configuration() -> ResponseReturnValue:
    """Hydrosphere's JSON (hpa, deployment, container, pod); 409 if the name holds another spec."""
    body = _without_nulls(parse.json_object(request.get_data(), "body"))
    config = DeploymentConfiguration.from_dict(body)
    return jsonify(context().catalog.create_deployment_configuration(config).to_dict())


@blueprint.delete("/<name>")
def delete_configuration(name: str) -> ResponseReturnValue:
    return jsonify(context().catalog.delete_deployment_configuration(name).to_dict())


def _without_nulls(value: object) -> object:
    """hydrosdk sends every optional field, unset ones as null; null means absent."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value
