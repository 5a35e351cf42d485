"""The catalog's engine and transactions, for SQLite (default) and PostgreSQL.

SQLite: WAL journal (readers never block the writer), a busy timeout, foreign keys on, and
every write transaction opened with `BEGIN IMMEDIATE`, so concurrent writers queue on the
database lock instead of failing at commit; this serialises version numbering too.
PostgreSQL: the default READ COMMITTED isolation; writers that number things lock the parent
row (`SELECT ... FOR UPDATE`), see `controller.catalog.versions`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from controller.errors import Unavailable

logger = logging.getLogger(__name__)
BUSY_TIMEOUT_MS = 30_000
_WRITE = "hydro_write"


class Database:
    """An engine plus read and write sessions. Build one per process and share it."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.engine = _sqlite_engine(url, echo) if self.is_sqlite else create_engine(
            url, echo=echo, pool_pre_ping=True
        )
        self._reads = sessionmaker(self.engine, expire_on_commit=False)
        self._writes = sessionmaker(self.engine.execution_options(**{_WRITE: True}), expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction (deferred on SQLite, so it never waits for writers)."""
        with _unavailable_on_outage(), self._reads() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: commits when the block ends, rolls back when it raises."""
        with _unavailable_on_outage(), self._writes() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_engine(url: str, echo: bool) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, echo=echo, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
    )
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own implicit transactions would defeat BEGIN IMMEDIATE; SQLAlchemy emits BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _on_sqlite_begin(connection: Any) -> None:
    writing = connection.get_execution_options().get(_WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


@contextmanager
def _unavailable_on_outage() -> Iterator[None]:
    try:
        yield
    except OperationalError as error:
        # Connection refused, server gone, database locked beyond the busy timeout: retryable.
        logger.warning("catalog database unavailable: %s", error)
        raise Unavailable(f"the catalog database is unavailable: {error.orig}") from error
