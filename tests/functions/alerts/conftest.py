"""Fixtures for the alerts tests: the function as a real `python -m functions` process, webhook
receivers, and CloudEvents as the monitoring function sends them."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.conftest import free_port
from tests.functions.alerts.receivers import Receiver

_ids = itertools.count(1)


def check_failed(model_version_id: int, *fields: str, kind: str = "check", value: float | None = 150.0,
                 model: str = "census", version: int = 2) -> dict[str, Any]:
    """The data of a `dev.hydro.check.failed` event with one failure per field."""
    subject = "metric" if kind == "metric" else "field"
    return {
        "modelVersionId": model_version_id, "modelName": model, "modelVersion": version, "kind": kind,
        "failures": [{subject: name, "value": value, "threshold": 120, "comparison": ">",
                      "message": f"{name} {value} > 120 (training max)"} for name in fields],
        "requestId": f"req-{next(_ids)}", "timestamp": "2024-05-01T10:00:00Z",
    }


def headers(event_id: str, event_type: str = "dev.hydro.check.failed", **extensions: str) -> dict[str, str]:
    """Binary-mode CloudEvent headers."""
    values = {"ce-id": event_id, "ce-source": "/hydro/functions/monitoring", "ce-type": event_type,
              "ce-specversion": "1.0", "Content-Type": "application/json"}
    values.update({f"ce-{name}": value for name, value in extensions.items()})
    return values


@dataclass
class AlertsProcess:
    """`python -m functions` serving the alerts function on a free port."""

    process: subprocess.Popen[str]
    url: str

    def send(self, event_id: str, data: Any, event_type: str = "dev.hydro.check.failed") -> requests.Response:
        body = data if isinstance(data, str) else json.dumps(data)
        return requests.post(self.url, data=body, headers=headers(event_id, event_type), timeout=10)

    def get(self, path: str) -> requests.Response:
        return requests.get(f"{self.url}{path}", timeout=10)

    def alerts(self, **params: Any) -> list[dict[str, Any]]:
        answer = requests.get(f"{self.url}/api/v2/alerts", params=params, timeout=10)
        assert answer.status_code == 200, answer.text
        return list(answer.json()["items"])

    def wait_until(self, condition: Any, timeout: float = 20.0, **params: Any) -> list[dict[str, Any]]:
        """The alerts listing, once `condition(listing)` holds."""
        deadline = time.monotonic() + timeout
        while True:
            items = self.alerts(**params)
            if condition(items) or time.monotonic() > deadline:
                return items
            time.sleep(0.05)

    def stop(self) -> str:
        """Stop the process; it must exit cleanly (status 0, no traceback)."""
        self.process.terminate()
        output, _ = self.process.communicate(timeout=20)
        assert self.process.returncode == 0 and "Traceback" not in output, output
        return output


def start_alerts(env: dict[str, str]) -> AlertsProcess:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "functions"], text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "HYDRO_FUNCTION": "alerts", "PORT": str(port), "HYDRO_FUNCTION_HOST": "127.0.0.1",
             "HYDRO_CONTROLLER_URL": "http://controller.test", **env})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.communicate()[0])
        try:
            if requests.get(f"{url}/health", timeout=1).ok:
                return AlertsProcess(process, url)
        except requests.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError("the alerts function did not start")


@pytest.fixture
def alertmanager() -> Iterator[Receiver]:
    receiver = Receiver("/am/api/v2/alerts", alertmanager=True).start()
    yield receiver
    receiver.close()


@pytest.fixture
def plain() -> Iterator[Receiver]:
    receiver = Receiver("/hooks/hydro").start()
    yield receiver
    receiver.close()
