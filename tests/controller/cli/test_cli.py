"""The `hydro` CLI against a real running controller (HTTP on a free port)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from controller.catalog import Catalog
from controller.cli.main import cli
from tests.conftest import free_port
from tests.controller.api.support import LiveServer


def hydro(server: LiveServer | str, *args: str, stdin: str | None = None) -> Result:
    url = server if isinstance(server, str) else server.url
    return CliRunner().invoke(cli, ["--server", url, *args], input=stdin, catch_exceptions=False)


def as_json(server: LiveServer, *args: str) -> Any:
    result = hydro(server, "-o", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def applied(controller: LiveServer, project: Path) -> LiveServer:
    result = hydro(controller, "apply", "-f", str(project))
    assert result.exit_code == 0, result.output
    return controller


def test_apply_folder_creates_everything_in_dependency_order(applied: LiveServer, catalog: Catalog,
                                                            project: Path) -> None:
    versions = {v.ref: v for v in catalog.list_versions()}
    assert set(versions) == {"iris-scaler:1", "iris-outliers:1", "iris-classifier:1"}
    assert all(v.status == "Released" for v in versions.values())
    classifier = versions["iris-classifier:1"]
    assert classifier.metadata == {"team": "flowers"} and classifier.batch_size == 20
    assert catalog.store.exists("models/iris-classifier/1/files/classifier.joblib")
    assert catalog.store.exists("models/iris-classifier/1/files/src/func_main.py")
    assert "installing requirements" in catalog.build_log(classifier.id)
    [spec] = catalog.list_metric_specs(classifier.id)
    assert (spec.name, spec.monitor_model_version_id, spec.operator, spec.threshold) == (
        "outliers", versions["iris-outliers:1"].id, "Greater", 0.5)
    [data] = catalog.list_training_data(classifier.id)
    assert data.uri.endswith(".csv")
    [key] = catalog.store.list(f"training-data/{classifier.id}")
    assert catalog.store.read(key) == (project / "data" / "train.csv").read_bytes()
    [app] = catalog.list_applications()
    assert [[(v.model_name, v.deployment_configuration) for v in s.variants] for s in app.stages] == [
        [("iris-scaler", None)], [("iris-classifier", "small")]]
    assert app.metadata == {"owner": "tests"}
    assert [c.name for c in catalog.list_deployment_configurations()] == ["small"]


def test_apply_prints_progress_and_the_build_log(controller: LiveServer, project: Path) -> None:
    result = hydro(controller, "apply", "-f", str(project / "serving.yaml"))
    assert result.exit_code == 0, result.output
    assert "Uploading iris-classifier" in result.output
    assert "installing requirements" in result.output
    assert "Model version iris-classifier:1 Released" in result.output
    assert "Deployment configuration small applied" in result.output


def test_apply_again_updates_the_application_and_adds_versions(applied: LiveServer, catalog: Catalog,
                                                                project: Path) -> None:
    app_id = catalog.get_application("iris").id
    result = hydro(applied, "apply", "-f", str(project))
    assert result.exit_code == 0, result.output
    assert "Application iris updated" in result.output
    assert catalog.get_application("iris").id == app_id
    assert catalog.find_version("iris-classifier", 2).status == "Released"


def test_apply_from_stdin(controller: LiveServer, catalog: Catalog) -> None:
    result = hydro(controller, "apply", "-f", "-", stdin="kind: DeploymentConfiguration\nname: piped\n")
    assert result.exit_code == 0, result.output
    assert catalog.get_deployment_configuration("piped").name == "piped"


def test_lists_in_every_format(applied: LiveServer) -> None:
    versions = as_json(applied, "model", "list")
    assert sorted((v["model"]["name"], v["modelVersion"]) for v in versions) == [
        ("iris-classifier", 1), ("iris-outliers", 1), ("iris-scaler", 1)]
    assert [a["name"] for a in as_json(applied, "app", "list")] == ["iris"]
    assert [c["name"] for c in as_json(applied, "depconf", "list")] == ["small"]
    listed = yaml.safe_load(hydro(applied, "-o", "yaml", "depconf", "list").output)
    assert listed[0]["hpa"] == {"minReplicas": 1, "maxReplicas": 3, "cpuUtilization": 80}
    table = hydro(applied, "model", "list").output
    assert "iris-classifier" in table and "Released" in table and "iris" in table


def test_get_commands(applied: LiveServer) -> None:
    assert as_json(applied, "model", "get", "iris-classifier:1")["metadata"] == {"team": "flowers"}
    app = as_json(applied, "app", "get", "iris")
    assert len(app["executionGraph"]["stages"]) == 2
    table = hydro(applied, "app", "get", "iris").output
    assert "iris-scaler:1" in table and "small" in table
    assert as_json(applied, "depconf", "get", "small")["name"] == "small"


def test_model_logs_prints_the_build_log(applied: LiveServer) -> None:
    result = hydro(applied, "model", "logs", "iris-classifier:1")
    assert result.exit_code == 0 and "installing requirements" in result.output


def test_rm_commands(applied: LiveServer, catalog: Catalog) -> None:
    blocked = hydro(applied, "depconf", "rm", "small")
    assert blocked.exit_code == 1 and "used by application" in blocked.output
    assert hydro(applied, "app", "rm", "-y", "iris").exit_code == 0
    assert hydro(applied, "depconf", "rm", "small").exit_code == 0
    assert hydro(applied, "model", "rm", "-y", "iris-scaler").exit_code == 0
    assert catalog.list_applications() == [] and catalog.list_deployment_configurations() == []
    assert {v.model_name for v in catalog.list_versions()} == {"iris-classifier", "iris-outliers"}


def test_profile_push(applied: LiveServer, catalog: Catalog, project: Path) -> None:
    result = hydro(applied, "profile", "push", "iris-scaler:1", str(project / "data" / "train.csv"))
    assert result.exit_code == 0, result.output
    assert hydro(applied, "profile", "push", "iris-scaler:1", "s3://bucket/train.csv").exit_code == 0
    version = catalog.find_version("iris-scaler", 1)
    uris = [d.uri for d in catalog.list_training_data(version.id)]
    assert len(uris) == 2 and uris[1] == "s3://bucket/train.csv"


def write(folder: Path, text: str) -> Path:
    path = folder / "serving.yaml"
    path.write_text(text)
    return path


BAD_MODEL = """\
kind: DeploymentConfiguration
name: fine
---
kind: Model
name: bad
runtime: r:1
payload: [a.py]
contract:
  inputs: {age: {type: int65}}
  outputs: {y: {type: double}}
