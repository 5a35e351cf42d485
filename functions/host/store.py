"""The functions' store: SQLAlchemy over SQLite (default) or PostgreSQL, tables prefixed `fn_`.

Every function records the CloudEvent ids it has processed in `fn_processed_events`, in the same
transaction as the effects of the event: a redelivered event (the Broker is at-least-once) then
changes nothing, and a crash mid-event rolls back both, so the retry does the work once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


class FunctionBase(DeclarativeBase):
    """Base of every function table; `Store` creates the tables of the models it was given."""


class ProcessedEvent(FunctionBase):
    __tablename__ = "fn_processed_events"

    function: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def utcnow() -> datetime:
    return datetime.now(UTC)


class Store:
    def __init__(self, url: str) -> None:
        self.engine = _engine(url)
        FunctionBase.metadata.create_all(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def first_time(self, session: Session, function: str, event_id: str) -> bool:
        """Mark the event processed; False when it already was (then do nothing)."""
        values = {"function": function, "event_id": event_id, "processed_at": utcnow()}
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        statement: Any = dialect.insert(ProcessedEvent).values(**values).on_conflict_do_nothing()
        # RETURNING, not rowcount: drivers may report -1 for an INSERT ... ON CONFLICT.
        return session.execute(statement.returning(ProcessedEvent.event_id)).first() is not None

    def close(self) -> None:
        self.engine.dispose()


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
