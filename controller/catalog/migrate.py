"""Brings the catalog's schema to the newest migration; the controller calls `upgrade` at start.

Only migrations create tables (never `metadata.create_all`), so every database, new or old,
goes through the same steps. On PostgreSQL an advisory lock keeps two controller replicas
starting together from migrating at the same time.

A database already at `HEAD_REVISION` is recognised with one query, without importing alembic:
the controller runs for days after a start that migrated nothing, and alembic's modules are
about 12 MB of its memory (`tests/controller/catalog/test_migrations.py` keeps the constant equal
to the migrations' head).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from controller.catalog.database import Database

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
HEAD_REVISION = "0003"
"""The newest migration in `MIGRATIONS` (a new migration updates it; a test checks)."""
_MIGRATION_LOCK = 0x4859_4452_4F_4D  # "HYDROM"


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    """Apply every migration up to `revision` (default: the newest)."""
    if revision == "head" and stored_revision(database) == HEAD_REVISION:
        logger.info("catalog schema at %s", HEAD_REVISION)
        return
    from alembic import command

    config = alembic_config()
    with database.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    logger.info("catalog schema at %s", current_revision(database))


def stored_revision(database: Database) -> str | None:
    """The revision in alembic's version table, read with plain SQL (None: no table or no row)."""
    try:
        with database.engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:  # a new database: no version table yet
        return None


def current_revision(database: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
