"""The detector as a model folder: its files, and the model served by a real runtime process."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from controller.resources.model import ModelDefinition
from functions.outliers import Detector, OutlierError, write_detector_folder
from protos.codec import arrays_to_tensors, tensors_to_arrays
from protos.contract import Contract
from protos.hydrosphere.serving.runtime import api_pb2
from tests.functions.outliers.conftest import CONTRACT, far_outliers, people, rows_of
from tests.runtimes.runtime_process import RuntimeProcess

ALLOWED_IMPORTS = {"__future__", "collections", "math", "typing", "joblib", "numpy", "sklearn"}
# Runs the written func_main.py in a fresh interpreter that cannot import `functions` at all.
ISOLATED_CALL = """
import json, sys
sys.modules["functions"] = None
sys.path.insert(0, "src")
import func_main
rows = json.loads(sys.stdin.read())
print(json.dumps([{k: v.item() for k, v in func_main.predict(**row).items()} for row in rows]))
"""


@pytest.fixture(scope="module")
def folder(detector: Detector, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_detector_folder(detector, tmp_path_factory.mktemp("metric") / "people_metric", "people", CONTRACT)


@pytest.fixture(scope="module")
def served(folder: Path) -> Iterator[RuntimeProcess]:
    runtime = RuntimeProcess(str(folder))
    try:
        runtime.wait_serving()
        yield runtime
    finally:
        runtime.close()


def test_the_folder_holds_serving_yaml_the_function_and_the_bundle(folder: Path) -> None:
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "detector.joblib", "serving.yaml", "src/func_main.py",
    ]


def test_serving_yaml_is_a_model_the_manager_accepts(folder: Path, detector: Detector) -> None:
    spec = yaml.safe_load((folder / "serving.yaml").read_text())
    model = ModelDefinition.from_dict(spec)
    assert model.name == "people_metric"
    assert model.runtime == "hydrosphere/serving-runtime-python-3.7:3.0.0"
    assert model.payload == ("src/func_main.py", "detector.joblib")
    assert [(f.name, f.dtype_name, f.is_scalar, f.profile_name) for f in model.contract.inputs] == [
        ("age", "DT_DOUBLE", True, "numerical"), ("income", "DT_DOUBLE", True, "numerical"),
        ("hours", "DT_INT64", True, "numerical"), ("city", "DT_STRING", True, "categorical"),
        ("grade", "DT_INT64", True, "categorical"),
    ]
    assert [(f.name, f.dtype_name, f.is_scalar) for f in model.contract.outputs] == [
        ("value", "DT_DOUBLE", True), ("is_outlier", "DT_BOOL", True),
    ]
    metadata = model.metadata
    assert metadata["algorithm"] == detector.report.algorithm
    assert float(metadata["threshold"]) == detector.report.threshold
    assert float(metadata["contamination"]) == 0.03 and metadata["comparison"] == "LessEq"
    assert metadata["training_rows"] == str(detector.report.rows_used)
    for algorithm, score in detector.report.criterion_scores.items():
        assert float(metadata[f"criterion_{algorithm}"]) == score


def test_func_main_imports_only_numpy_joblib_scikit_learn_and_the_standard_library(folder: Path) -> None:
    tree = ast.parse((folder / "src" / "func_main.py").read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {str(node.module).split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= ALLOWED_IMPORTS


def test_the_model_runs_where_the_functions_package_cannot_be_imported(folder: Path, detector: Detector) -> None:
    rows = [{"age": 41.0, "income": 40_500.0, "hours": 40, "city": "rome", "grade": 1},
            {"age": 160.0, "income": 1_000.0, "hours": 40, "city": "nowhere", "grade": 9}]
    done = subprocess.run([sys.executable, "-c", ISOLATED_CALL], cwd=folder, input=json.dumps(rows),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    answers = json.loads(done.stdout)
    assert [a["is_outlier"] for a in answers] == [False, True]
    assert [a["value"] for a in answers] == [float(detector.score(row)["value"]) for row in rows]


def test_a_contract_without_a_trained_input_is_refused(detector: Detector, tmp_path: Path) -> None:
    other = Contract.from_dict({"inputs": {"income": {"type": "double"}}, "outputs": {"y": {"type": "double"}}})
    with pytest.raises(OutlierError, match=r"contract\.inputs\.age: "):
        write_detector_folder(detector, tmp_path / "m", "people", other)


def predict(runtime: RuntimeProcess, row: dict[str, Any], contract: Contract) -> dict[str, np.ndarray]:
    request = api_pb2.PredictRequest(inputs=arrays_to_tensors(row, contract.inputs))
    return tensors_to_arrays(runtime.stub.Predict(request, timeout=10).outputs)


def metric_contract(folder: Path) -> Contract:
    return Contract.from_dict(yaml.safe_load((folder / "serving.yaml").read_text())["contract"])


def test_the_served_model_answers_as_the_detector_for_inliers_and_outliers(
    served: RuntimeProcess, folder: Path, detector: Detector
) -> None:
    contract = metric_contract(folder)
    rows = rows_of(people(8, seed=11), range(8)) + rows_of(far_outliers(8, seed=12), range(8))
    answers = [predict(served, row, contract) for row in rows]
    expected = [detector.score(row) for row in rows]
    assert [a["value"].shape for a in answers] == [()] * len(rows)
    assert [float(a["value"]) for a in answers] == pytest.approx([float(e["value"]) for e in expected], rel=1e-12)
    assert [bool(a["is_outlier"]) for a in answers] == [bool(e["is_outlier"]) for e in expected]
    assert sum(bool(a["is_outlier"]) for a in answers[8:]) == 8


@pytest.mark.parametrize("city", ["atlantis", ""])
def test_the_served_model_scores_a_category_never_seen_in_training(
    served: RuntimeProcess, folder: Path, detector: Detector, city: str
) -> None:
    row = {"age": np.asarray(40.0), "income": np.asarray(40_000.0), "hours": np.asarray(40),
           "city": np.asarray(city, dtype=object), "grade": np.asarray(2)}
    answer = predict(served, row, metric_contract(folder))
    assert float(answer["value"]) == pytest.approx(float(detector.score(row)["value"]), rel=1e-12)
    assert bool(answer["is_outlier"]) == bool(detector.score(row)["is_outlier"])
