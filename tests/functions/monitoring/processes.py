"""Real processes for the end-to-end test: `python -m functions` serving the monitoring function,
and `python -m runtimes` on a port chosen beforehand (the function dials it as `HYDRO_UPSTREAM`)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import grpc
import requests
from cloudevents.core.base import BaseCloudEvent
from grpc_health.v1 import health_pb2, health_pb2_grpc

from protos import cloudevent_http

REPO = Path(__file__).resolve().parents[3]


class Process:
    """A child process whose output goes to a file kept for failure messages."""

    def __init__(self, module: str, env: dict[str, str]) -> None:
        self.log = tempfile.TemporaryFile()  # noqa: SIM115  (closed in stop())
        self.process = subprocess.Popen([sys.executable, "-m", module], cwd=REPO, stdout=self.log,
                                        stderr=subprocess.STDOUT,
                                        env={**os.environ, "PYTHONPATH": str(REPO), **env})

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", errors="replace")

    def alive(self) -> None:
        if self.process.poll() is not None:
            raise AssertionError(f"process exited with {self.process.returncode}:\n{self.output()}")

    def wait_healthy(self, url: str, what: str, timeout: float = 60) -> None:
        """Until `GET <url>/health` answers 2xx. A function host builds its function after the
        worker is forked, so the first answer can take seconds on a loaded machine."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.alive()
            try:
                if requests.get(f"{url}/health", timeout=5).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise AssertionError(f"{what} did not start:\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class FunctionProcess(Process):
    def __init__(self, port: int, env: dict[str, str]) -> None:
        super().__init__("functions", {"HYDRO_FUNCTION": "monitoring", "PORT": str(port),
                                       "HYDRO_FUNCTION_HOST": "127.0.0.1", **env})
        self.url = f"http://127.0.0.1:{port}"
        self.wait_healthy(self.url, "the monitoring function")

    def post(self, event: BaseCloudEvent) -> requests.Response:
        message = cloudevent_http.to_binary(event)
        return requests.post(self.url, data=message.body, headers=dict(message.headers), timeout=60)

    def get(self, path: str) -> Any:
        answer = requests.get(f"{self.url}{path}", timeout=30)
        assert answer.ok, f"GET {path}: {answer.status_code} {answer.text}\n{self.output()[-3000:]}"
        return answer.json()


def reply_of(answer: requests.Response) -> BaseCloudEvent | None:
    """The reply event of a 200 answer; None for 202."""
    assert answer.status_code in (200, 202), answer.text
    if answer.status_code == 202:
        return None
    return cloudevent_http.parse_http(dict(answer.headers), answer.content)


class RuntimeProcess(Process):
    def __init__(self, port: int, model_uri: str) -> None:
        super().__init__("runtimes", {"PORT": str(port), "HYDRO_RUNTIME_HOST": "127.0.0.1",
                                      "HYDRO_MODEL_URI": model_uri, "HYDRO_DRAIN_SECONDS": "0"})
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        health = health_pb2_grpc.HealthStub(channel)
        request = health_pb2.HealthCheckRequest(service="hydrosphere.serving.runtime.PredictionService")
        deadline = time.monotonic() + 30
        try:
            while time.monotonic() < deadline:
                self.alive()
                try:
                    if health.Check(request, timeout=1).status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.RpcError:
                    time.sleep(0.1)
            raise AssertionError(f"runtime not serving:\n{self.output()}")
        finally:
            channel.close()
