"""Adaptive batching: merged calls give every caller exactly its own rows and its own errors."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from protos.contract import Contract
from runtimes.artifact import ModelArtifact
from runtimes.batching import Batcher, batching_infer
from runtimes.errors import ModelLoadError, SettingsError
from runtimes.python_function import PythonFunctionRuntime
from runtimes.settings import BatchSettings
from runtimes.sklearn_estimator import SklearnRuntime, predicts_argmax_of_proba
from tests.runtimes.conftest import (
    IRIS_BATCH_CONTRACT,
    IRIS_SCALAR_CONTRACT,
    write_model_folder,
    write_payload,
    write_serving_yaml_folder,
)
from tests.runtimes.runtime_process import RuntimeProcess

Iris = tuple[np.ndarray, np.ndarray]
CALLERS = 32
MERGED = "one model call for"
FUNC_MAIN = """
import joblib

MODEL = joblib.load("model.joblib")

def predict(features):
    return {"y": MODEL.predict(features), "proba": MODEL.predict_proba(features)}
"""


class GatedModel:
    """A real estimator behind a gate: the first call blocks until `open()`, so callers pile up."""

    def __init__(self, forest: RandomForestClassifier) -> None:
        self.forest = forest
        self.sizes: list[int] = []
        self.entered = threading.Event()
        self._gate = threading.Event()

    def open(self) -> None:
        self._gate.set()

    def __call__(self, inputs: dict[str, np.ndarray]) -> Mapping[str, Any]:
        features = inputs["features"]
        self.sizes.append(len(features))
        self.entered.set()
        self._gate.wait(30)
        return {"y": self.forest.predict(features), "proba": self.forest.predict_proba(features)}


def batcher(model: Callable[[dict[str, np.ndarray]], Mapping[str, Any]], delay: float = 0.0) -> Batcher:
    return Batcher(model, ["y", "proba"], max_rows=64, max_delay=delay)


def pile_up(model: GatedModel, infer: Batcher, requests: list[np.ndarray]) -> list[Any]:
    """Hold the model in a first call, queue `requests` behind it, release; each outcome in order."""
    pool = ThreadPoolExecutor(len(requests) + 1)
    first = pool.submit(infer, {"features": requests[0]})
    assert model.entered.wait(30)
    futures = [pool.submit(infer, {"features": rows}) for rows in requests[1:]]
    while len(infer._queue) < len(futures):  # the queue is what this test is about
        threading.Event().wait(0.001)
    model.open()
    outcomes: list[Any] = []
    for future in [first, *futures]:
        try:
            outcomes.append(future.result(30))
        except Exception as exc:
            outcomes.append(exc)
    pool.shutdown()
    return outcomes


def test_queued_requests_share_one_call_and_get_their_own_rows(forest: RandomForestClassifier, iris: Iris) -> None:
    model = GatedModel(forest)
    requests = [iris[0][i:i + 1 + i % 3] for i in range(0, 40, 4)]
    outcomes = pile_up(model, batcher(model), requests)
    assert model.sizes == [1, sum(len(r) for r in requests[1:])]
    for rows, outputs in zip(requests, outcomes, strict=True):
        np.testing.assert_array_equal(outputs["y"], forest.predict(rows))
        np.testing.assert_array_equal(outputs["proba"], forest.predict_proba(rows))


def test_a_request_that_breaks_the_merged_call_fails_alone(forest: RandomForestClassifier, iris: Iris) -> None:
    model = GatedModel(forest)
    bad = np.full((1, 4), np.inf)
    requests = [iris[0][:1], iris[0][5:7], bad, iris[0][9:10]]
    outcomes = pile_up(model, batcher(model), requests)
    assert isinstance(outcomes[2], ValueError) and "infinity" in str(outcomes[2])
    for index in (0, 1, 3):
        np.testing.assert_array_equal(outcomes[index]["proba"], forest.predict_proba(requests[index]))
    assert model.sizes[:2] == [1, 4] and sorted(model.sizes[2:]) == [1, 1, 2]  # merged, then each alone


def test_requests_of_different_shapes_or_dtypes_are_not_merged(iris: Iris) -> None:
    sizes: list[tuple[int, ...]] = []
    gate, entered = threading.Event(), threading.Event()

    def echo(inputs: dict[str, np.ndarray]) -> Mapping[str, Any]:
        sizes.append(inputs["x"].shape)
        entered.set()
        gate.wait(30)
        return {"y": inputs["x"].sum(axis=tuple(range(1, inputs["x"].ndim))), "proba": inputs["x"]}

    infer = Batcher(echo, ["y"], max_rows=64, max_delay=0.0)
    requests: list[np.ndarray] = [np.ones((1, 4)), np.ones((2, 3)), np.ones((1, 4), dtype=np.float32),
                                  np.ones((3, 4))]
    with ThreadPoolExecutor(len(requests) + 1) as pool:
        first = pool.submit(infer, {"x": np.zeros((1, 4))})
        assert entered.wait(30)
        futures = [pool.submit(infer, {"x": rows}) for rows in requests]
        while len(infer._queue) < len(futures):
            threading.Event().wait(0.001)
        gate.set()
        results = [future.result(30)["y"] for future in [first, *futures]]
    assert sorted(sizes) == sorted([(1, 4), (4, 4), (2, 3), (1, 4)])  # (1,4)+(3,4) merged; the others alone
    for rows, y in zip([np.zeros((1, 4)), *requests], results, strict=True):
        np.testing.assert_array_equal(y, rows.sum(axis=1))


def test_a_lone_caller_never_waits_for_company(forest: RandomForestClassifier, iris: Iris) -> None:
    calls: list[int] = []

    def model(inputs: dict[str, np.ndarray]) -> Mapping[str, Any]:
        calls.append(len(inputs["features"]))
        return {"y": forest.predict(inputs["features"]), "proba": forest.predict_proba(inputs["features"])}

    infer = batcher(model, delay=600.0)  # any wait for company would hold this test for minutes
    done = threading.Event()

    def one_by_one() -> None:
        for i in range(5):
            infer({"features": iris[0][i:i + 1]})
        done.set()

    threading.Thread(target=one_by_one, daemon=True).start()
    assert done.wait(60), "a lone caller waited for a burst"
    assert calls == [1] * 5


def test_a_burst_after_a_merged_call_waits_for_its_members(forest: RandomForestClassifier, iris: Iris) -> None:
    model = GatedModel(forest)
    infer = batcher(model, delay=600.0)  # so that only the expected company ends a wait
    rows = [iris[0][i:i + 1] for i in range(4)]
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(infer, {"features": rows[0]})
        assert model.entered.wait(30)
        queued = [pool.submit(infer, {"features": r}) for r in rows[1:]]
        while len(infer._queue) < len(queued):
            threading.Event().wait(0.001)
        model.open()
        first.result(30)
        # The 3 queued wait for the caller just answered: it comes back, and the 4 share a call.
        back = pool.submit(infer, {"features": rows[0]})
        outcomes = [future.result(30) for future in [back, *queued]]
        assert model.sizes == [1, 4]
        # The 4 answered callers ask again at once: the first to arrive waits for the other 3.
        again = list(pool.map(lambda r: infer({"features": r}), rows))
    assert model.sizes == [1, 4, 4]
    for r, outputs in zip(rows * 2, outcomes + again, strict=True):
        np.testing.assert_array_equal(outputs["proba"], forest.predict_proba(r))


def runtime(cls: type[Any], contract: dict[str, Any]) -> Any:
    return cls(Path("."), Contract.from_dict(contract))


@pytest.mark.parametrize(("cls", "contract", "metadata", "mode", "batched"), [
    (SklearnRuntime, IRIS_BATCH_CONTRACT, {}, "auto", True),
    (SklearnRuntime, IRIS_BATCH_CONTRACT, {}, "off", False),
    (SklearnRuntime, IRIS_BATCH_CONTRACT, {"hydro.batching": "false"}, "auto", False),
    (SklearnRuntime, IRIS_SCALAR_CONTRACT, {}, "auto", False),
    (PythonFunctionRuntime, IRIS_BATCH_CONTRACT, {}, "auto", False),
    (PythonFunctionRuntime, IRIS_BATCH_CONTRACT, {"hydro.batching": "True"}, "auto", True),
    (PythonFunctionRuntime, IRIS_BATCH_CONTRACT, {"hydro.batching": "true"}, "off", False),
    (PythonFunctionRuntime, IRIS_SCALAR_CONTRACT, {"hydro.batching": "true"}, "auto", False),
])
def test_batching_is_used_only_where_safe(
    cls: type[Any], contract: dict[str, Any], metadata: dict[str, str], mode: str, batched: bool
) -> None:
    model = runtime(cls, contract)
    infer = batching_infer(model, metadata, BatchSettings(mode=mode))
    assert isinstance(infer, Batcher) is batched


@pytest.mark.parametrize(("metadata", "batched"), [({}, False), ({"hydro.batching": "true"}, True)])
def test_a_loaded_linear_model_is_batched_only_when_asked(
    tmp_path: Path, logreg: Any, metadata: dict[str, str], batched: bool
) -> None:
    write_payload(tmp_path, {"model.joblib": logreg})
    model = SklearnRuntime(tmp_path, Contract.from_dict(IRIS_BATCH_CONTRACT))
    model.load()  # its methods are compiled (runtimes.linear): a call costs less than a merge
    assert isinstance(batching_infer(model, metadata, BatchSettings()), Batcher) is batched


def test_a_bad_batching_metadata_value_fails_loading() -> None:
    with pytest.raises(ModelLoadError, match=r"hydro\.batching must be"):
        batching_infer(runtime(SklearnRuntime, IRIS_BATCH_CONTRACT), {"hydro.batching": "maybe"}, BatchSettings())


# Over gRPC: real runtime processes, 32 concurrent callers with 1 to 4 rows each.


def started(folder: Path, **env: str) -> Iterator[RuntimeProcess]:
    process = RuntimeProcess(str(folder), HYDRO_LOG_LEVEL="DEBUG", **env)
    try:
        process.wait_serving(60)  # generous: other test processes may share the cores
        yield process
    finally:
        process.close()


@pytest.fixture(scope="module")
def forest_folder(tmp_path_factory: pytest.TempPathFactory, iris: Iris) -> Path:
    forest = RandomForestClassifier(n_estimators=30, random_state=0).fit(*iris)
    return write_model_folder(tmp_path_factory.mktemp("forest"), "hydro/runtime-sklearn", IRIS_BATCH_CONTRACT,
                              {"model.joblib": forest})


@pytest.fixture(scope="module")
def batched(forest_folder: Path) -> Iterator[RuntimeProcess]:
    yield from started(forest_folder)


@pytest.fixture(scope="module")
def unbatched(forest_folder: Path) -> Iterator[RuntimeProcess]:
    yield from started(forest_folder, HYDRO_BATCHING="off")


def concurrently(server: RuntimeProcess, requests: list[np.ndarray]) -> list[Any]:
    """Each request from its own caller, all released at once; outputs, or the RpcError."""
    start = threading.Barrier(len(requests))

    def call(rows: np.ndarray) -> Any:
        start.wait(30)
        try:
            return server.predict({"features": rows}, timeout=60)
        except grpc.RpcError as exc:
            return exc

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(call, requests))


def mixed_requests(iris: Iris, count: int = CALLERS) -> list[np.ndarray]:
    return [iris[0][(7 * i) % 140:(7 * i) % 140 + 1 + i % 4] for i in range(count)]


def test_merged_answers_equal_unmerged_ones_row_for_row(
    batched: RuntimeProcess, unbatched: RuntimeProcess, iris: Iris
) -> None:
    requests = mixed_requests(iris)
    merged_calls = batched.stderr().count(MERGED)
    rounds = [concurrently(batched, requests) for _ in range(2)]
    without = concurrently(unbatched, requests)
    for merged in rounds:
        for a, b in zip(merged, without, strict=True):
            np.testing.assert_array_equal(a["y"], b["y"])
            np.testing.assert_array_equal(a["proba"], b["proba"])
    assert batched.stderr().count(MERGED) > merged_calls, "32 concurrent callers never shared a call"
    assert "adaptive batching on" in batched.stderr()


def test_off_never_merges(unbatched: RuntimeProcess, iris: Iris) -> None:
    concurrently(unbatched, mixed_requests(iris))
    assert "adaptive batching off: HYDRO_BATCHING is off" in unbatched.stderr()
    assert MERGED not in unbatched.stderr()


def test_only_the_bad_request_fails_among_concurrent_ones(batched: RuntimeProcess, iris: Iris) -> None:
    requests = mixed_requests(iris, 16)
    requests[5] = np.full((1, 4), np.inf)  # valid by the contract; the forest refuses it
    requests[11] = np.ones((1, 3))  # breaks the contract: never reaches the model
    outcomes = concurrently(batched, requests)
    assert outcomes[5].code() == grpc.StatusCode.INTERNAL and "infinity" in outcomes[5].details()
    assert outcomes[11].code() == grpc.StatusCode.INVALID_ARGUMENT and "features" in outcomes[11].details()
    for index, rows in enumerate(requests):
        if index not in (5, 11):
            assert len(outcomes[index]["y"]) == len(rows)


def python_folder(root: Path, forest: RandomForestClassifier, metadata: str = "") -> Path:
    folder = write_serving_yaml_folder(root, "hydro/runtime-python", IRIS_BATCH_CONTRACT,
                                       {"src/func_main.py": FUNC_MAIN, "model.joblib": forest})
    with (folder / "serving.yaml").open("a", encoding="utf-8") as spec:
        spec.write(metadata)
    return folder


@pytest.mark.parametrize(("metadata", "batched"), [
    ("", False),
    ("metadata: {team: risk}\n", False),
    ("metadata:\n  hydro.batching: true\n", True),  # as users write it: an unquoted YAML boolean
    ("metadata:\n  hydro.batching: 'false'\n", False),
])
def test_a_python_model_is_batched_only_when_its_metadata_opts_in(
    tmp_path: Path, forest: RandomForestClassifier, metadata: str, batched: bool
) -> None:
    artifact = ModelArtifact.from_folder(python_folder(tmp_path, forest, metadata))
    model = PythonFunctionRuntime(artifact.payload, artifact.contract)
    assert isinstance(batching_infer(model, artifact.metadata, BatchSettings()), Batcher) is batched


def test_an_opted_in_python_model_merges_over_grpc(tmp_path: Path, iris: Iris, forest: RandomForestClassifier) -> None:
    for server in started(python_folder(tmp_path, forest, "metadata:\n  hydro.batching: true\n")):
        requests = mixed_requests(iris)
        for rows, outputs in zip(requests, concurrently(server, requests), strict=True):
            np.testing.assert_array_equal(outputs["proba"], forest.predict_proba(rows))
        assert MERGED in server.stderr()


def test_batch_settings_from_the_environment() -> None:
    assert BatchSettings.from_env({}) == BatchSettings(mode="auto", max_rows=64, max_delay=0.0)
    settings = BatchSettings.from_env(
        {"HYDRO_BATCHING": "OFF", "HYDRO_BATCH_MAX_SIZE": "8", "HYDRO_BATCH_MAX_DELAY_MS": "0.5"}
    )
    assert (settings.enabled, settings.max_rows, settings.max_delay) == (False, 8, 0.0005)


@pytest.mark.parametrize(("variable", "value", "problem"), [
    ("HYDRO_BATCHING", "on", "must be one of auto, off"),
    ("HYDRO_BATCH_MAX_SIZE", "0", "must be >= 1"),
    ("HYDRO_BATCH_MAX_DELAY_MS", "-1", "must be >= 0"),
    ("HYDRO_BATCH_MAX_DELAY_MS", "soon", "must be a number of milliseconds"),
    ("HYDRO_BATCH_MAX_DELAY_MS", "5000", "must be <= 1000"),
])
def test_bad_batch_settings_name_the_variable(variable: str, value: str, problem: str) -> None:
    with pytest.raises(SettingsError, match=problem) as caught:
        BatchSettings.from_env({variable: value})
    assert caught.value.variable == variable


# The forest's y and proba from one pass over its trees (what bounds a batched call's cost).


@pytest.mark.parametrize("pipeline", [False, True])
def test_a_forest_answers_y_and_proba_with_one_pass(tmp_path: Path, iris: Iris, pipeline: bool) -> None:
    forest = RandomForestClassifier(n_estimators=10, random_state=0).fit(*iris)
    model: Any = make_pipeline(StandardScaler(), forest).fit(*iris) if pipeline else forest
    folder = write_model_folder(tmp_path, "hydro/runtime-sklearn", IRIS_BATCH_CONTRACT, {"model.joblib": model})
    artifact = ModelArtifact.from_folder(folder)
    served = SklearnRuntime(artifact.payload, artifact.contract)
    served.load()
    passes: list[int] = []
    loaded = served._estimator.steps[-1][1] if pipeline else served._estimator
    real = loaded.predict_proba
    loaded.predict_proba = lambda x: passes.append(len(x)) or real(x)
    outputs = served.predict({"features": iris[0]})
    assert passes == [len(iris[0])]
    np.testing.assert_array_equal(outputs["y"], model.predict(iris[0]))
    np.testing.assert_array_equal(outputs["proba"], model.predict_proba(iris[0]))


def test_other_classifiers_keep_their_own_predict(logreg: Any) -> None:
    assert not predicts_argmax_of_proba(logreg)
    assert not predicts_argmax_of_proba(make_pipeline(StandardScaler(), logreg))
