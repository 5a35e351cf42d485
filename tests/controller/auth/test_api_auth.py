"""The manager API with authentication on: 401/403/200 per scope, tokens API, revocation, storage."""

from __future__ import annotations

import base64
import logging
import sqlite3
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from controller.api.app import create_app
from controller.auth import TokenStore
from controller.settings import AuthSettings, ControllerSettings, SettingsError
from protos.auth import mint


class _NoBuilds:
    def submit(self, version_id: int) -> object:
        return None


@pytest.fixture
def admin() -> str:
    return str(mint())


@pytest.fixture
def app(tmp_path: Path, admin: str) -> Flask:
    settings = ControllerSettings(home=tmp_path, auth=AuthSettings(enabled=True, bootstrap_token=admin))
    return create_app(settings, builds=_NoBuilds())


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_token(client: FlaskClient, admin: str, *scopes: str) -> str:
    answer = client.post("/api/v2/auth/tokens", json={"name": "t", "scopes": list(scopes)}, headers=bearer(admin))
    assert answer.status_code == 201, answer.json
    return str(answer.json["token"])


def test_no_token_is_401_with_www_authenticate(client: FlaskClient) -> None:
    answer = client.get("/api/v2/model")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.json["code"] == "unauthorized"


def test_wrong_secret_is_401(client: FlaskClient, admin: str) -> None:
    forged = admin[:-4] + ("AAAA" if not admin.endswith("AAAA") else "BBBB")
    assert client.get("/api/v2/model", headers=bearer(forged)).status_code == 401
    assert client.get("/api/v2/model", headers=bearer("not-a-token")).status_code == 401


def test_health_and_ui_shell_stay_open(client: FlaskClient) -> None:
    assert client.get("/health").status_code == 200
    assert client.get("/ui/").status_code == 200


@pytest.mark.parametrize(("scope", "method", "path", "status"), [
    ("read", "GET", "/api/v2/model", 200),
    ("read", "POST", "/api/v2/deployment_configuration", 403),
    ("predict", "GET", "/api/v2/model", 403),
    ("deploy", "GET", "/api/v2/model", 200),
    ("deploy", "GET", "/api/v2/auth/tokens", 403),
    ("gateway", "GET", "/api/v2/plan/routing", 200),
    ("gateway", "GET", "/api/v2/auth/verifiers", 200),
    ("gateway", "GET", "/api/v2/model", 403),
    ("read", "GET", "/api/v2/auth/verifiers", 403),
    ("read", "GET", "/api/v2/plan/routing", 200),
])
def test_scopes(client: FlaskClient, admin: str, scope: str, method: str, path: str, status: int) -> None:
    token = make_token(client, admin, scope)
    answer = client.open(path, method=method, headers=bearer(token), json={"name": "c"} if method == "POST" else None)
    assert answer.status_code == status, answer.json
    if status == 403:
        assert "needs scope" in answer.json["message"]


def test_deploy_token_changes_the_catalog(client: FlaskClient, admin: str) -> None:
    token = make_token(client, admin, "deploy")
    answer = client.post("/api/v2/deployment_configuration", json={"name": "c", "hpa": {"minReplicas": 1,
                         "maxReplicas": 2, "cpuUtilization": 80}}, headers=bearer(token))
    assert answer.status_code == 200, answer.json


def test_basic_auth_with_the_token_as_password(client: FlaskClient, admin: str) -> None:
    userinfo = base64.b64encode(f"hydro:{admin}".encode()).decode()
    assert client.get("/api/v2/model", headers={"Authorization": f"Basic {userinfo}"}).status_code == 200


def test_token_list_shows_no_secret_and_revocation_is_immediate(client: FlaskClient, admin: str) -> None:
    token = make_token(client, admin, "read")
    key_id = token.split("_")[1]
    listed = client.get("/api/v2/auth/tokens", headers=bearer(admin)).json
    assert key_id in {t["keyId"] for t in listed}
    assert token.split("_", 2)[2] not in str(listed)
    assert client.delete(f"/api/v2/auth/tokens/{key_id}", headers=bearer(admin)).status_code == 204
    assert client.get("/api/v2/model", headers=bearer(token)).status_code == 401
    assert client.delete(f"/api/v2/auth/tokens/{key_id}", headers=bearer(admin)).status_code == 404


