"""Kill -9 `hydro up` during a deployment and start it again on the same home: a build in progress
is run again to the end, a rollout in progress completes, nothing stays pending, and the catalog
agrees with what serves."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
import requests
import yaml

from tests.controller.local.up.up_process import HYDRO, UpProcess
from tests.reliability import harness
from tests.reliability.conftest import StartUp

pytestmark = pytest.mark.timeout(600)

PENDING = {"Assembling", "Starting", "Pending", "Deploying", "Updating"}
BUILD_SECONDS = 8


def _kill_and_restart(up: UpProcess) -> None:
    assert up.process is not None
    up.process.send_signal(signal.SIGKILL)
    up.process.wait(30)
    up.start()  # same home, same ports: the killed one's children must be gone


def _version_status(up: UpProcess, version: int) -> str:
    return str(up.get(f"/api/v2/model/version/{harness.MODEL}/{version}")["status"])


def _slow_build(folder: Path) -> Path:
    """Version 2 of the model, with an install-command that takes a while."""
    harness.write_classifier(folder)
    serving = yaml.safe_load((folder / "serving.yaml").read_text())
    serving["install-command"] = f"sleep {BUILD_SECONDS}"
    (folder / "serving.yaml").write_text(yaml.safe_dump(serving, sort_keys=False))
    return folder


def test_controller_killed_mid_build_and_mid_rollout_recovers_on_its_own(start_up: StartUp, tmp_path: Path) -> None:
    up = start_up()
    harness.deploy(up, tmp_path / "models")

    apply = subprocess.Popen([HYDRO, "--server", up.url, "apply", "-f", str(_slow_build(tmp_path / "v2"))],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        up.wait_for(lambda: _version_status(up, 2) == "Assembling", "version 2 building", 60)
        _kill_and_restart(up)
    finally:
        apply.kill()
        apply.wait()
    up.wait_for(lambda: _version_status(up, 2) == "Released", "the interrupted build done after the restart", 180)

    up.hydro("apply", "-f", str(harness.application_yaml(tmp_path, version=2)))
    _kill_and_restart(up)  # the rollout to version 2 had only just begun
    harness.wait_ready(up)
    answer = requests.post(f"{up.url}/gateway/application/{harness.APPLICATION}", json=harness.wine_rows()[0],
                           timeout=60)
    assert answer.status_code == 200, answer.text
    assert f"{harness.MODEL}:2" in answer.headers["X-Hydro-Served-By"]

    versions = {v["modelVersion"]: v["status"] for v in up.get("/api/v2/model/version")
                if v["model"]["name"] == harness.MODEL}
    assert versions == {1: "Released", 2: "Released"}
    application = up.get(f"/api/v2/application/{harness.APPLICATION}")
    assert [v["modelVersionId"] for v in application["executionGraph"]["stages"][0]["modelVariants"]] == [
        harness.version_id(up, 2)]
    servables = up.get("/api/v2/servable")
    assert [s["fullName"] for s in servables if s["status"] in PENDING] == []
