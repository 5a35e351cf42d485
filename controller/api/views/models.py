"""`/api/v2/model`: models (a name and its versions)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from controller.api.context import context
from controller.api.serialize import model_json

blueprint = Blueprint("models", __name__, url_prefix="/api/v2/model")


@blueprint.get("")
def list_models() -> ResponseReturnValue:
    return jsonify([model_json(m) for m in context().catalog.list_models()])


@blueprint.get("/<int:model_id>")
def get_model(model_id: int) -> ResponseReturnValue:
    return jsonify(model_json(context().catalog.get_model(model_id)))


@blueprint.get("/name/<name>")
def get_model_by_name(name: str) -> ResponseReturnValue:
    return jsonify(model_json(context().catalog.get_model_by_name(name)))


@blueprint.delete("/<int:model_id>")
def delete_model(model_id: int) -> ResponseReturnValue:
    """Deletes every version too; 409 while an application or servable uses one."""
    return jsonify(model_json(context().catalog.delete_model(model_id)))
