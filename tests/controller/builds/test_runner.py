"""Builds end in Released or Failed, never in a released broken version."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from controller.builds import BuildRunner
from controller.catalog import Catalog, Database, VersionStatus, upgrade
from controller.resources import ModelDefinition
from controller.settings import ControllerSettings
from controller.storage import LocalArtifactStore

CONTRACT = {"inputs": {"x": {"shape": "scalar", "type": "double"}},
            "outputs": {"y": {"shape": "scalar", "type": "double"}}}


@pytest.fixture
def settings(tmp_path: Path) -> ControllerSettings:
    environ = {**os.environ, "HYDRO_HOME": str(tmp_path / "home"), "HYDRO_S3_SECRET_KEY": "do-not-leak"}
    return replace(ControllerSettings.from_env(environ), build_timeout_seconds=60)


@pytest.fixture
def catalog(settings: ControllerSettings) -> Iterator[Catalog]:
    database = Database(settings.effective_database_url)
    upgrade(database)
    yield Catalog(database, LocalArtifactStore(settings.artifacts_dir))
    database.dispose()


@pytest.fixture
def runner(catalog: Catalog, settings: ControllerSettings) -> Iterator[BuildRunner]:
    builds = BuildRunner(catalog, settings)
    yield builds
    builds.shutdown()


@pytest.fixture
def payload(tmp_path: Path) -> Path:
    folder = tmp_path / "payload"
    folder.mkdir()
    (folder / "func_main.py").write_text("def predict(x):\n    return {'y': x}\n")
    return folder


def _upload(catalog: Catalog, payload: Path, install: str | None = None) -> int:
    spec: dict[str, Any] = {"name": "claims-model", "runtime": "python", "payload": ["."], "contract": CONTRACT}
    if install is not None:
        spec["install-command"] = install
    return catalog.create_model_version(ModelDefinition.from_dict(spec), payload).id


def test_no_install_command_releases_at_once(catalog: Catalog, runner: BuildRunner, payload: Path,
                                             settings: ControllerSettings) -> None:
    version_id = _upload(catalog, payload)
    runner.submit(version_id)
    version = runner.wait(version_id, timeout=30)
    assert (version.status, version.python_path) == (VersionStatus.RELEASED, None)
    assert catalog.build_log(version_id) == "no install-command: nothing to build\n"
    assert not settings.envs_dir.exists()


def test_failing_command_fails_the_version_with_its_exit_code(
    catalog: Catalog, runner: BuildRunner, payload: Path, settings: ControllerSettings
) -> None:
    version_id = _upload(catalog, payload, "echo about to fail; echo on stderr >&2; exit 3")
    version = runner.submit(version_id).result(timeout=60)
    assert (version.status, version.status_message) == (VersionStatus.FAILED, "install-command exited with 3")
    log = catalog.build_log(version_id)
    assert "about to fail\non stderr\n" in log and log.endswith("build failed: install-command exited with 3\n")
    assert not (settings.envs_dir / "claims-model-1").exists()  # no half-built environment kept
    assert not (settings.builds_dir / "claims-model-1").exists()


def test_timeout_kills_the_command_and_fails_the_version(
    catalog: Catalog, settings: ControllerSettings, payload: Path, tmp_path: Path
) -> None:
    runner = BuildRunner(catalog, replace(settings, build_timeout_seconds=4))
    pid_file = tmp_path / "pid"
    version_id = _upload(catalog, payload, f"echo started; sleep 60 & echo $! > {pid_file}; wait")
    started = time.monotonic()
    future = runner.submit(version_id)
    assert catalog.get_version(version_id).status == VersionStatus.ASSEMBLING  # submit does not block
    version = future.result(timeout=60)
    runner.shutdown()
    assert time.monotonic() - started < 30
    assert (version.status, version.status_message) == (VersionStatus.FAILED, "install-command timed out after 4 s")
    assert "started\n" in catalog.build_log(version_id)
    assert not _running(int(pid_file.read_text()))  # the whole process group went, grandchildren too


def test_install_command_runs_in_the_versions_own_environment(
    catalog: Catalog, runner: BuildRunner, payload: Path, settings: ControllerSettings, tmp_path: Path
) -> None:
    """The one test that really builds: pip installs a local wheel into the version's venv,
    the platform's numpy is visible, controller secrets are not, the output is streamed."""
    wheel = _toy_wheel(tmp_path)
    check = ("import os, sys, numpy, hydrotoy; assert 'HYDRO_S3_SECRET_KEY' not in os.environ; "
             "open('built.txt', 'w').write(sys.prefix)")
    version_id = _upload(catalog, payload, f'pip install --no-index --no-deps {wheel} && python -c "{check}"')
    heard: list[tuple[int, str]] = []
    runner.add_log_listener(lambda vid, line: heard.append((vid, line)))
    version = runner.submit(version_id).result(timeout=120)
    log = catalog.build_log(version_id)
    assert (version.status, version.status_message) == (VersionStatus.RELEASED, "install-command succeeded"), log
    env = settings.envs_dir / "claims-model-1"
    assert version.python_path == str(env / "bin" / "python")
    assert "Successfully installed hydrotoy-1.0" in log
    assert "".join(line for vid, line in heard if vid == version_id) == log
    built = settings.artifacts_dir / "models" / "claims-model" / "1" / "files" / "built.txt"
    assert Path(built.read_text()) == env  # what the command produced is part of the payload
    imported = subprocess.run([version.python_path, "-c", "import hydrotoy; print(hydrotoy.VALUE)"],
                              capture_output=True, text=True, check=True)
    assert imported.stdout == "42\n"
    platform = subprocess.run([sys.executable, "-c", "import hydrotoy"], capture_output=True)
    assert platform.returncode != 0  # installed into the version's environment only


def test_resume_pending_builds_interrupted_versions(catalog: Catalog, runner: BuildRunner, payload: Path) -> None:
    ids = [_upload(catalog, payload) for _ in range(2)]
    assert runner.resume_pending() == ids
    runner.wait_all(timeout=30)
    assert [catalog.get_version(i).status for i in ids] == [VersionStatus.RELEASED] * 2
    assert runner.resume_pending() == []


def test_build_of_a_finished_version_changes_nothing(catalog: Catalog, runner: BuildRunner, payload: Path) -> None:
    version_id = _upload(catalog, payload, "exit 1")
    catalog.finish_build(version_id, succeeded=True, message="by hand")
    assert runner.build(version_id).status_message == "by hand"


def _running(pid: int) -> bool:
    """Alive and not a zombie (a killed orphan may wait for a reaper that a container lacks)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _toy_wheel(folder: Path) -> Path:
    """A minimal pure-Python wheel, built by hand (no network, no build backend)."""
    files = {
        "hydrotoy/__init__.py": b"VALUE = 42\n",
        "hydrotoy-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: hydrotoy\nVersion: 1.0\n",
        "hydrotoy-1.0.dist-info/WHEEL":
            b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    lines = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        lines.append(f"{name},sha256={digest},{len(data)}")
    wheel = folder / "hydrotoy-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr("hydrotoy-1.0.dist-info/RECORD", "\n".join(lines) + "\nhydrotoy-1.0.dist-info/RECORD,,\n")
    return wheel
