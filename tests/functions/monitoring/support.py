"""Helpers for the monitoring tests: synthetic tabular data, events as their producers write them,
and a real controller (the manager API app served by werkzeug in a thread)."""

from __future__ import annotations

import csv
import io
import json
import tarfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import requests
import yaml
from cloudevents.core.base import BaseCloudEvent

from controller.api.app import create_app, open_catalog
from controller.api.context import EXTENSION
from controller.builds import BuildRunner
from controller.catalog import Catalog
from controller.relay import to_cloudevent
from controller.settings import AuthSettings, ControllerSettings, UploadLimits
from protos import cloudevent_http, events
from tests.controller.api.support import serve

FEATURES = ("age", "income", "hours", "score", "tenure", "visits")
MEANS = {"age": 40.0, "income": 50.0, "hours": 38.0, "score": 0.0, "tenure": 5.0, "visits": 12.0}
STDS = {"age": 10.0, "income": 8.0, "hours": 4.0, "score": 1.0, "tenure": 2.0, "visits": 3.0}
PYTHON_RUNTIME = "hydrosphere/serving-runtime-python-3.7:3.0.0"
SUM_MODEL = "def predict(**inputs):\n    return {'y': float(sum(float(v) for v in inputs.values()))}\n"
# A metric model: its value is the `age` input, so a spec `LessEq 100` fails for ages above 100.
AGE_METRIC = "def predict(age):\n    return {'value': float(age)}\n"


def contract(features: Sequence[str] = FEATURES) -> dict[str, Any]:
    """serving.yaml's contract: numerical double inputs and one output `y`."""
    inputs = {name: {"shape": "scalar", "type": "double", "profile": "numerical"} for name in features}
    return {"name": "predict", "inputs": inputs, "outputs": {"y": {"shape": "scalar", "type": "double"}}}


def rows(count: int, seed: int, shifted: dict[str, float] | None = None,
         features: Sequence[str] = FEATURES, spread: float = 1.0) -> list[dict[str, float]]:
    """Normal rows around MEANS; `shifted` adds that many standard deviations to a feature,
    `spread` scales the standard deviations (0.3: typical rows, close to the means)."""
    rng = np.random.default_rng(seed)
    shift = shifted or {}
    columns = {name: rng.normal(MEANS.get(name, 0.0) + shift.get(name, 0.0) * STDS.get(name, 1.0),
                                spread * STDS.get(name, 1.0), count) for name in features}
    return [{name: float(columns[name][i]) for name in features} for i in range(count)]


