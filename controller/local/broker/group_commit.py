"""Group commit: concurrent writes to one SQLite connection share one durable transaction.

With `synchronous=FULL` every COMMIT waits for an fsync, and under CPU contention each thread that
takes its turn at the connection also waits for the GIL, so one transaction per write caps the log
at a few dozen writes a second. Here a writer queues its write; the first one to find no commit
in progress becomes the leader and runs every queued write in one BEGIN IMMEDIATE .. COMMIT, each
in its own SAVEPOINT so a failing write is rolled back alone and fails only its caller. The
others wait for that commit. Nobody returns before its write is committed (or has failed), so
durability is per caller exactly as with one transaction each.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Generic, TypeVar

T = TypeVar("T")
Write = Callable[[sqlite3.Connection], T]


class _Queued(Generic[T]):
    """One caller's write, and what came of it once its batch is settled."""

    __slots__ = ("done", "error", "result", "write")

    def __init__(self, write: Write[T]) -> None:
        self.write = write
        self.result: T | None = None
        self.error: BaseException | None = None
        self.done = False

    def outcome(self) -> T:
        if self.error is not None:
            raise self.error
        return self.result  # type: ignore[return-value]


class GroupCommitter:
    """Runs writes on `conn` in shared transactions; `lock` guards the connection against readers."""

    def __init__(self, conn: sqlite3.Connection, lock: AbstractContextManager[Any]) -> None:
        self._conn = conn
        self._lock = lock
        self._cond = threading.Condition()
        self._queue: list[_Queued[Any]] = []
        self._committing = False

    @property
    def queued(self) -> int:
        """Writes waiting for the next transaction (for tests and diagnostics)."""
        with self._cond:
            return len(self._queue)

    def run(self, write: Write[T]) -> T:
        """Run `write(conn)` inside a transaction; returns its result once that is committed.

        Raises what `write` raised (only its own changes are rolled back), or the error that
        stopped the transaction itself (BEGIN or COMMIT), in which case nothing of it is stored.
        `write` runs in another caller's thread and must not return a cursor: the caller dropping
        it would reset a statement on the connection while the next batch uses it.
        """
        mine: _Queued[T] = _Queued(write)
        with self._cond:
            self._queue.append(mine)
            while self._committing and not mine.done:
                self._cond.wait()
            if mine.done:
                return mine.outcome()
            self._committing = True
            batch, self._queue = self._queue, []
        try:
            self._commit(batch)
        finally:
            with self._cond:
                self._committing = False
                self._cond.notify_all()
        return mine.outcome()

    def _commit(self, batch: list[_Queued[Any]]) -> None:
        try:
            with self._lock:
                self._transaction(batch)
        except BaseException as exc:
            # BEGIN or COMMIT failed (or the leader was interrupted): no write of the batch is
            # stored, so each caller gets the error, including those whose own write went fine.
            for queued in batch:
                queued.error = exc
            if not isinstance(exc, Exception):
                raise
        finally:
            for queued in batch:
                queued.done = True

    def _transaction(self, batch: list[_Queued[Any]]) -> None:
        db = self._conn
        db.execute("BEGIN IMMEDIATE")
        try:
            for queued in batch:
                self._run_one(db, queued)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    @staticmethod
    def _run_one(db: sqlite3.Connection, queued: _Queued[Any]) -> None:
        db.execute("SAVEPOINT w")
        try:
            queued.result = queued.write(db)
        except Exception as exc:
            queued.error = exc
            db.execute("ROLLBACK TO w")
        db.execute("RELEASE w")
