"""Metric checks: MetricSpecs from the real manager API, metric models served by a real runtime
process, found in the routing table by model version id and called over gRPC."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from functions.monitoring import queries
from functions.monitoring.function import MonitoringFunction
from protos import cloudevent_http
from tests.conftest import free_port
from tests.functions.monitoring.conftest import Factory, static_routing, store_training_profiles
from tests.functions.monitoring.support import Controller, contract, inference_event, rows


def _monitored(controller: Controller, metric_id: int, threshold: float = 45.0) -> dict[str, Any]:
    version = controller.upload(f"people-{uuid.uuid4().hex[:6]}", contract())
    controller.metric_spec(version["id"], metric_id, threshold)
    return version


def _doc(function: MonitoringFunction, version_id: int) -> dict[str, Any]:
    with function.store.transaction() as session:
        return queries.checks(session, version_id, newest_first=True, limit=1)[0]


def test_a_metric_model_scores_each_request_against_the_spec_threshold(
        make_function: Factory, store_url: str, controller: Controller, age_metric: tuple[int, str],
        training_csv: Path) -> None:
    metric_id, target = age_metric
    function = make_function(store_url, static_routing({metric_id: target}))
    version = _monitored(controller, metric_id)
    store_training_profiles(function, version["id"], training_csv)
    assert function.handle(inference_event(version, {**rows(1, seed=1)[0], "age": 30.0})) is None
    passed = _doc(function, version["id"])["_hs_metric_checks"]["age-check"]
    assert passed["status"] == "ok" and passed["check"] is True and passed["value"] == 30.0
    assert passed["threshold"] == 45.0 and passed["comparison"] == "LessEq"
    reply = function.handle(inference_event(version, {**rows(1, seed=2)[0], "age": 50.0}))
    assert reply is not None
    data = cloudevent_http.json_data(reply)
    assert data["kind"] == "metric"
    assert data["failures"] == [{"metric": "age-check", "value": 50.0, "threshold": 45.0, "comparison": "LessEq",
                                 "message": "age-check = 50 does not satisfy LessEq 45"}]
    with function.store.transaction() as session:
        summary = queries.summary(session, version["id"], function.settings)
    assert (summary["outliers"], summary["checksFailed"]) == (1, 0)


def test_a_metric_model_that_is_not_deployed_is_recorded_unavailable(
        make_function: Factory, sqlite_url: str, controller: Controller, age_metric: tuple[int, str]) -> None:
    metric_id, _ = age_metric
    function = make_function(sqlite_url, static_routing({}))
    version = _monitored(controller, metric_id)
    assert function.handle(inference_event(version, rows(1, seed=3)[0])) is None
    result = _doc(function, version["id"])["_hs_metric_checks"]["age-check"]
    assert result["status"] == "unavailable" and result["check"] is None
    assert f"metric model version {metric_id} is not deployed" in result["message"]


def test_an_unreachable_metric_model_is_not_called_again_during_its_cool_down(
        make_function: Factory, sqlite_url: str, controller: Controller, age_metric: tuple[int, str]) -> None:
    metric_id, _ = age_metric
    function = make_function(sqlite_url, static_routing({metric_id: f"127.0.0.1:{free_port()}"}),
                             metric_timeout_s=2.0, metric_cooldown_s=60.0)
    version = _monitored(controller, metric_id)
    assert function.handle(inference_event(version, rows(1, seed=4)[0])) is None
    first = _doc(function, version["id"])["_hs_metric_checks"]["age-check"]
    assert first["status"] == "unavailable" and "is unavailable" in first["message"]
    function.handle(inference_event(version, rows(1, seed=5)[0]))
    second = _doc(function, version["id"])["_hs_metric_checks"]["age-check"]
    assert second["status"] == "unavailable" and "not called" in second["message"]


def test_a_request_without_the_fields_the_metric_model_needs_is_an_error_result(
        make_function: Factory, sqlite_url: str, controller: Controller, age_metric: tuple[int, str]) -> None:
    metric_id, target = age_metric
    function = make_function(sqlite_url, static_routing({metric_id: target}))
    features = ("income", "hours")
    version = controller.upload(f"narrow-{uuid.uuid4().hex[:6]}", contract(features))
    controller.metric_spec(version["id"], metric_id, 45.0)
    assert function.handle(inference_event(version, rows(1, seed=6, features=features)[0])) is None
    result = _doc(function, version["id"])["_hs_metric_checks"]["age-check"]
    assert result["status"] == "error" and "'age'" in result["message"]


def test_failed_requests_are_not_sent_to_metric_models(
        make_function: Factory, sqlite_url: str, controller: Controller, age_metric: tuple[int, str]) -> None:
    metric_id, target = age_metric
    function = make_function(sqlite_url, static_routing({metric_id: target}))
    version = _monitored(controller, metric_id)
    function.handle(inference_event(version, {**rows(1, seed=7)[0], "age": 99.0},
                                    error={"code": "UNAVAILABLE", "message": "model down"}))
    assert _doc(function, version["id"])["_hs_metric_checks"] == {}
