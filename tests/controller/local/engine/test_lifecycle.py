"""Apply as a desired-set diff, restarts, min-scale, and stop: each test runs its own small engine."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import pytest

from controller.desired_state import DesiredState, FunctionSpec, ServableSpec
from controller.errors import InvalidResource
from controller.local.engine import LocalApplier
from controller.planner import Plan, plan
from controller.resources.deployment_configuration import DeploymentConfiguration
from protos import events
from tests.controller.local.engine.conftest import (
    SLOW_CONTRACT,
    SLOW_MAIN,
    Models,
    engine_settings,
    new_broker,
    servable,
)
from tests.controller.local.engine.support import (
    RECORDER_IMAGE,
    Client,
    RecordingSink,
    command_for,
    host,
    wait_until,
)
from tests.runtimes.conftest import write_model_folder

SLOW = "mv-slow-1"


@contextmanager
def engine(root: Path, sink: RecordingSink | None = None, **settings: object) -> Iterator[tuple[LocalApplier, Client]]:
    broker = new_broker(root / "broker.db")
    applier = LocalApplier(engine_settings(root, **settings), broker, command_for,
                           env_sources={("secret", "hydro-artifacts"): {},
                                        ("configMap", "hydro-settings"): {"RECORD_FILE": str(root / "records")}},
                           status_sink=sink)
    applier.start()
    client = Client(applier.activator_address)
    try:
        yield applier, client
    finally:
        client.close()
        applier.stop()


def slow_plan(models: Models, folder: str = "slow-1", config: DeploymentConfiguration | None = None,
              functions: tuple[FunctionSpec, ...] = ()) -> Plan:
    spec = servable(models, "slow", 1, folder, SLOW_CONTRACT)
    if config is not None:
        spec = ServableSpec(**{**spec.__dict__, "deployment_configuration": config})
    return plan(DesiredState(servables=(spec,), functions=functions))


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def call(client: Client, delay: float = 0.0) -> tuple[int, str]:
    answer = client.predict(host(SLOW), {"delay": delay})
    return int(answer.outputs["pid"]), answer.metadata["hydro-model-version"]


def test_applying_the_same_plan_again_changes_nothing(models: Models, tmp_path: Path) -> None:
    with engine(tmp_path) as (applier, client):
        the_plan = slow_plan(models)
        applier.apply(the_plan)
        pid, _ = call(client)
        applier.apply(the_plan)
        assert call(client)[0] == pid
        assert [w.pid for w in applier.workers(SLOW)] == [pid]


def test_a_changed_template_serves_the_new_revision_and_drains_the_old_one(models: Models, tmp_path: Path) -> None:
    write_model_folder(models.root / "slow-1-rebuilt", "hydro/runtime-python", SLOW_CONTRACT,
                       {"src/func_main.py": SLOW_MAIN}, name="slow", version=7)
    with engine(tmp_path) as (applier, client):
        applier.apply(slow_plan(models))
        old_pid, _ = call(client)
        old_revision = applier.workers(SLOW)[0].revision
        in_flight: list[tuple[int, str]] = []
        caller = threading.Thread(target=lambda: in_flight.append(call(client, delay=2.0)))
        caller.start()
        wait_until(lambda: any(w.in_flight for w in applier.workers(SLOW)), what="the slow call in flight")
        applier.apply(slow_plan(models, "slow-1-rebuilt"))
        assert call(client)[1] == "7"  # the new revision answers at once
        caller.join()
        assert in_flight == [(old_pid, "1")]  # the old revision finished its call before stopping
        wait_until(lambda: not alive(old_pid), timeout=10, what="the old revision's worker stopped")
        assert old_revision not in {w.revision for w in applier.workers(SLOW)}
        assert applier.stats()["services"][SLOW]["revision"] != old_revision


def test_removing_a_service_stops_its_workers(models: Models, tmp_path: Path) -> None:
    with engine(tmp_path) as (applier, client):
        applier.apply(slow_plan(models))
        pid, _ = call(client)
        applier.apply(plan(DesiredState()))
        wait_until(lambda: not alive(pid), timeout=10, what="the removed Service's worker stopped")
        assert applier.workers(SLOW) == []
        with pytest.raises(grpc.RpcError) as caught:
            call(client)
        assert caught.value.code() is grpc.StatusCode.NOT_FOUND


def test_min_scale_workers_always_run_and_a_crashed_one_is_replaced(models: Models, tmp_path: Path) -> None:
    config = DeploymentConfiguration.from_dict({"kind": "DeploymentConfiguration", "name": "one",
                                                "deployment": {"replicaCount": 1}})
    with engine(tmp_path) as (applier, _client):
        applier.apply(slow_plan(models, config=config))
        service = "mv-slow-1-one"
        first = wait_until(lambda: [w for w in applier.workers(service) if w.state == "ready"], what="min-scale")[0]
        time.sleep(1.5)  # past the 1 s idle window
        assert [w.pid for w in applier.workers(service)] == [first.pid]
        os.kill(first.pid, signal.SIGKILL)
        replacement = wait_until(lambda: [w for w in applier.workers(service) if w.pid != first.pid],
                                 what="a replacement without any request")[0]
        assert replacement.pid != first.pid
        assert "exited with -9 (SIGKILL)" in applier.stats()["services"][service]["last_error"]


def test_a_restart_does_not_verify_known_revisions_again(models: Models, tmp_path: Path) -> None:
    first_sink, second_sink = RecordingSink(), RecordingSink()
    with engine(tmp_path, first_sink) as (applier, _client):
        applier.apply(slow_plan(models))
        wait_until(lambda: (s := first_sink.last_service(SLOW)) and s.ready, what="verified")
    with engine(tmp_path, second_sink) as (applier, _client):
        applier.apply(slow_plan(models))
        status = second_sink.last_service(SLOW)
        assert status is not None and status.ready is True and status.replicas == 0
        assert applier.workers(SLOW) == []  # no verification worker


def test_an_invalid_plan_changes_nothing(models: Models, tmp_path: Path) -> None:
    good = slow_plan(models)
    route = {"apiVersion": "serving.knative.dev/v1", "kind": "Route",
             "metadata": {"name": "app-x-s0", "namespace": "hydro"},
             "spec": {"traffic": [{"revisionName": "mv-ghost-1-abcdef0", "percent": 100}]}}
    with engine(tmp_path) as (applier, _client):
        with pytest.raises(InvalidResource) as caught:
            applier.apply(Plan((*good.manifests, route), good.routing))
        assert caught.value.source == "Route hydro/app-x-s0"
        assert caught.value.path == "spec.traffic[0].revisionName"
        assert applier.stats()["services"] == {}


def test_stop_leaves_no_child_process(models: Models, tmp_path: Path) -> None:
    functions = (FunctionSpec("recorder", RECORDER_IMAGE, (events.CHECK_FAILED,)),)
    cut: list[grpc.RpcError] = []

    def long_call(client: Client) -> None:
        try:
            call(client, delay=30.0)
        except grpc.RpcError as exc:
            cut.append(exc)

    with engine(tmp_path, drain_seconds=1.0) as (applier, client):
        applier.apply(slow_plan(models, functions=functions))
        worker_pid, _ = call(client)
        function_pid = wait_until(lambda: applier.workers("fn-recorder"), what="the function process")[0].pid
        caller = threading.Thread(target=long_call, args=(client,))
        caller.start()
        wait_until(lambda: any(w.in_flight for w in applier.workers(SLOW)), what="a call in flight")
    caller.join()
    assert len(cut) == 1  # a call still running after the drain grace is cut, not left hanging
    assert not alive(worker_pid) and not alive(function_pid)
    assert children_of(os.getpid()) & {worker_pid, function_pid} == set()


def children_of(parent: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.add(int(stat.parent.name))
    return found
