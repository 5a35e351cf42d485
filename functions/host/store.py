"""The functions' store: SQLAlchemy over SQLite (default) or PostgreSQL, tables prefixed `fn_`.

Every function records the CloudEvent ids it has processed in `fn_processed_events`, in the same
transaction as the effects of the event: a redelivered event (the Broker is at-least-once) then
changes nothing, and a crash mid-event rolls back both, so the retry does the work once. A function
that answers an event with a reply event stores the reply beside the marker (`save_reply`), so a
redelivery gets the same reply again (`reply_for`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, LargeBinary, String, bindparam, create_engine, event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


class FunctionBase(DeclarativeBase):
    """Base of every function table; `Store` creates the tables of the models it was given."""


class ProcessedEvent(FunctionBase):
    __tablename__ = "fn_processed_events"

    function: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EventReply(FunctionBase):
    """The reply event a function answered an event with (its stored CloudEvent bytes)."""

    __tablename__ = "fn_event_replies"

    function: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    reply: Mapped[bytes] = mapped_column(LargeBinary)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Store:
    def __init__(self, url: str) -> None:
        self.engine = _engine(url)
        FunctionBase.metadata.create_all(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Built once, as text: SQLAlchemy does not cache the compiled form of a dialect's
        # INSERT ... ON CONFLICT, and every event runs this. The syntax is the same in SQLite (3.35+)
        # and PostgreSQL. RETURNING, not rowcount: drivers may report -1 for an ON CONFLICT insert.
        self._mark = text(
            f"INSERT INTO {ProcessedEvent.__tablename__} (function, event_id, processed_at) "
            "VALUES (:fn, :eid, :at) ON CONFLICT DO NOTHING RETURNING event_id"
        ).bindparams(bindparam("at", type_=DateTime(timezone=True)))
        table = ProcessedEvent.__table__.c
        self._seen = select(table.event_id).where(table.function == bindparam("fn"), table.event_id == bindparam("eid"))

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def first_time(self, session: Session, function: str, event_id: str) -> bool:
        """Mark the event processed; False when it already was (then do nothing)."""
        values = {"fn": function, "eid": event_id, "at": utcnow()}
        return session.connection().execute(self._mark, values).first() is not None

    def was_processed(self, session: Session, function: str, event_id: str) -> bool:
        """Whether the event is already marked processed (a read: for skipping work early)."""
        return session.connection().execute(self._seen, {"fn": function, "eid": event_id}).first() is not None

    def seen(self, function: str, event_id: str) -> bool:
        """`was_processed` outside any transaction: one indexed read on a pooled connection."""
        with self.engine.connect() as connection:
            return connection.execute(self._seen, {"fn": function, "eid": event_id}).first() is not None

    def save_reply(self, session: Session, function: str, event_id: str, reply: bytes) -> None:
        """Store the reply to an event, in the transaction that marks it processed."""
        session.add(EventReply(function=function, event_id=event_id, reply=reply))

    def reply_for(self, session: Session, function: str, event_id: str) -> bytes | None:
        """The reply stored for an event, None when it had none."""
        query = select(EventReply.reply).where(EventReply.function == function, EventReply.event_id == event_id)
        return session.scalar(query)

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
