"""The one error envelope for every failure, and the health endpoints."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from controller.catalog import Catalog
from controller.errors import Unavailable
from tests.controller.api.support import assert_error


def test_health_and_buildinfo(client: FlaskClient) -> None:
    assert client.get("/health").get_json() == {"status": "ok"}
    assert client.get("/api/buildinfo").get_json()["status"] == "Ok"


@pytest.mark.parametrize(("method", "path", "status"), [
    ("get", "/api/v2/nothing-here", 404),
    ("put", "/api/v2/model", 405),
    ("get", "/api/v2/model/not-a-number", 404),
])
def test_routing_errors_use_the_envelope(client: FlaskClient, method: str, path: str, status: int) -> None:
    assert_error(getattr(client, method)(path), status)


def test_unexpected_errors_are_500_without_details(app: Flask, client: FlaskClient) -> None:
    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    body = assert_error(client.get("/boom"), 500)
    assert body["code"] == "internal" and "secret" not in body["message"]


def test_database_outage_is_503(app: Flask, client: FlaskClient, catalog: Catalog,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    def down() -> int:
        raise Unavailable("catalog database is unreachable")

    monkeypatch.setattr(catalog, "last_event_id", down)
    assert_error(client.get("/health"), 503, contains="unreachable")
