"""Drift: batch windows compared with training profiles, reports at `/stat/metrics`, settings per
model version, and drift alerts (to the Broker, or as a ping's reply)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from functions.host.app import create_app
from functions.monitoring.function import MonitoringFunction
from protos import cloudevent_http, events
from tests.functions.monitoring.conftest import Factory, store_training_profiles
from tests.functions.monitoring.support import Controller, contract, inference_event, ping_event, rows, write_csv

DRIFTED = ("score", "visits")


@pytest.fixture(scope="module")
def big_training_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_csv(tmp_path_factory.mktemp("drift") / "train.csv", rows(5000, seed=100))


def _monitored(function: MonitoringFunction, controller: Controller, training: Path, batch_size: int = 100,
               metadata: dict[str, str] | None = None) -> dict[str, Any]:
    version = controller.upload(f"people-{uuid.uuid4().hex[:6]}", contract(), batch_size=batch_size,
                                metadata=metadata)
    store_training_profiles(function, version["id"], training)
    return version


def _send(function: MonitoringFunction, version: dict[str, Any], traffic: list[dict[str, float]]) -> None:
    for row in traffic:
        function.handle(inference_event(version, row))
    function.batches.run_due()  # what the batch worker does in the background


def _client(function: MonitoringFunction) -> FlaskClient:
    return create_app(function).test_client()


def test_drift_in_two_of_six_features_flags_exactly_those(make_function: Factory, store_url: str,
                                                           controller: Controller, big_training_csv: Path) -> None:
    function = make_function(store_url)
    version = _monitored(function, controller, big_training_csv)
    _send(function, version, rows(100, seed=8, shifted=dict.fromkeys(DRIFTED, 1.5)))
    report = _client(function).get(f"/stat/metrics?model_version_id={version['id']}").get_json()
    assert report["drifted_features"] == list(DRIFTED)
    assert (report["batch"], report["trigger"], report["window"]["requests"]) == (0, "batch", 100)
    tested = {f["feature"]: f["drifted"] for f in report["features"] if f["status"] == "tested"}
    assert tested == {name: name in DRIFTED for name in contract()["inputs"]}
    assert report["skipped_reasons"] == {"no training profile": 1}  # the output y is not in the CSV
    reply = function.handle(ping_event())
    assert reply is not None and reply.get_type() == events.CHECK_FAILED
    alert = cloudevent_http.json_data(reply)
    assert (alert["kind"], alert["batch"], alert["modelVersionId"]) == ("drift", 0, version["id"])
    assert [f["field"] for f in alert["failures"]] == list(DRIFTED)
    assert all(f["value"] < f["threshold"] == 0.05 for f in alert["failures"])
    assert function.handle(ping_event()) is None  # delivered once


def test_traffic_like_the_training_data_does_not_drift(make_function: Factory, sqlite_url: str,
                                                       controller: Controller, big_training_csv: Path) -> None:
    function = make_function(sqlite_url)
    version = _monitored(function, controller, big_training_csv)
    _send(function, version, rows(100, seed=8))
    report = _client(function).get(f"/stat/metrics?model_version_id={version['id']}").get_json()
    assert report["drifted_features"] == [] and report["tested"] == 6
    assert function.handle(ping_event()) is None


def test_small_batches_are_compared_in_windows_of_at_least_the_minimum(
        make_function: Factory, sqlite_url: str, controller: Controller, big_training_csv: Path) -> None:
    function = make_function(sqlite_url, drift_min_window=50)
    version = _monitored(function, controller, big_training_csv, batch_size=20)
    _send(function, version, rows(100, seed=9))
    report = _client(function).get(f"/stat/metrics?model_version_id={version['id']}").get_json()
    assert report["batch"] == 2  # windows of 3 batches: 0-2, then 3-5 (not complete yet)
    assert report["window"] == {"requests": 60, "firstSeq": 1, "lastSeq": 60, "batches": [0, 1, 2],
                                "configSource": "default"}


def test_drift_is_computed_on_demand_over_the_latest_requests(
        make_function: Factory, sqlite_url: str, controller: Controller, big_training_csv: Path) -> None:
    function = make_function(sqlite_url)
    version = _monitored(function, controller, big_training_csv)
    client = _client(function)
    _send(function, version, rows(40, seed=10, shifted={"age": 3.0}))
    missing = client.get(f"/stat/metrics?model_version_id={version['id']}")
    assert missing.status_code == 404 and "refresh=true" in missing.get_json()["error"]
    fresh = client.get(f"/stat/metrics?model_version_id={version['id']}&refresh=true").get_json()
    assert (fresh["trigger"], fresh["batch"], fresh["window"]["requests"]) == ("on-demand", None, 40)
    assert fresh["drifted_features"] == ["age"]
    assert client.get(f"/stat/metrics?model_version_id={version['id']}").get_json()["id"] == fresh["id"]


def test_drift_settings_come_from_metadata_or_the_stored_config(
        make_function: Factory, sqlite_url: str, controller: Controller, big_training_csv: Path) -> None:
    function = make_function(sqlite_url)
    version = _monitored(function, controller, big_training_csv, metadata={"drift.alpha": "0.01"})
    client = _client(function)
    _send(function, version, rows(1, seed=11))
    configured = client.get(f"/stat/config/{version['id']}").get_json()
    assert (configured["source"], configured["config"]["alpha"]) == ("metadata", 0.01)
    stored = client.put(f"/stat/config/{version['id']}", json={"alpha": 0.2, "correction": "bh"})
    assert stored.status_code == 200 and stored.get_json()["source"] == "stored"
    fresh = client.get(f"/stat/metrics?model_version_id={version['id']}&refresh=true").get_json()
    assert (fresh["config"]["alpha"], fresh["config"]["correction"], fresh["window"]["configSource"]) == (
        0.2, "bh", "stored")


@pytest.mark.parametrize(("body", "field"), [({"alpha": 2}, "alpha"), ({"colour": 1}, "colour"), ([1], "body")])
def test_a_bad_drift_config_is_refused_naming_the_setting(make_function: Factory, sqlite_url: str,
                                                          controller: Controller, body: Any, field: str) -> None:
    function = make_function(sqlite_url)
    version = controller.upload(f"people-{uuid.uuid4().hex[:6]}", contract())
    answer = _client(function).put(f"/stat/config/{version['id']}", json=body)
    assert answer.status_code == 400 and answer.get_json()["field"] == field


class Broker:
    """Records the CloudEvents POSTed to it (binary mode), like a Broker ingress."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        app = Flask("broker")

        @app.post("/")
        def ingress() -> tuple[str, int]:
            event = cloudevent_http.parse_http(dict(request.headers.items()), request.get_data())
            self.received.append({"type": event.get_type(), "data": cloudevent_http.json_data(event)})
            return "", 202

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def broker() -> Iterator[Broker]:
    running = Broker()
    yield running
    running.server.shutdown()


def test_drift_alerts_are_published_to_the_broker(make_function: Factory, sqlite_url: str, controller: Controller,
                                                  big_training_csv: Path, broker: Broker) -> None:
    function = make_function(sqlite_url, broker_url=broker.url)
    version = _monitored(function, controller, big_training_csv)
    _send(function, version, rows(100, seed=12, shifted=dict.fromkeys(DRIFTED, 2.0)))
    function.publish_alerts()  # what the batch worker does after a batch drifted
    [alert] = broker.received
    assert alert["type"] == events.CHECK_FAILED and alert["data"]["kind"] == "drift"
    assert [f["field"] for f in alert["data"]["failures"]] == list(DRIFTED)
    assert function.handle(ping_event()) is None
    assert len(broker.received) == 1
    assert json.dumps(alert["data"])  # plain JSON: no NaN
