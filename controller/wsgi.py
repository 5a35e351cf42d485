"""The controller's WSGI entry point: `gunicorn -k gthread --threads 8 'controller.wsgi:app'`.

Settings come from the `HYDRO_*` environment, read once here. SSE streams hold a thread each,
so run gunicorn with the threaded worker.
"""

from __future__ import annotations

import logging
import os

from flask import Flask

from controller.api.app import create_app, open_catalog
from controller.builds import BuildRunner
from controller.settings import ControllerSettings


def build() -> Flask:
    """The app for this process's environment (also usable as `gunicorn 'controller.wsgi:build()'`)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = ControllerSettings.from_env(os.environ)
    catalog = open_catalog(settings)
    builds = BuildRunner(catalog, settings)
    # Builds a previous controller process left unfinished start again.
    builds.resume_pending()
    return create_app(settings, catalog, builds=builds)


# gunicorn imports `app`; building it here is this entry point's whole purpose.
app = build()
