"""The runtime as a real process behind a real gRPC client: `python -m runtimes`."""

from __future__ import annotations

import signal
import tarfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2
from minio import Minio
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from runtimes.errors import Status
from runtimes.grpc_server import GRPC_CODES, WorkerPool, server_threads
from runtimes.settings import RuntimeSettings, S3Settings
from tests.runtimes.conftest import (
    IRIS_BATCH_CONTRACT,
    put_object,
    write_model_folder,
    write_serving_yaml_folder,
)
from tests.runtimes.runtime_process import NOT_SERVING, SERVICE, SERVING, RuntimeProcess, predict_request

Iris = tuple[np.ndarray, np.ndarray]
MAX_MESSAGE_BYTES = 64 * 1024
PYTHON_RUNTIME = "hydrosphere/serving-runtime-python-3.7:3.0.3"
PYTHON_CONTRACT = IRIS_BATCH_CONTRACT | {
    "outputs": IRIS_BATCH_CONTRACT["outputs"] | {"label": {"shape": [-1], "type": "string"}}
}
FUNC_MAIN = """
import joblib

MODEL = joblib.load("model.joblib")  # the payload folder is the working directory
NAMES = ["setosa", "versicolor", "virginica"]

def predict(features):
    if (features < 0).any():
        raise ValueError("negative measurements")
    y = MODEL.predict(features)
    return {"y": y, "proba": MODEL.predict_proba(features), "label": [NAMES[i] for i in y]}
"""


def tar_folder(folder: Path, archive: Path) -> Path:
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname=folder.name)
    return archive


def started(model_uri: str, **env: str) -> Iterator[RuntimeProcess]:
    runtime = RuntimeProcess(model_uri, **env)
    try:
        runtime.wait_serving()
        yield runtime
    finally:
        runtime.close()


@pytest.fixture(scope="module")
def sklearn_server(tmp_path_factory: pytest.TempPathFactory, logreg: LogisticRegression) -> Iterator[RuntimeProcess]:
    """The sklearn runtime, fetched from a file:// tar.gz, with a 64 KiB message limit."""
    root = tmp_path_factory.mktemp("sklearn")
    folder = write_model_folder(root / "iris-1", "hydro/runtime-sklearn", IRIS_BATCH_CONTRACT,
                                {"model.joblib": logreg})
    archive = tar_folder(folder, root / "iris-1.tar.gz")
    yield from started(archive.as_uri(), HYDRO_MODEL_CACHE=str(root / "cache"),
                       HYDRO_GRPC_MAX_MESSAGE_BYTES=str(MAX_MESSAGE_BYTES))


@pytest.fixture(scope="module")
def python_server(tmp_path_factory: pytest.TempPathFactory, logreg: LogisticRegression) -> Iterator[RuntimeProcess]:
    """The python runtime on a plain Hydrosphere folder (serving.yaml + src/func_main.py)."""
    folder = write_serving_yaml_folder(tmp_path_factory.mktemp("python"), PYTHON_RUNTIME, PYTHON_CONTRACT,
                                       {"src/func_main.py": FUNC_MAIN, "model.joblib": logreg})
    yield from started(str(folder))


def test_sklearn_runtime_predicts_like_the_estimator(sklearn_server: RuntimeProcess, logreg: LogisticRegression,
                                                     iris: Iris) -> None:
    x = iris[0][::7]
    outputs = sklearn_server.predict({"features": x})
    assert outputs["y"].dtype == np.int64
    np.testing.assert_array_equal(outputs["y"], logreg.predict(x))
    np.testing.assert_allclose(outputs["proba"], logreg.predict_proba(x))


@pytest.mark.parametrize("method", [f"/{SERVICE}/Predict", "/grpc.health.v1.Health/Check"])
def test_an_undecodable_request_is_invalid_argument(sklearn_server: RuntimeProcess, method: str) -> None:
    call = sklearn_server.channel.unary_unary(method)  # no serializer: these bytes go as they are
    with pytest.raises(grpc.RpcError) as caught:
        call(b"\xff\xff\xff", timeout=10)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "not a valid protobuf message" in caught.value.details()


