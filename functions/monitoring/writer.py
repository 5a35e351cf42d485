"""Group commit: the writes of events handled at the same time share one transaction.

Each event still answers only after its own write is committed (a crash loses nothing that was
acknowledged), but concurrent events pay for one commit together, and the store's write lock is
taken by one thread instead of contended by all (SQLite's busy wait sleeps in coarse steps).

The first thread to arrive leads: it commits everything queued so far (its own write included),
then hands the lead to the first thread still waiting. A write that raises rolls its group back;
the group is then written again one event per transaction, so one event's failure stays its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from functions.host.store import Store

T = TypeVar("T")
MAX_GROUP = 64


class _Ticket(Generic[T]):
    def __init__(self, work: Callable[[Session], T]) -> None:
        self.work = work
        self.ready = threading.Event()
        self.lead = False
        self.finished = False
        self.result: Any = None
        self.error: BaseException | None = None

    def outcome(self) -> T:
        if self.error is not None:
            raise self.error
        return self.result


class GroupWriter:
    def __init__(self, store: Store, max_group: int = MAX_GROUP) -> None:
        self.store = store
        self.max_group = max_group
        self._queue: list[_Ticket[Any]] = []
        self._leading = False
        self._lock = threading.Lock()

    def write(self, work: Callable[[Session], T]) -> T:
        """Run `work` in a transaction (shared with concurrent writes); its result once committed."""
        ticket: _Ticket[T] = _Ticket(work)
        with self._lock:
            self._queue.append(ticket)
            if not self._leading:
                self._leading = ticket.lead = True
        if not ticket.lead:
            ticket.ready.wait()
        if not ticket.finished:  # leading: initially, or handed over by the previous leader
            self._lead()
        return ticket.outcome()

    def _lead(self) -> None:
        with self._lock:
            group, self._queue = self._queue[:self.max_group], self._queue[self.max_group:]
        try:
            self._commit(group)
        finally:
            with self._lock:
                if self._queue:
                    successor = self._queue[0]
                    successor.lead = True
                    successor.ready.set()
                else:
                    self._leading = False
            for ticket in group:
                ticket.finished = True
                ticket.ready.set()

    def _commit(self, group: list[_Ticket[Any]]) -> None:
        try:
            self._write(group)
        except Exception as error:
            if len(group) == 1:
                group[0].error = error
                return
            for ticket in group:  # isolate the failure: each write on its own
                try:
                    self._write([ticket])
                except Exception as single:
                    ticket.error = single

    def _write(self, group: list[_Ticket[Any]]) -> None:
        with self.store.transaction() as session:
            for ticket in group:
                ticket.result = ticket.work(session)
