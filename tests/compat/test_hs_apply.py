"""`hs apply` sends the documented upload, application and deployment-configuration requests."""

from __future__ import annotations

import io
import json
import tarfile
import textwrap
from pathlib import Path

import pytest

from tests.compat.conftest import RunHs
from tests.compat.payloads import application_json, model_version_json
from tests.compat.recorder import Recorder, Reply, json_reply, sse_reply

SERVING_YAML = """\
    kind: Model
    name: demo
    runtime: hydrosphere/serving-runtime-python-3.7:3.0.3
    install-command: pip install -r requirements.txt
    training-data: train.csv
    payload:
      - src/
      - requirements.txt
    contract:
      name: predict
      inputs:
        x:
          shape: scalar
          type: double
          profile: numerical
      outputs:
        y:
          shape: [-1]
          type: int64
          profile: none
    metadata:
      author: tests
    monitoring-configuration:
      batch-size: 10
    """


def write_model_folder(root: Path) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "src" / "func_main.py").write_text("def predict(x):\n    return {'y': [1]}\n")
    (root / "requirements.txt").write_text("numpy\n")
    (root / "train.csv").write_text("x,y\n1.0,1\n2.0,0\n")
    (root / "serving.yaml").write_text(textwrap.dedent(SERVING_YAML))
    return root / "serving.yaml"


APPLY_ROUTES: dict[tuple[str, str], Reply] = {
    ("POST", "/api/v2/model/upload"): json_reply(model_version_json(status="Assembling")),
    ("GET", "/api/v2/model/version/1/logs"): sse_reply([("Log", "Step 1/2 : FROM runtime"), ("Log", "Step 2/2")]),
    ("POST", "/monitoring/profiles/batch/1"): json_reply({}),
}


@pytest.mark.parametrize("recorder", [APPLY_ROUTES], indirect=True)
def test_hs_apply_model_uploads_streams_logs_and_sends_training_data(
    run_hs: RunHs, with_cluster: Recorder, tmp_path: Path
) -> None:
    serving_yaml = write_model_folder(tmp_path / "model")
    result = run_hs("apply", "-f", str(serving_yaml), cwd=tmp_path / "model")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "Step 2/2" in result.stdout
    assert with_cluster.calls() == [
        ("POST", "/api/v2/model/upload"),
        ("GET", "/api/v2/model/version/1/logs"),
        ("POST", "/monitoring/profiles/batch/1"),
    ]
    assert with_cluster.find("POST", "/monitoring/profiles/batch/1").body == b"x,y\n1.0,1\n2.0,0\n"


@pytest.mark.parametrize("recorder", [APPLY_ROUTES], indirect=True)
def test_upload_metadata_part_is_the_documented_json(run_hs: RunHs, with_cluster: Recorder, tmp_path: Path) -> None:
    serving_yaml = write_model_folder(tmp_path / "model")
    assert run_hs("apply", "-f", str(serving_yaml), cwd=tmp_path / "model").returncode == 0
    upload = with_cluster.find("POST", "/api/v2/model/upload")
    assert upload.content_type is not None and upload.content_type.startswith("multipart/form-data")
    assert json.loads(upload.form["metadata"]) == {
        "name": "demo",
        "runtime": {"name": "hydrosphere/serving-runtime-python-3.7", "tag": "3.0.3"},
        "modelSignature": {
            "signatureName": "predict",
            "inputs": [{"name": "x", "profile": "NUMERICAL", "shape": {"dims": []}, "dtype": "DT_DOUBLE"}],
            "outputs": [{"name": "y", "profile": "NONE", "shape": {"dims": [-1]}, "dtype": "DT_INT64"}],
        },
        "installCommand": "pip install -r requirements.txt",
        "metadata": {
            "hydrosphere.sdk.version": "3.0.3",
            "hydrosphere.cli.version": "3.0.3",
            "hydrosphere.protos.version": "3.0.3",
            "author": "tests",
        },
        "monitoringConfiguration": {"batchSize": 10},
    }


@pytest.mark.parametrize("recorder", [APPLY_ROUTES], indirect=True)
def test_upload_payload_part_is_a_tar_gz_of_the_payload_paths(
    run_hs: RunHs, with_cluster: Recorder, tmp_path: Path
) -> None:
    serving_yaml = write_model_folder(tmp_path / "model")
    assert run_hs("apply", "-f", str(serving_yaml), cwd=tmp_path / "model").returncode == 0
    filename, payload = with_cluster.find("POST", "/api/v2/model/upload").files["payload"]
    assert filename == "filename"
    with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as tar:
        names = sorted(tar.getnames())
    assert names == ["requirements.txt", "src", "src/func_main.py"]