"""


@pytest.mark.parametrize(("text", "expected"), [
    (BAD_MODEL, "serving.yaml#2: contract.inputs.age.type: unknown type 'int65'"),
    ("kind: Model\nname: m\nruntime: r:1\npayload: [missing.py]\n"
     "contract: {inputs: {x: {type: double}}, outputs: {y: {type: double}}}\n",
     "serving.yaml#1: payload[0]: 'missing.py' does not exist"),
    ("kind: Model\nname: m\nruntime: r:1\npayload: [a.py]\ntraining-data: nope.csv\n"
     "contract: {inputs: {x: {type: double}}, outputs: {y: {type: double}}}\n",
     "serving.yaml#1: training-data: 'nope.csv' is not a file"),
    ("kind: Model\nname: m\nruntime: r:1\npayload: [a.py]\n"
     "monitoring: [{name: o, config: {monitoring-model: 'ghost:1'}}]\n"
     "contract: {inputs: {x: {type: double}}, outputs: {y: {type: double}}}\n",
     "serving.yaml#1: monitoring[0].config.monitoring-model: model version ghost:1 does not exist"),
    ("kind: Application\nname: app\nsingular: {model: 'ghost:2'}\n",
     "serving.yaml#1: singular.model: model version ghost:2 does not exist"),
    ("kind: Application\nname: app\npipeline: [[{model: 'a:1', weight: 60}]]\n",
     "serving.yaml#1: pipeline[0]: variant weights must sum to 100, got 60"),
    ("kind: Thing\nname: x\n", "serving.yaml#1: kind: must be one of"),
    ("kind: Model\n  bad: [yaml\n", "serving.yaml: not valid YAML"),
])
def test_errors_name_file_document_and_field(controller: LiveServer, catalog: Catalog, tmp_path: Path,
                                             text: str, expected: str) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    result = hydro(controller, "apply", "-f", str(write(tmp_path, text)))
    assert result.exit_code == 1
    assert expected in result.output.replace(str(tmp_path) + "/", "")
    assert "Traceback" not in result.output
    assert catalog.list_versions() == []


def test_configuration_conflict_names_the_document(controller: LiveServer, tmp_path: Path) -> None:
    assert hydro(controller, "apply", "-f", str(write(tmp_path, "kind: DeploymentConfiguration\nname: c\n"))
                 ).exit_code == 0
    changed = "kind: DeploymentConfiguration\nname: c\ndeployment: {replicaCount: 3}\n"
    result = hydro(controller, "apply", "-f", str(write(tmp_path, changed)))
    assert result.exit_code == 1 and "serving.yaml#1: deployment configuration c already exists" in result.output


def test_unreachable_controller_is_a_clean_error() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = hydro(url, "model", "list")
    assert result.exit_code == 1 and f"cannot reach the controller at {url}" in result.output


def test_unknown_objects_are_clean_errors(controller: LiveServer) -> None:
    result = hydro(controller, "app", "get", "ghost")
    assert result.exit_code == 1 and "application ghost not found" in result.output
    bad_ref = hydro(controller, "model", "get", "no-version")
    assert bad_ref.exit_code == 2 and "NAME:VERSION" in bad_ref.output


def test_predict_without_a_gateway_is_a_clean_error(controller: LiveServer) -> None:
    result = hydro(controller, "app", "predict", "iris", "-d", '{"features": [[1, 2, 3, 4]]}')
    assert result.exit_code == 1 and "cannot serve application 'iris'" in result.output
    url = f"http://127.0.0.1:{free_port()}"
    refused = hydro(url, "app", "predict", "iris", "-d", "{}")
    assert refused.exit_code == 1 and "cannot reach the controller" in refused.output
    malformed = hydro(controller, "app", "predict", "iris", "-d", "{oops")
    assert malformed.exit_code == 2 and "not valid JSON" in malformed.output


def test_console_script_runs_as_a_subprocess(applied: LiveServer) -> None:
    script = shutil.which("hydro", path=str(Path(sys.executable).parent))
    assert script, "the hydro console script is not installed in the test environment"
    env = {**os.environ, "HYDRO_SERVER": applied.url}
    result = subprocess.run([script, "-o", "json", "app", "list"], env=env, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert [a["name"] for a in json.loads(result.stdout)] == ["iris"]
    missing = subprocess.run([script, "depconf", "get", "ghost"], env=env, capture_output=True, text=True,
                             timeout=60, check=False)
    assert missing.returncode == 1 and "deployment configuration ghost not found" in missing.stderr
