"""PostgreSQL (catalog and functions' store) and Redis (the Broker's stream) cut for ~5 s under
traffic, each behind a `FaultProxy`: what needs the missing dependency answers a clear 503 quickly
(never a 500, never a hang), predictions keep being accepted, nothing accepted is lost or counted
twice, and everything recovers without a manual step."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from protos import cloudevent_http
from tests.controller.local.up.up_process import UpProcess
from tests.reliability import harness
from tests.reliability.conftest import StartUp
from tests.reliability.fault_proxy import FaultProxy

pytestmark = pytest.mark.timeout(600)

OUTAGE_S = 5.0
PROBE_TIMEOUT_S = 15.0
"""An answer slower than this during the outage counts as a hang."""

Probe = Callable[[UpProcess], requests.Response]


def _catalog_read(up: UpProcess) -> requests.Response:
    return requests.get(f"{up.url}/api/v2/model", timeout=PROBE_TIMEOUT_S)


def _broker_ingress(up: UpProcess) -> requests.Response:
    event = cloudevent_http.new_event({"type": "dev.hydro.reliability.probe", "source": "tests/reliability",
                                       "id": uuid.uuid4().hex}, {"probe": True})
    message = cloudevent_http.to_binary(event)
    return requests.post(f"{up.url}/broker/hydro/hydro", data=message.body, headers=dict(message.headers),
                         timeout=PROBE_TIMEOUT_S)


def _outage(up: UpProcess, proxy: FaultProxy, probe: Probe) -> list[int]:
    """Cut the dependency for OUTAGE_S seconds, probing the API that needs it; the probes' statuses."""
    statuses = []
    proxy.cut()
    until = time.monotonic() + OUTAGE_S
    try:
        while time.monotonic() < until:
            try:
                statuses.append(probe(up).status_code)
            except requests.Timeout:
                statuses.append(-1)  # a hang
            time.sleep(0.5)
    finally:
        proxy.restore()
    return statuses


def _run(up: UpProcess, proxy: FaultProxy, probe: Probe, store: str, models: Path) -> None:
    version = harness.deploy(up, models)
    assert probe(up).status_code < 300
    load = harness.start_load(up, rate=30, seconds=OUTAGE_S + 10)
    time.sleep(3)
    during = _outage(up, proxy, probe)
    result = load.result(timeout=180)

    assert during and set(during) == {503}, during
    up.wait_for(lambda: probe(up).status_code < 300, "the API answering again", 60)
    assert set(result.statuses) == {200}, result.statuses
    stored = harness.wait_drained(up, store, version, set(result.accepted), timeout=180)
    assert set(result.accepted) - set(stored) == set()
    assert [rid for rid, count in stored.items() if count > 1] == []
    assert harness.summary_requests(up, version) == sum(stored.values())
    assert harness.predict(up.url, harness.wine_rows()[0], "after-outage") == 200


@pytest.mark.postgres
def test_postgres_cut_gives_503_then_recovers_losing_nothing(
        start_up: StartUp, tmp_path: Path, postgres_proxy: tuple[FaultProxy, str]) -> None:
    proxy, url = postgres_proxy
    up = start_up({"HYDRO_DATABASE_URL": url})
    direct = url.replace(f":{proxy.port}/", ":5432/")  # the test reads the store around the proxy
    _run(up, proxy, _catalog_read, direct, tmp_path / "models")


@pytest.mark.redis
def test_redis_cut_gives_503_then_recovers_losing_nothing(
        start_up: StartUp, tmp_path: Path, redis_proxy: tuple[FaultProxy, str]) -> None:
    proxy, url = redis_proxy
    up = start_up({"HYDRO_REDIS_URL": url})
    _run(up, proxy, _broker_ingress, harness.sqlite_store(tmp_path), tmp_path / "models")
