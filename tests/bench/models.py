"""The benchmark's models and request payloads: trained here, saved with joblib, shared by every system.

Two scikit-learn classifiers on 20 float features (`lr`: LogisticRegression, `rf`: RandomForest with
100 trees). Each gets a plain folder (`model.joblib`, what every peer loads) and a Hydrosphere model
folder (`serving.yaml` with the contract `x: double[-1, 20] -> y: int64[-1]`, what Hydro serves).
`scaler` is the first stage of the two-stage pipeline: a python-runtime function that standardises x.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import yaml
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

FEATURES = 20
MODELS = ("lr", "rf")
RUNTIME = "hydro/runtime-sklearn:0.1.0"
SCALER_FUNC = '''"""Standardises x with the training mean and spread (stage 1 of the benchmark pipeline)."""
import numpy as np

MEAN = np.array({mean!r})
SCALE = np.array({scale!r})


def predict(x):
    return {{"x": (np.asarray(x, dtype=np.float64) - MEAN) / SCALE}}
'''


@dataclass(frozen=True)
class ModelFiles:
    """Where one model lives: the joblib file (peers) and the Hydrosphere folder (Hydro)."""

    name: str
    joblib_path: Path
    hydro_folder: Path


def train(root: Path, seed: int = 0, names: tuple[str, ...] = MODELS) -> dict[str, ModelFiles]:
    """Train the models `names` (and write the pipeline's scaler stage); reuse files already there."""
    matrix, labels = make_classification(4000, FEATURES, n_informative=8, random_state=seed)
    estimators: dict[str, Any] = {
        "lr": lambda: LogisticRegression(max_iter=1000).fit(matrix, labels),
        "rf": lambda: RandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=1).fit(matrix, labels),
    }
    files = {}
    for name in names:
        fit = estimators[name]
        folder = root / f"bench-{name}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "model.joblib"
        if not path.is_file():
            joblib.dump(fit(), path)
        (folder / "serving.yaml").write_text(_serving_yaml(f"bench-{name}", RUNTIME, ["model.joblib"], "y"))
        files[name] = ModelFiles(name, path, folder)
    files["scaler"] = _scaler(root / "bench-scaler", matrix)
    np.save(root / "rows.npy", matrix[:200])
    return files


def _scaler(folder: Path, matrix: np.ndarray) -> ModelFiles:
    (folder / "src").mkdir(parents=True, exist_ok=True)
    source = SCALER_FUNC.format(mean=matrix.mean(axis=0).round(6).tolist(), scale=matrix.std(axis=0).round(6).tolist())
    (folder / "src" / "func_main.py").write_text(source)
    (folder / "serving.yaml").write_text(_serving_yaml("bench-scaler", "hydro/runtime-python", ["src/"], "x"))
    return ModelFiles("scaler", folder / "src" / "func_main.py", folder)


def _serving_yaml(name: str, runtime: str, payload: list[str], output: str) -> str:
    outputs = {"y": {"shape": [-1], "type": "int64", "profile": "categorical"},
               "x": {"shape": [-1, FEATURES], "type": "double", "profile": "numerical"}}
    document = {
        "kind": "Model", "name": name, "runtime": runtime, "payload": payload,
        "contract": {"name": "predict",
                     "inputs": {"x": {"shape": [-1, FEATURES], "type": "double", "profile": "numerical"}},
                     "outputs": {output: outputs[output]}},
    }
    return yaml.safe_dump(document, sort_keys=False)


def rows(root: Path, count: int) -> np.ndarray:
    """`count` rows of real feature values (the first training rows, repeated if needed)."""
    saved = np.load(root / "rows.npy")
    return np.resize(saved, (count, FEATURES)).astype(np.float64)


def hydrosphere_json(matrix: np.ndarray) -> bytes:
    return json.dumps({"x": matrix.tolist()}).encode()


def v2_json(model: str, matrix: np.ndarray) -> bytes:
    """Open Inference Protocol (KServe V2 / MLServer) REST body."""
    tensor = {"name": "x", "shape": list(matrix.shape), "datatype": "FP64", "data": matrix.ravel().tolist()}
    return json.dumps({"id": model, "inputs": [tensor]}).encode()


def v1_json(matrix: np.ndarray) -> bytes:
    """KServe V1 (TensorFlow Serving style) body."""
    return json.dumps({"instances": matrix.tolist()}).encode()
