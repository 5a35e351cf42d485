"""Enforcement: one `before_request` on the manager API app checks every request's token.

The credential is the `Authorization` header (Bearer, or Basic with the token as password), or
the UI's session cookie. A cookie is sent by the browser on its own, so a state-changing request
authenticated only by the cookie must also carry `X-Hydro-CSRF` (which a cross-site form cannot
set, and a cross-site script cannot without a CORS preflight we never grant): otherwise 403.
Failures become `Unauthorized` (401, with `WWW-Authenticate`) or `Forbidden` (403 naming the
scope), which `controller.api.errors` answers. The route-to-scope table is `controller.auth.policy`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, g, request

from controller.auth import policy
from controller.auth.store import TokenStore
from controller.errors import Forbidden, Unauthorized
from controller.settings import AuthSettings
from protos.auth import (
    ANONYMOUS_ADMIN,
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_COOKIE,
    AuthFailure,
    PermissionDenied,
    Principal,
    authenticate,
    authorize,
    credential,
)

EXTENSION = "hydro.auth"


@dataclass(frozen=True)
class AuthContext:
    settings: AuthSettings
    tokens: TokenStore


def install(app: Flask, settings: AuthSettings, tokens: TokenStore) -> None:
    """Guard every request of `app` (a no-op guard when authentication is disabled)."""
    app.extensions[EXTENSION] = AuthContext(settings, tokens)
    app.before_request(_guard)


def auth_context() -> AuthContext:
    return current_app.extensions[EXTENSION]


def principal() -> Principal:
    """Who the current request is (set by the guard)."""
    return g.get("hydro_principal") or ANONYMOUS_ADMIN


def _guard() -> None:
    ctx = auth_context()
    if not ctx.settings.enabled:
        g.hydro_principal = ANONYMOUS_ADMIN
        return
    needed = policy.requirement(request.endpoint, request.method)
    if needed is None:
        return
    header = credential(request.headers.get("Authorization"))
    cookie = None if header else request.cookies.get(SESSION_COOKIE)
    try:
        who = authenticate(header or cookie, ctx.tokens.verifier)
        if cookie and request.method not in SAFE_METHODS and not request.headers.get(CSRF_HEADER):
            raise PermissionDenied(f"{request.method} {request.path} with the session cookie needs the "
                                   f"{CSRF_HEADER} header (cross-site request refused)", needed)
        authorize(who, needed, f"{request.method} {request.path}")
    except PermissionDenied as failure:
        raise Forbidden(failure.message) from None
    except AuthFailure as failure:
        raise Unauthorized(failure.message) from None
    g.hydro_principal = who