def test_bad_token_requests_name_the_field(client: FlaskClient, admin: str) -> None:
    answer = client.post("/api/v2/auth/tokens", json={"name": "x", "scopes": ["root"]}, headers=bearer(admin))
    assert answer.status_code == 400
    assert answer.json["field"] == "scopes"
    answer = client.post("/api/v2/auth/tokens", json={"scopes": ["read"]}, headers=bearer(admin))
    assert (answer.status_code, answer.json["field"]) == (400, "name")


def test_secrets_are_stored_hashed(client: FlaskClient, admin: str, tmp_path: Path) -> None:
    token = make_token(client, admin, "read")
    dump = "\n".join(sqlite3.connect(tmp_path / "catalog.db").iterdump())
    assert token.split("_", 2)[2] not in dump and admin.split("_", 2)[2] not in dump
    assert token.split("_")[1] in dump


def test_whoami(client: FlaskClient, admin: str) -> None:
    token = make_token(client, admin, "predict")
    who = client.get("/api/v2/auth/whoami", headers=bearer(token)).json
    assert who["scopes"] == ["predict"] and who["auth"] == "enabled"


def test_verifiers_answer_304_until_a_token_changes(client: FlaskClient, admin: str) -> None:
    first = client.get("/api/v2/auth/verifiers", headers=bearer(admin))
    etag = first.headers["ETag"]
    assert client.get("/api/v2/auth/verifiers", headers={**bearer(admin), "If-None-Match": etag}).status_code == 304
    make_token(client, admin, "read")
    again = client.get("/api/v2/auth/verifiers", headers={**bearer(admin), "If-None-Match": etag})
    assert again.status_code == 200 and len(again.json["verifiers"]) == 2


def test_session_cookie_needs_the_csrf_header_for_changes(client: FlaskClient, admin: str) -> None:
    signed_in = client.post("/api/v2/auth/session", json={"token": admin})
    cookie = signed_in.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get("/api/v2/model").status_code == 200
    body = {"name": "c", "hpa": {"minReplicas": 1, "maxReplicas": 2, "cpuUtilization": 80}}
    refused = client.post("/api/v2/deployment_configuration", json=body)
    assert refused.status_code == 403 and "X-Hydro-CSRF" in refused.json["message"]
    accepted = client.post("/api/v2/deployment_configuration", json=body, headers={"X-Hydro-CSRF": "1"})
    assert accepted.status_code == 200
    client.delete("/api/v2/auth/session")
    assert client.get("/api/v2/model").status_code == 401


def test_sign_in_with_a_wrong_token_is_401(client: FlaskClient) -> None:
    assert client.post("/api/v2/auth/session", json={"token": str(mint())}).status_code == 401


def test_no_token_at_all_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="hydro token create"):
        create_app(ControllerSettings(home=tmp_path), builds=_NoBuilds())


def test_bootstrap_token_is_stored_once(tmp_path: Path, admin: str) -> None:
    settings = ControllerSettings(home=tmp_path, auth=AuthSettings(enabled=True, bootstrap_token=admin))
    create_app(settings, builds=_NoBuilds())
    app = create_app(settings, builds=_NoBuilds())
    store: TokenStore = app.extensions["hydro.auth"].tokens
    assert [r.name for r in store.all()] == ["bootstrap admin"]


def test_tokens_never_reach_the_log(client: FlaskClient, admin: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token = make_token(client, admin, "read")
    client.get("/api/v2/model", headers=bearer(token))
    client.get("/api/v2/model", headers=bearer(token[:-2] + "zz"))
    assert token not in caplog.text and admin not in caplog.text
    assert token.split("_", 2)[2] not in caplog.text
