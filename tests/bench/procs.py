"""Server processes of the harness: start, wait for a first real prediction, measure, stop."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import requests

from controller.demo.processes import free_port

REPO = Path(__file__).resolve().parents[2]
__all__ = ["REPO", "Server", "free_port", "grpc_ok", "http_ok", "spawn"]


@dataclass
class Server:
    """Processes making up one system, with the log each writes to."""

    name: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)
    first_prediction_s: float = float("nan")  # process start to first successful prediction

    def add(self, popen: subprocess.Popen[bytes], log: Path) -> None:
        self.processes.append(popen)
        self.logs.append(log)

    def wait_first_prediction(self, probe: Callable[[], bool], started: float, timeout: float = 300) -> None:
        deadline = started + timeout
        while time.monotonic() < deadline:
            for popen, log in zip(self.processes, self.logs, strict=True):
                if popen.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"{self.name} exited with {popen.returncode}:\n{_tail(log)}")
            if probe():
                self.first_prediction_s = time.monotonic() - started
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"{self.name}: no successful prediction within {timeout:.0f} s:\n{_tail(self.logs[-1])}")

    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p.poll() is None]

    def stop(self, timeout: float = 15) -> None:
        for popen in self.processes:
            if popen.poll() is None:
                os.killpg(popen.pid, signal.SIGTERM)
        for popen in self.processes:
            try:
                popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(popen.pid, signal.SIGKILL)
                popen.wait()


def spawn(server: Server, args: list[str], logs: Path, env: Mapping[str, str] | None = None,
          cwd: Path = REPO) -> None:
    """Start one process in its own process group (so stop() reaches its workers too)."""
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{server.name}-{len(server.processes)}.log"
    environ = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    with log.open("wb") as handle:
        popen = subprocess.Popen(args, cwd=cwd, env=environ, stdout=handle, stderr=subprocess.STDOUT,
                                 start_new_session=True)
    server.add(popen, log)


def http_ok(url: str, body: bytes) -> Callable[[], bool]:
    def probe() -> bool:
        try:
            answer = requests.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=10)
            return answer.status_code == 200
        except requests.RequestException:
            return False
    return probe


def grpc_ok(target: str, method: str, body: bytes) -> Callable[[], bool]:
    # Reconnect quickly while the server starts, instead of gRPC's default backoff of 1 s and more.
    channel = grpc.insecure_channel(target, options=[("grpc.initial_reconnect_backoff_ms", 20),
                                                     ("grpc.max_reconnect_backoff_ms", 50)])
    call = channel.unary_unary(method, request_serializer=None, response_deserializer=None)

    def probe() -> bool:
        try:
            call(body, timeout=10)
            return True
        except grpc.RpcError:
            return False
    return probe


def _tail(log: Path, lines: int = 25) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""
