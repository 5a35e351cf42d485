"""End to end with real processes: `python -m functions` (HYDRO_FUNCTION=monitoring) over HTTP,
a real controller (manager API, catalog, in-process builds), and `python -m runtimes` serving the
outlier detector the function itself trained and uploaded (read from the controller's artifact
store), dialled through `HYDRO_UPSTREAM` as the local engine's activator would be."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from protos import cloudevent_http, events
from tests.conftest import free_port
from tests.functions.monitoring.processes import FunctionProcess, RuntimeProcess, reply_of
from tests.functions.monitoring.support import (
    MEANS,
    Controller,
    contract,
    inference_event,
    ping_event,
    rows,
    running_controller,
    write_csv,
)

pytestmark = pytest.mark.slow
DRIFTED = ("score", "visits")


@dataclass(frozen=True)
class World:
    controller: Controller
    function: FunctionProcess
    version: dict[str, Any]
    maxima: dict[str, float]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    home = tmp_path_factory.mktemp("e2e")
    training = rows(2000, seed=0)
    csv = write_csv(home / "train.csv", training)
    upstream = free_port()
    with running_controller(home / "controller") as controller:
        version = controller.upload("people", contract(), batch_size=100)
        function = FunctionProcess(free_port(), {"HYDRO_HOME": str(home / "function"),
                                                 "HYDRO_CONTROLLER_URL": controller.url,
                                                 "HYDRO_UPSTREAM": f"127.0.0.1:{upstream}"})
        runtime = None
        try:
            assert reply_of(function.post(controller.upload_training(version["id"], csv))) is None
            job = _wait_job(function, version["id"])
            artifact = controller.catalog.get_version(job["metricModelVersionId"]).artifact_uri
            assert artifact is not None
            runtime = RuntimeProcess(upstream, artifact)
            maxima = {name: max(row[name] for row in training) for name in training[0]}
            yield World(controller, function, version, maxima)
        finally:
            if runtime is not None:
                runtime.stop()
            function.stop()


def _wait_job(function: FunctionProcess, version_id: int, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = function.get(f"/monitoring/outliers/{version_id}")
        if answer["status"] in ("SUCCESS", "FAILED"):
            assert answer["status"] == "SUCCESS", answer
            return answer
        time.sleep(0.2)
    raise AssertionError(f"outlier job not done:\n{function.output()[-3000:]}")


def _newest_check(world: World) -> dict[str, Any]:
    return world.function.get(f"/monitoring/checks/all/{world.version['id']}?limit=1")[0]


def test_the_detector_is_trained_uploaded_released_and_attached(world: World) -> None:
    job = world.function.get(f"/monitoring/outliers/{world.version['id']}")
    assert (job["profileStatus"], job["rows"], job["stage"]) == ("Success", 2000, "done")
    assert world.controller.profile_status(world.version["id"])["kind"] == "Success"
    detector = world.controller.version(job["metricModelVersionId"])
    assert (detector["model"]["name"], detector["status"]) == ("people_metric", "Released")
    [spec] = world.controller.specs(world.version["id"])
    assert spec["config"]["modelVersionId"] == detector["id"] and spec["config"]["thresholdCmpOperator"] == {
        "kind": "LessEq"}


def test_traffic_within_training_ranges_passes_its_checks(world: World) -> None:
    for row in rows(5, seed=1, spread=0.3):
        assert reply_of(world.function.post(inference_event(world.version, row))) is None
    doc = _newest_check(world)
    assert doc["_hs_score"] == 1.0
    auto_od = doc["_hs_metric_checks"]["auto_od"]
    assert (auto_od["status"], auto_od["check"]) == ("ok", True)


def test_out_of_range_values_fail_the_raw_checks(world: World) -> None:
    reply = reply_of(world.function.post(inference_event(world.version, {**rows(1, seed=2, spread=0.3)[0],
                                                                         "age": 500.0})))
    assert reply is not None and reply.get_type() == events.CHECK_FAILED
    alert = cloudevent_http.json_data(reply)
    assert alert["kind"] == "check"
    assert {"field": "age", "value": 500.0, "comparison": "LessEq"}.items() <= alert["failures"][0].items()


def test_outliers_within_the_ranges_fail_the_detector_metric(world: World) -> None:
    unusual = {name: MEANS[name] + 0.9 * (world.maxima[name] - MEANS[name]) for name in MEANS}
    reply = reply_of(world.function.post(inference_event(world.version, unusual)))
    assert reply is not None
    alert = cloudevent_http.json_data(reply)
    assert alert["kind"] == "metric" and [f["metric"] for f in alert["failures"]] == ["auto_od"]
    doc = _newest_check(world)
    assert doc["_hs_score"] == 1.0 and doc["_hs_outlier"] is True


def test_redelivering_an_event_changes_no_count(world: World) -> None:
    event = inference_event(world.version, rows(1, seed=3, spread=0.3)[0])
    first = world.function.post(event)
    before = world.function.get(f"/monitoring/summary/{world.version['id']}")["requests"]
    again = world.function.post(event)
    assert again.status_code == first.status_code
    assert world.function.get(f"/monitoring/summary/{world.version['id']}")["requests"] == before


def test_a_poison_event_does_not_stop_another_versions_events(world: World) -> None:
    other = world.controller.upload(f"other-{uuid.uuid4().hex[:6]}", contract(), batch_size=10)
    poison = inference_event(world.version, rows(1, seed=4)[0])
    data = cloudevent_http.json_data(poison)
    data["request"] = ["not", "an", "object"]
    refused = world.function.post(cloudevent_http.new_event(dict(poison.get_attributes()), json.dumps(data).encode()))
    assert refused.status_code == 400 and refused.json()["field"] == "data.request"
    assert reply_of(world.function.post(inference_event(other, rows(1, seed=5)[0]))) is None
    assert world.function.get(f"/monitoring/summary/{other['id']}")["requests"] == 1


def test_drift_in_two_of_six_features_is_flagged_exactly(world: World) -> None:
    served = world.function.get(f"/monitoring/summary/{world.version['id']}")["requests"]
    for row in rows((100 - served % 100) % 100, seed=6):  # complete the current batch first
        world.function.post(inference_event(world.version, row))
    for row in rows(100, seed=8, shifted=dict.fromkeys(DRIFTED, 1.5)):
        world.function.post(inference_event(world.version, row))
    alerts = []  # a ping runs the due batch work, then answers with one queued alert
    while (reply := reply_of(world.function.post(ping_event()))) is not None:
        alerts.append(cloudevent_http.json_data(reply))
    report = world.function.get(f"/stat/metrics?model_version_id={world.version['id']}")
    assert report["window"]["requests"] == 100 and report["trigger"] == "batch"
    assert report["drifted_features"] == list(DRIFTED)
    [alert] = [a for a in alerts if a.get("batch") == report["batch"]]
    assert alert["kind"] == "drift" and [f["field"] for f in alert["failures"]] == list(DRIFTED)


@pytest.fixture(autouse=True)
def _alive(world: World) -> Iterator[None]:
    yield
    world.function.alive()
