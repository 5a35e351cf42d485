"""What every HTTP view shares: the process's components, authentication, JSON bodies, request
ids, errors."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from typing import Any

from flask import Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from functions.gateway.components import Components
from functions.gateway.errors import (
    Forbidden,
    GatewayError,
    InvalidRequest,
    PayloadTooLarge,
    Unauthenticated,
    UnsupportedMediaType,
)
from protos.auth import CSRF_HEADER, SAFE_METHODS, SESSION_COOKIE, WWW_AUTHENTICATE, credential

logger = logging.getLogger(__name__)

EXTENSION = "hydro.gateway"
REQUEST_ID_HEADER = "X-Request-Id"


def components() -> Components:
    parts: Components = current_app.extensions[EXTENSION]
    return parts


STEP_ENDPOINT = "cloudevents.step"
PUBLIC_ENDPOINTS = frozenset({
    "hydrosphere.metrics", "hydrosphere.build_info", "oip.server_metadata", "oip.live", "oip.ready",
})
"""Open without a token: Prometheus figures (counts and latencies by name, no request data), the
build info and the OIP server/health probes (what Knative and load balancers call)."""


def check_auth() -> None:
    """`before_request`: everything else needs a token with scope `predict` (`GatewayAuth`).

    The UI's session cookie counts as a credential too (its test dialog calls the gateway), but a
    state-changing request carrying only the cookie must also carry `X-Hydro-CSRF`.
    """
    if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS:
        return
    try:
        check_caller(components(), request.method, request.path, request.headers.get("Authorization"),
                     request.cookies, request.headers.get(CSRF_HEADER), request.remote_addr)
    except Unauthenticated as refused:
        if request.endpoint != STEP_ENDPOINT or request.headers.get("Authorization"):
            raise
        # Knative's Sequence dispatcher has no token: the step's event must carry a step pass.
        g.step_pass_needed = refused


def check_caller(parts: Components, method: str, path: str, authorization: str | None,
                 cookies: Mapping[str, str], csrf: str | None, peer: str | None) -> None:
    """`check_auth` without Flask's request (the fast path, `http_fast`, calls it too)."""
    token = credential(authorization)
    if token is None and SESSION_COOKIE in cookies:
        if method not in SAFE_METHODS and not csrf:
            raise Forbidden(f"{method} {path} with the session cookie needs the "
                            f"{CSRF_HEADER} header (cross-site request refused)")
        token = cookies[SESSION_COOKIE]
    parts.auth.check(token, peer, f"{method} {path}")


def request_id() -> str:
    """The client's `X-Request-Id`, or a new one."""
    return request.headers.get(REQUEST_ID_HEADER) or uuid.uuid4().hex


def json_body() -> Any:
    """The body parsed as JSON: 415 for another content type (none means JSON), 413 over the
    limit, 400 when malformed."""
    mimetype = request.mimetype
    if mimetype and mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(f"expected Content-Type application/json, got {request.content_type}")
    return parse_json(body_bytes())


def parse_json(raw: bytes) -> Any:
    """`raw` as JSON; `InvalidRequest` (400) naming the problem."""
    try:
        return json.loads(raw)
    except UnicodeDecodeError as exc:
        raise InvalidRequest(f"the body is not UTF-8 text: {exc}", field="body") from None
    except ValueError as exc:
        raise InvalidRequest(f"the body is not valid JSON: {exc}", field="body") from None
    except RecursionError:
        raise InvalidRequest("the body's JSON is nested too deeply", field="body") from None


def body_bytes() -> bytes:
    """The raw body; `PayloadTooLarge` naming the limit."""
    try:
        return request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise too_large() from None


def too_large() -> PayloadTooLarge:
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    return PayloadTooLarge(f"the request body exceeds the limit of {limit} bytes (HYDRO_MAX_REQUEST_BYTES)")


def with_request_id(response: Response, rid: str) -> Response:
    response.headers[REQUEST_ID_HEADER] = rid
    return response


def error_response(error: Exception) -> tuple[Response, int]:
    """The one error envelope: `{"error": message}` plus `field` when a field is at fault."""
    if isinstance(error, RequestEntityTooLarge):
        error = too_large()
    if isinstance(error, GatewayError):
        body: dict[str, Any] = {"error": error.message}
        if error.field is not None:
            body["field"] = error.field
        if error.http_status >= 500:
            logger.warning("%s %s: %s", request.method, request.path, error.message)
        response = jsonify(body)
        if error.http_status == 401:
            response.headers["WWW-Authenticate"] = WWW_AUTHENTICATE
        return response, error.http_status
    if isinstance(error, HTTPException):
        return jsonify({"error": f"{request.method} {request.path}: {error.description}"}), error.code or 500
    logger.exception("%s %s failed", request.method, request.path)
    return jsonify({"error": f"internal error: {type(error).__name__}: {error}"}), 500
