"""A worker forked by a warm pool: watched like a `subprocess.Popen`, though not the engine's child.

Only a parent can collect an exit code, so the code comes from the warm pool's report (see
`runtimes/zygote.py`); the engine notices the exit itself through a pidfd, which also makes its
signals safe from pid reuse. A worker whose warm pool died was killed with it (its parent-death
signal), and reports -9 (SIGKILL).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
from typing import IO, Protocol


class ExitCodes(Protocol):
    def exit_code(self, pid: int, wait: float) -> int:
        """The reported exit code of `pid`, waiting up to `wait` seconds for the report."""


class ForkedProcess:
    """The part of the `Popen` interface the engine uses: pid, stdout, poll, wait, send_signal."""

    def __init__(self, pid: int, stdout: IO[bytes], codes: ExitCodes) -> None:
        self.pid = pid
        self.stdout: IO[bytes] | None = stdout
        self.returncode: int | None = None
        self._codes = codes
        try:
            self._pidfd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:  # it already exited and was reaped: its code is on its way
            self._pidfd = None

    def poll(self) -> int | None:
        return self._finish() if self._exited(0.0) else None

    def wait(self, timeout: float | None = None) -> int:
        if not self._exited(timeout):
            raise subprocess.TimeoutExpired(f"forked worker {self.pid}", timeout or 0.0)
        return self._finish()

    def send_signal(self, signum: int) -> None:
        if self.returncode is None and self._pidfd is not None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._pidfd, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def _exited(self, timeout: float | None) -> bool:
        if self.returncode is not None or self._pidfd is None:
            return True
        poller = select.poll()
        poller.register(self._pidfd, select.POLLIN)
        return bool(poller.poll(None if timeout is None else max(timeout, 0.0) * 1000))

    def _finish(self) -> int:
        if self.returncode is None:
            self.returncode = self._codes.exit_code(self.pid, wait=2.0)
            if self._pidfd is not None:
                os.close(self._pidfd)
                self._pidfd = None
        return self.returncode
