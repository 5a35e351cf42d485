"""The monitoring function (`HYDRO_FUNCTION=monitoring`): Hydrosphere's sonar on CloudEvents.

Everything is keyed by model version id and stored in `fn_monitoring_*` tables:

- `dev.hydro.inference.completed`: each numerical scalar input and output is checked against its
  training min and max; the version's MetricSpecs send the request to their metric models over
  gRPC (value vs threshold). The request, its response and checks go to the production data store,
  numbered into batches of the version's `monitoringConfiguration.batchSize`. A failing request is
  answered with a `dev.hydro.check.failed` reply event.
- A full batch: checks aggregated per field and metric, production profiles merged, drift of the
  window ending with it against training data (`functions.stats`); drift alerts are published.
- `dev.hydro.trainingdata.uploaded`: a job profiles the CSV (training profiles, status reported to
  the catalog), then trains the automatic outlier detector (`functions.outliers`), uploads it as
  `<model>_metric`, waits for its release and creates its MetricSpec.
- `dev.knative.sources.ping`: due batch work, stalled jobs, undelivered alerts.

Read API: see `functions.monitoring.api`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from functions.host.settings import FunctionSettings

if TYPE_CHECKING:
    from functions.monitoring.function import MonitoringFunction
    from functions.monitoring.settings import MonitoringSettings

MAX_MESSAGE_BYTES = 64 * 1024 * 1024

__all__ = ["MonitoringFunction", "MonitoringSettings", "new"]

# Loaded on first use, not with the package: the explainer and projector import some of its modules
# (errors, manager, training_source), and should not carry the whole monitoring function in memory.
_LAZY = {"MonitoringFunction": "functions.monitoring.function", "MonitoringSettings": "functions.monitoring.settings"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def new(settings: FunctionSettings) -> MonitoringFunction:
    """The function the host serves, wired from the host's settings."""
    from functions.gateway.routing_source import PolledRouting
    from functions.gateway.upstream import Upstream
    from functions.host.controller_client import controller_session
    from functions.host.store import Store
    from functions.monitoring.function import MonitoringFunction
    from functions.monitoring.manager import ManagerApi
    from functions.monitoring.settings import MonitoringSettings

    config = MonitoringSettings.from_function_settings(settings)
    if not settings.database_url:
        settings.home.mkdir(parents=True, exist_ok=True)
    routing = PolledRouting(f"{config.controller_url}/api/v2/plan/routing", config.routing_poll_s,
                            timeout=config.http_timeout_s, session=controller_session(settings))
    manager = ManagerApi(config.controller_url, config.http_timeout_s, session=controller_session(settings))
    return MonitoringFunction(Store(settings.effective_database_url), config, manager, routing,
                              Upstream(MAX_MESSAGE_BYTES, override=config.upstream), settings.home / "monitoring")
