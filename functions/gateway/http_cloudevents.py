"""CloudEvents over HTTP: the async ingress and the Sequence steps (`async_inference` is the core)."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request
from flask.typing import ResponseReturnValue

from functions.gateway import cloudevent_http
from functions.gateway.http_common import body_bytes, components

blueprint = Blueprint("cloudevents", __name__, url_prefix="/gateway/cloudevents")


@blueprint.post("")
def ingest() -> ResponseReturnValue:
    """202 once a valid `dev.hydro.prediction.request` is stored for the Broker."""
    event = cloudevent_http.parse(dict(request.headers.items()), body_bytes())
    return jsonify({"accepted": True, "requestId": components().async_inference.accept(event)}), 202


@blueprint.post("/stage/<application>/<int:index>")
def step(application: str, index: int) -> ResponseReturnValue:
    """A Sequence step: 200 with the stage's `dev.hydro.prediction.response` event. Called without a
    token (the Sequence's dispatcher), the event must carry a step pass (`check_auth`)."""
    event = cloudevent_http.parse(dict(request.headers.items()), body_bytes())
    reply = components().async_inference.step(application, index, event, refused=g.get("step_pass_needed"))
    return Response(reply.body, status=200, headers=reply.headers)
