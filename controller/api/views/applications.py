"""`/api/v2/application`: applications (pipelines of weighted model variants) and sample inputs."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from controller.api import parse
from controller.api.context import context
from controller.api.sample_inputs import generate_inputs
from controller.api.serialize import application_contract, application_json
from controller.catalog.records import ApplicationRecord
from controller.resources import ApplicationDefinition

blueprint = Blueprint("applications", __name__, url_prefix="/api/v2/application")


def _json(app: ApplicationRecord) -> dict[str, object]:
    return application_json(app, context().catalog.get_version)


def _definition() -> ApplicationDefinition:
    body = parse.json_object(request.get_data(), "body")
    catalog = context().catalog
    return parse.application_definition(body, catalog.get_version, catalog.find_version)


@blueprint.get("")
def list_applications() -> ResponseReturnValue:
    return jsonify([_json(app) for app in context().catalog.list_applications()])


@blueprint.get("/<name>")
def get_application(name: str) -> ResponseReturnValue:
    return jsonify(_json(context().catalog.get_application(name)))


@blueprint.post("")
def create_application() -> ResponseReturnValue:
    """hydrosdk's execution-graph JSON or the YAML shape; 409 when the name is taken."""
    return jsonify(_json(context().catalog.create_application(_definition())))


@blueprint.put("")
def update_application() -> ResponseReturnValue:
    """Replace the stages and metadata of the application named in the body (404 if none)."""
    return jsonify(_json(context().catalog.update_application(_definition())))


@blueprint.delete("/<name>")
def delete_application(name: str) -> ResponseReturnValue:
    app = context().catalog.get_application(name)
    body = _json(app)
    context().catalog.delete_application(name)
    return jsonify(body)


@blueprint.get("/generateInputs/<name>")
def sample_inputs(name: str) -> ResponseReturnValue:
    """Random inputs that satisfy the application's input contract."""
    ctx = context()
    contract = application_contract(ctx.catalog.get_application(name), ctx.catalog.get_version)
    return jsonify(generate_inputs(contract))
