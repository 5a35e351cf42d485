"""`dev.hydro.inference.completed` through `MonitoringFunction.handle`, over a real store and a real
controller: raw checks, replies, idempotency, batches, poison events."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from functions.host.function import PermanentError
from functions.monitoring import queries
from functions.monitoring.errors import Unavailable
from functions.monitoring.function import MonitoringFunction
from functions.monitoring.manager import ManagerApi
from functions.monitoring.tables import BatchRow, VersionRow
from protos import cloudevent_http, events
from tests.conftest import free_port
from tests.functions.monitoring.conftest import Factory, store_training_profiles
from tests.functions.monitoring.support import Controller, contract, inference_event, ping_event, rows


def _version(controller: Controller, batch_size: int = 10) -> dict[str, Any]:
    return controller.upload(f"people-{uuid.uuid4().hex[:6]}", contract(), batch_size=batch_size)


def _summary(function: MonitoringFunction, version_id: int) -> dict[str, Any]:
    with function.store.transaction() as session:
        return queries.summary(session, version_id, function.settings)


def _checks(function: MonitoringFunction, version_id: int) -> list[dict[str, Any]]:
    with function.store.transaction() as session:
        return queries.checks(session, version_id)


def test_traffic_within_training_ranges_passes_its_checks(make_function: Factory, store_url: str,
                                                          controller: Controller, training_csv: Path) -> None:
    function = make_function(store_url)
    version = _version(controller)
    store_training_profiles(function, version["id"], training_csv)
    for row in rows(3, seed=1):
        assert function.handle(inference_event(version, row)) is None
    documents = _checks(function, version["id"])
    assert len(documents) == 3
    for doc in documents:
        assert doc["_hs_score"] == 1.0
        assert [c["description"] for c in doc["_hs_raw_checks"]["age"]] == ["< max", "> min"]
        assert all(c["check"] for checks in doc["_hs_raw_checks"].values() for c in checks)
    assert _summary(function, version["id"])["checksFailed"] == 0


def test_an_out_of_range_value_fails_its_check_and_is_answered_with_an_alert(
        make_function: Factory, store_url: str, controller: Controller, training_csv: Path) -> None:
    function = make_function(store_url)
    version = _version(controller)
    store_training_profiles(function, version["id"], training_csv)
    request = {**rows(1, seed=2)[0], "age": 500.0}
    reply = function.handle(inference_event(version, request))
    assert reply is not None and reply.get_type() == events.CHECK_FAILED
    assert reply.get_attributes()[events.EXT_MODEL] == version["model"]["name"]
    assert reply.get_attributes()[events.EXT_VERSION] == str(version["modelVersion"])
    data = cloudevent_http.json_data(reply)
    assert data["kind"] == "check" and data["modelVersionId"] == version["id"]
    [failure] = data["failures"]
    assert failure["field"] == "age" and failure["value"] == 500.0 and failure["comparison"] == "LessEq"
    with function.store.transaction() as session:
        maximum = queries.profile(session, version["id"], "age")["training"]["max"]
    assert failure["threshold"] == maximum < 500
    [doc] = _checks(function, version["id"])
    assert doc["_hs_checks_failed"] is True and doc["_hs_age_score"] == 0.5
    assert _summary(function, version["id"])["checksFailed"] == 1


def test_fields_without_training_profiles_are_not_checked(make_function: Factory, sqlite_url: str,
                                                           controller: Controller) -> None:
    function = make_function(sqlite_url)
    version = _version(controller)
    assert function.handle(inference_event(version, {**rows(1, seed=3)[0], "age": 1e9})) is None
    [doc] = _checks(function, version["id"])
    assert doc["_hs_raw_checks"]["age"] == [] and doc["_hs_score"] is None


def test_a_redelivered_event_changes_no_count_and_gets_the_same_reply(
        make_function: Factory, store_url: str, controller: Controller, training_csv: Path) -> None:
    function = make_function(store_url)
    version = _version(controller, batch_size=2)
    store_training_profiles(function, version["id"], training_csv)
    event = inference_event(version, {**rows(1, seed=4)[0], "hours": -50.0})
    replies = [function.handle(event) for _ in range(3)]
    assert all(r is not None for r in replies)
    assert len({r.get_id() for r in replies if r is not None}) == 1
    summary = _summary(function, version["id"])
    assert (summary["requests"], summary["checksFailed"]) == (1, 1)
    assert len(_checks(function, version["id"])) == 1


def test_full_batches_are_aggregated_and_merged_into_the_production_profile(
        make_function: Factory, store_url: str, controller: Controller, training_csv: Path) -> None:
    function = make_function(store_url)
    version = _version(controller, batch_size=10)
    store_training_profiles(function, version["id"], training_csv)
    traffic = rows(25, seed=5)
    traffic[3]["age"] = 900.0
    for row in traffic:
        function.handle(inference_event(version, row))
    function.batches.run_due()  # what the batch worker does in the background
    with function.store.transaction() as session:
        page = queries.aggregates(session, version["id"], limit=10, offset=0)
        production = queries.profile(session, version["id"], "income")["production"]
    assert page["count"] == 3
    assert [(r["_hs_batch"], r["_hs_status"], r["_hs_requests"]) for r in page["results"]] == [
        (2, "open", 5), (1, "done", 10), (0, "done", 10)]
    first = page["results"][-1]
    assert first["age"] == {"checks": 10, "passed": 9} and first["income"] == {"checks": 10, "passed": 10}
    assert first["_hs_checks_failed"] == 1
    assert production["count"] == 20  # the open batch is not merged yet


def test_failed_requests_count_as_failures(make_function: Factory, sqlite_url: str, controller: Controller) -> None:
    function = make_function(sqlite_url)
    version = _version(controller)
    function.handle(inference_event(version, rows(1, seed=6)[0], error={"code": "INTERNAL", "message": "boom"}))
    function.handle(inference_event(version, rows(1, seed=7)[0]))
    summary = _summary(function, version["id"])
    assert (summary["requests"], summary["failures"], summary["failureRate"]) == (2, 1, 0.5)
    assert _checks(function, version["id"])[0]["_hs_error"] == "INTERNAL: boom"


@pytest.mark.parametrize(("data", "field"), [
    ({"request": [1, 2]}, "data.request"),
    ({"request": {}, "modelVersionId": "seven"}, "data.modelVersionId"),
    ({"request": {}, "latencyMs": "slow", "modelVersionId": 1}, "data.latencyMs"),
    ({"request": {}, "error": "x", "modelVersionId": 1}, "data.error"),
    ({"request": {}}, "data.modelVersionId"),
])
def test_a_malformed_event_is_refused_naming_the_field(make_function: Factory, sqlite_url: str,
                                                       data: dict[str, Any], field: str) -> None:
    function = make_function(sqlite_url)
    event = cloudevent_http.new_event({"id": "e", "source": "/t", "type": events.INFERENCE_COMPLETED},
                                      json.dumps(data).encode())
    with pytest.raises(PermanentError) as refused:
        function.handle(event)
    assert refused.value.field == field


def test_a_poison_event_for_one_version_does_not_stop_another_version(
        make_function: Factory, store_url: str, controller: Controller) -> None:
    function = make_function(store_url)
    version = _version(controller)
    unknown = {**version, "id": 999_999}
    with pytest.raises(PermanentError, match="999999"):
        function.handle(inference_event(unknown, rows(1, seed=8)[0]))
    assert function.handle(inference_event(version, rows(1, seed=9)[0])) is None
    assert _summary(function, version["id"])["requests"] == 1


def test_events_of_unknown_types_are_refused(make_function: Factory, sqlite_url: str) -> None:
    function = make_function(sqlite_url)
    event = cloudevent_http.new_event({"id": "e", "source": "/t", "type": "dev.hydro.something"}, b"{}")
    with pytest.raises(PermanentError) as refused:
        function.handle(event)
    assert refused.value.field == "type"


def test_a_version_is_found_by_name_when_the_event_has_no_id(make_function: Factory, sqlite_url: str,
                                                             controller: Controller) -> None:
    function = make_function(sqlite_url)
    version = _version(controller)
    event = inference_event(version, rows(1, seed=10)[0])
    data = cloudevent_http.json_data(event)
    data["modelVersionId"] = None
    function.handle(cloudevent_http.new_event(dict(event.get_attributes()), json.dumps(data).encode()))
    assert _summary(function, version["id"])["requests"] == 1


def test_the_summary_reports_latency_percentiles(make_function: Factory, sqlite_url: str,
                                                 controller: Controller) -> None:
    function = make_function(sqlite_url)
    version = _version(controller)
    for latency in range(1, 101):
        function.handle(inference_event(version, rows(1, seed=latency)[0], latency_ms=float(latency)))
    latency_ms = _summary(function, version["id"])["latencyMs"]
    assert latency_ms["requests"] == 100
    assert latency_ms["p50"] == pytest.approx(50.5) and latency_ms["p99"] == pytest.approx(99.01)


def test_non_finite_values_are_stored_as_null(make_function: Factory, store_url: str, controller: Controller) -> None:
    function = make_function(store_url)
    version = _version(controller)
    event = inference_event(version, rows(1, seed=11)[0])
    data = cloudevent_http.json_data(event)
    data["request"]["age"] = float("nan")  # a float tensor may carry NaN; the gateway writes it as NaN
    function.handle(cloudevent_http.new_event(dict(event.get_attributes()), json.dumps(data).encode()))
    [doc] = _checks(function, version["id"])
    assert doc["age"] is None and doc["income"] == data["request"]["income"]


def test_a_manager_that_cannot_be_reached_makes_the_event_retryable(make_function: Factory, sqlite_url: str,
                                                                   controller: Controller) -> None:
    version = _version(controller)
    function = make_function(sqlite_url)
    function.directory.manager = ManagerApi(f"http://127.0.0.1:{free_port()}", timeout_s=1.0)
    with pytest.raises(Unavailable, match="manager API"):
        function.handle(inference_event(version, rows(1, seed=12)[0]))


def test_a_batch_that_fails_is_retried_by_pings_then_given_up_without_stopping_other_versions(
        make_function: Factory, store_url: str, controller: Controller) -> None:
    function = make_function(store_url)
    broken, healthy = _version(controller, batch_size=2), _version(controller, batch_size=2)
    function.handle(inference_event(broken, rows(1, seed=13)[0]))
    with function.store.transaction() as session:  # a version row that no longer loads
        session.execute(update(VersionRow).where(VersionRow.model_version_id == broken["id"])
                        .values(contract={"inputs": "broken"}))
    for version in (broken, healthy):
        function.handle(inference_event(version, rows(1, seed=14)[0]))
    function.handle(inference_event(healthy, rows(1, seed=15)[0]))

    def batch(version: dict[str, Any]) -> BatchRow:
        with function.store.transaction() as session:
            return session.get_one(BatchRow, {"model_version_id": version["id"], "batch": 0})

    function.handle(ping_event())
    assert batch(healthy).status == "done"
    assert batch(broken).status in ("full", "failed") and batch(broken).attempts >= 1
    assert "contract.inputs" in (batch(broken).error or "")
    for _ in range(3):
        function.handle(ping_event())
    assert (batch(broken).status, batch(broken).attempts) == ("failed", 3)


def test_concurrent_events_and_redeliveries_are_each_counted_once(make_function: Factory, store_url: str,
                                                                  controller: Controller) -> None:
    function = make_function(store_url)
    version = _version(controller, batch_size=7)
    traffic = [inference_event(version, row) for row in rows(60, seed=20)]
    with ThreadPoolExecutor(8) as pool:  # group commits, with 20 events delivered twice at the same time
        list(pool.map(function.handle, traffic + traffic[:20]))
    function.batches.run_due()
    assert _summary(function, version["id"])["requests"] == 60
    documents = _checks(function, version["id"])
    assert sorted(d["_hs_seq"] for d in documents) == list(range(1, 61))
    assert len({d["_hs_request_id"] for d in documents}) == 60
    with function.store.transaction() as session:
        page = queries.aggregates(session, version["id"], limit=20, offset=0)
    assert [(r["_hs_status"], r["_hs_requests"]) for r in page["results"]] == [("open", 4)] + [("done", 7)] * 8


def test_a_failure_no_model_version_answered_is_acknowledged_and_recorded_nowhere(
        make_function: Factory, sqlite_url: str, controller: Controller) -> None:
    function = make_function(sqlite_url)
    version = _version(controller)
    event = inference_event(version, rows(1, seed=11)[0], error={"code": "UNAVAILABLE", "message": "worker exited"})
    data = cloudevent_http.json_data(event)
    data.update(modelVersionId=None, modelName=None, modelVersion=None, servable=None)
    attributes = {k: v for k, v in event.get_attributes().items() if k not in (events.EXT_MODEL, events.EXT_VERSION)}
    with function.store.transaction() as session:
        before = session.query(VersionRow.model_version_id, VersionRow.requests, VersionRow.errors).all()
    assert function.handle(cloudevent_http.new_event(attributes, json.dumps(data).encode())) is None
    with function.store.transaction() as session:
        assert session.query(VersionRow.model_version_id, VersionRow.requests, VersionRow.errors).all() == before
    # The same event without an error names no version at all: still refused (see the malformed cases).
    data["error"] = None
    with pytest.raises(PermanentError) as refused:
        function.handle(cloudevent_http.new_event({**attributes, "id": "other"}, json.dumps(data).encode()))
    assert refused.value.field == "data.modelVersionId"
