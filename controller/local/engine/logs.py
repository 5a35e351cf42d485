"""Worker output: one append-only file per Service, each line prefixed with the worker's id."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from controller.planner.naming import is_dns_label

POLL_SECONDS = 0.2


def log_path(logs_dir: Path, service: str) -> Path:
    if not is_dns_label(service):  # a Service name is a DNS label; anything else could escape the folder
        raise ValueError(f"service name {service!r} is not a DNS-1035 label")
    return logs_dir / f"{service}.log"


class ServiceLogWriter:
    """Appends the lines of every worker of one Service to `<logs_dir>/<service>.log`."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._file: IO[str] = path.open("a", encoding="utf-8")

    def write(self, worker_id: str, line: str) -> None:
        with self._lock:
            if not self._file.closed:
                self._file.write(f"[{worker_id}] {line}\n")
                self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()


class ServiceLogs:
    """Reads the Services' log files (what `hydro logs <servable>` shows)."""

    def __init__(self, logs_dir: Path) -> None:
        self.logs_dir = logs_dir

    def lines(self, service: str, follow: bool = False) -> Iterator[str]:
        """The Service's log lines; with `follow`, keeps waiting for new ones until the caller stops."""
        path = log_path(self.logs_dir, service)
        while follow and not path.exists():
            time.sleep(POLL_SECONDS)
        if not path.exists():
            return
        with path.open(encoding="utf-8", errors="replace") as handle:
            pending = ""
            while True:
                chunk = handle.readline()
                if chunk.endswith("\n"):
                    yield pending + chunk[:-1]
                    pending = ""
                elif chunk:
                    pending += chunk  # a line still being written
                elif not follow:
                    if pending:
                        yield pending
                    return
                else:
                    time.sleep(POLL_SECONDS)
