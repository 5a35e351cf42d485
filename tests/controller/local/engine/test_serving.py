"""Model-version Services through the activator: real runtime processes, real gRPC."""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter
from collections.abc import Iterator

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.controller.local.engine.conftest import DATABASE_URL, SECRET_VALUES, Models, Running
from tests.controller.local.engine.support import Client, environ_of, host, wait_until

LOGREG = "mv-iris-1"
FOREST = "mv-iris-2"
SLOW = "mv-slow-1"
BROKEN = "mv-broken-1"


@pytest.fixture(scope="module")
def client(running: Running) -> Iterator[Client]:
    client = Client(running.engine.activator_address)
    yield client
    client.close()


def cold_starts(running: Running, service: str) -> int:
    return int(running.engine.stats()["services"][service]["cold_starts"]["count"])


def test_status_sink_sees_the_good_application_ready(running: Running) -> None:
    split = wait_until(lambda: (s := running.sink.last_application("split")) and s.ready is not None and s,
                       timeout=40, what="a decided status for the application split")
    assert split.ready is True, split.message
    service = running.sink.last_service(LOGREG)
    assert service is not None and service.ready is True
    assert service.labels["hydro.dev/model"] == "iris"


def test_a_request_scales_from_zero_and_is_held_until_served(running: Running, client: Client) -> None:
    wait_until(lambda: running.engine.workers(SLOW) == [], timeout=30, what="the verified worker scaled to zero")
    before = cold_starts(running, SLOW)
    answer = client.predict(host(SLOW), {"delay": 0.0})
    assert int(answer.outputs["pid"]) == running.engine.workers(SLOW)[0].pid
    assert answer.metadata == {"hydro-model": "slow", "hydro-model-version": "1"}
    assert cold_starts(running, SLOW) == before + 1


def test_a_route_splits_traffic_80_20_between_its_revisions(running: Running, client: Client,
                                                            models: Models) -> None:
    calls = 500
    versions = Counter(client.predict(host("app-split-s0"), {"features": models.features[:1]}).metadata[
        "hydro-model-version"] for _ in range(calls))
    assert set(versions) == {"1", "2"}
    # 500 draws at p = 0.8: one standard deviation is 1.8 points, so 7 points is ~4 sigma.
    assert abs(versions["1"] / calls - 0.8) < 0.07, versions


@pytest.mark.parametrize(("tag", "version"), [("v1", "1"), ("v2", "2")])
def test_a_tag_addresses_one_variant(running: Running, client: Client, models: Models, tag: str,
                                     version: str) -> None:
    answers = {client.predict(host(f"{tag}-app-split-s0"), {"features": models.features[:1]}).metadata[
        "hydro-model-version"] for _ in range(20)}
    assert answers == {version}


def test_the_idle_window_scales_to_zero_and_the_next_request_brings_it_back(running: Running,
                                                                           client: Client) -> None:
    first = int(client.predict(host(SLOW), {"delay": 0.0}).outputs["pid"])
    assert [w.pid for w in running.engine.workers(SLOW)] == [first]
    wait_until(lambda: running.engine.workers(SLOW) == [], timeout=10, what="scale to zero after 1 s idle")
    before = cold_starts(running, SLOW)
    second = int(client.predict(host(SLOW), {"delay": 0.0}).outputs["pid"])
    assert second != first
    assert cold_starts(running, SLOW) == before + 1


def test_a_retention_annotation_keeps_idle_workers_longer(running: Running, client: Client,
                                                          models: Models) -> None:
    client.predict(host(FOREST), {"features": models.features[:1]})
    pids = [w.pid for w in running.engine.workers(FOREST)]
    wait_until(lambda: running.engine.workers(SLOW) == [], timeout=10, what="the 1 s window of another Service")
    assert [w.pid for w in running.engine.workers(FOREST)] == pids  # 30 s retention


