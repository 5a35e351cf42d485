"""EventLog on a SQLite file: WAL journal, writes committed in shared (group) transactions.

Every write goes through a `GroupCommitter`: concurrent appends, fetches, acks and retries share
one fsync'd transaction, and each returns only once its own write is committed.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from controller.local.broker.event_store import DeadLetter, Delivery, EventStoreError
from controller.local.broker.group_commit import GroupCommitter

# AUTOINCREMENT matters: trimming deletes old rows, and a reused sequence number would sit
# below a group's cursor and never be delivered.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    payload BLOB NOT NULL,
    stored_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS groups (
    name TEXT PRIMARY KEY,
    cursor INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS pending (
    grp TEXT NOT NULL,
    seq INTEGER NOT NULL,
    payload BLOB NOT NULL,
    due REAL NOT NULL,
    inflight INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (grp, seq)
);
CREATE INDEX IF NOT EXISTS pending_due ON pending (grp, due);
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    grp TEXT NOT NULL,
    seq INTEGER NOT NULL,
    payload BLOB NOT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT NOT NULL,
    dead_at REAL NOT NULL
);
"""


def _execute(db: sqlite3.Connection, sql: str, params: Sequence, *, many: bool = False) -> None:
    """Run a write and drop its cursor here, inside the transaction: a cursor handed back to the
    caller's thread would reset its statement there, on a connection another thread is using."""
    if many:
        db.executemany(sql, params)
    else:
        db.execute(sql, params)


class SqliteEventLog:
    """An EventLog in one SQLite file, safe to share between threads of one process."""

    def __init__(self, path: str | Path) -> None:
        self._path = str(path)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk before publish() returns, so a 202 survives power loss too.
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA busy_timeout=5000")
        self._conn.executescript(_SCHEMA)
        self._writes = GroupCommitter(self._conn, self._lock)

    def append(self, payload: bytes) -> str:
        def insert(db: sqlite3.Connection) -> int | None:
            return db.execute(
                "INSERT INTO events (payload, stored_at) VALUES (?, ?)", (payload, time.time())
            ).lastrowid

        try:
            return str(self._writes.run(insert))
        except sqlite3.Error as exc:
            raise EventStoreError(f"event log {self._path}: event not stored: {exc}") from exc

    def ensure_group(self, group: str) -> None:
        self._writes.run(lambda db: _execute(
            db,
            "INSERT OR IGNORE INTO groups (name, cursor) "
            "SELECT ?, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)",
            (group,),
        ))

    def remove_group(self, group: str) -> None:
        def remove(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM pending WHERE grp = ?", (group,))
            db.execute("DELETE FROM groups WHERE name = ?", (group,))

        self._writes.run(remove)

    def groups(self) -> set[str]:
        with self._lock:
            return {row[0] for row in self._conn.execute("SELECT name FROM groups")}

    def recover(self, group: str) -> int:
        return self._writes.run(lambda db: db.execute(
            "UPDATE pending SET due = ? WHERE grp = ? AND inflight = 1", (time.time(), group)
        ).rowcount)

    def fetch(self, group: str, limit: int, lease: float) -> list[Delivery]:
        def lease_due(db: sqlite3.Connection) -> list[tuple[int, bytes, int]]:
            now = time.time()
            rows = db.execute(
                "SELECT seq, payload, attempts FROM pending WHERE grp = ? AND due <= ? "
                "ORDER BY due LIMIT ?",
                (group, now, limit),
            ).fetchall()
            db.executemany(
                "UPDATE pending SET due = ?, inflight = 1 WHERE grp = ? AND seq = ?",
                [(now + lease, group, seq) for seq, _, _ in rows],
            )
            return rows + self._read_new(db, group, limit - len(rows), now + lease)

        rows = self._writes.run(lease_due)
        return [Delivery(group, str(seq), payload, attempts) for seq, payload, attempts in rows]

    @staticmethod
    def _read_new(db: sqlite3.Connection, group: str, limit: int, lease_until: float) -> list:
        cursor_row = db.execute("SELECT cursor FROM groups WHERE name = ?", (group,)).fetchone()
        if cursor_row is None or limit <= 0:
            return []
        rows = db.execute(
            "SELECT seq, payload FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (cursor_row[0], limit)
        ).fetchall()
        if not rows:
            return []
        db.executemany(
            "INSERT INTO pending (grp, seq, payload, due, inflight) VALUES (?, ?, ?, ?, 1)",
            [(group, seq, payload, lease_until) for seq, payload in rows],
        )
        db.execute("UPDATE groups SET cursor = ? WHERE name = ?", (rows[-1][0], group))
        return [(seq, payload, 0) for seq, payload in rows]

    def ack(self, group: str, offsets: Sequence[str]) -> None:
        if not offsets:
            return
        keys = [(group, int(o)) for o in offsets]
        self._writes.run(lambda db: _execute(db, "DELETE FROM pending WHERE grp = ? AND seq = ?", keys, many=True))

    def retry_later(self, group: str, offset: str, due: float, attempts: int, error: str) -> None:
        self._writes.run(lambda db: _execute(
            db,
            "UPDATE pending SET due = ?, inflight = 0, attempts = ?, last_error = ? "
            "WHERE grp = ? AND seq = ?",
            (due, attempts, error, group, int(offset)),
        ))

    def dead_letter(self, delivery: Delivery, attempts: int, error: str) -> None:
        def bury(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO dead_letters (grp, seq, payload, attempts, last_error, dead_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (delivery.group, int(delivery.offset), delivery.payload, attempts, error, time.time()),
            )
            db.execute(
                "DELETE FROM pending WHERE grp = ? AND seq = ?", (delivery.group, int(delivery.offset))
            )

        self._writes.run(bury)

    def dead_letters(self, group: str | None = None, limit: int = 100) -> list[DeadLetter]:
        query = "SELECT grp, seq, payload, attempts, last_error, dead_at FROM dead_letters"
        params: tuple = (limit,)
        if group is not None:
            query += " WHERE grp = ?"
            params = (group, limit)
        with self._lock:
            rows = self._conn.execute(query + " ORDER BY id DESC LIMIT ?", params).fetchall()
        return [DeadLetter(g, str(seq), p, a, e, t) for g, seq, p, a, e, t in rows]

    def backlog(self, group: str) -> int:
        with self._lock:
            row = self._conn.execute(
                "SELECT (SELECT COUNT(*) FROM pending WHERE grp = ?) + "
                "(SELECT COUNT(*) FROM events WHERE seq > (SELECT cursor FROM groups WHERE name = ?))",
                (group, group),
            ).fetchone()
        return int(row[0])

    def trim(self, keep: int) -> int:
        return self._writes.run(lambda db: self._trim(db, keep))

    @staticmethod
    def _trim(db: sqlite3.Connection, keep: int) -> int:
        safe = db.execute(
            "SELECT MIN(m) FROM (SELECT cursor + 1 AS m FROM groups "
            "UNION ALL SELECT MIN(seq) FROM pending)"
        ).fetchone()[0]
        if safe is None:  # no group and nothing pending: every event is done with
            safe = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM events").fetchone()[0]
        boundary = db.execute(
            "SELECT seq FROM events WHERE seq < ? ORDER BY seq DESC LIMIT 1 OFFSET ?",
            (safe, keep),
        ).fetchone()
        if boundary is None:
            return 0
        return db.execute("DELETE FROM events WHERE seq <= ?", (boundary[0],)).rowcount

    def count(self) -> int:
        """Events currently stored (acknowledged or not)."""
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
