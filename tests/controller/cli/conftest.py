"""Fixtures for the `hydro` CLI: a real controller on a free port, and a project folder with
scikit-learn models trained here, their training data and the serving YAML."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from controller.api.app import create_app, open_catalog
from controller.catalog import Catalog
from tests.controller.api.support import LiveServer, make_settings, serve
from tests.controller.cli.project import write_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project")


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    catalog = open_catalog(make_settings(tmp_path / "home"))
    yield catalog
    catalog.database.dispose()


@pytest.fixture
def app(tmp_path: Path, catalog: Catalog) -> Flask:
    return create_app(make_settings(tmp_path / "home"), catalog, poll_seconds=0.05)


@pytest.fixture
def controller(app: Flask) -> Iterator[LiveServer]:
    yield from serve(app)