def test_answers_name_the_model_version_in_metadata(sklearn_server: RuntimeProcess, iris: Iris) -> None:
    _, call = sklearn_server.stub.Predict.with_call(predict_request({"features": iris[0][:1]}), timeout=10)
    assert dict(call.initial_metadata()) == {"hydro-model": "iris", "hydro-model-version": "1"}


def test_python_runtime_predicts_and_returns_strings(python_server: RuntimeProcess, logreg: LogisticRegression,
                                                     iris: Iris) -> None:
    x = iris[0][[0, 60, 120]]
    outputs = python_server.predict({"features": x})
    np.testing.assert_array_equal(outputs["y"], logreg.predict(x))
    np.testing.assert_allclose(outputs["proba"], logreg.predict_proba(x))
    assert outputs["label"].tolist() == ["setosa", "versicolor", "virginica"]


@pytest.mark.parametrize(
    ("inputs", "problem"),
    [
        ({}, "no value (missing)"),
        ({"features": np.zeros((2, 4), dtype=np.float32)}, "expected dtype DT_DOUBLE, got dtype DT_FLOAT"),
        ({"features": np.zeros((2, 3))}, "expected shape [-1, 4], got shape [2, 3]"),
    ],
    ids=["missing", "wrong-dtype", "wrong-shape"],
)
def test_bad_request_is_invalid_argument_naming_the_field(sklearn_server: RuntimeProcess, inputs: dict,
                                                          problem: str) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        sklearn_server.predict(inputs)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "field 'features'" in caught.value.details() and problem in caught.value.details()


def test_model_exception_is_internal_and_serving_goes_on(python_server: RuntimeProcess, iris: Iris) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        python_server.predict({"features": -iris[0][:2]})
    assert caught.value.code() == grpc.StatusCode.INTERNAL
    assert "ValueError: negative measurements" in caught.value.details()
    assert python_server.predict({"features": iris[0][:2]})["label"].tolist() == ["setosa", "setosa"]


