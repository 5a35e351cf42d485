"""The local engine's status reports -> the catalog, so `hs app list`, the API and the UI show them.

The engine speaks Knative names (Service `mv-...`); the catalog speaks servable names. The last
applied plan's routing table maps one to the other. Reports for things the catalog no longer has
(deleted while a worker was stopping) are dropped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

from controller.catalog import Catalog
from controller.catalog.records import ApplicationStatus, ServableStatus
from controller.errors import NotFound
from controller.local import engine
from controller.planner import Plan

logger = logging.getLogger(__name__)


class CatalogStatusSink:
    """Receives the engine's per-Service and per-application status and records it."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._lock = threading.Lock()
        self._servable_names: dict[str, str] = {}

    def track(self, plan: Plan) -> None:
        """Learn which catalog servable each planned Service is."""
        names = {entry["service"]: name for name, entry in plan.routing.get("servables", {}).items()}
        with self._lock:
            self._servable_names = names

    def servable_name(self, service: str) -> str | None:
        with self._lock:
            return self._servable_names.get(service)

    def service_names(self) -> Mapping[str, str]:
        """Catalog servable name -> Knative Service name."""
        with self._lock:
            return {name: service for service, name in self._servable_names.items()}

    def service_status(self, status: engine.ServiceStatus) -> None:
        name = self.servable_name(status.name)
        if name is None:
            return  # a function Service or one the catalog no longer lists
        if status.ready is None:
            servable = ServableStatus.STARTING
        elif status.ready:
            servable = ServableStatus.SERVING
        else:
            servable = ServableStatus.NOT_AVAILABLE
        self._report(lambda: self._catalog.report_servable_status(name, servable, status.message,
                                                                   status.replicas))

    def application_status(self, status: engine.ApplicationStatus) -> None:
        if status.ready is None:
            application = ApplicationStatus.ASSEMBLING
        else:
            application = ApplicationStatus.READY if status.ready else ApplicationStatus.FAILED
        self._report(lambda: self._catalog.report_application_status(status.name, application, status.message))

    def _report(self, call: object) -> None:
        try:
            call()  # type: ignore[operator]
        except NotFound:
            pass
        except Exception:
            # Status is advisory: a failing write must not break the engine's own bookkeeping.
            logger.exception("recording status in the catalog failed")
