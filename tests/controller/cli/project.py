"""A user's model project, written by tests: scikit-learn models trained on iris, the source of a
python-runtime function, the training CSV, and Hydrosphere YAML (a DeploymentConfiguration, three
Models, one with monitoring and training data, and a two-stage pipeline Application)."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
from sklearn.datasets import load_iris
from sklearn.ensemble import IsolationForest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

FEATURES = "{shape: [-1, 4], type: double, profile: numerical}"
SERVING_YAML = f"""\
kind: DeploymentConfiguration
name: small
hpa: {{minReplicas: 1, maxReplicas: 3, cpuUtilization: 80}}
container:
  resources: {{requests: {{cpu: 100m, memory: 128Mi}}, limits: {{cpu: 500m, memory: 256Mi}}}}
---
kind: Model
name: iris-scaler
runtime: hydrosphere/serving-runtime-python-3.7:3.0.0
payload: [src/, scaler.joblib]
contract:
  name: predict
  inputs: {{features: {FEATURES}}}
  outputs: {{features: {FEATURES}}}
---
kind: Model
name: iris-outliers
runtime: hydrosphere/serving-runtime-python-3.7:3.0.0
payload: [outliers.joblib]
contract:
  inputs: {{features: {FEATURES}}}
  outputs: {{score: {{shape: [-1], type: double, profile: numerical}}}}
---
kind: Model
name: iris-classifier
runtime: hydrosphere/serving-runtime-python-3.7:3.0.0
install-command: echo installing requirements
payload: [src/, classifier.joblib]
training-data: data/train.csv
metadata: {{team: flowers}}
monitoring-configuration: {{batch-size: 20}}
monitoring:
  - name: outliers
    config: {{monitoring-model: "iris-outliers:1", threshold: 0.5, operator: ">"}}
contract:
  inputs: {{features: {FEATURES}}}
  outputs: {{class: {{shape: [-1], type: int64, profile: categorical}}}}
"""
APP_YAML = """\
kind: Application
name: iris
metadata: {owner: tests}
pipeline:
  - - {model: "iris-scaler:1"}
  - - {model: "iris-classifier:1", weight: 100, deployment-config: small}
"""
FUNC_MAIN = "import joblib\n\ndef predict(features):\n    return {'features': features}\n"


def write_project(folder: Path) -> Path:
    """A folder like a user's: trained models, source, training CSV, two YAML files."""
    (folder / "src").mkdir(parents=True)
    (folder / "data").mkdir()
    iris = load_iris()
    scaler = StandardScaler().fit(iris.data)
    joblib.dump(scaler, folder / "scaler.joblib")
    joblib.dump(LogisticRegression(max_iter=500).fit(scaler.transform(iris.data), iris.target),
                folder / "classifier.joblib")
    joblib.dump(IsolationForest(n_estimators=10, random_state=0).fit(iris.data), folder / "outliers.joblib")
    (folder / "src" / "func_main.py").write_text(FUNC_MAIN)
    rows = ["sepal_length,sepal_width,petal_length,petal_width,class"]
    rows += [",".join(map(str, [*x, y])) for x, y in zip(np.round(iris.data, 2), iris.target, strict=True)]
    (folder / "data" / "train.csv").write_text("\n".join(rows) + "\n")
    (folder / "serving.yaml").write_text(SERVING_YAML)
    (folder / "zz-app.yaml").write_text(APP_YAML)
    return folder
