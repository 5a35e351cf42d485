"""A manager API over a real catalog (SQLite, and PostgreSQL where marked), seeded with objects the
fuzzers can hit (external model versions, a deployment configuration, a metric spec), with the
local engine's blueprint registered as under `hydro up`, and the function proxy pointed at a real
HTTP server that answers every forwarded read."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, Response, jsonify, request
from flask.testing import FlaskClient

from controller.api.app import create_app, open_catalog
from controller.api.context import EXTENSION, ApiContext
from controller.local.up import engine_api
from tests.controller.api.support import SIGNATURE, make_settings
from tests.functions.gateway.servers import ThreadedServer

FUNCTION_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def function_app() -> Flask:
    """A stand-in function: answers any method and path with what it received."""
    app = Flask(__name__)

    @app.route("/", defaults={"path": ""}, methods=FUNCTION_METHODS)
    @app.route("/<path:path>", methods=FUNCTION_METHODS)
    def echo(path: str) -> Response:
        return jsonify({"path": path, "method": request.method, "bytes": len(request.get_data())})

    return app


@pytest.fixture(scope="module")
def function_server() -> Iterator[ThreadedServer]:
    server = ThreadedServer(function_app())
    yield server
    server.close()


def seeded_app(home: Path, database_url: str, function_url: str) -> Flask:
    settings = make_settings(home, database_url)
    app = create_app(settings, open_catalog(settings), poll_seconds=0.01, function_url=lambda _name: function_url)
    app.register_blueprint(engine_api.blueprint(lambda: None))
    client = app.test_client()
    ids = [_external(client, name) for name in ("fuzz-ext", "fuzz-monitor")]
    assert client.post("/api/v2/deployment_configuration", json={"name": "fuzz-small"}).status_code == 200
    spec = {"name": "fuzz-spec", "modelVersionId": ids[0],
            "config": {"modelVersionId": ids[1], "threshold": 1, "thresholdCmpOperator": {"kind": "Less"}}}
    created = client.post("/api/v2/monitoring/metricspec", json=spec)
    assert created.status_code == 200, created.get_json()
    return app


def _external(client: FlaskClient, name: str) -> int:
    response = client.post("/api/v2/externalmodel", json={"name": name, "signature": SIGNATURE, "metadata": {}})
    assert response.status_code == 200, response.get_json()
    version_id: int = response.get_json()["id"]
    return version_id


def context_of(app: Flask) -> ApiContext:
    context: ApiContext = app.extensions[EXTENSION]
    return context


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def api(request: pytest.FixtureRequest, tmp_path: Path, function_server: ThreadedServer) -> Iterator[Flask]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else ""
    app = seeded_app(tmp_path / "home", url, function_server.url)
    yield app
    context_of(app).catalog.database.dispose()


@pytest.fixture(scope="module")
def postgres_module_url(postgres_server: str) -> Iterator[str]:
    """A PostgreSQL database for one test module, dropped afterwards."""
    name = f"hydro_fuzz_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield postgres_server.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def sqlite_api(tmp_path_factory: pytest.TempPathFactory, function_server: ThreadedServer) -> Iterator[Flask]:
    app = seeded_app(tmp_path_factory.mktemp("sqlite") / "home", "", function_server.url)
    yield app
    context_of(app).catalog.database.dispose()


@pytest.fixture(scope="module")
def postgres_api(tmp_path_factory: pytest.TempPathFactory, function_server: ThreadedServer,
                 postgres_module_url: str) -> Iterator[Flask]:
    app = seeded_app(tmp_path_factory.mktemp("postgres") / "home", postgres_module_url, function_server.url)
    yield app
    context_of(app).catalog.database.dispose()
