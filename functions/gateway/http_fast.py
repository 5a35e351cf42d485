"""The hot path without Flask: `POST /gateway/application/<name>` and `/gateway/servable/<name>`.

Flask's routing, request and response objects cost more per request than the rest of the
gateway's own work on a small model (profiled: about 40% of the HTTP gateway's CPU). `FastPredict`
answers a plain, well-formed prediction request itself and hands everything else to the Flask app
untouched, so every unusual case keeps Flask's exact behaviour:

- answered here: POST, a `Content-Length` within `HYDRO_MAX_REQUEST_BYTES`, a JSON content type
  (or none), no cookie; the same auth check (`http_common.check_caller`), body parsing
  (`http_common.parse_json`), request id and `X-Hydro-Served-By` as the Flask views;
- handed to Flask before anything is read: other methods and paths, chunked or oversized bodies
  (413), other content types (415 after the auth check), cookie credentials (CSRF rules);
- errors raised here are rendered by Flask's own handler (`http_common.error_response`) in a
  request context of this request, so their bodies, statuses and headers are the views'.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from functions.gateway.components import Components
from functions.gateway.http_common import REQUEST_ID_HEADER, check_caller, error_response, parse_json
from functions.gateway.pipeline import Prediction, outputs_json

_PREFIXES = (("/gateway/application/", "application"), ("/gateway/servable/", "servable"))
SERVED_BY_HEADER = "X-Hydro-Served-By"
StartResponse = Callable[..., Any]


class FastPredict:
    """WSGI middleware in front of `app.wsgi_app` (`app.wsgi_app = FastPredict(app, parts)`), so
    whatever calls the Flask app (gunicorn, Flask's test client) goes through it."""

    def __init__(self, app: Flask, parts: Components) -> None:
        self.app = app
        self.flask = app.wsgi_app
        """Flask's own WSGI handling, where everything not answered here goes."""
        self.parts = parts
        self.max_bytes = parts.settings.max_request_bytes
        self._dump_args = _jsonify_args(app)
        self._predict: dict[str, Callable[[str, Any, str], Prediction]] = {
            "application": parts.gateway.predict_application, "servable": parts.gateway.predict_servable}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        route = self._route(environ)
        if route is None:
            return self.flask(environ, start_response)
        kind, name, path, length = route
        try:
            check_caller(self.parts, "POST", path, environ.get("HTTP_AUTHORIZATION"), {}, None,
                         environ.get("REMOTE_ADDR"))
            rid = environ.get("HTTP_X_REQUEST_ID") or uuid.uuid4().hex
            inputs = parse_json(environ["wsgi.input"].read(length) if length else b"")
            prediction = self._predict[kind](name, inputs, rid)
            text = self.app.json.dumps(outputs_json(prediction.outputs), **self._dump_args) + "\n"
            return _answer(start_response, text, prediction)
        except Exception as exc:  # every error goes through the views' handler
            return self._error(environ, start_response, exc)

    def _route(self, environ: dict[str, Any]) -> tuple[str, str, str, int] | None:
        """(kind, name, path, body length) for a request answered here; None hands it to Flask."""
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("SCRIPT_NAME") or "HTTP_COOKIE" in environ:
            return None
        raw_length = environ.get("CONTENT_LENGTH") or ""
        if not raw_length.isdigit() or int(raw_length) > self.max_bytes:
            return None
        mimetype = (environ.get("CONTENT_TYPE") or "").partition(";")[0].strip().lower()
        if mimetype and mimetype != "application/json" and not mimetype.endswith("+json"):
            return None
        # WSGI carries the path as latin-1; werkzeug (and so Flask's routing) decodes it as UTF-8.
        path = (environ.get("PATH_INFO") or "").encode("latin-1").decode("utf-8", "replace")
        for prefix, kind in _PREFIXES:
            if path.startswith(prefix):
                name = path[len(prefix):]
                return (kind, name, path, int(raw_length)) if name and "/" not in name else None
        return None

    def _error(self, environ: dict[str, Any], start_response: StartResponse, error: Exception) -> Iterable[bytes]:
        with self.app.request_context(environ):
            response = self.app.make_response(error_response(error))
        return response(environ, start_response)


def _jsonify_args(app: Flask) -> dict[str, Any]:
    """What `jsonify` passes to the app's JSON provider: the same bytes as the Flask views."""
    compact = getattr(app.json, "compact", None)
    if (compact is None and app.debug) or compact is False:
        return {"indent": 2}
    return {"separators": (",", ":")}


def _answer(start_response: StartResponse, text: str, prediction: Prediction) -> list[bytes]:
    body = text.encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
               (REQUEST_ID_HEADER, prediction.request_id)]
    if prediction.served_by:
        headers.append((SERVED_BY_HEADER, ", ".join(prediction.served_by)))
    start_response("200 OK", headers)
    return [body]
