"""Every process the engine starts is registered here, so none outlives it.

`stop()` terminates them; an `atexit` hook kills what is left when the interpreter exits; and
on Linux each child asks the kernel to SIGKILL it when the thread that forked it dies
(`PR_SET_PDEATHSIG`), which covers a controller that is itself killed with SIGKILL. That signal
follows the forking *thread*, so all forks happen on one long-lived spawner thread. The request
is made by a tiny exec shim rather than a `preexec_fn`, which would force a full fork() of a
multi-threaded process holding gRPC state (and make gRPC log a warning on every start).
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import subprocess
import sys
import threading
import weakref
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Protocol

logger = logging.getLogger(__name__)
_REGISTRIES: weakref.WeakSet[ChildProcesses] = weakref.WeakSet()
# argv: shim, expected parent pid, command... The parent check closes the race of a parent that
# died before prctl() ran.
_SHIM = (
    "import ctypes, ctypes.util, os, signal, sys\n"
    "ctypes.CDLL(ctypes.util.find_library('c'), use_errno=True).prctl(1, signal.SIGKILL)\n"
    "if os.getppid() != int(sys.argv[1]): sys.exit(137)\n"
    "os.execvp(sys.argv[2], sys.argv[2:])\n"
)


def with_death_signal(argv: tuple[str, ...]) -> list[str]:
    """`argv` behind the shim that has the kernel SIGKILL it when the forking thread dies (Linux)."""
    if sys.platform != "linux":
        return list(argv)
    return [sys.executable, "-I", "-S", "-c", _SHIM, str(os.getpid()), *argv]


class Process(Protocol):
    """What the engine needs of a process: a `subprocess.Popen`, or a worker forked by a warm pool."""

    pid: int
    stdout: IO[bytes] | None
    returncode: int | None

    def poll(self) -> int | None: ...
    def wait(self, timeout: float | None = None) -> int: ...
    def send_signal(self, signum: int) -> None: ...


class ChildProcesses:
    """The processes one engine started."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: set[Process] = set()
        self._spawner = ThreadPoolExecutor(1, thread_name_prefix="engine-spawner")
        _REGISTRIES.add(self)

    def spawn(self, argv: tuple[str, ...], env: Mapping[str, str], cwd: Path | None,
              pass_fds: tuple[int, ...] = ()) -> subprocess.Popen[bytes]:
        """Start a process in its own session, stdout+stderr on one pipe; registered before returning."""
        return self._spawner.submit(self._popen, argv, dict(env), cwd, pass_fds).result()

    def _popen(self, argv: tuple[str, ...], env: dict[str, str], cwd: Path | None,
               pass_fds: tuple[int, ...]) -> subprocess.Popen[bytes]:
        # Its own session: a Ctrl-C in the terminal reaches the controller, which drains workers in order.
        popen = subprocess.Popen(with_death_signal(argv), env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                                 pass_fds=pass_fds)
        self.register(popen)
        return popen

    def register(self, process: Process) -> None:
        """Watch a process started elsewhere (a worker forked by a warm pool)."""
        with self._lock:
            self._live.add(process)

    def forget(self, popen: Process) -> None:
        """An exited process no longer needs watching."""
        with self._lock:
            self._live.discard(popen)

    def live(self) -> list[Process]:
        with self._lock:
            return [p for p in self._live if p.poll() is None]

    def kill_all(self) -> None:
        """SIGKILL every registered process group that is still running, and reap them."""
        with self._lock:
            processes = list(self._live)
            self._live.clear()
        for popen in processes:
            signal_group(popen, signal.SIGKILL)
        for popen in processes:
            popen.wait()

    def close(self) -> None:
        self.kill_all()
        self._spawner.shutdown(wait=True)


def signal_group(popen: Process, signum: int) -> None:
    """Signal the child's whole process group (it leads its own session); ignore one already gone."""
    if popen.poll() is not None:
        return
    try:
        os.killpg(popen.pid, signum)
    except (ProcessLookupError, PermissionError):
        # No such group yet (a forked worker before its setsid()), or the leader exited and its id
        # was reused: signal the child alone (a no-op once it exited).
        popen.send_signal(signum)


@atexit.register
def _kill_everything() -> None:
    for registry in list(_REGISTRIES):
        try:
            registry.kill_all()
        except Exception:  # at exit, one failure must not keep the others alive
            logger.exception("killing the engine's child processes failed")