APP_YAML = """\
    kind: Application
    name: demo-app
    pipeline:
      - - model: demo:3
          weight: 80
          deployment-config: big
        - model: demo:4
          weight: 20
      - - model: post:1
    """

APP_ROUTES: dict[tuple[str, str], Reply] = {
    ("GET", "/api/v2/model/version/demo/3"): json_reply(model_version_json(mv_id=1)),
    ("GET", "/api/v2/model/version/demo/4"): json_reply(model_version_json(mv_id=2)),
    ("GET", "/api/v2/model/version/post/1"): json_reply(model_version_json(mv_id=3)),
    ("POST", "/api/v2/application"): json_reply(application_json()),
}


@pytest.mark.parametrize("recorder", [APP_ROUTES], indirect=True)
def test_hs_apply_application_resolves_versions_then_creates(
    run_hs: RunHs, with_cluster: Recorder, tmp_path: Path
) -> None:
    (tmp_path / "app.yaml").write_text(textwrap.dedent(APP_YAML))
    result = run_hs("apply", "-f", str(tmp_path / "app.yaml"))
    assert result.returncode == 0, result.stderr + result.stdout
    assert "Application demo-app with id 5 was applied successfully" in result.stdout
    assert with_cluster.calls() == [
        ("GET", "/api/v2/model/version/demo/3"),
        ("GET", "/api/v2/model/version/demo/4"),
        ("GET", "/api/v2/model/version/post/1"),
        ("GET", "/api/v2/application/demo-app"),
        ("POST", "/api/v2/application"),
    ]
    assert with_cluster.find("POST", "/api/v2/application").json() == {
        "name": "demo-app",
        "kafkaStreaming": [],
        "executionGraph": {
            "stages": [
                {
                    "modelVariants": [
                        {"modelVersionId": 1, "weight": 80, "deploymentConfigName": "big"},
                        {"modelVersionId": 2, "weight": 20, "deploymentConfigName": None},
                    ]
                },
                {"modelVariants": [{"modelVersionId": 3, "weight": 100, "deploymentConfigName": None}]},
            ]
        },
        "metadata": {
            "hydrosphere.sdk.version": "3.0.3",
            "hydrosphere.cli.version": "3.0.3",
            "hydrosphere.protos.version": "3.0.3",
        },
    }


@pytest.mark.parametrize(
    "recorder",
    [{("GET", "/api/v2/application"): json_reply([application_json()])}],
    indirect=True,
)
def test_hs_app_list_parses_the_application_view(run_hs: RunHs, with_cluster: Recorder) -> None:
    result = run_hs("app", "list")
    assert result.returncode == 0, result.stderr
    assert result.stdout.replace("|", " ").split() == ["name", "----------", "demo-app"]


DEPCONF_YAML = """\
    kind: DeploymentConfiguration
    name: big
    hpa:
      minReplicas: 1
      maxReplicas: 4
      cpuUtilization: 70
    deployment:
      replicaCount: 2
    container:
      resources:
        limits: {cpu: "2", memory: 2G}
        requests: {cpu: "1", memory: 1G}
      env:
        MODE: fast
    pod:
      nodeSelector: {disk: ssd}
      tolerations:
        - key: gpu
          operator: Exists
          effect: NoSchedule
          tolerationSeconds: 30
    """


@pytest.mark.parametrize(
    "recorder", [{("POST", "/api/v2/deployment_configuration"): json_reply({"name": "big"})}], indirect=True
)
def test_hs_apply_deployment_configuration_posts_camel_case_json(
    run_hs: RunHs, with_cluster: Recorder, tmp_path: Path
) -> None:
    (tmp_path / "dc.yaml").write_text(textwrap.dedent(DEPCONF_YAML))
    result = run_hs("apply", "-f", str(tmp_path / "dc.yaml"))
    assert result.returncode == 0, result.stderr + result.stdout
    assert with_cluster.calls() == [("POST", "/api/v2/deployment_configuration")]
    assert with_cluster.find("POST", "/api/v2/deployment_configuration").json() == {
        "name": "big",
        "hpa": {"minReplicas": 1, "maxReplicas": 4, "cpuUtilization": 70},
        "pod": {
            "nodeSelector": {"disk": "ssd"},
            "tolerations": [
                {"operator": "Exists", "tolerationSeconds": 30, "key": "gpu", "value": None, "effect": "NoSchedule"}
            ],
            "affinity": None,
        },
        "container": {
            "resources": {"limits": {"cpu": "2", "memory": "2G"}, "requests": {"cpu": "1", "memory": "1G"}},
            "env": {"MODE": "fast"},
        },
        "deployment": {"replicaCount": 2},
    }
