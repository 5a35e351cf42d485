"""`controller.ui.reads`: the functions' read APIs in an envelope, against a real HTTP server."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask import Flask, Response, jsonify, request

from controller.errors import NotFound
from controller.ui.reads import FunctionReader, function_for
from tests.conftest import free_port
from tests.controller.api.support import LiveServer, serve


def function_app() -> Flask:
    """A stand-in function with the answers the real ones give: JSON, errors, text, slowness."""
    app = Flask("function")

    @app.get("/monitoring/summary/<int:mv>")
    def summary(mv: int) -> object:
        if mv == 404:
            return jsonify({"error": "model version 404 has no monitoring data yet", "field": None}), 404
        return jsonify({"modelVersionId": mv, "query": request.args.to_dict()})

    @app.post("/rootcause/explanation")
    def explain() -> object:
        return jsonify({"state": "PENDING", "asked": request.get_json()}), 202

    @app.get("/stat/metrics")
    def text_error() -> object:
        return Response("database is locked", status=500, mimetype="text/plain")

    @app.get("/visualization/jobs")
    def html_error() -> object:
        return Response("<html><body>Bad Gateway</body></html>", status=502, mimetype="text/html")

    @app.get("/api/v2/alerts")
    def slow() -> object:
        time.sleep(1.0)
        return jsonify({"items": []})

    return app


@pytest.fixture(scope="module")
def function() -> Iterator[LiveServer]:
    yield from serve(function_app())


@pytest.fixture
def reader(function: LiveServer) -> FunctionReader:
    return FunctionReader(lambda name: function.url, timeout_s=5)


@pytest.mark.parametrize(("path", "expected"), [
    ("monitoring/summary/3", "monitoring"), ("monitoring/checks/all/3", "monitoring"), ("stat/metrics", "monitoring"),
    ("api/v2/alerts", "alerts"), ("api/v2/alerts/7", "alerts"), ("rootcause/explanation", "explainer"),
    ("visualization/jobs", "projector"),
])
def test_function_for_maps_read_paths_to_their_function(path: str, expected: str) -> None:
    assert function_for(path) == expected


@pytest.mark.parametrize("path", ["api/v2/model/version", "monitoringx/1", "monitoring/../api/v2/model",
                                  "monitoring//x", "stat/./metrics", "monitoring/a\\b", "health"])
def test_function_for_refuses_anything_else(path: str) -> None:
    with pytest.raises(NotFound):
        function_for(path)


def test_a_successful_read_carries_the_functions_body_and_query(reader: FunctionReader) -> None:
    result = reader.read("GET", "monitoring/summary/3", {"limit": "5"})
    assert result.to_json() == {"ok": True, "status": 200, "function": "monitoring",
                                "body": {"modelVersionId": 3, "query": {"limit": "5"}}, "message": None}


def test_a_post_forwards_its_json_body(reader: FunctionReader) -> None:
    result = reader.read("POST", "rootcause/explanation", body=b'{"model_version_id": 3}')
    assert (result.ok, result.status, result.function) == (True, 202, "explainer")
    assert result.body["asked"] == {"model_version_id": 3}


def test_a_404_keeps_the_functions_own_words(reader: FunctionReader) -> None:
    result = reader.read("GET", "monitoring/summary/404")
    assert (result.ok, result.status) == (False, 404)
    assert result.message == "model version 404 has no monitoring data yet"


def test_a_text_error_is_the_message_and_an_html_one_is_the_status_line(reader: FunctionReader) -> None:
    assert reader.read("GET", "stat/metrics").message == "database is locked"
    page = reader.read("GET", "visualization/jobs")
    assert (page.status, page.message) == (502, "HTTP 502 BAD GATEWAY")


def test_a_function_that_is_not_running_is_a_503_naming_it() -> None:
    result = FunctionReader(lambda name: None).read("GET", "monitoring/summary/3")
    assert (result.ok, result.status, result.function) == (False, 503, "monitoring")
    assert result.message == "The monitoring function is not running here."
    assert FunctionReader(None).read("GET", "rootcause/explanation").message == \
        "The explainer function is not running here."


def test_a_function_that_does_not_answer_is_a_503_saying_how() -> None:
    refused = FunctionReader(lambda name: f"http://127.0.0.1:{free_port()}").read("GET", "api/v2/alerts")
    assert refused.status == 503
    assert refused.message == "The alerts function did not answer (connection refused or reset)."


def test_a_slow_function_times_out_as_a_503(function: LiveServer) -> None:
    result = FunctionReader(lambda name: function.url, timeout_s=0.2).read("GET", "api/v2/alerts")
    assert (result.status, result.message) == (503, "The alerts function did not answer (timed out).")
