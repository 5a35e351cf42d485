"""A runtime started as a real process (`python -m runtimes`) and real gRPC clients to it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from protos.codec import arrays_to_tensors, tensors_to_arrays
from protos.hydrosphere.serving.runtime import api_pb2, api_pb2_grpc
from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[2]
SERVICE = "hydrosphere.serving.runtime.PredictionService"
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
# Reconnect quickly while the process starts, instead of gRPC's default 1 s backoff.
CHANNEL_OPTIONS = [("grpc.initial_reconnect_backoff_ms", 50), ("grpc.max_reconnect_backoff_ms", 100)]


def predict_request(arrays: dict[str, Any]) -> api_pb2.PredictRequest:
    return api_pb2.PredictRequest(inputs=arrays_to_tensors(arrays))


class RuntimeProcess:
    """One `python -m runtimes` process on a free port; stderr is kept in a file for assertions."""

    def __init__(self, model_uri: str, **env: str) -> None:
        self.port = free_port()
        environ = {**os.environ, "PORT": str(self.port), "HYDRO_RUNTIME_HOST": "127.0.0.1",
                   "HYDRO_MODEL_URI": model_uri, "PYTHONPATH": str(REPO), **env}
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115  (outlives this method; close() closes it)
        self.process = subprocess.Popen([sys.executable, "-m", "runtimes"], cwd=REPO, env=environ,
                                        stdout=subprocess.DEVNULL, stderr=self._stderr)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}", options=CHANNEL_OPTIONS)
        self.stub = api_pb2_grpc.PredictionServiceStub(self.channel)
        self.health = health_pb2_grpc.HealthStub(self.channel)

    def wait_serving(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"runtime exited with {self.process.returncode}:\n{self.stderr()}")
            try:
                if self.health.Check(health_pb2.HealthCheckRequest(service=SERVICE), timeout=1).status == SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"runtime not SERVING after {timeout}s:\n{self.stderr()}")

    def predict(self, arrays: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
        return tensors_to_arrays(self.stub.Predict(predict_request(arrays), timeout=timeout).outputs)

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", errors="replace")

    def terminate(self, timeout: float = 15.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"runtime did not exit within {timeout}s of SIGTERM:\n{self.stderr()}") from None

    def close(self) -> None:
        self.channel.close()
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._stderr.close()
