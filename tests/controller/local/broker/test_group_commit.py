"""Group commit: concurrent writers share transactions, and each gets its own result or error."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from controller.local.broker.group_commit import GroupCommitter
from controller.local.broker.sqlite_log import SqliteEventLog

_SCHEMA = """
PRAGMA foreign_keys = ON;
CREATE TABLE parent (id INTEGER PRIMARY KEY);
CREATE TABLE child (id INTEGER PRIMARY KEY,
                    parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
"""


@pytest.fixture
def db_path(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "gc.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(_SCHEMA)
    conn.close()
    yield path


@pytest.fixture
def committer(db_path: Path) -> Iterator[GroupCommitter]:
    conn = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    yield GroupCommitter(conn, threading.Lock())
    conn.close()


def _stored(db_path: Path, table: str) -> list[int]:
    """What another connection sees: only committed rows."""
    with sqlite3.connect(db_path) as other:
        return [row[0] for row in other.execute(f"SELECT id FROM {table} ORDER BY id")]


def _insert(table: str, row_id: int, parent: int | None = None) -> Callable[[sqlite3.Connection], int]:
    def write(db: sqlite3.Connection) -> int:
        if table == "child":
            db.execute("INSERT INTO child (id, parent) VALUES (?, ?)", (row_id, parent))
        else:
            db.execute("INSERT INTO parent (id) VALUES (?)", (row_id,))
        return row_id

    return write


def _in_one_batch(committer: GroupCommitter, writes: list[Callable[[sqlite3.Connection], Any]]) -> list[Any]:
    """Run `writes` from threads while a first write holds the transaction, so they queue up
    together and go into the next transaction as one batch; returns each one's result or error."""
    holding, release = threading.Event(), threading.Event()

    def hold(db: sqlite3.Connection) -> None:
        holding.set()
        release.wait(5)

    outcomes: list[Any] = [None] * len(writes)

    def call(index: int) -> None:
        try:
            outcomes[index] = committer.run(writes[index])
        except Exception as exc:
            outcomes[index] = exc

    leader = threading.Thread(target=committer.run, args=(hold,))
    leader.start()
    assert holding.wait(5)
    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(writes))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 5
    while committer.queued < len(writes):
        assert time.monotonic() < deadline, "the writes never queued up"
        time.sleep(0.005)
    release.set()
    for thread in [leader, *threads]:
        thread.join(5)
    return outcomes


def test_a_failing_write_fails_only_its_caller(committer: GroupCommitter, db_path: Path) -> None:
    committer.run(_insert("parent", 1))
    outcomes = _in_one_batch(committer, [_insert("parent", 2), _insert("parent", 1), _insert("parent", 3)])
    assert outcomes[0] == 2 and outcomes[2] == 3
    assert isinstance(outcomes[1], sqlite3.IntegrityError)
    assert _stored(db_path, "parent") == [1, 2, 3]


def test_a_failed_commit_fails_every_write_of_the_batch(committer: GroupCommitter, db_path: Path) -> None:
    # A deferred foreign key is checked only at COMMIT: the orphan child makes the COMMIT fail.
    outcomes = _in_one_batch(committer, [_insert("parent", 1), _insert("child", 1, parent=99)])
    assert all(isinstance(outcome, sqlite3.IntegrityError) for outcome in outcomes), outcomes
    assert _stored(db_path, "parent") == [] and _stored(db_path, "child") == []
    assert committer.run(_insert("parent", 5)) == 5  # the failed transaction was rolled back
    assert _stored(db_path, "parent") == [5]


def test_a_write_is_committed_when_its_caller_returns(committer: GroupCommitter, db_path: Path) -> None:
    seen: dict[int, list[int]] = {}

    def write_then_look(row_id: int) -> None:
        committer.run(_insert("parent", row_id))
        seen[row_id] = _stored(db_path, "parent")

    threads = [threading.Thread(target=write_then_look, args=(n,)) for n in range(1, 21)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert all(row_id in rows for row_id, rows in seen.items()) and len(seen) == 20


def test_concurrent_appends_and_acks_store_every_event_once(tmp_path: Path) -> None:
    log = SqliteEventLog(tmp_path / "events.db")
    log.ensure_group("g")
    per_thread, appenders = 50, 8
    offsets: list[str] = []
    acked: list[str] = []
    lock = threading.Lock()
    done = threading.Event()

    def append(thread: int) -> None:
        mine = [log.append(b'{"n": "%d-%d"}' % (thread, n)) for n in range(per_thread)]
        with lock:
            offsets.extend(mine)

    def ack() -> None:
        while not (done.is_set() and log.backlog("g") == 0):
            for delivery in log.fetch("g", 2, 30.0):
                log.ack("g", [delivery.offset])
                with lock:
                    acked.append(delivery.offset)

    ackers = [threading.Thread(target=ack) for _ in range(8)]
    writers = [threading.Thread(target=append, args=(t,)) for t in range(appenders)]
    for thread in ackers + writers:
        thread.start()
    for thread in writers:
        thread.join(30)
    done.set()
    for thread in ackers:
        thread.join(30)
    total = per_thread * appenders
    assert len(set(offsets)) == len(offsets) == total
    assert log.count() == total
    assert sorted(acked, key=int) == sorted(offsets, key=int)  # each delivered and acked exactly once
    log.close()
