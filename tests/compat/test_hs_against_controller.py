"""The real hs 3.0.3 CLI and hydrosdk 3.0.3 against Hydro's controller running under gunicorn.

`hs apply` of a Model with monitoring and training data, a DeploymentConfiguration and a
pipeline Application; the `hs` list commands; `hs app rm`; hydrosdk reading what hs created.
Then `hydro apply` of the same files into a fresh controller must give the same catalog.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.compat.conftest import ClientResult
from tests.conftest import free_port
from tests.controller.cli.project import write_project

RunHs = Callable[..., ClientResult]
STARTUP_TIMEOUT_S = 60
# hs adds these to every upload's and application's metadata: they describe the client, not the model.
CLIENT_METADATA_PREFIXES = ("hydrosphere.", "git.")


@dataclass(frozen=True)
class Controller:
    url: str
    home: Path


def start_controller(home: Path) -> Iterator[Controller]:
    """`gunicorn controller.wsgi:app` on a free port, with its own HYDRO_HOME; stopped afterwards."""
    port = free_port()
    env = {**os.environ, "HYDRO_HOME": str(home), "HYDRO_MAX_UPLOAD_BYTES": str(16 * 1024 * 1024)}
    env.pop("HYDRO_DATABASE_URL", None)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "-k", "gthread", "--threads", "16", "-w", "1", "-b", f"127.0.0.1:{port}",
         "--timeout", "120", "controller.wsgi:app"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield Controller(url, home)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"controller exited with {process.returncode}: {process.stderr.read()[-2000:]}")
        try:
            if requests.get(f"{url}/health", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"controller at {url} not healthy after {STARTUP_TIMEOUT_S}s")


@pytest.fixture
def controller(tmp_path: Path) -> Iterator[Controller]:
    yield from start_controller(tmp_path / "hs-home")


@pytest.fixture
def fresh_controller(tmp_path: Path) -> Iterator[Controller]:
    yield from start_controller(tmp_path / "hydro-home")


def _metadata(values: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if not k.startswith(CLIENT_METADATA_PREFIXES)}


def catalog_dump(url: str) -> dict[str, Any]:
    """The catalog as the API shows it, without ids, timestamps and client-added metadata."""
    get = lambda path: requests.get(f"{url}{path}", timeout=10).json()  # noqa: E731
    versions = get("/api/v2/model/version")
    refs = {v["id"]: f"{v['model']['name']}:{v['modelVersion']}" for v in versions}
    return {
        "versions": sorted(
            (refs[v["id"]], v["status"], v["runtime"]["name"], v["runtime"]["tag"], repr(v["modelSignature"]),
             repr(_metadata(v["metadata"])), v["monitoringConfiguration"]["batchSize"], v["installCommand"],
             tuple(v["applications"]), requests.get(f"{url}/monitoring/profiles/batch/{v['id']}/status",
                                                    timeout=10).json()["kind"])
            for v in versions),
        "applications": sorted(
            (a["name"], repr(_metadata(a["metadata"])), repr(a["signature"]),
             tuple(tuple((refs[m["modelVersionId"]], m["weight"], m["deploymentConfigurationName"])
                         for m in s["modelVariants"]) for s in a["executionGraph"]["stages"]))
            for a in get("/api/v2/application")),
        "configurations": get("/api/v2/deployment_configuration"),
        "metric_specs": sorted(
            (m["name"], refs[m["modelVersionId"]], refs[m["config"]["modelVersionId"]], m["config"]["threshold"],
             m["config"]["thresholdCmpOperator"]["kind"]) for m in get("/api/v2/monitoring/metricspec")),
    }


def hs_apply_project(run_hs: RunHs, controller: Controller, project: Path) -> None:
    added = run_hs("cluster", "add", "--name", "hydro", "--server", controller.url)
    assert added.returncode == 0, added.stderr
    models = run_hs("apply", "-f", str(project / "serving.yaml"))
    assert models.returncode == 0, models.stdout + models.stderr
    assert "Model iris-classifier:1 was applied successfully" in models.stdout
    assert "installing requirements" in models.stdout  # the build log, streamed by hs
    app = run_hs("apply", "-f", str(project / "zz-app.yaml"))
    assert app.returncode == 0, app.stdout + app.stderr
    assert "Application iris with id" in app.stdout


def test_hs_apply_list_rm_then_hydro_apply_gives_the_same_catalog(
    run_hs: RunHs, run_sdk: Callable[..., ClientResult], controller: Controller, fresh_controller: Controller,
    tmp_path: Path,
) -> None:
    project = write_project(tmp_path / "project")
    hs_apply_project(run_hs, controller, project)

    models = run_hs("model", "list")
    assert models.returncode == 0, models.stderr
    for name in ("iris-scaler", "iris-outliers", "iris-classifier"):
        assert name in models.stdout
    assert "Released" in models.stdout and "hydrosphere/serving-runtime-python-3.7:3.0.0" in models.stdout
    apps = run_hs("app", "list")
    assert apps.returncode == 0 and "iris" in apps.stdout.split()
    configs = run_hs("depconf", "list")
    assert configs.returncode == 0 and "small" in configs.stdout

    dump = catalog_dump(controller.url)
    assert [v[0] for v in dump["versions"]] == ["iris-classifier:1", "iris-outliers:1", "iris-scaler:1"]
    assert all(v[1] == "Released" for v in dump["versions"])
    assert dump["versions"][0][-1] == "Processing"  # training data recorded, profile pending
    assert dump["metric_specs"] == [("outliers", "iris-classifier:1", "iris-outliers:1", 0.5, "Greater")]
    assert dump["applications"][0][3] == ((("iris-scaler:1", 100, None),), (("iris-classifier:1", 100, "small"),))

    sdk = run_sdk(SDK_CHECK.replace("URL", controller.url))
    assert sdk.returncode == 0, sdk.stderr
    assert sdk.stdout.split() == ["Released", "outliers", "Processing", "iris", "2"]

    result = subprocess.run([str(Path(sys.executable).parent / "hydro"), "--server", fresh_controller.url,
                             "apply", "-f", str(project)], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert catalog_dump(fresh_controller.url) == dump

    removed = run_hs("app", "rm", "-y", "iris")
    assert removed.returncode == 0 and "Application is  deleted: iris" in removed.stdout
    assert requests.get(f"{controller.url}/api/v2/application", timeout=10).json() == []
    assert "iris" not in run_hs("app", "list").stdout.split()


SDK_CHECK = """
from hydrosdk import Cluster
from hydrosdk.application import Application
from hydrosdk.modelversion import DataUploadResponse, ModelVersion
from hydrosdk.monitoring import MetricSpec

cluster = Cluster("URL")
version = ModelVersion.find(cluster, "iris-classifier", 1)
version.lock_till_released(timeout=30)
print(version.status.value)
print(MetricSpec.find_by_modelversion(cluster, version.id)[0].name)
print(DataUploadResponse(cluster, version.id).get_status().value)
app = Application.find(cluster, "iris")
print(app.name)
print(len(app.execution_graph.stages))
"""
