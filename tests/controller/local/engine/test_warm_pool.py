"""Warm pools: cold starts forked from a pre-imported runtime process, and the fallback to spawn."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from controller.desired_state import DesiredState
from controller.local.engine import LocalApplier
from controller.planner import plan
from tests.controller.local.engine.conftest import (
    DATABASE_URL,
    SECRET_VALUES,
    Models,
    engine_settings,
    new_broker,
    servable,
    with_retention,
)
from tests.controller.local.engine.support import Client, command_for, environ_of, host, wait_until
from tests.runtimes.conftest import IRIS_BATCH_CONTRACT

SERVICE = "mv-iris-1"


@pytest.fixture(scope="module")
def engine(models: Models, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApplier]:
    """An engine serving the LogisticRegression version, 1 s idle window, in an env holding a secret."""
    root = tmp_path_factory.mktemp("warm")
    state = DesiredState(servables=(servable(models, "iris", 1, "iris-1", IRIS_BATCH_CONTRACT),))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HYDRO_DATABASE_URL", DATABASE_URL)
        applier = LocalApplier(engine_settings(root), new_broker(root / "broker.db"), command_for,
                               env_sources={("secret", "hydro-artifacts"): SECRET_VALUES})
        applier.start()
        applier.apply(with_retention(plan(state), {SERVICE}, "1s"))
        try:
            yield applier
        finally:
            applier.stop()


@pytest.fixture(scope="module")
def client(engine: LocalApplier) -> Iterator[Client]:
    client = Client(engine.activator_address)
    yield client
    client.close()


def ready_pool(engine: LocalApplier) -> dict:
    return wait_until(lambda: next((p for p in engine.stats()["warm_pools"] if p["ready"]), None), timeout=60,
                      what="a ready warm pool")


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def cold_call(engine: LocalApplier, client: Client, models: Models) -> np.ndarray:
    wait_until(lambda: engine.workers(SERVICE) == [], timeout=30, what="scale to zero")
    return client.predict(host(SERVICE), {"features": models.features[:3]}).outputs["y"]


def test_a_cold_start_is_forked_by_the_warm_pool_and_answers(engine: LocalApplier, client: Client,
                                                              models: Models) -> None:
    pool = ready_pool(engine)
    classes = cold_call(engine, client, models)
    assert classes.tolist() == models.logreg.predict(models.features[:3]).tolist()
    [worker] = engine.workers(SERVICE)
    assert worker.forked
    assert parent_of(worker.pid) == pool["pid"]
    assert os.getpgid(worker.pid) == worker.pid  # its own process group, for kill and cleanup
    assert "sklearn.linear_model" in pool["preloaded"]


def test_a_forked_worker_has_the_minimal_environment(engine: LocalApplier, client: Client,
                                                     models: Models) -> None:
    ready_pool(engine)
    cold_call(engine, client, models)
    [worker] = engine.workers(SERVICE)
    assert worker.forked
    env = environ_of(worker.pid)
    assert "HYDRO_DATABASE_URL" not in env and "HYDRO_ZYGOTE_FD" not in env
    assert env["PORT"] == str(worker.port)
    assert env["HYDRO_S3_REGION"] == SECRET_VALUES["HYDRO_S3_REGION"]
    assert set(env) <= {"PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TMPDIR",
                        "TZ", "PYTHONPATH", "PORT", "HYDRO_MODEL_URI", "HYDRO_MODEL_CACHE", "HYDRO_RUNTIME_HOST",
                        "HYDRO_S3_REGION"}


def test_a_killed_forked_worker_is_detected_and_replaced(engine: LocalApplier, client: Client,
                                                         models: Models) -> None:
    ready_pool(engine)
    cold_call(engine, client, models)
    [worker] = engine.workers(SERVICE)
    os.kill(worker.pid, signal.SIGKILL)
    wait_until(lambda: worker.pid not in [w.pid for w in engine.workers(SERVICE)], timeout=10,
               what="the killed worker removed")
    last_error = engine.stats()["services"][SERVICE]["last_error"]
    assert f"worker {worker.id} exited with -9 (SIGKILL)" in last_error
    answer = client.predict(host(SERVICE), {"features": models.features[:1]})
    assert answer.outputs["y"].tolist() == models.logreg.predict(models.features[:1]).tolist()


def test_when_the_warm_pool_crashes_workers_are_spawned(engine: LocalApplier, client: Client,
                                                        models: Models) -> None:
    pool = ready_pool(engine)
    os.kill(pool["pid"], signal.SIGKILL)
    wait_until(lambda: not any(p["alive"] for p in engine.stats()["warm_pools"] if p["pid"] == pool["pid"]),
               timeout=10, what="the dead warm pool noticed")
    classes = cold_call(engine, client, models)
    assert classes.tolist() == models.logreg.predict(models.features[:3]).tolist()
    [worker] = engine.workers(SERVICE)
    assert not worker.forked
    assert parent_of(worker.pid) == os.getpid()
