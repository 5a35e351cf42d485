"""Durability: kill -9 a real broker process mid-delivery, restart it, lose nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.wrappers import Response

from controller.local.broker import codec
from tests.conftest import free_port
from tests.controller.local.broker.conftest import STORES, Subscriber, make_event, trigger_manifest

REPO = Path(__file__).resolve().parents[4]


class BrokerProcess:
    """`python -m controller.local.broker` as a child process."""

    def __init__(self, store_args: list[str], triggers: Path, log_file: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/default/hydro"
        command = [sys.executable, "-m", "controller.local.broker", *store_args, "--port", str(self.port),
                   "--triggers", str(triggers), "--broker", "hydro", "--poll-interval", "0.02",
                   "--delivery-timeout", "5"]
        with log_file.open("ab") as output:
            self.process = subprocess.Popen(command, cwd=REPO, stdout=output, stderr=subprocess.STDOUT)
        self._wait_ready(log_file)

    def _wait_ready(self, log_file: Path) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert self.process.poll() is None, log_file.read_text()
            try:
                requests.get(self.url + "/dead-letters", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise AssertionError(f"broker did not start: {log_file.read_text()}")

    def publish(self, event: Any) -> int:
        message = codec.to_binary(event)
        return requests.post(self.url, data=message.body, headers=message.headers, timeout=5).status_code

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(5)

    def terminate(self) -> int:
        self.process.terminate()
        return self.process.wait(15)


@pytest.fixture(params=STORES)
def store_args(request: pytest.FixtureRequest, tmp_path: Path) -> list[str]:
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        return ["--redis-url", url]
    return ["--db", str(tmp_path / f"broker-{uuid.uuid4().hex[:6]}.db")]


@pytest.fixture
def processes() -> Iterator[list[BrokerProcess]]:
    started: list[BrokerProcess] = []
    yield started
    for process in started:
        if process.process.poll() is None:
            process.kill()


def test_every_accepted_event_is_delivered_after_a_kill_9(
    store_args: list[str], tmp_path: Path, subscriber_factory: Callable[..., Subscriber],
    processes: list[BrokerProcess],
) -> None:
    subscriber = subscriber_factory(lambda _e, _n: (time.sleep(0.3), Response(status=202))[1])
    triggers = tmp_path / "triggers.json"
    triggers.write_text(json.dumps([trigger_manifest("slow", subscriber.url,
                                                     annotations={"hydro.dev/max-in-flight": "1"})]))
    log_file = tmp_path / "broker.log"
    processes.append(BrokerProcess(store_args, triggers, log_file))
    events = [make_event(data={"n": n}) for n in range(5)]
    assert [processes[0].publish(e) for e in events] == [202] * 5

    (in_flight,) = subscriber.wait_count(1)
    processes[0].kill()  # mid-delivery: the subscriber is still sleeping on the first event
    processes.append(BrokerProcess(store_args, triggers, log_file))

    published = {e.get_id() for e in events}
    received = subscriber.wait_for(lambda r: published <= {x.event.get_id() for x in r}, timeout=20)
    ids = [r.event.get_id() for r in received]
    duplicates = [i for i in set(ids) if ids.count(i) > 1]
    assert set(ids) == published
    assert duplicates == [in_flight.event.get_id()]  # at-least-once: the one in flight, redelivered
    processed = {r.event.get_id(): r.event.get_data() for r in received}  # the subscriber dedupes by id
    assert sorted(d["n"] for d in processed.values()) == [0, 1, 2, 3, 4]


def test_sigterm_stops_gracefully(
    store_args: list[str], tmp_path: Path, subscriber: Subscriber, processes: list[BrokerProcess]
) -> None:
    triggers = tmp_path / "triggers.json"
    triggers.write_text(json.dumps([trigger_manifest("all", subscriber.url)]))
    processes.append(BrokerProcess(store_args, triggers, tmp_path / "broker.log"))
    assert processes[0].publish(make_event()) == 202
    subscriber.wait_count(1)

    assert processes[0].terminate() == 0
