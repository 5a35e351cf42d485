"""A real `hydro up` for the benchmark: models applied over the controller API (the demo's and the
CLI's own functions), applications, gateway endpoints, scale-to-zero and the process tree's memory."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import requests

from controller.cli import apply as cli_apply
from controller.cli.client import ApiClient
from controller.demo import processes
from tests.bench.client import Endpoint
from tests.bench.memory import tree_memory
from tests.bench.models import ModelFiles, hydrosphere_json
from tests.bench.systems import GATEWAY_PREDICT, gateway_request

SERVABLE_PREDICT = "/hydrosphere.serving.gateway.GatewayService/PredictServable"
SHADOWLESS_PREDICT = "/hydrosphere.serving.gateway.GatewayService/ShadowlessPredictServable"
MONITORED = "hydro gateway gRPC"
MODEL_SERVICE_PREFIX = "mv-"  # the planner's Knative Service names for model versions


def servable_request(name: str, matrix: np.ndarray) -> bytes:
    return gateway_request(name, matrix)

# The CLI's progress bars and build logs would drown the harness's own output.
cli_apply.console.quiet = True


class Platform:
    """`hydro up` with auth off and the given idle window; state under `home`."""

    def __init__(self, home: Path, idle_window_s: float) -> None:
        self.home = home
        self.http_port, self.grpc_port = processes.free_port(), processes.free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.env = {"HYDRO_AUTH": "disabled", "HYDRO_IDLE_WINDOW_SECONDS": str(idle_window_s)}
        self.process: processes.Process | None = None

    def start(self) -> Platform:
        self.process = processes.start_hydro_up(self.home, self.http_port, self.grpc_port, self.env)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop(timeout=60)

    def apply(self, path: Path) -> None:
        cli_apply.apply_all(ApiClient(self.url), cli_apply.load((str(path),)))

    def application(self, name: str, stages: list[str]) -> None:
        """A singular application (one stage) or a pipeline (several), applied and waited for."""
        path = self.home / f"{name}.yaml"
        if len(stages) == 1:
            path.write_text(f"kind: Application\nname: {name}\nsingular:\n  model: {stages[0]}\n")
        else:
            lines = "".join(f"  - - model: {stage}\n" for stage in stages)
            path.write_text(f"kind: Application\nname: {name}\npipeline:\n{lines}")
        self.apply(path)
        self.wait_for(lambda: self.get(f"/api/v2/application/{name}").get("status") == "Ready", f"{name} Ready", 300)

    def servable(self, model: str, version: int) -> str:
        answer = requests.post(f"{self.url}/api/v2/servable", json={"modelName": model, "version": version},
                               timeout=30)
        answer.raise_for_status()
        return str(answer.json()["fullName"])

    def servable_of(self, model: str, version: int) -> str:
        """The name of a servable already running `model:version` (e.g. an application's)."""
        for item in self.get("/api/v2/servable"):
            if (item["modelName"], item["modelVersion"]) == (model, version):
                return str(item["fullName"])
        raise RuntimeError(f"hydro up: no servable runs {model}:{version}")

    def monitoring_endpoints(self, model: str, matrix: np.ndarray) -> list[Endpoint]:
        """The same servable through the gRPC gateway, recorded for monitoring and not
        (`ShadowlessPredictServable` records no event): the difference is monitoring's cost."""
        name = self.servable_of(model, 1)
        body = servable_request(name, matrix)
        return [Endpoint(f"{MONITORED} {model} servable, monitored", "grpc", f"127.0.0.1:{self.grpc_port}", body,
                         SERVABLE_PREDICT),
                Endpoint(f"{MONITORED} {model} servable, no events", "grpc", f"127.0.0.1:{self.grpc_port}", body,
                         SHADOWLESS_PREDICT)]

    def get(self, path: str) -> Any:
        answer = requests.get(f"{self.url}{path}", timeout=30)
        answer.raise_for_status()
        return answer.json()

    def wait_for(self, check: Any, what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.2)
        raise RuntimeError(f"hydro up: timed out waiting for {what}")

    def replicas(self) -> int:
        """Model-version workers ready or starting (the monitoring functions' own never scale to zero)."""
        services = self.get("/api/v2/engine")["services"]
        return sum(int(s.get("ready", 0)) + int(s.get("starting", 0)) for name, s in services.items()
                   if name.startswith(MODEL_SERVICE_PREFIX))

    def memory(self) -> dict[str, float]:
        assert self.process is not None
        return tree_memory(self.process.popen.pid)

    def endpoints(self, application: str, matrix: np.ndarray) -> list[Endpoint]:
        return [Endpoint("hydro gateway HTTP" + _suffix(application), "http",
                         f"{self.url}/gateway/application/{application}", hydrosphere_json(matrix)),
                Endpoint("hydro gateway gRPC" + _suffix(application), "grpc", f"127.0.0.1:{self.grpc_port}",
                         gateway_request(application, matrix), GATEWAY_PREDICT)]


def _suffix(application: str) -> str:
    return " (2-stage pipeline)" if application.endswith("pipe") else ""


def deploy_bench(platform: Platform, models: dict[str, ModelFiles]) -> None:
    """bench-lr, bench-rf and bench-scaler uploaded; apps bench-lr, bench-rf and bench-pipe (scaler -> lr)."""
    for name in ("lr", "rf", "scaler"):
        platform.apply(models[name].hydro_folder)
    for name in ("lr", "rf"):
        platform.application(f"bench-{name}", [f"bench-{name}:1"])
    platform.application("bench-pipe", ["bench-scaler:1", "bench-lr:1"])
