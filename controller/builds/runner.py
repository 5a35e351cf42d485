"""The build runner: turns `Assembling` versions into `Released` or `Failed`, in the background.

A build with no install-command releases at once (with a one-line log). Otherwise the payload
is copied to a work folder (`HYDRO_HOME/builds/<model>-<version>`), the version's environment
is created, and the install-command runs there with the environment's `bin` first on PATH and
the settings' timeout. Output is stored as the build log line by line and handed to log
listeners (the API streams it live). Exit 0 releases the version, with the work folder stored
back as its payload (what the command produced is part of the model, as in Hydrosphere's
image build) and the environment's python recorded; anything else fails it with the reason.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

from controller.builds import environment
from controller.builds.process import CommandResult, run_command
from controller.catalog import Catalog, ModelVersionRecord, VersionStatus
from controller.catalog.versions import PAYLOAD_DIR, version_prefix
from controller.settings import ControllerSettings

logger = logging.getLogger(__name__)
LogListener = Callable[[int, str], None]
"""Called with (model version id, one output line ending in a newline)."""


class BuildFailed(Exception):
    """A step of the build failed; the message becomes the version's status message."""


class BuildRunner:
    def __init__(self, catalog: Catalog, settings: ControllerSettings) -> None:
        self.catalog = catalog
        self.settings = settings
        self._pool = ThreadPoolExecutor(max_workers=settings.build_workers, thread_name_prefix="hydro-build")
        self._futures: dict[int, Future[ModelVersionRecord]] = {}
        self._listeners: list[LogListener] = []
        self._lock = threading.Lock()

    def add_log_listener(self, listener: LogListener) -> Callable[[], None]:
        """Receive every build's output lines as they come; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def submit(self, version_id: int) -> Future[ModelVersionRecord]:
        """Queue the version's build (once: a second submit returns the same future)."""
        with self._lock:
            future = self._futures.get(version_id)
            if future is None or (future.done() and self._still_assembling(version_id)):
                future = self._pool.submit(self.build, version_id)
                self._futures[version_id] = future
            return future

    def wait(self, version_id: int, timeout: float | None = None) -> ModelVersionRecord:
        """Block until the version's submitted build has ended; returns the final version."""
        with self._lock:
            future = self._futures[version_id]
        return future.result(timeout=timeout)

    def wait_all(self, timeout: float | None = None) -> None:
        with self._lock:
            futures = list(self._futures.values())
        wait(futures, timeout=timeout)

    def resume_pending(self) -> list[int]:
        """Submit every version still `Assembling` (a controller restart interrupted its build)."""
        pending = [v.id for v in self.catalog.list_versions(status=VersionStatus.ASSEMBLING)]
        for version_id in pending:
            self.submit(version_id)
        return pending

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)

    def build(self, version_id: int) -> ModelVersionRecord:
        """Run one build synchronously (the worker's job; tests may call it directly)."""
        version = self.catalog.get_version(version_id)
        if version.status != VersionStatus.ASSEMBLING:
            return version
        try:
            if not version.install_command:
                self._log(version_id, "no install-command: nothing to build\n")
                return self.catalog.finish_build(version_id, succeeded=True, message="released")
            python = self._install(version)
        except BuildFailed as failure:
            self._log(version_id, f"build failed: {failure}\n")
            return self.catalog.finish_build(version_id, succeeded=False, message=str(failure))
        except Exception as error:
            logger.exception("build of %s crashed", version.ref)
            return self.catalog.finish_build(version_id, succeeded=False, message=f"build failed: {error}")
        return self.catalog.finish_build(version_id, succeeded=True, message="install-command succeeded",
                                         python_path=str(python))

    def _install(self, version: ModelVersionRecord) -> Path:
        name = f"{version.model_name}-{version.version}"
        work = self.settings.builds_dir / name
        env_dir = self.settings.envs_dir / name
        files = f"{version_prefix(version.model_name, version.version)}/{PAYLOAD_DIR}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        try:
            self.catalog.store.get_to_folder(files, work)
            self._run_in_environment(version, work, env_dir)
            self.catalog.store.put_folder(files, work)
        except BaseException:
            shutil.rmtree(env_dir, ignore_errors=True)  # never keep a half-built environment
            raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return environment.python_path(env_dir)

    def _run_in_environment(self, version: ModelVersionRecord, work: Path, env_dir: Path) -> None:
        timeout = self.settings.build_timeout_seconds
        base_env = dict(self.settings.build_environment)
        created = environment.create_environment(
            env_dir, env=base_env, timeout=timeout, on_line=lambda line: self._log(version.id, line))
        _check(created, "creating the environment", timeout)
        path = f"{environment.bin_path(env_dir)}:{base_env.get('PATH', '/usr/bin:/bin')}"
        command_env = {**base_env, "PATH": path, "VIRTUAL_ENV": str(env_dir), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        command = str(version.install_command)
        self._log(version.id, f"$ {command}\n")
        result = run_command(command, cwd=work, env=command_env, timeout=timeout,
                             on_line=lambda line: self._log(version.id, line))
        _check(result, "install-command", timeout)

    def _log(self, version_id: int, line: str) -> None:
        self.catalog.append_build_log(version_id, line)
        for listener in list(self._listeners):
            try:
                listener(version_id, line)
            except Exception:
                logger.exception("build log listener failed")

    def _still_assembling(self, version_id: int) -> bool:
        return self.catalog.get_version(version_id).status == VersionStatus.ASSEMBLING


def _check(result: CommandResult, what: str, timeout: float) -> None:
    if result.timed_out:
        raise BuildFailed(f"{what} timed out after {timeout:g} s")
    if result.exit_code != 0:
        raise BuildFailed(f"{what} exited with {result.exit_code}")
