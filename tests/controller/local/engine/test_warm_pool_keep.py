"""Which warm pools the engine keeps: a real functions pool (`python -m functions.host.zygote`)
forking a real function, waited for while it imports, and kept while its function runs."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from controller.local.engine.children import ChildProcesses
from controller.local.engine.environment import ProcessCommand, minimal_environment
from controller.local.engine.logs import ServiceLogWriter
from controller.local.engine.warm_pool import WarmPools

REPO = Path(__file__).resolve().parents[4]
FUNCTIONS = ProcessCommand((sys.executable, "-m", "functions"), {"PYTHONPATH": str(REPO)}, REPO,
                           warm_pool=(sys.executable, "-m", "functions.host.zygote"))
RUNTIMES = ProcessCommand((sys.executable, "-m", "runtimes"), {"PYTHONPATH": str(REPO)}, REPO,
                          warm_pool=(sys.executable, "-m", "runtimes.zygote"))


@pytest.fixture
def pools(tmp_path: Path) -> Iterator[WarmPools]:
    children = ChildProcesses()
    pools = WarmPools(children, minimal_environment(os.environ), ServiceLogWriter(tmp_path / "pool.log"), limit=1)
    try:
        yield pools
    finally:
        pools.close()
        children.kill_all()
        children.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def function_env(tmp_path: Path, port: int) -> dict[str, str]:
    return {**minimal_environment(os.environ), "PYTHONPATH": str(REPO), "HYDRO_FUNCTION": "alerts",
            "PORT": str(port), "HYDRO_FUNCTION_HOST": "127.0.0.1", "HYDRO_FUNCTION_WORKERS": "0",
            "HYDRO_HOME": str(tmp_path), "HYDRO_CONTROLLER_URL": "http://127.0.0.1:9"}


def healthy(port: int, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return requests.get(f"http://127.0.0.1:{port}/health", timeout=2).json()["function"] == "alerts"
        except requests.RequestException:
            time.sleep(0.1)
    return False


def test_a_fork_waits_for_a_pool_still_importing(pools: WarmPools, tmp_path: Path) -> None:
    pools.keep([FUNCTIONS])
    assert not pools.snapshot()[0]["ready"]  # just started: importing Flask, SQLAlchemy, numpy...
    port = free_port()
    forked = pools.fork(FUNCTIONS, function_env(tmp_path, port))
    assert forked is not None, "the function was spawned instead of forked from its starting pool"
    assert healthy(port)
    forked.kill()
    assert forked.wait(30) == -signal.SIGKILL


def test_a_pool_with_running_processes_is_kept_beyond_the_limit(pools: WarmPools, tmp_path: Path) -> None:
    pools.keep([FUNCTIONS])
    port = free_port()
    forked = pools.fork(FUNCTIONS, function_env(tmp_path, port))
    assert forked is not None and healthy(port)
    pools.keep([RUNTIMES, RUNTIMES, FUNCTIONS])  # limit 1: the runtimes' pool ranks first
    kept = {p["argv"][-1] for p in pools.snapshot()}
    assert kept == {"runtimes.zygote", "functions.host.zygote"}
    assert forked.poll() is None and healthy(port)
    forked.kill()
    forked.wait(30)
    pools.keep([RUNTIMES, RUNTIMES, FUNCTIONS])  # nothing of it runs any more: back to the limit
    assert {p["argv"][-1] for p in pools.snapshot()} == {"runtimes.zygote"}