def test_max_message_size_is_enforced(sklearn_server: RuntimeProcess) -> None:
    rows = MAX_MESSAGE_BYTES // (4 * 8) + 100  # just over the limit in doubles
    with pytest.raises(grpc.RpcError) as caught:
        sklearn_server.predict({"features": np.ones((rows, 4))})
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert sklearn_server.predict({"features": np.ones((rows // 2, 4))})["y"].shape == (rows // 2,)


def test_model_from_s3(tmp_path: Path, s3: tuple[Minio, S3Settings], forest: RandomForestClassifier,
                       iris: Iris) -> None:
    client, settings = s3
    folder = write_model_folder(tmp_path / "forest-2", "sklearn", IRIS_BATCH_CONTRACT,
                                {"model.pkl": forest}, name="forest", version=2)
    put_object(client, "forest/2.tar.gz", tar_folder(folder, tmp_path / "2.tar.gz").read_bytes())
    env = {"HYDRO_S3_ENDPOINT": f"http://{settings.endpoint}", "HYDRO_S3_ACCESS_KEY": "test",
           "HYDRO_S3_SECRET_KEY": "test", "HYDRO_S3_REGION": "us-east-1",
           "HYDRO_MODEL_CACHE": str(tmp_path / "cache")}
    for runtime in started("s3://models/forest/2.tar.gz", **env):
        np.testing.assert_allclose(runtime.predict({"features": iris[0]})["proba"], forest.predict_proba(iris[0]))


@pytest.mark.parametrize(
    ("runtime_name", "contract", "reason"),
    [
        ("hydro/runtime-sklearn", IRIS_BATCH_CONTRACT | {"inputs": {"features": {"shape": [-1, 5], "type": "double"}}},
         "LogisticRegression was fitted on 4"),
        ("hydrosphere/serving-runtime-tensorflow:3.0.3", IRIS_BATCH_CONTRACT, "unknown runtime"),
    ],
)
def test_load_failure_exits_non_zero_with_the_reason(tmp_path: Path, logreg: LogisticRegression,
                                                     runtime_name: str, contract: dict, reason: str) -> None:
    folder = write_model_folder(tmp_path / "m", runtime_name, contract, {"model.joblib": logreg})
    runtime = RuntimeProcess(str(folder))
    try:
        assert runtime.process.wait(20) == 1
        assert reason in runtime.stderr()
    finally:
        runtime.close()


def slow_python_model(root: Path, import_seconds: float, predict_seconds: float) -> Path:
    func_main = (
        "import pathlib, time\n"
        f"time.sleep({import_seconds})\n"
        "def predict(features):\n"
        "    pathlib.Path('started').touch()\n"
        f"    time.sleep({predict_seconds})\n"
        "    return {'y': features[:, 0].astype('int64'), 'proba': features[:, :3],\n"
        "            'label': ['slow'] * len(features)}\n"
    )
    return write_serving_yaml_folder(root, "hydro/runtime-python", PYTHON_CONTRACT, {"src/func_main.py": func_main})


def test_health_is_not_serving_until_the_model_loads(tmp_path: Path) -> None:
    runtime = RuntimeProcess(str(slow_python_model(tmp_path, import_seconds=2.0, predict_seconds=0)))
    try:
        watch = runtime.health.Watch(health_pb2.HealthCheckRequest(service=SERVICE), wait_for_ready=True, timeout=20)
        assert next(watch).status == NOT_SERVING
        with pytest.raises(grpc.RpcError) as caught:
            runtime.predict({"features": np.ones((1, 4))})
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        assert "still loading" in caught.value.details()
        assert next(watch).status == SERVING
        watch.cancel()
        overall = runtime.health.Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
        assert overall.status == SERVING
    finally:
        runtime.close()


def test_sigterm_drains_in_flight_requests_then_exits_zero(tmp_path: Path) -> None:
    folder = slow_python_model(tmp_path, import_seconds=0, predict_seconds=1.5)
    runtime = RuntimeProcess(str(folder), HYDRO_DRAIN_SECONDS="10")
    try:
        runtime.wait_serving()
        watch = runtime.health.Watch(health_pb2.HealthCheckRequest(service=SERVICE), timeout=20)
        assert next(watch).status == SERVING
        in_flight = runtime.stub.Predict.future(predict_request({"features": np.ones((2, 4))}), timeout=20)
        _wait_for(folder / "started")
        runtime.process.send_signal(signal.SIGTERM)
        assert next(watch).status == NOT_SERVING
        watch.cancel()
        assert in_flight.result().outputs["label"].string_val == [b"slow", b"slow"]
        assert runtime.process.wait(15) == 0
    finally:
        runtime.close()


def _wait_for(path: Path, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def test_every_error_status_has_a_grpc_code() -> None:
    assert set(GRPC_CODES) == set(Status)
    assert GRPC_CODES[Status.INVALID_REQUEST] == grpc.StatusCode.INVALID_ARGUMENT
    assert GRPC_CODES[Status.MODEL_FAILED] == grpc.StatusCode.INTERNAL


def test_the_worker_pool_resizes_without_losing_work() -> None:
    pool = WorkerPool(2)
    release = threading.Event()
    running = pool.submit(release.wait, 10)
    pool.resize(5)
    assert pool.submit(lambda: "after").result(5) == "after"
    release.set()
    assert running.result(5) is True  # the call on the replaced pool finished
    assert pool.size == 5
    pool.shutdown()


@pytest.mark.parametrize(("batched", "threads"), [(False, 3), (True, 3 + 64)])
def test_threads_leave_room_for_a_batch_only_when_the_model_is_batched(batched: bool, threads: int) -> None:
    settings = RuntimeSettings.from_env({"HYDRO_MODEL_URI": "/m", "HYDRO_RUNTIME_WORKERS": "3"})
    assert server_threads(settings, batched) == threads
