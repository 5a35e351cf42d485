"""The controller's WSGI entry point: `gunicorn -k gthread --threads 8 'controller.wsgi:app'`.

Settings come from the `HYDRO_*` environment, read once here. SSE streams hold a thread each,
so run gunicorn with the threaded worker.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from flask import Flask

from controller.api.app import create_app, open_catalog
from controller.builds import BuildRunner
from controller.planner import naming
from controller.relay import OutboxRelay, http_publisher
from controller.settings import ControllerSettings


def build() -> Flask:
    """The app for this process's environment (also usable as `gunicorn 'controller.wsgi:build()'`)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = ControllerSettings.from_env(os.environ)
    catalog = open_catalog(settings)
    builds = BuildRunner(catalog, settings)
    # Builds a previous controller process left unfinished start again.
    builds.resume_pending()
    if settings.broker_url:
        OutboxRelay(catalog, http_publisher(settings.broker_url), lock_dir=settings.home).start()
    return create_app(settings, catalog, builds=builds, function_url=cluster_function_url(settings))


def cluster_function_url(settings: ControllerSettings) -> Callable[[str], str]:
    """On a cluster every function is its Knative Service in the controller's namespace."""
    namespace = settings.namespace

    def url(function: str) -> str:
        return f"http://{naming.cluster_host(naming.function_service(function), namespace)}"

    return url


# gunicorn imports `app`; building it here is this entry point's whole purpose.
app = build()
