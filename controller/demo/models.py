"""Trains the demo's models on scikit-learn's wine data and writes them as Hydrosphere model folders.

Stage 1 is a python-runtime model (`wine-scaler`: standardises the 13 features); stage 2 has two
versions of `wine-classifier` (1: logistic regression, 2: random forest) to split traffic across.
Each folder holds a `serving.yaml`, the payload and the training data as CSV.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import yaml
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

FEATURES = (
    "alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
    "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280_od315", "proline",
)
SCALER_FUNC = f'''"""Standardises the wine features with the scaler fitted on the training data."""
import joblib
import numpy as np

FEATURES = {FEATURES!r}
scaler = joblib.load("scaler.joblib")


def predict(**inputs):
    row = np.array([[float(inputs[name]) for name in FEATURES]])
    scaled = scaler.transform(row)[0]
    return {{name: scaled[i] for i, name in enumerate(FEATURES)}}
'''


@dataclass(frozen=True)
class DemoData:
    """Training rows, and held-out rows for traffic (plain and with two features shifted)."""

    train_x: np.ndarray
    train_y: np.ndarray
    traffic_x: np.ndarray
    traffic_y: np.ndarray
    drifted_x: np.ndarray


def load_data(seed: int = 7) -> DemoData:
    data = load_wine()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(data.target))
    x, y = data.data[order], data.target[order]
    train, rest = x[:130], x[130:]
    drifted = rest.copy()
    drifted[:, 0] += 3 * x[:, 0].std()  # alcohol
    drifted[:, 9] *= 2.5  # colour intensity
    return DemoData(train, y[:130], rest, y[130:], drifted)


def write_models(root: Path, data: DemoData) -> list[Path]:
    """Write the three model folders and one file with the application and return their paths."""
    scaler = StandardScaler().fit(data.train_x)
    scaled = scaler.transform(data.train_x)
    logistic = LogisticRegression(max_iter=500).fit(scaled, data.train_y)
    forest = RandomForestClassifier(n_estimators=50, random_state=0).fit(scaled, data.train_y)
    # Each model's training data is what that model sees: raw features for the scaler, scaled ones
    # for the classifiers (their inputs are the scaler's outputs).
    scaler_dir = _model_folder(root / "wine-scaler", data.train_x, data.train_y)
    (scaler_dir / "src").mkdir()
    (scaler_dir / "src" / "func_main.py").write_text(SCALER_FUNC)
    joblib.dump(scaler, scaler_dir / "scaler.joblib")
    scaled_outputs = {name: ("double", "numerical") for name in FEATURES}
    (scaler_dir / "serving.yaml").write_text(_serving_yaml(
        "wine-scaler", "hydrosphere/serving-runtime-python-3.7:3.0.0", ["src/", "scaler.joblib"], scaled_outputs
    ))
    folders = [scaler_dir]
    for version, model in ((1, logistic), (2, forest)):
        folder = _model_folder(root / f"wine-classifier-v{version}", scaled, data.train_y)
        joblib.dump(model, folder / "model.joblib")
        (folder / "serving.yaml").write_text(_serving_yaml(
            "wine-classifier", "hydro/runtime-sklearn:0.1.0", ["model.joblib"], {"class": ("int64", "categorical")}
        ))
        folders.append(folder)
    (root / "application.yaml").write_text(APPLICATION_YAML)
    return folders


APPLICATION_YAML = """kind: Application
name: wine
pipeline:
  - - model: wine-scaler:1
  - - model: wine-classifier:1
      weight: 80
    - model: wine-classifier:2
      weight: 20
"""


def _model_folder(folder: Path, rows: np.ndarray, labels: np.ndarray) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "training.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*FEATURES, "class"])
        for row, label in zip(rows, labels, strict=True):
            writer.writerow([*map(float, row), int(label)])
    return folder


def _serving_yaml(name: str, runtime: str, payload: list[str], outputs: dict[str, tuple[str, str]]) -> str:
    inputs = {feature: {"shape": "scalar", "type": "double", "profile": "numerical"} for feature in FEATURES}
    document = {
        "kind": "Model", "name": name, "runtime": runtime, "payload": payload, "training-data": "training.csv",
        "contract": {
            "name": "predict",
            "inputs": inputs,
            "outputs": {out: {"shape": "scalar", "type": kind, "profile": profile}
                        for out, (kind, profile) in outputs.items()},
        },
    }
    return yaml.safe_dump(document, sort_keys=False)
