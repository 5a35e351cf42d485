"""A cached virtualenv holding the real Hydrosphere 3.0.3 clients (`hs` CLI and `hydrosdk`).

The clients pin libraries that cannot install on Python 3.11 (numpy==1.18.3, pyyaml<6, ...), so
`hs-requirements.txt` pins every package they import to the closest versions that ship cp311
wheels, and everything is installed with `--no-deps --only-binary=:all:`: no resolver surprises,
nothing compiled. numpy 1.23.5 still carries the aliases hydrosdk uses at import time (`np.int`,
`np.float`, `np.bool`, `np.unicode_`, `np.complex256`), so no source patch is needed; the only
environment tweak is a `sitecustomize.py` that silences numpy's deprecation warnings for those
aliases, so the clients' stderr stays as clean as it was on their own Python.

The environment lives under `<cache_dir>/<hash>`, where the hash covers the requirements file, this
module's shim and the interpreter version; a `.ready` marker is written last, so an interrupted
build is detected and redone. A file lock makes concurrent test sessions wait for one builder.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import shutil
import subprocess
import sys
import venv
from pathlib import Path

logger = logging.getLogger(__name__)

REQUIREMENTS = Path(__file__).with_name("hs-requirements.txt")
READY_MARKER = ".ready"
BUILD_TIMEOUT_S = 600

# Installed as site-packages/sitecustomize.py in the client venv only.
SITECUSTOMIZE = '''"""Hydro test harness: keep numpy's alias deprecation warnings out of the 3.0.3 clients' output."""
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning, message=r"`np\\.\\w+` is a deprecated alias")
'''


class HsEnvError(RuntimeError):
    """The client virtualenv could not be built or failed its smoke check."""


def env_key() -> str:
    """Hash naming one build of the environment: requirements, shim and interpreter version."""
    digest = hashlib.sha256()
    digest.update(REQUIREMENTS.read_bytes())
    digest.update(SITECUSTOMIZE.encode())
    digest.update(f"{sys.version_info.major}.{sys.version_info.minor}".encode())
    return digest.hexdigest()[:16]


def venv_python(env: Path) -> Path:
    """The interpreter of a virtualenv built by `ensure_hs_env`."""
    return env / "bin" / "python"


def hs_executable(env: Path) -> Path:
    """The `hs` console script of a virtualenv built by `ensure_hs_env`."""
    return env / "bin" / "hs"


def ensure_hs_env(cache_dir: Path) -> Path:
    """Return a ready virtualenv with hs==3.0.3 and hydrosdk==3.0.3, building it on first use."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    env = cache_dir / env_key()
    with open(cache_dir / f"{env.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (env / READY_MARKER).exists():
            _build(env)
    return env


def _build(env: Path) -> None:
    if env.exists():
        logger.info("removing incomplete hs env %s", env)
        shutil.rmtree(env)
    logger.info("building hs env %s", env)
    # No pip inside the env: the test runner's own pip installs into it (`pip --python`), which
    # saves bootstrapping a second pip.
    venv.EnvBuilder(with_pip=False, clear=True).create(env)
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv_python(env)),
            "install",
            "--no-deps",
            "--only-binary=:all:",
            "--no-input",
            "--disable-pip-version-check",
            "-q",
            "-r",
            str(REQUIREMENTS),
        ],
        "installing the pinned client requirements",
    )
    _site_packages(env).joinpath("sitecustomize.py").write_text(SITECUSTOMIZE)
    _smoke_check(env)
    (env / READY_MARKER).write_text(env_key())


def _site_packages(env: Path) -> Path:
    found = list((env / "lib").glob("python3*/site-packages"))
    if len(found) != 1:
        raise HsEnvError(f"hs env {env}: expected one site-packages folder, found {found}")
    return found[0]


def _smoke_check(env: Path) -> None:
    help_text = _run([str(hs_executable(env)), "--help"], "running `hs --help`")
    for command in ("apply", "cluster", "model", "app", "depconf"):
        if command not in help_text:
            raise HsEnvError(f"hs env {env}: `hs --help` does not list the {command!r} command")
    _run(
        [
            str(venv_python(env)),
            "-W",
            "error::DeprecationWarning",
            "-c",
            "import hydrosdk; from hydrosdk.cluster import Cluster; print(hydrosdk.__version__)",
        ],
        "importing hydrosdk",
    )


def _run(cmd: list[str], what: str) -> str:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    if result.returncode != 0:
        raise HsEnvError(f"hs env: {what} failed (exit {result.returncode}):\n{result.stderr[-4000:]}")
    return result.stdout
