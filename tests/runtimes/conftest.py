"""Fixtures for the runtime tests: small scikit-learn models trained here, and model folders."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
import yaml
from minio import Minio
from moto.server import ThreadedMotoServer
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from runtimes.settings import S3Settings
from tests.conftest import free_port

IRIS_BATCH_CONTRACT: dict[str, Any] = {
    "name": "predict",
    "inputs": {"features": {"shape": [-1, 4], "type": "double", "profile": "numerical"}},
    "outputs": {
        "y": {"shape": [-1], "type": "int64", "profile": "categorical"},
        "proba": {"shape": [-1, 3], "type": "double", "profile": "numerical"},
    },
}
IRIS_COLUMNS = ("sepal_length", "sepal_width", "petal_length", "petal_width")
IRIS_SCALAR_CONTRACT: dict[str, Any] = {
    "name": "predict",
    "inputs": {name: {"shape": "scalar", "type": "double"} for name in IRIS_COLUMNS},
    "outputs": {
        "y": {"shape": "scalar", "type": "int64"},
        "proba": {"shape": [3], "type": "double"},
    },
}

S3_BUCKET = "models"


@pytest.fixture(scope="session")
def iris() -> tuple[np.ndarray, np.ndarray]:
    data = load_iris()
    return data.data, data.target


@pytest.fixture(scope="session")
def logreg(iris: tuple[np.ndarray, np.ndarray]) -> LogisticRegression:
    return LogisticRegression(max_iter=500).fit(*iris)


@pytest.fixture(scope="session")
def forest(iris: tuple[np.ndarray, np.ndarray]) -> RandomForestClassifier:
    return RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0).fit(*iris)


def write_model_folder(
    root: Path, runtime: str, contract: dict[str, Any], files: dict[str, Any], name: str = "iris",
    version: int = 1,
) -> Path:
    """A controller-format model folder: model.json + files/ (values: text, bytes or an object to pickle)."""
    root.mkdir(parents=True, exist_ok=True)
    spec = {"name": name, "version": version, "runtime": runtime, "contract": contract}
    (root / "model.json").write_text(json.dumps(spec), encoding="utf-8")
    write_payload(root / "files", files)
    return root


def write_serving_yaml_folder(root: Path, runtime: str, contract: dict[str, Any], files: dict[str, Any]) -> Path:
    """A plain Hydrosphere model folder: serving.yaml next to the payload."""
    spec = {"kind": "Model", "name": "iris", "runtime": runtime, "install-command": "true", "contract": contract}
    write_payload(root, files)
    (root / "serving.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    return root


def write_payload(root: Path, files: dict[str, Any]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for relative, content in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_text(content, encoding="utf-8")
        elif isinstance(content, bytes):
            target.write_bytes(content)
        else:
            joblib.dump(content, target)


@pytest.fixture(scope="session")
def s3() -> Iterator[tuple[Minio, S3Settings]]:
    """A real S3-compatible HTTP server (moto) with an empty bucket `models`, and how to reach it."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    settings = S3Settings(endpoint=f"127.0.0.1:{port}", access_key="test", secret_key="test",
                          region="us-east-1")
    client = Minio(settings.endpoint, access_key="test", secret_key="test", secure=False, region="us-east-1")
    client.make_bucket(S3_BUCKET)
    yield client, settings
    server.stop()


def put_object(client: Minio, key: str, data: bytes) -> None:
    client.put_object(S3_BUCKET, key, io.BytesIO(data), len(data))
