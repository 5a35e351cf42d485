"""Status reporting: what the engine tells the catalog about Services and applications.

`StatusSink` is the port (the controller maps it onto `Catalog.report_servable_status` and
`report_application_status`); `StatusReporter` calls it only when a status changed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceStatus:
    """A Service: `ready` is None while unknown (its first worker is still loading the model)."""

    name: str
    labels: Mapping[str, str]
    ready: bool | None
    replicas: int
    message: str = ""


@dataclass(frozen=True)
class ApplicationStatus:
    """An application (the `hydro.dev/application` label of its Routes).

    Ready once every revision its stages route to is verified; Failed (ready False) with the
    reason as soon as one failed; None while some are still being verified.
    """

    name: str
    ready: bool | None
    message: str = ""


class StatusSink(Protocol):
    def service_status(self, status: ServiceStatus) -> None: ...

    def application_status(self, status: ApplicationStatus) -> None: ...


class StatusReporter:
    """Forwards statuses to a sink, each only when it differs from the last one sent."""

    def __init__(self, sink: StatusSink | None) -> None:
        self._sink = sink
        self._lock = threading.Lock()
        self._services: dict[str, ServiceStatus] = {}
        self._applications: dict[str, ApplicationStatus] = {}

    def report(self, services: Iterable[ServiceStatus], applications: Iterable[ApplicationStatus]) -> None:
        """Send what changed; statuses of objects no longer listed are forgotten (not sent)."""
        # One lock around the calls too: two reports never reach the sink out of order.
        with self._lock:
            changed_services = _changes(self._services, {s.name: s for s in services})
            changed_apps = _changes(self._applications, {a.name: a for a in applications})
            if self._sink is None:
                return
            for service in changed_services:
                self._call(self._sink.service_status, service)
            for application in changed_apps:
                self._call(self._sink.application_status, application)

    @staticmethod
    def _call(method: Callable[[Any], None], status: ServiceStatus | ApplicationStatus) -> None:
        try:
            method(status)
        except Exception:  # a failing sink (the catalog is down) must not stop the engine
            logger.exception("status sink failed for %s", status)


def _changes(last: dict, current: dict) -> list:
    changed = [status for name, status in current.items() if last.get(name) != status]
    last.clear()
    last.update(current)
    return changed


def application_status(name: str, revisions: Mapping[str, tuple[bool | None, str]]) -> ApplicationStatus:
    """An application's status from its revisions' (ready, message)."""
    failed = [f"{revision}: {message}" for revision, (ready, message) in sorted(revisions.items()) if ready is False]
    if failed:
        return ApplicationStatus(name, False, "; ".join(failed))
    if all(ready for ready, _ in revisions.values()):
        return ApplicationStatus(name, True, "")
    waiting = sorted(revision for revision, (ready, _) in revisions.items() if ready is None)
    return ApplicationStatus(name, None, f"verifying {', '.join(waiting)}")
