"""The automatic outlier detector of a model version, from training data to a working MetricSpec.

Train on the CSV (`functions.outliers`), write the model folder, upload it as the model version
`<model>_metric` exactly as `hs apply` does (multipart `payload` tar.gz + `metadata` JSON), wait
until the controller has built it (`Released`), then create the MetricSpec `auto_od`, which makes
the controller deploy the detector and the request checks start calling it. A spec of an earlier
detector of the same version is removed, so a version has one automatic detector.
"""

from __future__ import annotations

import tarfile
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from functions.monitoring.errors import JobFailed
from functions.monitoring.manager import ManagerApi, MetricSpecInfo, VersionInfo
from functions.monitoring.settings import DEFAULT_BATCH_SIZE, MonitoringSettings
from functions.monitoring.signature import contract_to_json
from functions.outliers import Detector, OutlierError, TrainingSettings, train_from_csv, write_detector_folder
from functions.outliers.folder import SERVING_YAML, metric_model_name
from protos.contract import Contract

AUTO_OD = "auto_od"
"""The name of the automatic detector's MetricSpec."""


def train(path: Path, info: VersionInfo, settings: TrainingSettings | None = None) -> Detector:
    try:
        return train_from_csv(path, info.contract, settings)
    except OutlierError as error:
        raise JobFailed(f"outlier detector for {info.model_name}:{info.version}: {error}") from None


def upload(manager: ManagerApi, detector: Detector, info: VersionInfo) -> VersionInfo:
    """Write the detector's folder and upload it; the new version is still building."""
    with tempfile.TemporaryDirectory(prefix="hydro-detector-") as scratch:
        folder = write_detector_folder(detector, Path(scratch) / metric_model_name(info.model_name),
                                       info.model_name, info.contract)
        spec = yaml.safe_load((folder / SERVING_YAML).read_text(encoding="utf-8"))
        tarball = _tarball(folder, spec["payload"], Path(scratch) / "payload.tar.gz")
        return manager.upload_model(tarball, upload_metadata(spec))


def upload_metadata(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The upload's `metadata` part for a `kind: Model` document, as hydrosdk builds it."""
    name, _, tag = str(spec["runtime"]).rpartition(":")
    runtime = {"name": name, "tag": tag} if name and "/" not in tag else {"name": spec["runtime"], "tag": "latest"}
    return {
        "name": spec["name"],
        "runtime": runtime,
        "modelSignature": contract_to_json(Contract.from_dict(spec["contract"])),
        "installCommand": None,
        "metadata": {str(k): str(v) for k, v in (spec.get("metadata") or {}).items()},
        "monitoringConfiguration": {"batchSize": DEFAULT_BATCH_SIZE},
    }


def await_release(manager: ManagerApi, version_id: int, settings: MonitoringSettings,
                  heartbeat: Callable[[], None]) -> VersionInfo:
    """Poll the uploaded version until it is Released; `JobFailed` when its build failed or took
    longer than `release_timeout_s`."""
    deadline = time.monotonic() + settings.release_timeout_s
    while True:
        version = manager.version(version_id)
        if version.status == "Released":
            return version
        if version.status == "Failed":
            raise JobFailed(f"detector model version {version.model_name}:{version.version} failed to build: "
                            f"{version.status_message or 'see its build log'}")
        if time.monotonic() > deadline:
            raise JobFailed(f"detector model version {version_id} still {version.status} after "
                            f"{settings.release_timeout_s:.0f} s")
        heartbeat()
        time.sleep(settings.release_poll_s)


def attach(manager: ManagerApi, info: VersionInfo, metric_version_id: int, report: Mapping[str, Any]) -> str:
    """Create (or find, after a restart) the `auto_od` spec of the detector; remove earlier ones."""
    existing = manager.metric_specs(info.id)
    spec = next((s for s in existing if s.metric_version_id == metric_version_id), None)
    if spec is None:
        spec = manager.create_metric_spec({
            "name": AUTO_OD, "modelVersionId": info.id,
            "config": {"modelVersionId": metric_version_id, "threshold": report["threshold"],
                       "thresholdCmpOperator": {"kind": report["comparison"]}},
        })
    for old in _earlier_detectors(existing, spec):
        manager.delete_metric_spec(old.id)
    return spec.id


def _earlier_detectors(existing: tuple[MetricSpecInfo, ...], current: MetricSpecInfo) -> list[MetricSpecInfo]:
    return [s for s in existing if s.name == AUTO_OD and s.id != current.id]


def _tarball(folder: Path, payload: list[str], target: Path) -> Path:
    with tarfile.open(target, "w:gz") as tar:
        for entry in payload:
            tar.add(folder / entry, arcname=entry)
    return target
