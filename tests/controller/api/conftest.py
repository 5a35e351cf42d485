"""Fixtures for the manager API: a real catalog (SQLite file), the Flask app, a test client and a
live HTTP server in a thread."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from controller.api.app import create_app, open_catalog
from controller.catalog import Catalog
from controller.settings import ControllerSettings
from tests.controller.api.support import LiveServer, make_settings, serve


@pytest.fixture
def settings(tmp_path: Path) -> ControllerSettings:
    return make_settings(tmp_path / "home")


@pytest.fixture
def catalog(settings: ControllerSettings) -> Iterator[Catalog]:
    catalog = open_catalog(settings)
    yield catalog
    catalog.database.dispose()


@pytest.fixture
def app(settings: ControllerSettings, catalog: Catalog) -> Flask:
    return create_app(settings, catalog, poll_seconds=0.05)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def live(app: Flask) -> Iterator[LiveServer]:
    yield from serve(app)
