"""The durable outbox: events the gateway must deliver to the Broker, in one SQLite file.

All processes of one gateway deployment (gunicorn workers) share the file (WAL journal,
synchronous=NORMAL, a busy timeout). `put` is the only thing a request does: one local INSERT,
committed before it returns, so an accepted event survives the process being killed (-9).
Concurrent `put`s share commits (group commit): the first caller commits every row queued by the
time it starts, the others wait for the commit that holds theirs, so under load one transaction
carries many events and still none returns before its row is durable. The
`Shipper` (`functions.gateway.shipper`) delivers rows in insertion order and deletes them after
the Broker's 2xx.

A row holds the CloudEvent's attributes, its data and the name of a *renderer*. Renderer ""
means the data is the HTTP body as is; any other name is a function registered on the outbox
that turns the stored bytes into the body at shipping time. That is how an inference event
stores cheap serialized protobuf on the request path and becomes JSON on the shipper's thread.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cloudevents.core.bindings.http import HTTPMessage

from functions.gateway import cloudevent_http

Renderer = Callable[[bytes], bytes]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    attributes TEXT NOT NULL,
    data BLOB NOT NULL,
    renderer TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS rejected (
    seq INTEGER PRIMARY KEY,
    attributes TEXT NOT NULL,
    data BLOB NOT NULL,
    renderer TEXT NOT NULL,
    reason TEXT NOT NULL,
    rejected_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class OutboxEvent:
    """A CloudEvent waiting for the Broker: attributes (all text; `time` in RFC 3339) and data."""

    attributes: Mapping[str, str]
    data: bytes
    renderer: str = ""

    @property
    def id(self) -> str:
        return self.attributes.get("id", "")


@dataclass(frozen=True)
class StoredEvent:
    """An outbox row: the event and its position in the stream."""

    seq: int
    event: OutboxEvent = field(repr=False)


@dataclass
class _Ticket:
    """One `put` waiting for the commit that holds its row."""

    row: tuple[str, bytes, str, float]
    done: bool = False
    error: sqlite3.Error | None = None


class Outbox:
    """The SQLite outbox file; safe to share between the threads of one process and between
    processes (each opens its own connection)."""

    def __init__(self, path: str | Path, renderers: Mapping[str, Renderer] | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.renderers = dict(renderers or {})
        self.changed = threading.Event()
        """Set by `put`, so a shipper in this process wakes at once (others poll)."""
        self._lock = threading.Lock()
        self._group = threading.Condition(threading.Lock())
        self._queue: list[_Ticket] = []
        self._committing = False
        self._conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=10)
        self._conn.execute("PRAGMA busy_timeout=10000")
        self._conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a commit survives the process dying; only an OS crash can lose the tail.
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)

    def put(self, event: OutboxEvent) -> None:
        """Store the event, committed before this returns (see the module docstring); raises
        `sqlite3.Error` when it cannot."""
        ticket = _Ticket((json.dumps(dict(event.attributes)), event.data, event.renderer, time.time()))
        with self._group:
            self._queue.append(ticket)
            while not ticket.done and self._committing:
                self._group.wait()
            if not ticket.done:  # nobody is committing: this caller commits the whole queue
                self._committing = True
                batch, self._queue = self._queue, []
        if not ticket.done:
            self._commit(batch)
        if ticket.error is not None:
            raise ticket.error

    def _commit(self, batch: list[_Ticket]) -> None:
        error: sqlite3.Error | None = None
        try:
            with self._lock:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    self._conn.executemany(
                        "INSERT INTO outbox (attributes, data, renderer, created) VALUES (?, ?, ?, ?)",
                        [t.row for t in batch])
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            error = exc
        finally:
            with self._group:
                for ticket in batch:
                    ticket.done, ticket.error = True, error
                self._committing = False
                self._group.notify_all()
        self.changed.set()

    def head(self, limit: int = 100) -> list[StoredEvent]:
        """The oldest `limit` events, in insertion order."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, attributes, data, renderer FROM outbox ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        return [StoredEvent(seq, OutboxEvent(json.loads(attrs), bytes(data), renderer))
                for seq, attrs, data, renderer in rows]

    def delete(self, *seqs: int) -> None:
        """Remove shipped events, in one transaction however many."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany("DELETE FROM outbox WHERE seq = ?", [(seq,) for seq in seqs])
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def reject(self, stored: StoredEvent, reason: str) -> None:
        """Move an event the Broker can never accept out of the stream, keeping it for inspection."""
        event = stored.event
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute(
                    "INSERT OR REPLACE INTO rejected VALUES (?, ?, ?, ?, ?, ?)",
                    (stored.seq, json.dumps(dict(event.attributes)), event.data, event.renderer, reason, time.time()),
                )
                self._conn.execute("DELETE FROM outbox WHERE seq = ?", (stored.seq,))
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def pending(self) -> int:
        """How many events wait for the Broker (all processes)."""
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])

    def rejected(self) -> list[tuple[str, str]]:
        """(event id, reason) of every event the Broker refused for good."""
        with self._lock:
            rows = self._conn.execute("SELECT attributes, reason FROM rejected ORDER BY seq").fetchall()
        return [(json.loads(attrs).get("id", ""), reason) for attrs, reason in rows]

    def render(self, event: OutboxEvent) -> HTTPMessage:
        """The event as a binary-mode HTTP request; `ValueError` when it cannot be rendered."""
        body = event.data
        if event.renderer:
            renderer = self.renderers.get(event.renderer)
            if renderer is None:
                raise ValueError(f"no renderer named {event.renderer!r} is registered")
            body = renderer(event.data)
        return cloudevent_http.to_binary(event.attributes, body)

    def close(self) -> None:
        with self._lock:
            self._conn.close()
