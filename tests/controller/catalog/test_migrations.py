"""The schema comes only from migrations, and they produce exactly the models' tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from controller.catalog import Database, upgrade
from controller.catalog.migrate import HEAD_REVISION, current_revision, head_revision
from controller.catalog.schema import Base


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    if request.param == "sqlite":
        return Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    return Database(str(request.getfixturevalue("postgres_url")))


def test_upgrade_head_on_empty_database_equals_the_models(empty_database: Database) -> None:
    assert inspect(empty_database.engine).get_table_names() == []
    upgrade(empty_database)
    with empty_database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    assert current_revision(empty_database) == head_revision() == "0003"
    empty_database.dispose()


def test_the_head_constant_is_the_migrations_head() -> None:
    assert head_revision() == HEAD_REVISION


def test_a_database_at_head_is_recognised_without_importing_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    upgrade(Database(url))
    check = ("import sys; from controller.catalog import Database, upgrade; "
             f"upgrade(Database({url!r})); print(sorted(m for m in sys.modules if m.startswith('alembic')))")
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_upgrade_is_idempotent(empty_database: Database) -> None:
    upgrade(empty_database)
    upgrade(empty_database)
    tables = set(inspect(empty_database.engine).get_table_names())
    assert tables == set(Base.metadata.tables) | {"alembic_version"}
    empty_database.dispose()


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'sub' / 'catalog.db'}")
    with database.read() as session:
        assert session.connection().exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert session.connection().exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    database.dispose()