def write_csv(path: Path, data: Sequence[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(data[0]))
        writer.writeheader()
        writer.writerows(data)
    return path


def inference_event(version: dict[str, Any], request: dict[str, Any], *, response: dict[str, Any] | None = None,
                    error: dict[str, str] | None = None, event_id: str | None = None,
                    latency_ms: float = 5.0) -> BaseCloudEvent:
    """`dev.hydro.inference.completed` as functions/gateway/monitoring.py writes it."""
    moment = datetime.now(UTC)
    name, number = version["model"]["name"], version["modelVersion"]
    data = {"requestId": str(uuid.uuid4()), "application": None, "stage": 0, "servable": f"{name}-{number}",
            "modelName": name, "modelVersion": number, "modelVersionId": version["id"], "shadow": False,
            "latencyMs": latency_ms, "timestamp": cloudevent_http.rfc3339(moment), "request": request,
            "response": response if response is not None or error else {"y": float(sum(request.values()))},
            "error": error}
    attributes = {"id": event_id or str(uuid.uuid4()), "source": events.SOURCE_GATEWAY,
                  "type": events.INFERENCE_COMPLETED, "time": moment, "datacontenttype": "application/json",
                  events.EXT_STAGE: "0", events.EXT_MODEL: name, events.EXT_VERSION: str(number)}
    return cloudevent_http.new_event(attributes, json.dumps(data).encode("utf-8"))


def ping_event() -> BaseCloudEvent:
    return cloudevent_http.new_event({"id": str(uuid.uuid4()), "source": "/apis/v1/namespaces/hydro/pingsources/x",
                                      "type": "dev.knative.sources.ping", "datacontenttype": "application/json"},
                                     b'{"function": "monitoring"}')


def tarball(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def serving_folder(root: Path, name: str, contract_doc: dict[str, Any], func_main: str) -> Path:
    """A plain Hydrosphere model folder a runtime process can serve."""
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "src" / "func_main.py").write_text(func_main, encoding="utf-8")
    spec = {"kind": "Model", "name": name, "runtime": PYTHON_RUNTIME, "payload": ["src/"], "contract": contract_doc}
    (root / "serving.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    return root


def signature(contract_doc: dict[str, Any]) -> dict[str, Any]:
    def field(name: str, spec: dict[str, Any]) -> dict[str, Any]:
        dims = [] if spec.get("shape", "scalar") == "scalar" else spec["shape"]
        return {"name": name, "profile": spec.get("profile", "none").upper(), "shape": {"dims": dims},
                "dtype": "DT_" + {"double": "DOUBLE", "int64": "INT64", "string": "STRING"}[spec["type"]]}
    return {"signatureName": "predict", "inputs": [field(n, s) for n, s in contract_doc["inputs"].items()],
            "outputs": [field(n, s) for n, s in contract_doc["outputs"].items()]}


@dataclass
class Controller:
    """The manager API over a real catalog, served on a free port."""

    url: str
    catalog: Catalog
    settings: ControllerSettings

    def upload(self, name: str, contract_doc: dict[str, Any], func_main: str = SUM_MODEL, *, batch_size: int = 10,
               metadata: dict[str, str] | None = None) -> dict[str, Any]:
        meta = {"name": name, "runtime": {"name": PYTHON_RUNTIME.split(":")[0], "tag": "3.0.0"},
                "modelSignature": signature(contract_doc), "installCommand": None, "metadata": metadata or {},
                "monitoringConfiguration": {"batchSize": batch_size}}
        files: dict[str, tuple[str | None, str | bytes]] = {
            "metadata": (None, json.dumps(meta)), "payload": ("filename", tarball({"src/func_main.py": func_main}))}
        answer = requests.post(f"{self.url}/api/v2/model/upload", files=files, timeout=30)
        assert answer.status_code == 200, answer.text
        return self.wait_released(answer.json()["id"])

    def wait_released(self, version_id: int, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = requests.get(f"{self.url}/api/v2/model/version/{version_id}", timeout=10).json()
            if body["status"] != "Assembling":
                assert body["status"] == "Released", body
                return body
            time.sleep(0.05)
        raise AssertionError(f"model version {version_id} not released after {timeout}s")

    def metric_spec(self, version_id: int, metric_id: int, threshold: float, kind: str = "LessEq",
                    name: str = "age-check") -> dict[str, Any]:
        body = {"name": name, "modelVersionId": version_id,
                "config": {"modelVersionId": metric_id, "threshold": threshold, "thresholdCmpOperator": {"kind": kind}}}
        answer = requests.post(f"{self.url}/api/v2/monitoring/metricspec", json=body, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def upload_training(self, version_id: int, path: Path) -> BaseCloudEvent:
        """Upload the CSV as hydrosdk does; the catalog's `dev.hydro.trainingdata.uploaded` event."""
        with path.open("rb") as body:
            answer = requests.post(f"{self.url}/monitoring/profiles/batch/{version_id}", data=body, timeout=30)
        assert answer.status_code == 200, answer.text
        return self.training_event(answer.json()["id"])

    def training_event(self, data_id: int) -> BaseCloudEvent:
        """The catalog's outbox row for training data `data_id`, as the relay publishes it."""
        found = [e for e in self.catalog.events_since(0, 10_000) if e.type == events.TRAININGDATA_UPLOADED
                 and e.data["object"]["id"] == data_id]
        return to_cloudevent(found[-1])

    def profile_status(self, version_id: int) -> dict[str, Any]:
        return requests.get(f"{self.url}/monitoring/profiles/batch/{version_id}/status", timeout=10).json()

    def version(self, version_id: int) -> dict[str, Any]:
        return requests.get(f"{self.url}/api/v2/model/version/{version_id}", timeout=10).json()

    def specs(self, version_id: int) -> list[dict[str, Any]]:
        return requests.get(f"{self.url}/api/v2/monitoring/metricspec/modelversion/{version_id}",
                            timeout=10).json()


@contextmanager
def running_controller(home: Path, database_url: str = "") -> Iterator[Controller]:
    settings = ControllerSettings(home=home, database_url=database_url, build_workers=2,
                                  uploads=UploadLimits(max_upload_bytes=64 * 1024 * 1024),
                                  auth=AuthSettings(enabled=False))
    catalog = open_catalog(settings)
    app = create_app(settings, catalog, poll_seconds=0.05)
    server = serve(app)
    live = next(server)
    try:
        yield Controller(live.url, catalog, settings)
    finally:
        next(server, None)
        builds = app.extensions[EXTENSION].builds
        if isinstance(builds, BuildRunner):
            builds.shutdown(wait=True)
        catalog.database.dispose()
