"""The HTTP face of a function: CloudEvents in on `POST /`, the function's read API beside it.

Answers (the Knative delivery contract): 202 when the event was processed and there is no reply;
200 with a binary-mode reply event; 400 naming the attribute or field for an event that can never
be processed (the Broker dead-letters it); 500 for a failure worth retrying (the Broker retries
with back-off). An exception in one event never affects the next.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request

from functions.host.function import Function, PermanentError
from protos import cloudevent_http

logger = logging.getLogger(__name__)
MAX_EVENT_BYTES = 64 * 1024 * 1024


def create_app(function: Function) -> Flask:
    app = Flask(f"hydro-function-{function.name}")
    app.config["MAX_CONTENT_LENGTH"] = MAX_EVENT_BYTES
    app.json.sort_keys = False  # type: ignore[attr-defined]

    @app.post("/")
    def receive() -> Any:
        try:
            event = cloudevent_http.parse_http(dict(request.headers.items()), request.get_data())
        except cloudevent_http.InvalidEvent as error:
            return _error(str(error), error.field, 400)
        try:
            reply = function.handle(event)
        except PermanentError as error:
            logger.warning("%s: event %s refused: %s", function.name, event.get_id(), error)
            return _error(str(error), error.field, 400)
        except Exception as error:
            logger.exception("%s: event %s failed; the Broker will retry it", function.name, event.get_id())
            return _error(f"{type(error).__name__}: {error}", None, 500)
        if reply is None:
            return "", 202
        message = cloudevent_http.to_binary(reply)
        return Response(message.body, status=200, headers=dict(message.headers))

    @app.get("/health")
    def health() -> Any:
        return jsonify({"status": "ok", "function": function.name})

    routes = function.routes()
    if routes is not None:
        app.register_blueprint(routes)
    return app


def _error(message: str, field: str | None, status: int) -> tuple[Response, int]:
    body: dict[str, Any] = {"error": message}
    if field is not None:
        body["field"] = field
    return jsonify(body), status