def test_concurrency_above_target_starts_another_worker_up_to_max_scale(running: Running, client: Client) -> None:
    seen: list[int] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.append(len(running.engine.workers(SLOW)))
            done.wait(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    results: list[int] = []
    callers = [threading.Thread(target=lambda: results.append(
        int(client.predict(host(SLOW), {"delay": 2.5}).outputs["pid"]))) for _ in range(4)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    done.set()
    watcher.join()
    assert len(results) == 4
    # Target 1 per worker and max-scale 2 (the plan's default): demand 4 asks for 2 workers, never 3.
    assert max(seen) == 2


def test_a_worker_killed_during_a_request_fails_it_clearly_and_is_replaced(running: Running,
                                                                         client: Client) -> None:
    errors: list[grpc.RpcError] = []

    def slow_call() -> None:
        try:
            client.predict(host(SLOW), {"delay": 20.0})
        except grpc.RpcError as exc:
            errors.append(exc)

    caller = threading.Thread(target=slow_call)
    caller.start()
    busy = wait_until(lambda: [w for w in running.engine.workers(SLOW) if w.in_flight > 0], timeout=30,
                      what="a worker busy with the slow call")
    os.kill(busy[0].pid, signal.SIGKILL)
    caller.join(timeout=10)
    assert errors and errors[0].code() is grpc.StatusCode.UNAVAILABLE
    assert errors[0].details() == (f"worker of {SLOW} exited with -9 (SIGKILL) during the request; "
                                   "it was not completed")
    pid = int(client.predict(host(SLOW), {"delay": 0.0}).outputs["pid"])
    assert pid != busy[0].pid


def test_a_model_that_fails_to_load_answers_unavailable_with_the_reason(running: Running, client: Client,
                                                                      models: Models) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        client.predict(host(BROKEN), {"features": models.features[:1]})
    assert caught.value.code() is grpc.StatusCode.UNAVAILABLE
    details = caught.value.details()
    assert BROKEN in details and "exited with 1" in details
    assert "no model.joblib" in details  # the runtime's own last log lines
    status = wait_until(lambda: (s := running.sink.last_service(BROKEN)) and s.ready is False and s,
                        what="a failed status for the broken Service")
    assert "exited with 1" in status.message
    app = wait_until(lambda: (a := running.sink.last_application("broken-app")) and a.ready is False and a,
                     what="a failed status for broken-app")
    assert "no model.joblib" in app.message


def test_repeated_start_failures_back_off_as_a_crash_loop(running: Running, client: Client,
                                                          models: Models) -> None:
    details = []
    for _ in range(2):
        with pytest.raises(grpc.RpcError) as caught:
            client.predict(host(BROKEN), {"features": models.features[:1]})
        assert caught.value.code() is grpc.StatusCode.UNAVAILABLE
        details.append(caught.value.details())
    # The second call comes within the backoff of the first one's failed start: no new attempt.
    assert f"service {BROKEN} is crash-looping" in details[1] and "next attempt in" in details[1]
    assert running.engine.stats()["services"][BROKEN]["crash_looping"] is True
    status = wait_until(lambda: (s := running.sink.last_service(BROKEN)) and "crash-looping" in s.message and s,
                        what="a crash-loop status")
    assert status.ready is False


def test_an_unknown_target_is_not_found(client: Client, models: Models) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        client.predict(host("app-nothing-s0"), {"features": models.features[:1]})
    assert caught.value.code() is grpc.StatusCode.NOT_FOUND
    assert host("app-nothing-s0") in caught.value.details()


def test_a_call_without_a_target_is_invalid(client: Client, models: Models) -> None:
    request = b""  # the activator never parses the body
    with pytest.raises(grpc.RpcError) as caught:
        client.channel.unary_unary("/hydrosphere.serving.runtime.PredictionService/Predict")(request, timeout=5)
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "hydro-target" in caught.value.details()


def test_the_worker_status_and_details_are_relayed(client: Client) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        client.predict(host(LOGREG), {"features": np.ones((2, 3))})
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "features" in caught.value.details()


def test_the_callers_deadline_propagates_to_the_worker(running: Running, client: Client) -> None:
    client.predict(host(SLOW), {"delay": 0.0})  # warm: the deadline must expire at the worker, not in the hold
    with pytest.raises(grpc.RpcError) as caught:
        client.predict(host(SLOW), {"delay": 5.0}, timeout=1.0)
    assert caught.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
    # The forwarded call carried the deadline: the engine gave up on it too, long before 5 s.
    wait_until(lambda: all(w.in_flight == 0 for w in running.engine.workers(SLOW)), timeout=1.5,
               what="the forwarded call cancelled")


def test_the_activator_answers_health_checks(client: Client) -> None:
    reply = health_pb2_grpc.HealthStub(client.channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_workers_never_see_the_controllers_environment(running: Running, client: Client, models: Models) -> None:
    assert os.environ["HYDRO_DATABASE_URL"] == DATABASE_URL  # the controller has it...
    client.predict(host(LOGREG), {"features": models.features[:1]})
    worker = running.engine.workers(LOGREG)[0]
    env = environ_of(worker.pid)
    assert "HYDRO_DATABASE_URL" not in env  # ...its model workers do not
    assert env["PORT"] == str(worker.port)
    assert env["HYDRO_MODEL_URI"] == str(models.root / "iris-1")
    assert env["HYDRO_MODEL_CACHE"] == str(running.settings.model_cache)
    assert env["HYDRO_S3_REGION"] == SECRET_VALUES["HYDRO_S3_REGION"]  # envFrom the artifacts Secret
    assert set(env) <= {"PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TMPDIR",
                        "TZ", "PYTHONPATH", "PORT", "HYDRO_MODEL_URI", "HYDRO_MODEL_CACHE", "HYDRO_RUNTIME_HOST",
                        "HYDRO_S3_REGION"}


def test_worker_output_goes_to_the_service_log_prefixed_with_the_worker_id(running: Running) -> None:
    lines = list(running.engine.logs.lines(LOGREG))
    assert any(line.startswith(f"[{LOGREG}-") and "gRPC listening" in line for line in lines)
