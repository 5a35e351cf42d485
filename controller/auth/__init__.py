"""API-token authentication of the manager API and the UI (see docs/api.md, Authentication).

`store` keeps tokens hashed in the catalog, `policy` says which scope each route needs, `guard`
enforces it before every request, `views` serves `/api/v2/auth`, `bootstrap` runs at start.
The token format, scopes and checks shared with the gateway are in `protos.auth`.
"""

from __future__ import annotations

from flask import Flask

from controller.auth import views
from controller.auth.bootstrap import ensure_tokens
from controller.auth.guard import install, principal
from controller.auth.store import TokenRecord, TokenStore
from controller.catalog import Catalog
from controller.settings import AuthSettings


def protect(app: Flask, settings: AuthSettings, catalog: Catalog) -> TokenStore:
    """Check the catalog's tokens (`ensure_tokens`), guard `app` and serve `/api/v2/auth`."""
    tokens = TokenStore(catalog.database)
    ensure_tokens(settings, tokens)
    install(app, settings, tokens)
    app.register_blueprint(views.blueprint)
    return tokens


__all__ = ["TokenRecord", "TokenStore", "ensure_tokens", "principal", "protect"]
