"""What every HTTP view shares: the process's components, JSON bodies, request ids, errors."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from flask import Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from functions.gateway.components import Components
from functions.gateway.errors import GatewayError, InvalidRequest, PayloadTooLarge, UnsupportedMediaType

logger = logging.getLogger(__name__)

EXTENSION = "hydro.gateway"
REQUEST_ID_HEADER = "X-Request-Id"


def components() -> Components:
    parts: Components = current_app.extensions[EXTENSION]
    return parts


def request_id() -> str:
    """The client's `X-Request-Id`, or a new one."""
    return request.headers.get(REQUEST_ID_HEADER) or uuid.uuid4().hex


def json_body() -> Any:
    """The body parsed as JSON: 415 for another content type (none means JSON), 413 over the
    limit, 400 when malformed."""
    mimetype = request.mimetype
    if mimetype and mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(f"expected Content-Type application/json, got {request.content_type}")
    raw = body_bytes()
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
        return jsonify(body), error.http_status
    if isinstance(error, HTTPException):
        return jsonify({"error": f"{request.method} {request.path}: {error.description}"}), error.code or 500
    logger.exception("%s %s failed", request.method, request.path)
    return jsonify({"error": f"internal error: {type(error).__name__}: {error}"}), 500
