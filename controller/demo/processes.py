"""Starts and stops the demo's real processes: the controller (gunicorn) and model runtimes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import grpc
import requests
from grpc_health.v1 import health_pb2, health_pb2_grpc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def stop(self, timeout: float = 10) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()

    def tail(self, lines: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def spawn(name: str, args: list[str], env: Mapping[str, str], logs: Path, cwd: Path | None = None) -> Process:
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    handle = log.open("wb")
    popen = subprocess.Popen(args, env={**os.environ, **env}, stdout=handle, stderr=subprocess.STDOUT, cwd=cwd)
    return Process(name, popen, log)


def start_controller(home: Path, port: int, logs: Path) -> Process:
    """gunicorn with the threaded worker (SSE streams hold a thread each), state under `home`."""
    args = [sys.executable, "-m", "gunicorn", "-k", "gthread", "--threads", "8", "-b", f"127.0.0.1:{port}",
            "controller.wsgi:app"]
    process = spawn("controller", args, {"HYDRO_HOME": str(home)}, logs)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"the controller exited with {process.popen.returncode}:\n{process.tail()}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok:
                return process
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    process.stop()
    raise RuntimeError(f"the controller did not answer /health within 60 s:\n{process.tail()}")


def start_runtime(name: str, model_uri: str, port: int, logs: Path, cache: Path) -> Process:
    env = {"PORT": str(port), "HYDRO_MODEL_URI": model_uri, "HYDRO_RUNTIME_HOST": "127.0.0.1",
           "HYDRO_MODEL_CACHE": str(cache)}
    return spawn(name, [sys.executable, "-m", "runtimes"], env, logs)


def wait_serving(process: Process, port: int, timeout: float = 60) -> None:
    """Block until the runtime's gRPC health check says SERVING."""
    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if process.popen.poll() is not None:
                raise RuntimeError(f"{process.name} exited with {process.popen.returncode}:\n{process.tail()}")
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.05)
    raise RuntimeError(f"{process.name} was not SERVING within {timeout} s:\n{process.tail()}")
