"""`python -m functions` as a real process: CloudEvents in, idempotent effects, errors, --list."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port


def _start(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "functions"], text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, env={**os.environ, **env, "PORT": str(port),
                                                             "HYDRO_FUNCTION_HOST": "127.0.0.1"})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            if requests.get(f"{base}/health", timeout=5).ok:
                return process, base
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the function did not start")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def dead_letters(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else ""
    process, base = _start({"HYDRO_FUNCTION": "dead-letter", "HYDRO_HOME": str(tmp_path),
                            "HYDRO_FUNCTIONS_DATABASE_URL": url})
    yield base
    process.terminate()
    process.wait(20)


def _binary(event_id: str, event_type: str = "dev.hydro.inference.completed") -> dict[str, str]:
    return {"ce-id": event_id, "ce-source": "/test", "ce-type": event_type, "ce-specversion": "1.0",
            "Content-Type": "application/json"}


def test_events_are_processed_once_and_listed(dead_letters: str) -> None:
    for _ in range(3):  # the Broker may deliver the same event again
        sent = requests.post(dead_letters, data=json.dumps({"x": 1}), headers=_binary("e-1"), timeout=10)
        assert sent.status_code == 202, sent.text
    requests.post(dead_letters, data="{}", headers=_binary("e-2", "dev.hydro.check.failed"), timeout=10)
    items = requests.get(f"{dead_letters}/dead-letters", timeout=10).json()["items"]
    assert [item["event"]["id"] for item in items] == ["e-2", "e-1"]
    assert items[1]["event"]["data"] == {"x": 1}
    only = requests.get(f"{dead_letters}/dead-letters?type=dev.hydro.check.failed", timeout=10).json()
    assert [item["event"]["id"] for item in only["items"]] == ["e-2"]


def test_malformed_event_is_400_naming_the_attribute(dead_letters: str) -> None:
    headers = _binary("e-3")
    del headers["ce-source"]
    answer = requests.post(dead_letters, data="{}", headers=headers, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["field"] == "source"
    bad_limit = requests.get(f"{dead_letters}/dead-letters?limit=0", timeout=10)
    assert bad_limit.status_code == 400 and bad_limit.json()["field"] == "limit"


def test_list_and_unknown_function() -> None:
    listed = subprocess.run([sys.executable, "-m", "functions", "--list"], capture_output=True, text=True,
                            timeout=60, check=True)
    assert "dead-letter" in json.loads(listed.stdout)
    unknown = subprocess.run([sys.executable, "-m", "functions"], capture_output=True, text=True, timeout=60,
                             env={**os.environ, "HYDRO_FUNCTION": "nope"})
    assert unknown.returncode == 2
    assert "HYDRO_FUNCTION='nope' is not an available function" in unknown.stderr
