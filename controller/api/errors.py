"""The one place where errors become HTTP responses: `{"code", "message", "field"?}` + status."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from controller.errors import HydroError, PayloadTooLarge
from protos.auth import WWW_AUTHENTICATE
from protos.errors import ContractError

logger = logging.getLogger(__name__)


# Hydrosphere's error kinds, sent as `error` next to our `code` (no 3.0.3 client reads either).
KINDS = {400: "InvalidRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
         409: "Conflict", 413: "PayloadTooLarge", 503: "Unavailable"}


def body(status: int, code: str, message: str, field: str | None = None) -> tuple[Response, int]:
    """The one error envelope: `{"code", "message", "field"?, "error"}`."""
    out: dict[str, object] = {"code": code, "message": message}
    if field:
        out["field"] = field
    out["error"] = KINDS.get(status, "InternalException" if status >= 500 else "InvalidRequest")
    return jsonify(out), status


def envelope(error: HydroError) -> tuple[Response, int]:
    response, status = body(error.status, error.code, error.message, error.field)
    if status == 401:
        response.headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    return response, status


def register_error_handlers(app: Flask) -> None:
    """Map the controller's errors, werkzeug's HTTP errors and anything unexpected to the envelope."""

    @app.errorhandler(HydroError)
    def _hydro(error: HydroError) -> tuple[Response, int]:
        return envelope(error)

    @app.errorhandler(ContractError)
    def _contract(error: ContractError) -> tuple[Response, int]:
        return body(400, "invalid_contract", str(error), error.path)

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(error: RequestEntityTooLarge) -> tuple[Response, int]:
        limit = app.config.get("MAX_CONTENT_LENGTH")
        return envelope(PayloadTooLarge(f"request body is larger than the limit of {limit} bytes"))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[Response, int]:
        code = (error.name or "error").lower().replace(" ", "_")
        return body(error.code or 500, code, error.description or error.name)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[Response, int]:
        logger.exception("unhandled error")
        return body(500, "internal", f"internal error: {type(error).__name__}")
