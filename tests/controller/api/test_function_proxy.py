"""The functions' read APIs answered through the controller's address by a real function server."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from controller.api.app import create_app
from controller.catalog import Catalog
from controller.settings import ControllerSettings


@pytest.fixture
def function_server() -> Iterator[str]:
    """A stand-in monitoring function: echoes what reached it."""
    app = Flask("monitoring")

    @app.route("/stat/<path:rest>", methods=["GET", "PUT"])
    @app.route("/monitoring/<path:rest>", methods=["GET"])
    def echo(rest: str) -> object:
        return jsonify({"path": request.path, "query": request.args.to_dict(), "method": request.method,
                        "body": request.get_json(silent=True)}), 201

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_reads_are_forwarded_with_method_query_and_body(settings: ControllerSettings, catalog: Catalog,
                                                        function_server: str) -> None:
    urls = {"monitoring": function_server}
    client = create_app(settings, catalog, builds=None, function_url=urls.get).test_client()
    answer = client.get("/stat/metrics?model_version_id=3")
    assert answer.status_code == 201
    assert answer.get_json() == {"path": "/stat/metrics", "query": {"model_version_id": "3"}, "method": "GET",
                                 "body": None}
    put = client.put("/stat/config/3", json={"alpha": 0.01}).get_json()
    assert put["method"] == "PUT" and put["body"] == {"alpha": 0.01}
    # The controller's own training-data routes are not forwarded.
    assert client.get("/monitoring/profiles/batch/999/status").status_code == 404


def test_a_function_that_is_not_running_is_503_naming_it(settings: ControllerSettings, catalog: Catalog) -> None:
    client = create_app(settings, catalog, builds=None, function_url=lambda name: None).test_client()
    answer = client.get("/api/v2/alerts")
    assert answer.status_code == 503
    assert "alerts function is not running" in answer.get_json()["message"]
