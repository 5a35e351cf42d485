"""`hydro up` as a real process for end-to-end tests, plus the demo's models applied to it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests

from controller.demo.models import DemoData, load_data, write_models
from tests.conftest import free_port

HYDRO = str(Path(sys.executable).parent / "hydro")


class UpProcess:
    """One `hydro up`; `start()` waits until the gateway fronts the manager API."""

    def __init__(self, home: Path, env: Mapping[str, str] | None = None) -> None:
        self.home = home
        self.http_port = free_port()
        self.grpc_port = free_port()
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def start(self, timeout: float = 90) -> None:
        log = (self.home / "up.out").open("ab")
        self.process = subprocess.Popen(
            [HYDRO, "up", "--home", str(self.home), "--http-port", str(self.http_port),
             "--grpc-port", str(self.grpc_port)], stdout=log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"hydro up exited with {self.process.returncode}:\n{self.output()}")
            try:
                if requests.get(f"{self.url}/health", timeout=1).ok and b"Hydro is up" in self._out_bytes():
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError(f"hydro up did not start within {timeout} s:\n{self.output()}")

    def stop(self, sig: int = signal.SIGINT, timeout: float = 60) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def _out_bytes(self) -> bytes:
        path = self.home / "up.out"
        return path.read_bytes() if path.exists() else b""

    def output(self) -> str:
        return self._out_bytes().decode(errors="replace")[-5000:]

    def hydro(self, *args: str) -> str:
        result = subprocess.run([HYDRO, "--server", self.url, *args], capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def get(self, path: str) -> Any:
        answer = requests.get(f"{self.url}{path}", timeout=30)
        answer.raise_for_status()
        return answer.json()

    def wait_for(self, check: Any, what: str, timeout: float = 120) -> Any:
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            try:
                last = check()
                if last:
                    return last
            except (requests.RequestException, KeyError, AssertionError) as error:
                last = error
            time.sleep(0.25)
        raise AssertionError(f"timed out waiting for {what}; last: {last!r}\n{self.output()}")


def apply_demo(up: UpProcess, root: Path) -> DemoData:
    """Train and apply the demo's models and its 80/20 application; wait until it is Ready."""
    data = load_data()
    folders = write_models(root, data)
    for target in [*folders, root / "application.yaml"]:
        up.hydro("apply", "-f", str(target))
    up.wait_for(lambda: up.get("/api/v2/application/wine")["status"] == "Ready", "application wine Ready", 180)
    return data
