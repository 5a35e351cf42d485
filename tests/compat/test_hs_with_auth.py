"""The real `hs` 3.0.3 CLI and `hydrosdk` 3.0.3 against `hydro up` with authentication ON, unmodified:
the token rides in the cluster URL's userinfo (requests sends it as Basic auth); gRPC prediction
comes from a trusted address (HYDRO_AUTH_TRUSTED_ADDRESSES). See docs/api.md, Authentication."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.compat.conftest import RunHs
from tests.controller.local.up.up_process import UpProcess

pytestmark = pytest.mark.slow
MODEL = """\
kind: Model
name: doubler
runtime: hydrosphere/serving-runtime-python-3.7:3.0.0
payload: [src/]
contract:
  inputs: {x: {shape: scalar, type: double, profile: numerical}}
  outputs: {y: {shape: scalar, type: double, profile: numerical}}
---
kind: Application
name: doubler
singular: {model: "doubler:1"}
"""
SDK = """
import json
from hydrosdk.application import Application
from hydrosdk.cluster import Cluster
from hydrosdk.modelversion import ModelVersion

cluster = Cluster(HTTP, grpc_address=GRPC)
app = Application.find(cluster, "doubler")
version = ModelVersion.find(cluster, "doubler", 1)
print(json.dumps({"app": app.name, "version": version.version, "y": float(app.predictor().predict({"x": 2.0})["y"])}))
"""


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UpProcess]:
    process = UpProcess(tmp_path_factory.mktemp("up-auth-compat"),
                        {"HYDRO_AUTH": "enabled", "HYDRO_AUTH_TRUSTED_ADDRESSES": "127.0.0.1/32"})
    process.start()
    yield process
    process.stop()


def _with_token(url: str, token: str) -> str:
    return url.replace("http://", f"http://hydro:{token}@")


def test_hs_and_hydrosdk_with_the_token_in_the_url(up: UpProcess, run_hs: RunHs, run_sdk: object,
                                                   tmp_path: Path) -> None:
    token = (up.home / "admin-token").read_text().strip()
    project = tmp_path / "doubler"
    (project / "src").mkdir(parents=True)
    (project / "src" / "func_main.py").write_text("def predict(x):\n    return {'y': x * 2}\n")
    model, application = MODEL.split("---\n")
    (project / "serving.yaml").write_text(model)
    (tmp_path / "app.yaml").write_text(application)

    assert run_hs("cluster", "add", "--name", "anonymous", "--server", up.url).returncode == 0
    assert run_hs("cluster", "add", "--name", "local", "--server", _with_token(up.url, token)).returncode == 0
    assert run_hs("cluster", "use", "local").returncode == 0
    applied = run_hs("apply", "-f", str(project / "serving.yaml"), cwd=project)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    applied = run_hs("apply", "-f", str(tmp_path / "app.yaml"))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    admin = {"Authorization": f"Bearer {token}"}
    import requests

    up.wait_for(lambda: requests.get(f"{up.url}/api/v2/application/doubler", headers=admin, timeout=10)
                .json()["status"] == "Ready", "doubler Ready", 120)
    listed = run_hs("app", "list")
    assert "doubler" in listed.stdout, listed.stdout + listed.stderr
    assert run_hs("cluster", "use", "anonymous").returncode == 0
    refused = run_hs("app", "list")  # the same call without the token sees nothing
    assert "doubler" not in refused.stdout, refused.stdout

    code = SDK.replace("HTTP, grpc_address=GRPC", f"{_with_token(up.url, token)!r}, grpc_address={up.grpc_target!r}")
    result = run_sdk(code)  # type: ignore[operator]
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer == {"app": "doubler", "version": 1, "y": 4.0}
