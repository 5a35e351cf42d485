"""The functions' warm pool: a real `python -m functions.host.zygote` on a real socket, forking
real functions that serve HTTP, report their exits, and die with the pool."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from protos.forkserver import FD_VARIABLE

REPO = Path(__file__).resolve().parents[3]


class Pool:
    """The engine's end of one pool: send a fork, read the replies."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {**os.environ, FD_VARIABLE: str(theirs.fileno()), "PYTHONPATH": str(REPO)}
        self.process = subprocess.Popen([sys.executable, "-m", "functions.host.zygote"], env=env, cwd=REPO,
                                        pass_fds=(theirs.fileno(),))
        theirs.close()
        self.channel.settimeout(120)
        self.ready = self.receive()

    def receive(self) -> dict[str, Any]:
        return dict(json.loads(self.channel.recv(256 * 1024)))

    def fork(self, function: str, port: int, ident: int) -> tuple[dict[str, Any], Path]:
        log = self.tmp / f"{function}-{ident}.log"
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO), "HYDRO_FUNCTION": function,
               "PORT": str(port), "HYDRO_FUNCTION_HOST": "127.0.0.1", "HYDRO_FUNCTION_WORKERS": "0",
               "HYDRO_HOME": str(self.tmp / function), "HYDRO_CONTROLLER_URL": "http://127.0.0.1:9"}
        with log.open("wb") as output:
            socket.send_fds(self.channel, [json.dumps({"op": "fork", "id": ident, "env": env,
                                                       "cwd": str(self.tmp)}).encode()], [output.fileno()])
        return self.receive(), log

    def close(self) -> None:
        self.channel.close()
        self.process.wait(timeout=30)


@pytest.fixture
def pool(tmp_path: Path) -> Iterator[Pool]:
    pool = Pool(tmp_path)
    try:
        yield pool
    finally:
        if pool.process.poll() is None:
            pool.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def health(port: int, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return dict(requests.get(f"http://127.0.0.1:{port}/health", timeout=2).json())
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_the_pool_preloads_every_function_before_saying_ready(pool: Pool) -> None:
    assert pool.ready["op"] == "ready" and pool.ready["pid"] == pool.process.pid
    assert {"functions.monitoring.function", "functions.alerts.function", "functions.explainer.function",
            "functions.projector.function"} <= set(pool.ready["preloaded"])


def test_forked_functions_serve_their_own_port_with_their_own_environment(pool: Pool) -> None:
    ports = {"alerts": free_port(), "projector": free_port()}
    pids = {}
    for ident, (name, port) in enumerate(ports.items(), start=1):
        reply, _ = pool.fork(name, port, ident)
        assert reply == {"op": "forked", "id": ident, "pid": reply["pid"]}
        pids[name] = reply["pid"]
    for name, port in ports.items():
        assert health(port) == {"status": "ok", "function": name}
        environ = Path(f"/proc/{pids[name]}/environ").read_bytes().split(b"\0")
        assert f"HYDRO_FUNCTION={name}".encode() in environ  # what `ps e` shows is the function's own
        argv = [a for a in Path(f"/proc/{pids[name]}/cmdline").read_bytes().split(b"\0") if a]
        assert argv == [sys.executable.encode(), b"-m", b"functions"]  # and `ps`, what a spawned one shows
        assert int(Path(f"/proc/{pids[name]}/stat").read_text().rsplit(")", 1)[1].split()[1]) == pool.process.pid


def test_a_crashed_function_is_reported_and_the_others_keep_serving(pool: Pool) -> None:
    alerts, projector = free_port(), free_port()
    crashed = pool.fork("alerts", alerts, 1)[0]["pid"]
    pool.fork("projector", projector, 2)
    health(alerts)
    health(projector)
    os.kill(crashed, signal.SIGKILL)
    assert pool.receive() == {"op": "exit", "pid": crashed, "code": -signal.SIGKILL}
    assert health(projector)["function"] == "projector"
    again = pool.fork("alerts", alerts, 3)[0]  # what the engine does next: fork it again, same port
    assert again["op"] == "forked" and health(alerts)["function"] == "alerts"


def test_a_function_that_cannot_start_exits_with_its_reason(pool: Pool) -> None:
    reply, log = pool.fork("no-such-function", free_port(), 1)
    assert pool.receive() == {"op": "exit", "pid": reply["pid"], "code": 2}
    assert "is not an available function" in log.read_text()


def test_a_bad_request_is_answered_and_the_pool_carries_on(pool: Pool) -> None:
    pool.channel.send(json.dumps({"op": "fork", "id": 7, "env": {}}).encode())  # no descriptor attached
    reply = pool.receive()
    assert reply["op"] == "error" and reply["id"] == 7 and "one descriptor" in reply["message"]
    assert pool.fork("alerts", free_port(), 8)[0]["op"] == "forked"


def test_functions_die_with_their_pool(pool: Pool) -> None:
    port = free_port()
    child = pool.fork("alerts", port, 1)[0]["pid"]
    health(port)
    pool.close()  # the engine's end closes: the pool exits, its children get their death signal
    deadline = time.monotonic() + 30
    while Path(f"/proc/{child}").exists() and b") Z" not in Path(f"/proc/{child}/stat").read_bytes():
        assert time.monotonic() < deadline, "the forked function outlived its pool"
        time.sleep(0.1)


def test_the_preload_imports_no_heavy_library() -> None:
    """What every function shares stays what every function needs: scipy, scikit-learn, umap... are
    imported by the one function that uses them, when it does (see test_lazy_imports)."""
    probe = ("import importlib, json, sys\nfrom functions.host.zygote import DEFAULT_PRELOAD\n"
             "for name in DEFAULT_PRELOAD: importlib.import_module(name)\n"
             "print(json.dumps(sorted({n.split('.')[0] for n in sys.modules})))")
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                           check=True, cwd=REPO, timeout=120).stdout))
    assert {"flask", "sqlalchemy", "numpy", "grpc"} <= loaded
    assert not loaded & {"scipy", "sklearn", "umap", "numba", "PIL", "pandas"}
