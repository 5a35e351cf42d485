"""A model version's own virtual environment (`HYDRO_HOME/envs/<model>-<version>`).

Created with `--system-site-packages`, and with a `.pth` file naming the controller's own
site-packages: when the controller itself runs from a virtualenv, the venv's "system" packages
are the base interpreter's, not the platform's (numpy, scikit-learn...), so the `.pth` is what
makes those visible. The version's own installs come first on `sys.path`, so it can still pin
other versions of the same packages.

The environment is created without its own copy of pip (`ensurepip` takes seconds per build);
`bin/pip` runs the platform's pip with the environment's python, which installs into the
environment, exactly as a pip of its own would.
"""

from __future__ import annotations

import shutil
import sys
import sysconfig
from collections.abc import Mapping
from pathlib import Path

from controller.builds.process import CommandResult, LineCallback, run_command

PTH_FILE = "_hydro_platform.pth"


def create_environment(
    path: Path, *, env: Mapping[str, str], timeout: float, on_line: LineCallback
) -> CommandResult:
    """Create (or recreate) the environment at `path`, streaming venv's output to `on_line`."""
    shutil.rmtree(path, ignore_errors=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(path)]
    on_line(f"$ python -m venv --system-site-packages {path}\n")
    result = run_command(command, cwd=path.parent, env=env, timeout=timeout, on_line=on_line)
    if result.ok:
        _link_platform_packages(path)
        _add_pip(path)
    return result


def python_path(path: Path) -> Path:
    return path / "bin" / "python"


def bin_path(path: Path) -> Path:
    return path / "bin"


def _link_platform_packages(path: Path) -> None:
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site_packages = path / "lib" / version / "site-packages"
    platform = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site_packages / PTH_FILE).write_text("".join(f"{entry}\n" for entry in platform), encoding="utf-8")


def _add_pip(path: Path) -> None:
    for name in ("pip", "pip3"):
        script = bin_path(path) / name
        script.write_text(f'#!/bin/sh\nexec "{python_path(path)}" -m pip "$@"\n', encoding="utf-8")
        script.chmod(0o755)
