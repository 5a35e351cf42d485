"""`/api/v2/servable`: model versions deployed (on their own or for applications)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from controller.api import parse
from controller.api.context import context
from controller.api.serialize import servable_json
from controller.api.sse import format_event, stream
from controller.resources.fields import INT32_MAX

blueprint = Blueprint("servables", __name__, url_prefix="/api/v2/servable")


@blueprint.get("")
def list_servables() -> ResponseReturnValue:
    version_id = request.args.get("modelVersionId", type=int)
    if version_id is not None and not 0 <= version_id <= INT32_MAX:
        return jsonify([])  # no version has such an id (and SQLite cannot even compare it)
    return jsonify([servable_json(s) for s in context().catalog.list_servables(version_id)])


@blueprint.get("/<name>")
def get_servable(name: str) -> ResponseReturnValue:
    return jsonify(servable_json(context().catalog.get_servable(name)))


@blueprint.post("")
def deploy() -> ResponseReturnValue:
    """`{modelName, version, deploymentConfigName?, metadata?}`: deploy one model version."""
    catalog = context().catalog
    body = parse.json_object(request.get_data(), "body")
    args = parse.servable_request(body, catalog.find_version, catalog.get_deployment_configuration)
    return jsonify(servable_json(catalog.create_servable(**args)))


@blueprint.delete("/<name>")
def undeploy(name: str) -> ResponseReturnValue:
    return jsonify(servable_json(context().catalog.delete_servable(name)))


@blueprint.get("/<name>/logs")
def logs(name: str) -> ResponseReturnValue:
    """The servable's runtime log as SSE (`?follow=true` keeps streaming new lines)."""
    ctx = context()
    servable = ctx.catalog.get_servable(name)
    follow = request.args.get("follow", "false").lower() == "true"
    lines: Iterable[str]
    if ctx.servable_logs is None:
        # No engine attached to this API process: report what the catalog knows.
        lines = [line for line in (servable.status_message, servable.last_error) if line]
    else:
        lines = ctx.servable_logs.lines(name, follow)
    return stream(format_event(line, event="Log") for line in lines)
