"""`/api/v2/auth`: tokens (admin), who am I, the gateway's verifiers, and the UI's session cookie.

`POST /tokens` answers the new token once; nothing can show it again (only its hash is kept).
`GET /verifiers` is what gateways poll (scope `gateway`): key ids, hashes and scopes, with an
ETag so an unchanged set costs a 304.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue

from controller.api import parse
from controller.auth.guard import auth_context, principal
from controller.errors import BadRequest, Unauthorized
from protos.auth import SESSION_COOKIE, AuthFailure, authenticate

logger = logging.getLogger(__name__)
blueprint = Blueprint("auth", __name__, url_prefix="/api/v2/auth")
SESSION_SECONDS = 12 * 3600


@blueprint.post("/tokens")
def create_token() -> ResponseReturnValue:
    """`{"name", "scopes": [...]}` -> 201 with `token` (shown this once) and the stored fields."""
    body = parse.json_object(request.get_data(), "body")
    record, token = auth_context().tokens.create(body.get("name"), body.get("scopes"))  # type: ignore[arg-type]
    logger.info("token %s (%s) created with scopes %s", record.key_id, record.name, sorted(record.scopes))
    return jsonify({**record.to_json(), "token": str(token)}), 201


@blueprint.get("/tokens")
def list_tokens() -> ResponseReturnValue:
    return jsonify([record.to_json() for record in auth_context().tokens.all()])


@blueprint.delete("/tokens/<key_id>")
def revoke_token(key_id: str) -> ResponseReturnValue:
    auth_context().tokens.revoke(key_id)
    logger.info("token %s revoked", key_id)
    return Response(status=204)


@blueprint.get("/whoami")
def whoami() -> ResponseReturnValue:
    enabled = auth_context().settings.enabled
    return jsonify({**principal().to_json(), "auth": "enabled" if enabled else "disabled"})


@blueprint.get("/verifiers")
def verifiers() -> ResponseReturnValue:
    items, etag = auth_context().tokens.verifiers()
    if request.if_none_match.contains(etag):
        unchanged = Response(status=304)
        unchanged.set_etag(etag)
        return unchanged
    response = jsonify({"verifiers": [v.to_json() for v in items]})
    response.set_etag(etag)
    return response


@blueprint.post("/session")
def create_session() -> ResponseReturnValue:
    """`{"token"}` -> the UI's HttpOnly, SameSite=Strict session cookie holding the token."""
    body = parse.json_object(request.get_data(), "body")
    token = body.get("token")
    if not isinstance(token, str) or not token.strip():
        raise BadRequest("token: must be a non-empty string", field="token")
    ctx = auth_context()
    try:
        who = authenticate(token.strip(), ctx.tokens.verifier)
    except AuthFailure as failure:
        raise Unauthorized(failure.message) from None
    response = jsonify({**who.to_json(), "auth": "enabled" if ctx.settings.enabled else "disabled"})
    response.set_cookie(SESSION_COOKIE, token.strip(), max_age=SESSION_SECONDS, httponly=True,
                        samesite="Strict", secure=request.is_secure, path="/")
    return response


@blueprint.delete("/session")
def delete_session() -> ResponseReturnValue:
    response = Response(status=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Strict")
    return response
