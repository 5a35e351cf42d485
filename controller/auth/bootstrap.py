"""At start: store the bootstrap admin token and the gateways' and functions' tokens, and refuse
to run with auth on and no token at all."""

from __future__ import annotations

import logging

from controller.auth.store import TokenStore
from controller.settings import AuthSettings, SettingsError
from protos.auth import Scope, parse_token

logger = logging.getLogger(__name__)
BOOTSTRAP_NAME = "bootstrap admin"
GATEWAY_NAME = "gateway"
FUNCTIONS_NAME = "functions"
HOW_TO = ("create one with `hydro token create --name admin --scope admin` against this catalog "
          "(HYDRO_HOME / HYDRO_DATABASE_URL), or set HYDRO_AUTH_BOOTSTRAP_TOKEN to a token from "
          "`hydro token generate`; HYDRO_AUTH=disabled turns authentication off for local development")


def ensure_tokens(settings: AuthSettings, tokens: TokenStore) -> None:
    """Store `settings.bootstrap_token` (hashed) when absent; `SettingsError` when authentication
    is enabled and the catalog holds no token, saying how to create one."""
    if not settings.enabled:
        logger.warning("authentication is DISABLED (HYDRO_AUTH=disabled): anyone who reaches the API is admin")
        return
    _store(tokens, settings.bootstrap_token, "HYDRO_AUTH_BOOTSTRAP_TOKEN", BOOTSTRAP_NAME, Scope.ADMIN)
    _store(tokens, settings.gateway_token, "HYDRO_GATEWAY_CONTROLLER_TOKEN", GATEWAY_NAME, Scope.GATEWAY)
    _store(tokens, settings.functions_token, "HYDRO_FUNCTIONS_CONTROLLER_TOKEN", FUNCTIONS_NAME, Scope.FUNCTIONS)
    if tokens.count() == 0:
        raise SettingsError("HYDRO_AUTH", f"authentication is enabled but no API token exists: {HOW_TO}")


def _store(tokens: TokenStore, text: str | None, variable: str, name: str, scope: Scope) -> None:
    if not text:
        return
    token = parse_token(text)
    if token is None:  # settings validated it already; this guards a programmatic caller
        raise SettingsError(variable, "is not a Hydro token")
    if not tokens.exists(token.key_id):
        tokens.add(token, name, [scope.value])
        logger.info("stored the %s token %s from %s", name, token.key_id, variable)
