"""Platform processes `hydro up` keeps alive: the gateway's HTTP and gRPC servers.

A child that exits on its own is started again after a back-off (1 s doubling to 30 s, reset
after a minute of running), so a crash never leaves the platform without its entry points.
`stop()` sends SIGTERM (the gateway drains) and SIGKILLs what has not exited after the grace.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from controller.local.engine.children import with_death_signal

logger = logging.getLogger(__name__)

FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0
STABLE_AFTER_S = 60.0


class SupervisedProcess:
    """One child process, restarted when it dies; its output appends to `log`."""

    def __init__(self, name: str, argv: Sequence[str], env: Mapping[str, str], log: Path) -> None:
        self.name = name
        self._argv = list(argv)
        self._env = dict(env)
        self._log = log
        self._popen: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.restarts = 0

    @property
    def log_path(self) -> Path:
        return self._log

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen is not None else None

    @property
    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def start(self) -> None:
        self._spawn()
        self._thread = threading.Thread(target=self._watch, name=f"supervise-{self.name}", daemon=True)
        self._thread.start()

    def _spawn(self) -> None:
        self._log.parent.mkdir(parents=True, exist_ok=True)
        with self._log.open("ab") as handle:
            # The death signal: a `hydro up` killed with SIGKILL must not leave its gateways holding
            # the ports the next start binds.
            self._popen = subprocess.Popen(with_death_signal(tuple(self._argv)), env=self._env, stdout=handle,
                                           stderr=subprocess.STDOUT, start_new_session=True)
        self._started_at = time.monotonic()

    def _watch(self) -> None:
        backoff = FIRST_BACKOFF_S
        while not self._stopping.is_set():
            assert self._popen is not None
            code = self._popen.wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - self._started_at > STABLE_AFTER_S:
                backoff = FIRST_BACKOFF_S
            logger.error("%s exited with %s; starting it again in %.0f s (log: %s)", self.name, code, backoff,
                         self._log)
            if self._stopping.wait(backoff):
                return
            backoff = min(backoff * 2, MAX_BACKOFF_S)
            self.restarts += 1
            self._spawn()

    def stop(self, grace: float = 10.0) -> None:
        self._stopping.set()
        popen = self._popen
        if popen is None or popen.poll() is not None:
            return
        popen.send_signal(signal.SIGTERM)
        try:
            popen.wait(grace)
        except subprocess.TimeoutExpired:
            logger.warning("%s did not stop within %.0f s; killing it", self.name, grace)
            os.killpg(popen.pid, signal.SIGKILL)
            popen.wait()
        if self._thread is not None:
            self._thread.join(timeout=1)
