"""Runs one shell command with merged output delivered line by line, and a hard timeout."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

logger = logging.getLogger(__name__)
LineCallback = Callable[[str], None]


@dataclass(frozen=True)
class CommandResult:
    exit_code: int | None
    """None when the command was killed for running past its timeout."""
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


def run_command(
    command: str | Sequence[str], *, cwd: Path, env: Mapping[str, str], timeout: float, on_line: LineCallback
) -> CommandResult:
    """Run `command` (a string goes through `/bin/sh -c`, as Hydrosphere's install-command did).

    It gets its own process group, so a timeout kills it and everything it started.
    """
    process = subprocess.Popen(
        command, shell=isinstance(command, str), cwd=cwd, env=dict(env),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True, text=True, errors="replace", bufsize=1,
    )
    assert process.stdout is not None
    pump = threading.Thread(target=_pump, args=(process.stdout, on_line), daemon=True)
    pump.start()
    try:
        code: int | None = process.wait(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        _kill_group(process)
        code, timed_out = None, True
    # A grandchild that left the group could keep the pipe open; don't wait for it forever.
    pump.join(timeout=5)
    return CommandResult(code, timed_out)


def _pump(stream: IO[str], on_line: LineCallback) -> None:
    with stream:
        for line in stream:
            try:
                on_line(line if line.endswith("\n") else line + "\n")
            except Exception:
                logger.exception("build log callback failed")


def _kill_group(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
