"""Catalog fixtures: every test runs on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from controller.catalog import Catalog, Database, upgrade
from controller.catalog.schema import Base
from controller.resources import ApplicationDefinition, DeploymentConfiguration, ModelDefinition
from controller.storage import LocalArtifactStore

CONTRACT = {
    "name": "predict",
    "inputs": {"x": {"shape": [-1, 2], "type": "double", "profile": "numerical"}},
    "outputs": {"y": {"shape": [-1], "type": "int64", "profile": "categorical"}},
}


@pytest.fixture(scope="session")
def shared_postgres(postgres_server: str) -> Iterator[Database]:
    """One migrated PostgreSQL database for the catalog tests, emptied before each test
    (creating and migrating a database per test would cost half a second each)."""
    name = f"hydro_catalog_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    database = Database(postgres_server.rsplit("/", 1)[0] + f"/{name}")
    upgrade(database)
    yield database
    database.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "postgres":
        shared: Database = request.getfixturevalue("shared_postgres")
        tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
        with shared.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        yield shared
        return
    shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp_path / "catalog.db")
    db = Database(f"sqlite:///{tmp_path / 'catalog.db'}")
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (closed, so its WAL is checkpointed)."""
    path = tmp_path_factory.mktemp("template") / "catalog.db"
    database = Database(f"sqlite:///{path}")
    upgrade(database)
    database.dispose()
    return path


@pytest.fixture
def store(tmp_path: Path) -> LocalArtifactStore:
    return LocalArtifactStore(tmp_path / "artifacts")


@pytest.fixture
def catalog(database: Database, store: LocalArtifactStore) -> Catalog:
    return Catalog(database, store)


@pytest.fixture
def payload(tmp_path: Path) -> Path:
    folder = tmp_path / "payload"
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "func_main.py").write_text("def predict(x):\n    return x\n")
    (folder / "requirements.txt").write_text("")
    return folder


def model(name: str = "claims-model", **extra: Any) -> ModelDefinition:
    spec = {"kind": "Model", "name": name, "runtime": "hydrosphere/serving-runtime-python-3.7:3.0.0",
            "payload": ["src/", "requirements.txt"], "contract": CONTRACT, **extra}
    return ModelDefinition.from_dict(spec)


def application(name: str, pipeline: list[list[dict[str, Any]]], **extra: Any) -> ApplicationDefinition:
    return ApplicationDefinition.from_dict({"kind": "Application", "name": name, "pipeline": pipeline, **extra})


def config(name: str = "big", max_replicas: int = 4) -> DeploymentConfiguration:
    return DeploymentConfiguration.from_dict({"kind": "DeploymentConfiguration", "name": name,
                                              "hpa": {"minReplicas": 1, "maxReplicas": max_replicas}})


def released(catalog: Catalog, payload: Path, name: str = "claims-model", **extra: Any) -> int:
    """A new Released version of `name`; returns its id."""
    version = catalog.create_model_version(model(name, **extra), payload)
    catalog.finish_build(version.id, succeeded=True, message="released")
    return version.id
