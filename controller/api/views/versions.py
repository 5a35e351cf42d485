"""`/api/v2/model/version`, `/api/v2/model/upload`, `/api/v2/externalmodel`: model versions."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from controller.api import build_logs, model_upload, parse
from controller.api.context import context
from controller.api.serialize import applications_by_version, version_json
from controller.api.sse import stream
from controller.catalog.records import ModelVersionRecord
from controller.errors import NotFound
from controller.resources.fields import storable

blueprint = Blueprint("versions", __name__)


def _json(versions: list[ModelVersionRecord]) -> list[dict[str, object]]:
    used = applications_by_version(context().catalog.list_applications())
    return [version_json(v, used.get(v.id, ())) for v in versions]


@blueprint.get("/api/v2/model/version")
def list_versions() -> ResponseReturnValue:
    model = request.args.get("model")
    if model is not None and not storable(model):
        return jsonify([])  # no model has such a name (and PostgreSQL cannot even compare it)
    return jsonify(_json(context().catalog.list_versions(model)))


@blueprint.get("/api/v2/model/version/<int:version_id>")
def get_version(version_id: int) -> ResponseReturnValue:
    return jsonify(_json([context().catalog.get_version(version_id)])[0])


@blueprint.get("/api/v2/model/version/<name>/<int:version>")
def find_version(name: str, version: int) -> ResponseReturnValue:
    return jsonify(_json([context().catalog.find_version(name, version)])[0])


@blueprint.get("/api/v2/model/version/<int:version_id>/logs")
def logs(version_id: int) -> ResponseReturnValue:
    """The build log as server-sent events: live while building, then the stream ends."""
    ctx = context()
    version = ctx.catalog.get_version(version_id)  # 404 before the stream starts
    if version.is_external:
        raise NotFound(f"model version {version.ref} is an external model: it has no build log")
    resume = parse.last_event_id(request.headers.get("Last-Event-ID"))
    first_line = 0 if resume is None else resume + 1
    return stream(build_logs.frames(ctx.catalog, version_id, ctx.poll_seconds, first_line))


@blueprint.post("/api/v2/model/upload")
def upload() -> ResponseReturnValue:
    """Multipart `payload` (tar.gz) + `metadata` (JSON): a new version, built in the background."""
    version = model_upload.accept_upload(context(), request)
    return jsonify(_json([version])[0])


@blueprint.post("/api/v2/externalmodel")
def register_external() -> ResponseReturnValue:
    body = parse.json_object(request.get_data(), "body")
    definition = parse.external_definition(body, context().settings.uploads)
    return jsonify(_json([context().catalog.register_external_model(definition)])[0])
