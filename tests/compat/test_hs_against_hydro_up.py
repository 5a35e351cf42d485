"""The real `hs` 3.0.3 CLI and `hydrosdk` 3.0.3 against `hydro up`: apply, list, predict over gRPC."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from controller.demo.models import FEATURES, load_data, write_models
from tests.compat.conftest import ClientResult, RunHs
from tests.controller.local.up.up_process import UpProcess

pytestmark = pytest.mark.slow
PREDICT = """
import json
from hydrosdk.application import Application
from hydrosdk.cluster import Cluster

http, grpc_address, row = HTTP, GRPC, ROW
cluster = Cluster(http, grpc_address=grpc_address)
app = Application.find(cluster, "wine")
print(json.dumps({"status": str(app.status), "class": int(app.predictor().predict(row)["class"])}))
"""


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpProcess]:
    process = UpProcess(tmp_path_factory.mktemp("up"))
    process.start()
    yield process
    process.stop()


def test_hs_applies_lists_and_hydrosdk_predicts_over_grpc(up: UpProcess, run_hs: RunHs, run_sdk: object,
                                                          tmp_path: Path) -> None:
    data = load_data()
    folders = write_models(tmp_path / "models", data)
    assert run_hs("cluster", "add", "--name", "local", "--server", up.url).returncode == 0
    for folder in folders:
        applied: ClientResult = run_hs("apply", "-f", str(folder / "serving.yaml"), cwd=folder)
        assert applied.returncode == 0, applied.stdout + applied.stderr
    applied = run_hs("apply", "-f", str(tmp_path / "models" / "application.yaml"))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    up.wait_for(lambda: up.get("/api/v2/application/wine")["status"] == "Ready", "wine Ready", 180)
    listed = run_hs("app", "list")
    assert "wine" in listed.stdout, listed.stdout + listed.stderr
    assert "wine-classifier" in run_hs("model", "list").stdout
    row = {name: float(value) for name, value in zip(FEATURES, data.traffic_x[0], strict=True)}
    code = PREDICT.replace("HTTP, GRPC, ROW", f"{up.url!r}, {up.grpc_target!r}, {row!r}")
    result = run_sdk(code)  # type: ignore[operator]
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])  # hydrosdk may log above it
    assert answer["class"] in (0, 1, 2)
    assert int(data.traffic_y[0]) == answer["class"]
