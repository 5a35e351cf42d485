"""The projector function (`HYDRO_FUNCTION=projector`): production requests on a 2-D map.

`POST /visualization/projection/{model_version_id}` stores a request PENDING and publishes
`dev.hydro.projection.requested` to the Broker (`HYDRO_BROKER_URL`); the Broker's Trigger
delivers it back to `POST /`, where it runs (STARTED) and ends SUCCESS, FAILED or NOT_SUPPORTED
with a reason. Without a Broker it runs on a local background thread (see
`functions.explainer.dispatch`). Delivery is idempotent on the event.

A projection fits a UMAP map (`functions.interpretability.fit_projection`) on the version's
training CSV (numerical inputs robustly scaled, categorical one-hot), stores the fitted map in
`fn_projectors`, and places the newest stored production requests (read through the monitoring
API) on it. Later projections reuse the stored map, so only the placing is redone, until a
request asks for `refit` or for other UMAP settings. Models whose inputs are not scalar
numerical or categorical fields end NOT_SUPPORTED.

Settings: `functions.explainer.settings` (shared with the explainer). API: `functions.projector.api`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from functions.explainer.function import scratch_dir
from functions.explainer.settings import InterpretSettings
from functions.explainer.sources import Catalog, Monitoring
from functions.host.controller_client import controller_session
from functions.host.settings import FunctionSettings
from functions.host.store import Store
from functions.projector.function import NAME, ProjectorFunction
from functions.projector.projection import Projections

__all__ = ["NAME", "ProjectorFunction", "new", "validate_environment"]


def validate_environment(environ: Mapping[str, str]) -> None:
    """Checked by the host before it forks: a bad variable stops the start."""
    InterpretSettings.from_env(FunctionSettings.from_env(environ), environ)


def new(settings: FunctionSettings) -> ProjectorFunction:
    """The projector for `python -m functions`."""
    config = InterpretSettings.from_env(settings, os.environ)
    if not settings.database_url:
        settings.home.mkdir(parents=True, exist_ok=True)
    store = Store(settings.effective_database_url)
    catalog = Catalog(config.controller_url, config.http_timeout_s, controller_session(settings))
    monitoring = Monitoring(config.monitoring_url, config.http_timeout_s, controller_session(settings))
    projections = Projections(store, catalog, monitoring, config,
                              scratch_dir(settings.home))
    return ProjectorFunction(store, config, projections)
