"""`hydro up` with authentication on (its default): admin token printed and kept 0600, scopes enforced
at the gateway's one address, and no token ever in a log."""

from __future__ import annotations

import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

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


def test_deploy_then_predict_with_a_predict_token(up: UpProcess, tmp_path: Path) -> None:
    up.hydro("--token", _admin(up), "apply", "-f", str(_project(tmp_path)))
    admin = {"Authorization": f"Bearer {_admin(up)}"}
    up.wait_for(lambda: requests.get(f"{up.url}/api/v2/application/doubler", headers=admin, timeout=10)
                .json()["status"] == "Ready", "application doubler Ready", 60)
    url = f"{up.url}/gateway/application/doubler"
    # Minted together: the gateway's one refresh for an unknown key id then learns both.
    read, predict = _token(up, "read"), _token(up, "predict")
    assert requests.post(url, json={"x": [1.0]}, timeout=30).status_code == 401
    assert requests.post(url, json={"x": [1.0]}, timeout=30,
                         headers={"Authorization": f"Bearer {read}"}).status_code == 403
    predicted = requests.post(url, json={"x": [1.5]}, timeout=60, headers={"Authorization": f"Bearer {predict}"})
    assert predicted.status_code == 200 and predicted.json() == {"y": [3.0]}


def test_no_token_in_any_log(up: UpProcess) -> None:
    secrets = [_admin(up).split("_", 2)[2]]
    for log in (up.home / "logs").rglob("*.log"):
        text = log.read_text(errors="replace")
        assert not any(secret in text for secret in secrets), log
