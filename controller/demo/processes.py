"""Starts and stops the demo's real process: `hydro up`."""

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


def start_hydro_up(home: Path, port: int, grpc_port: int, env: Mapping[str, str]) -> Process:
    """`hydro up` with state under `home`; returns once it says it is up."""
    args = [str(Path(sys.executable).parent / "hydro"), "up", "--home", str(home), "--http-port", str(port),
            "--grpc-port", str(grpc_port)]
    home.mkdir(parents=True, exist_ok=True)
    process = spawn("hydro-up", args, env, home)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"hydro up exited with {process.popen.returncode}:\n{process.tail()}")
        if "Hydro is up" in process.log.read_text(errors="replace"):
            return process
        time.sleep(0.2)
    process.stop()
    raise RuntimeError(f"hydro up did not start within 120 s:\n{process.tail()}")


def authenticated(server: str, home: Path) -> str:
    """`server` with `hydro up`'s admin token (from `<home>/admin-token`) as its password, which
    requests, and so the `hydro` CLI, send as Basic auth; `server` itself when auth is off."""
    token_file = home / "admin-token"
    if not token_file.exists():
        return server
    scheme, _, rest = server.partition("://")
    return f"{scheme}://hydro:{token_file.read_text().strip()}@{rest}"
