"""Fixtures that run the real Hydrosphere 3.0.3 clients (`hs`, `hydrosdk`) against a server.

`hs_env` builds (once, cached under `<sys.prefix>/cache/hs-env`) the client virtualenv; `run_hs`
runs the `hs` CLI there with HOME pointed at a per-test folder, because hs keeps its cluster list
in `~/.hs/config.yaml` and most `hs` subcommands read that default path even when `--config-file`
is given. `run_sdk` runs a Python snippet with the client interpreter, for hydrosdk calls.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.compat.hs_env import ensure_hs_env, hs_executable, venv_python
from tests.compat.recorder import Recorder, Reply

HS_CACHE_DIR = Path(sys.prefix) / "cache" / "hs-env"
CLIENT_TIMEOUT_S = 60
# Variables of the test runner's own interpreter that must not leak into the client venv.
_LEAKY_VARS = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")


@dataclass(frozen=True)
class ClientResult:
    """Outcome of one client process."""

    returncode: int
    stdout: str
    stderr: str


def client_environ(home: Path) -> dict[str, str]:
    """Environment for a client process: the caller's, with HOME moved and Python vars removed."""
    env = {key: value for key, value in os.environ.items() if key not in _LEAKY_VARS}
    env["HOME"] = str(home)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def run_client(cmd: list[str], home: Path, cwd: Path, stdin: str | None = None) -> ClientResult:
    """Run one client command to completion and capture its output."""
    result = subprocess.run(
        cmd,
        cwd=cwd,
        env=client_environ(home),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=CLIENT_TIMEOUT_S,
    )
    return ClientResult(result.returncode, result.stdout, result.stderr)


RunHs = Callable[..., ClientResult]


@pytest.fixture(scope="session")
def hs_env() -> Path:
    """Path of the virtualenv holding hs==3.0.3 and hydrosdk==3.0.3."""
    return ensure_hs_env(HS_CACHE_DIR)


@pytest.fixture
def hs_home(tmp_path: Path) -> Path:
    """An empty HOME for one test; hs writes `.hs/config.yaml` under it."""
    home = tmp_path / "home"
    home.mkdir()
    return home


@pytest.fixture
def run_hs(hs_env: Path, hs_home: Path, tmp_path: Path) -> RunHs:
    """Run `hs <args>` with HOME=hs_home; cwd defaults to tmp_path (hydrosdk writes `.hs/` there)."""

    def run(*args: str, cwd: Path | None = None, stdin: str | None = None) -> ClientResult:
        return run_client([str(hs_executable(hs_env)), *args], hs_home, cwd or tmp_path, stdin)

    return run


@pytest.fixture
def run_sdk(hs_env: Path, hs_home: Path, tmp_path: Path) -> Callable[..., ClientResult]:
    """Run a Python snippet with the client interpreter (hydrosdk importable)."""

    def run(code: str, cwd: Path | None = None) -> ClientResult:
        return run_client([str(venv_python(hs_env)), "-c", code], hs_home, cwd or tmp_path)

    return run


@pytest.fixture
def recorder(request: pytest.FixtureRequest) -> Iterator[Recorder]:
    """A started request recorder; parametrize it indirectly with its routes table."""
    routes: dict[tuple[str, str], Reply] = getattr(request, "param", {})
    rec = Recorder(routes).start()
    yield rec
    rec.stop()


@pytest.fixture
def with_cluster(run_hs: RunHs, recorder: Recorder) -> Recorder:
    """hs configured with one cluster, `local`, pointing at the recorder."""
    added = run_hs("cluster", "add", "--name", "local", "--server", recorder.url)
    assert added.returncode == 0, added.stderr
    return recorder
