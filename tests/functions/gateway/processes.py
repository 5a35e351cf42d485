"""Real processes: the local broker (`python -m controller.local.broker`) and the gateway
(`python -m functions.gateway`), each on a free port, stderr kept for assertions."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[3]


def wait_port(port: int, process: subprocess.Popen[bytes], stderr: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"process exited with {process.returncode}:\n{read(stderr)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port} after {timeout}s:\n{read(stderr)}")


def read(stderr: Any) -> str:
    stderr.seek(0)
    return stderr.read().decode("utf-8", errors="replace")


class Process:
    """A `python -m <module>` child with PYTHONPATH at the repository."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.stderr_file = tempfile.TemporaryFile()  # noqa: SIM115  (closed by close())
        environ = {**os.environ, "PYTHONPATH": str(REPO), **env}
        # A session of its own, so kill9 can take down a gunicorn master and its workers at once.
        self.process = subprocess.Popen([sys.executable, "-m", *args], cwd=REPO, env=environ,
                                        stdout=subprocess.DEVNULL, stderr=self.stderr_file,
                                        start_new_session=True)

    def stderr(self) -> str:
        return read(self.stderr_file)

    def wait_listening(self, port: int) -> None:
        """Wait for the port; on failure the process is stopped before the error propagates."""
        try:
            wait_port(port, self.process, self.stderr_file)
        except BaseException:
            self.close()
            raise

    def kill9(self) -> None:
        """SIGKILL the process and every process it started (a crash: no cleanup runs)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def terminate(self, timeout: float = 20.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"did not exit within {timeout}s of SIGTERM:\n{self.stderr()}") from None

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if not self.stderr_file.closed:
            self.stderr_file.close()


class BrokerProcess(Process):
    """The local broker `hydro/hydro` storing events in `db`; its ingress is `url`."""

    def __init__(self, db: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.db = db
        self.url = f"http://127.0.0.1:{self.port}/hydro/hydro"
        super().__init__(["controller.local.broker", "--db", str(db), "--port", str(self.port),
                          "--namespace", "hydro", "--broker", "hydro"], {})
        self.wait_listening(self.port)

    def events(self) -> list[dict[str, Any]]:
        """Every event the broker stored, in order (structured JSON, as its log keeps them)."""
        with sqlite3.connect(self.db) as conn:
            return [json.loads(payload) for (payload,) in conn.execute("SELECT payload FROM events ORDER BY seq")]

    def wait_events(self, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.events() if self.db.exists() else []
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{len(found)} events stored after {timeout}s, expected {count}")


class GatewayProcess(Process):
    """`python -m functions.gateway` with the given HYDRO_* settings on a free port."""

    def __init__(self, env: dict[str, str], port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.address = f"127.0.0.1:{self.port}"
        super().__init__(["functions.gateway"], {"PORT": str(self.port), "HYDRO_GATEWAY_HOST": "127.0.0.1", **env})
        self.wait_listening(self.port)
