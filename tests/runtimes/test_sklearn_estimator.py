from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from protos.contract import Contract
from runtimes.errors import ModelLoadError
from runtimes.sklearn_estimator import SklearnRuntime, find_estimator_file
from tests.runtimes.conftest import IRIS_BATCH_CONTRACT, IRIS_COLUMNS, IRIS_SCALAR_CONTRACT, write_payload


@pytest.mark.parametrize(
    ("files", "chosen"),
    [
        (["model.joblib", "other.joblib"], "model.joblib"),
        (["model.pkl", "notes.txt"], "model.pkl"),
        (["iris.joblib", "notes.txt"], "iris.joblib"),
    ],
)
def test_estimator_file_lookup(tmp_path: Path, files: list[str], chosen: str) -> None:
    write_payload(tmp_path, dict.fromkeys(files, b""))
    assert find_estimator_file(tmp_path) == tmp_path / chosen


@pytest.mark.parametrize(
    ("files", "problem"),
    [
        ([], "no model.joblib, model.pkl or \\*.joblib"),
        (["model.pkl.txt"], "no model.joblib"),
        (["a.joblib", "b.joblib"], "several \\*.joblib files .*\\(a.joblib, b.joblib\\)"),
        (["model.joblib", "model.pkl"], "both model.joblib and model.pkl"),
    ],
)
def test_estimator_file_lookup_errors(tmp_path: Path, files: list[str], problem: str) -> None:
    write_payload(tmp_path, dict.fromkeys(files, b""))
    with pytest.raises(ModelLoadError, match=problem):
        find_estimator_file(tmp_path)


def test_batch_predictions_match_the_estimator(tmp_path: Path, forest: RandomForestClassifier,
                                               iris: tuple[np.ndarray, np.ndarray]) -> None:
    write_payload(tmp_path, {"model.pkl": forest})
    runtime = SklearnRuntime(tmp_path, Contract.from_dict(IRIS_BATCH_CONTRACT))
    runtime.load()
    x = iris[0][::10]
    outputs = runtime.predict({"features": x})
    np.testing.assert_array_equal(outputs["y"], forest.predict(x))
    np.testing.assert_allclose(outputs["proba"], forest.predict_proba(x))


def test_scalar_inputs_give_scalar_outputs(tmp_path: Path, logreg: LogisticRegression,
                                          iris: tuple[np.ndarray, np.ndarray]) -> None:
    write_payload(tmp_path, {"model.joblib": logreg})
    runtime = SklearnRuntime(tmp_path, Contract.from_dict(IRIS_SCALAR_CONTRACT))
    runtime.load()
    row = iris[0][120]
    outputs = runtime.predict({name: np.array(value) for name, value in zip(IRIS_COLUMNS, row, strict=True)})
    assert outputs["y"].shape == () and outputs["y"] == logreg.predict([row])[0]
    np.testing.assert_allclose(outputs["proba"], logreg.predict_proba([row])[0])


def test_a_linear_model_is_served_without_sklearns_methods(tmp_path: Path, logreg: LogisticRegression,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    write_payload(tmp_path, {"model.joblib": logreg})
    runtime = SklearnRuntime(tmp_path, Contract.from_dict(IRIS_BATCH_CONTRACT))
    runtime.load()
    x = np.random.default_rng(3).normal(5, 2, size=(64, 4))
    requests = [x[:1], x]  # (1 row and 64 rows can round differently: BLAS picks other kernels)
    wanted = [(logreg.predict(rows), logreg.predict_proba(rows)) for rows in requests]

    def refuse(*_: object) -> None:
        raise AssertionError("scikit-learn's own method was called")

    for method in ("predict", "predict_proba", "decision_function"):
        monkeypatch.setattr(LogisticRegression, method, refuse)
    for rows, (want_y, want_proba) in zip(requests, wanted, strict=True):
        outputs = runtime.predict({"features": rows})
        np.testing.assert_array_equal(outputs["y"], want_y)
        np.testing.assert_array_equal(outputs["proba"], want_proba)
    assert not runtime.batching_pays


def test_a_linear_model_still_gets_sklearns_errors(tmp_path: Path, logreg: LogisticRegression) -> None:
    write_payload(tmp_path, {"model.joblib": logreg})
    runtime = SklearnRuntime(tmp_path, Contract.from_dict(IRIS_BATCH_CONTRACT))
    runtime.load()
    with pytest.raises(ValueError, match="Input X contains NaN"):
        runtime.predict({"features": np.full((1, 4), np.nan)})


def test_other_models_keep_sklearns_methods_and_batching(tmp_path: Path, forest: RandomForestClassifier) -> None:
    write_payload(tmp_path, {"model.joblib": forest})
    runtime = SklearnRuntime(tmp_path, Contract.from_dict(IRIS_BATCH_CONTRACT))
    runtime.load()
    assert runtime.batching_pays


def test_load_checks_the_contract(tmp_path: Path, logreg: LogisticRegression) -> None:
    write_payload(tmp_path, {"model.joblib": logreg})
    spec = IRIS_BATCH_CONTRACT | {"inputs": {"features": {"shape": [-1, 5], "type": "double"}}}
    with pytest.raises(ModelLoadError, match="fitted on 4"):
        SklearnRuntime(tmp_path, Contract.from_dict(spec)).load()


def test_unreadable_estimator_file(tmp_path: Path) -> None:
    write_payload(tmp_path, {"model.joblib": b"not a pickle"})
    with pytest.raises(ModelLoadError, match=r"cannot read model\.joblib"):
        SklearnRuntime(tmp_path, Contract.from_dict(IRIS_BATCH_CONTRACT)).load()
