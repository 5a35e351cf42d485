"""The manager API's Flask app factory: Hydrosphere's `/api/v2`, training data and health."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask

from controller import auth, ui
from controller.api import converters, function_proxy, openapi, plan
from controller.api.context import EXTENSION, ApiContext, BuildStarter, ServableLogSource
from controller.api.errors import register_error_handlers
from controller.api.views import (
    applications,
    deployment_configurations,
    events,
    health,
    metric_specs,
    models,
    servables,
    training_data,
    versions,
)
from controller.builds import BuildRunner
from controller.catalog import Catalog, Database, upgrade
from controller.settings import ControllerSettings
from controller.storage import store_from_settings

logger = logging.getLogger(__name__)
BLUEPRINTS = (
    models.blueprint, versions.blueprint, applications.blueprint, servables.blueprint,
    deployment_configurations.blueprint, metric_specs.blueprint, events.blueprint,
    training_data.blueprint, training_data.records, health.blueprint, plan.blueprint, function_proxy.blueprint,
    ui.blueprint, openapi.blueprint,
)


def create_app(
    settings: ControllerSettings,
    catalog: Catalog | None = None,
    *,
    builds: BuildStarter | None = None,
    servable_logs: ServableLogSource | None = None,
    poll_seconds: float = 0.25,
    function_url: Callable[[str], str | None] | None = None,
) -> Flask:
    """The API over `catalog` (opened from `settings` when not given).

    `builds` runs uploaded versions' builds (a build runner from `settings` when not given);
    `servable_logs` supplies runtime logs when an engine runs in this process; `function_url`
    finds the functions whose read APIs the controller forwards (`controller.api.function_proxy`).
    """
    catalog = catalog or open_catalog(settings)
    app = Flask(__name__)
    converters.install(app.url_map)  # ids past int32 and names with NUL are 404, not database errors
    app.config["MAX_CONTENT_LENGTH"] = settings.uploads.max_upload_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions[EXTENSION] = ApiContext(
        settings=settings,
        catalog=catalog,
        builds=builds or BuildRunner(catalog, settings),
        servable_logs=servable_logs,
        poll_seconds=poll_seconds,
        function_url=function_url,
    )
    register_error_handlers(app)
    # Before the blueprints: the guard runs first for every request (HYDRO_AUTH, docs/api.md).
    auth.protect(app, settings.auth, catalog)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app


def open_catalog(settings: ControllerSettings) -> Catalog:
    """The catalog of `settings`: its database migrated to the newest schema, and its store."""
    settings.home.mkdir(parents=True, exist_ok=True)
    database = Database(settings.effective_database_url)
    upgrade(database)
    return Catalog(database, store_from_settings(settings))
