"""The function host's one-process mode (`HYDRO_FUNCTION_WORKERS=0`, what `hydro up` runs): it serves
the same routes, idempotently, in a single process, and stops gracefully (requests in flight finish,
then the function is closed)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from cloudevents.core.base import BaseCloudEvent
from flask import Blueprint

from functions.host.in_process import InProcessServer
from functions.host.settings import FunctionSettings
from tests.conftest import free_port


def _headers(event_id: str) -> dict[str, str]:
    return {"ce-id": event_id, "ce-source": "/test", "ce-type": "dev.hydro.check.failed", "ce-specversion": "1.0",
            "Content-Type": "application/json"}


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def test_one_process_serves_idempotently_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "HYDRO_FUNCTION": "dead-letter", "HYDRO_HOME": str(tmp_path), "PORT": str(port),
           "HYDRO_FUNCTION_HOST": "127.0.0.1", "HYDRO_FUNCTION_WORKERS": "0", "HYDRO_FUNCTIONS_DATABASE_URL": ""}
    process = subprocess.Popen([sys.executable, "-m", "functions"], env=env, text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, process)
        for _ in range(3):  # a redelivered event changes nothing
            sent = requests.post(base, data=json.dumps({"n": 1}), headers=_headers("e-1"), timeout=10)
            assert sent.status_code == 202, sent.text
        items = requests.get(f"{base}/dead-letters", timeout=10).json()["items"]
        assert [item["event"]["id"] for item in items] == ["e-1"]
        assert _children(process.pid) == []  # no gunicorn master/worker pair: this process serves
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "finishing the requests in flight" in output


def _wait_healthy(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            if requests.get(f"{base}/health", timeout=1).ok:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError("the function did not start")


class _SlowFunction:
    """Holds each event until released; records its lifecycle."""

    name = "slow"

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls: list[str] = []

    def start(self) -> None:
        self.calls.append("start")

    def handle(self, event: BaseCloudEvent) -> BaseCloudEvent | None:
        self.entered.set()
        assert self.release.wait(30)
        self.calls.append(f"handled {event.get_id()}")
        return None

    def routes(self) -> Blueprint | None:
        return None

    def close(self) -> None:
        self.calls.append("close")


def test_stop_lets_the_request_in_flight_finish_then_closes(tmp_path: Path) -> None:
    function = _SlowFunction()
    server = InProcessServer(lambda: function, FunctionSettings(function="slow", port=0, host="127.0.0.1",
                                                                home=tmp_path))
    serving = threading.Thread(target=server.run)
    serving.start()
    deadline = time.monotonic() + 30
    while server.port is None and time.monotonic() < deadline:
        time.sleep(0.01)
    base = f"http://127.0.0.1:{server.port}"
    answers: list[int] = []
    sender = threading.Thread(target=lambda: answers.append(
        requests.post(base, data="{}", headers=_headers("slow-1"), timeout=30).status_code))
    sender.start()
    assert function.entered.wait(30)
    stopper = threading.Thread(target=server.stop)
    stopper.start()
    stopper.join(30)
    with pytest.raises(requests.ConnectionError):  # no longer accepting
        requests.get(f"{base}/health", timeout=5)
    assert function.calls == ["start"]  # not closed while the event is still being handled
    function.release.set()
    sender.join(30)
    serving.join(30)
    assert answers == [202]
    assert function.calls == ["start", "handled slow-1", "close"]
