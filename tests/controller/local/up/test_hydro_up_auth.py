"""`hydro up` with authentication on (its default): admin token printed and kept 0600, scopes enforced
at the gateway's one address, and no token ever in a log."""

from __future__ import annotations

import json
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from protos import cloudevent_http, events
from tests.controller.local.up.up_process import HYDRO, UpProcess

MODEL = """\
kind: Model
name: doubler
runtime: hydrosphere/serving-runtime-python-3.7:3.0.0
payload: [src/]
contract:
  inputs: {x: {shape: [-1], type: double, profile: numerical}}
  outputs: {y: {shape: [-1], type: double, profile: numerical}}
---
kind: Application
name: doubler
singular: {model: "doubler:1"}
"""


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpProcess]:
    home = tmp_path_factory.mktemp("up-auth")
    process = UpProcess(home, {"HYDRO_AUTH": "enabled"})
    process.start()
    yield process
    process.stop()


def _admin(up: UpProcess) -> str:
    return (up.home / "admin-token").read_text().strip()


def _token(up: UpProcess, *scopes: str) -> str:
    answer = requests.post(f"{up.url}/api/v2/auth/tokens", json={"name": "e2e", "scopes": list(scopes)},
                           headers={"Authorization": f"Bearer {_admin(up)}"}, timeout=30)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["token"])


def _project(root: Path) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "src" / "func_main.py").write_text("def predict(x):\n    return {'y': x * 2}\n")
    (root / "serving.yaml").write_text(MODEL)
    return root / "serving.yaml"


def test_admin_token_is_printed_and_private(up: UpProcess) -> None:
    path = up.home / "admin-token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _admin(up) in up.output()


def test_api_needs_a_token(up: UpProcess) -> None:
    assert requests.get(f"{up.url}/api/v2/model", timeout=30).status_code == 401
    assert requests.get(f"{up.url}/health", timeout=30).status_code == 200


def test_upload_with_read_token_is_403(up: UpProcess, tmp_path: Path) -> None:
    result = subprocess.run([HYDRO, "--server", up.url, "--token", _token(up, "read"), "apply", "-f",
                             str(_project(tmp_path))], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "needs scope deploy" in result.stdout + result.stderr


@pytest.fixture(scope="module")
def doubler(up: UpProcess, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The `doubler` application, deployed with the admin token and Ready."""
    up.hydro("--token", _admin(up), "apply", "-f", str(_project(tmp_path_factory.mktemp("doubler"))))
    admin = {"Authorization": f"Bearer {_admin(up)}"}
    up.wait_for(lambda: requests.get(f"{up.url}/api/v2/application/doubler", headers=admin, timeout=10)
                .json()["status"] == "Ready", "application doubler Ready", 60)
    return "doubler"


def test_deploy_then_predict_with_a_predict_token(up: UpProcess, doubler: str) -> None:
    url = f"{up.url}/gateway/application/doubler"
    # Minted together: the gateway's one refresh for an unknown key id then learns both.
    read, predict = _token(up, "read"), _token(up, "predict")
    assert requests.post(url, json={"x": [1.0]}, timeout=30).status_code == 401
    assert requests.post(url, json={"x": [1.0]}, timeout=30,
                         headers={"Authorization": f"Bearer {read}"}).status_code == 403
    predicted = requests.post(url, json={"x": [1.5]}, timeout=60, headers={"Authorization": f"Bearer {predict}"})
    assert predicted.status_code == 200 and predicted.json() == {"y": [3.0]}


def test_async_inference_runs_its_sequence_without_a_token(up: UpProcess, doubler: str) -> None:
    # The engine's Sequence calls the gateway's step as Knative's dispatcher would, with no token:
    # the step pass on the gateway's own event is what admits it.
    headers = {"ce-specversion": "1.0", "ce-id": "async-1", "ce-source": "/e2e", "ce-type": events.PREDICTION_REQUEST,
               "ce-hydroapp": doubler, "Content-Type": "application/json",
               "Authorization": f"Bearer {_token(up, 'predict')}"}
    # A token minted a moment ago reaches the gateway with its next verifiers poll.
    answer = up.wait_for(lambda: (a := requests.post(f"{up.url}/gateway/cloudevents", data=json.dumps({"x": [2.0]}),
                                                     headers=headers, timeout=30)).status_code != 401 and a,
                         "the new token known to the gateway", 30)
    assert answer.status_code == 202, answer.text
    reply = up.wait_for(lambda: _prediction_response(up.home, "async-1"), "the Sequence's prediction.response", 90)
    assert reply == {"y": [4.0]}


def _prediction_response(home: Path, request_id: str) -> object:
    with sqlite3.connect(home / "broker.db") as db:
        payloads = [row[0] for row in db.execute("SELECT payload FROM events ORDER BY seq")]
    for event in map(cloudevent_http.decode, payloads):
        if (event.get_type() == events.PREDICTION_RESPONSE
                and event.get_attributes().get(events.EXT_REQUEST_ID) == request_id):
            return cloudevent_http.json_data(event)
    return None


def test_no_token_in_any_log(up: UpProcess) -> None:
    secrets = [_admin(up).split("_", 2)[2]]
    for log in (up.home / "logs").rglob("*.log"):
        text = log.read_text(errors="replace")
        assert not any(secret in text for secret in secrets), log
