"""The serving systems side by side: each started as real processes on loopback, same model files.

Every system gets one model-serving process (worker) per server; the floors and Hydro's runtime
run in the project's virtualenv, the peers in theirs (`peers.py`). `start_*` returns once a real
prediction succeeded, which is also the peer's cold start (process start to first prediction).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from protos.codec import arrays_to_tensors
from protos.hydrosphere.serving.gateway import api_pb2 as gateway_pb2
from protos.hydrosphere.serving.runtime import api_pb2
from tests.bench import oip
from tests.bench.client import Endpoint
from tests.bench.models import ModelFiles, hydrosphere_json, v1_json, v2_json
from tests.bench.peers import Venv
from tests.bench.procs import REPO, Server, free_port, grpc_ok, http_ok, spawn

HYDRO_PREDICT = "/hydrosphere.serving.runtime.PredictionService/Predict"
GATEWAY_PREDICT = "/hydrosphere.serving.gateway.GatewayService/PredictApplication"
SERVERS = Path(__file__).resolve().parent / "servers"
THREADS = 8
Endpoints = Callable[[str, np.ndarray], list[Endpoint]]


@dataclass
class System:
    server: Server
    endpoints: Endpoints


def hydro_request(matrix: np.ndarray) -> bytes:
    return bytes(api_pb2.PredictRequest(inputs=arrays_to_tensors({"x": matrix})).SerializeToString())


def gateway_request(application: str, matrix: np.ndarray) -> bytes:
    message = gateway_pb2.GatewayPredictRequest(name=application, data=arrays_to_tensors({"x": matrix}))
    return bytes(message.SerializeToString())


def _per_model_grpc(name: str, logs: Path, models: dict[str, ModelFiles], command: Callable[[int, ModelFiles],
                    tuple[list[str], dict[str, str]]], probe_rows: np.ndarray) -> System:
    """One gRPC process per model speaking Hydrosphere's PredictionService."""
    server, ports = Server(name), {}
    started = time.monotonic()
    for model in ("lr", "rf"):
        ports[model] = free_port()
        args, env = command(ports[model], models[model])
        spawn(server, args, logs, env)
    for model in ("lr", "rf"):
        server.wait_first_prediction(grpc_ok(f"127.0.0.1:{ports[model]}", HYDRO_PREDICT,
                                             hydro_request(probe_rows)), started)

    def endpoints(model: str, matrix: np.ndarray) -> list[Endpoint]:
        return [Endpoint(f"{name} gRPC", "grpc", f"127.0.0.1:{ports[model]}", hydro_request(matrix), HYDRO_PREDICT)]
    return System(server, endpoints)


def start_hydro_runtime(logs: Path, models: dict[str, ModelFiles], probe: np.ndarray) -> System:
    def command(port: int, files: ModelFiles) -> tuple[list[str], dict[str, str]]:
        return [sys.executable, "-m", "runtimes"], {"PORT": str(port), "HYDRO_RUNTIME_HOST": "127.0.0.1",
                                                    "HYDRO_MODEL_URI": str(files.hydro_folder)}
    return _per_model_grpc("hydro runtime", logs, models, command, probe)


def start_grpc_floor(logs: Path, models: dict[str, ModelFiles], probe: np.ndarray) -> System:
    def command(port: int, files: ModelFiles) -> tuple[list[str], dict[str, str]]:
        return [sys.executable, "-m", "tests.bench.servers.grpc_floor", str(port), str(files.joblib_path),
                str(THREADS)], {}
    return _per_model_grpc("grpcio floor", logs, models, command, probe)


def _model_env(models: dict[str, ModelFiles]) -> dict[str, str]:
    return {"BENCH_MODELS": ",".join(f"{m}={models[m].joblib_path}" for m in ("lr", "rf"))}


def start_flask_floor(logs: Path, models: dict[str, ModelFiles], probe: np.ndarray) -> System:
    server, port = Server("flask floor"), free_port()
    started = time.monotonic()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    spawn(server, [gunicorn, "-w", "1", "-k", "gthread", "--threads", str(THREADS), "-b", f"127.0.0.1:{port}",
                   "--log-level", "warning", "tests.bench.servers.flask_floor:app"], logs, _model_env(models))
    url = f"http://127.0.0.1:{port}/predict/"
    server.wait_first_prediction(http_ok(url + "lr", hydrosphere_json(probe)), started)

    def endpoints(model: str, matrix: np.ndarray) -> list[Endpoint]:
        return [Endpoint("flask floor HTTP", "http", url + model, hydrosphere_json(matrix))]
    return System(server, endpoints)


