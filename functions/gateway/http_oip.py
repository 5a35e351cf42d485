"""Open Inference Protocol v2 REST over applications (conversions in `functions.gateway.oip`)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from functions.gateway import oip
from functions.gateway.errors import NotReady
from functions.gateway.http_common import components, json_body, request_id, with_request_id
from functions.gateway.pipeline import output_arrays

blueprint = Blueprint("oip", __name__, url_prefix="/v2")


@blueprint.get("")
def server_metadata() -> ResponseReturnValue:
    return jsonify({"name": "hydro-gateway", "version": "0.1.0", "extensions": []})


@blueprint.get("/health/live")
def live() -> ResponseReturnValue:
    return jsonify({"live": True})


@blueprint.get("/health/ready")
def ready() -> ResponseReturnValue:
    """Ready once a routing table has loaded."""
    if not components().routing.ready:
        raise NotReady("no routing table has loaded yet")
    return jsonify({"ready": True})


@blueprint.get("/models/<name>")
def model_metadata(name: str) -> ResponseReturnValue:
    return jsonify(oip.model_metadata(components().routing.application(name)))


@blueprint.get("/models/<name>/ready")
def model_ready(name: str) -> ResponseReturnValue:
    components().routing.application(name)
    return jsonify({"name": name, "ready": True})


@blueprint.post("/models/<name>/infer")
def infer(name: str) -> ResponseReturnValue:
    gateway = components().gateway
    app = gateway.routing.application(name)
    arrays, given_id = oip.decode_request(json_body(), app.contract)
    rid = given_id or request_id()
    prediction = gateway.predict_application(name, arrays, rid)
    outputs = output_arrays(prediction.outputs, f"application '{name}'")
    return with_request_id(jsonify(oip.encode_response(name, rid, outputs, app.contract)), rid)
