"""The HTTP adapter: a Flask app over the transport-free core.

- `POST /gateway/application/<name>`, `POST /gateway/servable/<name>`: Hydrosphere JSON in
  (`{"field": value}`) and out (`{"output": value}`); `X-Request-Id` in and out.
  `X-Hydro-Served-By: model:version, ...` names the version that answered each stage.
- `GET /gateway/buildinfo`: what hydrosdk's `Cluster.build_info` reads.
- Open Inference Protocol v2 under `/v2` (`http_oip`), CloudEvents under `/gateway/cloudevents`
  (`http_cloudevents`), Prometheus metrics at `GET /metrics`.
- Every route but metrics, build info and the OIP health probes needs a token with scope
  `predict` (`http_common.check_auth`, docs/api.md "Authentication").

Errors use one envelope, `{"error": message, "field"?: name}` (`http_common.error_response`).
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify
from flask.typing import ResponseReturnValue

from functions.gateway.components import Components
from functions.gateway.http_cloudevents import blueprint as cloudevents_blueprint
from functions.gateway.http_common import (
    EXTENSION,
    check_auth,
    components,
    error_response,
    json_body,
    request_id,
    with_request_id,
)
from functions.gateway.http_fast import SERVED_BY_HEADER, FastPredict
from functions.gateway.http_oip import blueprint as oip_blueprint
from functions.gateway.http_openapi import blueprint as openapi_blueprint
from functions.gateway.pipeline import Prediction, outputs_json

VERSION = "0.1.0"
blueprint = Blueprint("hydrosphere", __name__)


def create_app(parts: Components) -> Flask:
    """The gateway's WSGI app over `parts` (which the caller starts and closes)."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = parts.settings.max_request_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions[EXTENSION] = parts
    app.before_request(check_auth)
    app.register_blueprint(blueprint)
    app.register_blueprint(oip_blueprint)
    app.register_blueprint(cloudevents_blueprint)
    app.register_blueprint(openapi_blueprint)
    app.register_error_handler(Exception, error_response)
    app.wsgi_app = FastPredict(app, parts)  # type: ignore[method-assign]  # the hot path skips Flask
    return app


@blueprint.post("/gateway/application/<name>")
def predict_application(name: str) -> ResponseReturnValue:
    rid = request_id()
    return _answer(components().gateway.predict_application(name, json_body(), rid))


@blueprint.post("/gateway/servable/<name>")
def predict_servable(name: str) -> ResponseReturnValue:
    rid = request_id()
    return _answer(components().gateway.predict_servable(name, json_body(), rid))


@blueprint.get("/gateway/buildinfo")
def build_info() -> ResponseReturnValue:
    return jsonify({"name": "hydro-gateway", "version": VERSION, "status": "Ok"})


@blueprint.get("/metrics")
def metrics() -> ResponseReturnValue:
    body, content_type = components().metrics.exposition()
    return Response(body, content_type=content_type)


def _answer(prediction: Prediction) -> Response:
    response = with_request_id(jsonify(outputs_json(prediction.outputs)), prediction.request_id)
    if prediction.served_by:
        # Which model version answered each stage: behind a weighted split, the caller's only way to know.
        response.headers[SERVED_BY_HEADER] = ", ".join(prediction.served_by)
    return response