def start_mlserver(logs: Path, models: dict[str, ModelFiles], probe: np.ndarray, venv: Venv,
                   parallel_workers: int | None) -> System:
    label = "mlserver" if parallel_workers is None else f"mlserver pw={parallel_workers}"
    root = logs / label.replace(" ", "-").replace("=", "")
    http_port, grpc_port = free_port(), free_port()
    settings = {"http_port": http_port, "grpc_port": grpc_port, "metrics_port": free_port(), "host": "127.0.0.1"}
    if parallel_workers is not None:
        settings["parallel_workers"] = parallel_workers
    _write_json(root / "settings.json", settings)
    for model in ("lr", "rf"):
        _write_json(root / model / "model-settings.json", {
            "name": model, "implementation": "mlserver_sklearn.SKLearnModel",
            "parameters": {"uri": str(models[model].joblib_path)}})
    server = Server(label)
    started = time.monotonic()
    spawn(server, [venv.bin("mlserver"), "start", str(root)], logs, {"PYTHONPATH": ""})
    return _v2_system(server, started, http_port, grpc_port, probe, logs)


def _v2_system(server: Server, started: float, http_port: int, grpc_port: int, probe: np.ndarray,
               cache: Path, v1: bool = False) -> System:
    base = f"http://127.0.0.1:{http_port}"
    server.wait_first_prediction(http_ok(f"{base}/v2/models/lr/infer", v2_json("lr", probe)), started)

    def endpoints(model: str, matrix: np.ndarray) -> list[Endpoint]:
        found = [Endpoint(f"{server.name} V2 REST", "http", f"{base}/v2/models/{model}/infer", v2_json(model, matrix)),
                 Endpoint(f"{server.name} V2 gRPC", "grpc", f"127.0.0.1:{grpc_port}",
                          oip.infer_request(cache, model, matrix), oip.METHOD)]
        if v1:
            found.insert(0, Endpoint(f"{server.name} V1 REST", "http", f"{base}/v1/models/{model}:predict",
                                     v1_json(matrix)))
        return found
    return System(server, endpoints)


def start_kserve(logs: Path, models: dict[str, ModelFiles], probe: np.ndarray, venv: Venv) -> System:
    server, http_port, grpc_port = Server("kserve"), free_port(), free_port()
    started = time.monotonic()
    spawn(server, [venv.python, str(SERVERS / "kserve_sklearn.py"), str(http_port), str(grpc_port),
                   *(f"{m}={models[m].joblib_path}" for m in ("lr", "rf"))], logs, {"PYTHONPATH": ""})
    return _v2_system(server, started, http_port, grpc_port, probe, logs, v1=True)


def start_bentoml(logs: Path, models: dict[str, ModelFiles], probe: np.ndarray, venv: Venv) -> System:
    server, port = Server("bentoml"), free_port()
    started = time.monotonic()
    env = {**_model_env(models), "PYTHONPATH": "", "BENTOML_DO_NOT_TRACK": "true",
           "BENTOML_HOME": str(logs / "bentoml")}
    spawn(server, [venv.bin("bentoml"), "serve", "bentoml_service:Bench", "--host", "127.0.0.1", "--port", str(port)],
          logs, env, cwd=SERVERS)
    base = f"http://127.0.0.1:{port}/"
    server.wait_first_prediction(http_ok(base + "lr", hydrosphere_json(probe)), started)

    def endpoints(model: str, matrix: np.ndarray) -> list[Endpoint]:
        return [Endpoint("bentoml HTTP", "http", base + model, hydrosphere_json(matrix))]
    return System(server, endpoints)


def _write_json(path: Path, document: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))


__all__ = ["REPO", "System", "start_bentoml", "start_flask_floor", "start_grpc_floor", "start_hydro_runtime",
           "start_kserve", "start_mlserver"]
