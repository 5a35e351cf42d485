"""`Sender.step`, one attempt at a time, against a real receiver, with a hand-moved clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from functions.alerts.failures import CheckFailed, Failure
from functions.alerts.lifecycle import Lifecycle
from functions.alerts.sender import Sender
from functions.alerts.settings import AlertSettings
from functions.alerts.tables import DeliveryRow, utc
from functions.host.store import Store
from tests.functions.alerts.receivers import Receiver
from tests.functions.alerts.test_function import Clock

SETTINGS = AlertSettings(retry_base_seconds=1, retry_max_seconds=3, poll_seconds=0.5)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'functions.db'}")
    yield store
    store.close()


def queue(store: Store, clock: Clock, webhook: str, *fields: str) -> None:
    """One firing notification per field, queued for `webhook` in this order."""
    lifecycle = Lifecycle((webhook,), "http://controller.test/api/v2/alerts", timedelta(minutes=5),
                          timedelta(minutes=10))
    for name in fields:
        failure = Failure("field", name, 1.0, 0.0, ">", f"{name} too high")
        with store.transaction() as session:
            lifecycle.observe(session, CheckFailed(7, "census", 2, "check", (failure,), "r-1", None, clock()), clock())


def deliveries(store: Store) -> list[DeliveryRow]:
    with store.transaction() as session:
        return list(session.scalars(select(DeliveryRow).order_by(DeliveryRow.id)))


def test_a_failed_attempt_is_recorded_and_retried_with_capped_backoff(store: Store) -> None:
    clock, receiver = Clock(), Receiver("/hook", statuses=[503] * 4).start()
    try:
        queue(store, clock, receiver.url, "age")
        sender = Sender(store, receiver.url, SETTINGS, clock)
        delays = []
        for _ in range(4):
            assert sender.step() == 0
            [row] = deliveries(store)
            delays.append((utc(row.next_attempt_at) - clock()).total_seconds())
            assert sender.step() > 0  # not due yet: nothing is sent
            clock.advance(delays[-1])
        assert delays == [1, 2, 3, 3]
        assert (row.status, row.attempts, row.last_error) == ("pending", 4, "HTTP 503: answered 503")
        sender.step()
        [row] = deliveries(store)
        assert (row.status, row.attempts, row.last_error) == ("delivered", 5, "HTTP 503: answered 503")
        assert len(receiver.bodies) == 5
    finally:
        receiver.close()


def test_a_refused_body_is_rejected_and_the_queue_moves_on(store: Store) -> None:
    clock, receiver = Clock(), Receiver("/hook", statuses=[400]).start()
    try:
        queue(store, clock, receiver.url, "age", "income")
        sender = Sender(store, receiver.url, SETTINGS, clock)
        sender.step()
        sender.step()
        assert [(row.status, row.attempts) for row in deliveries(store)] == [("rejected", 1), ("delivered", 1)]
        assert [body["field"] for body in receiver.bodies] == ["age", "income"]
    finally:
        receiver.close()


def test_a_webhook_gets_its_notifications_in_order(store: Store) -> None:
    clock, receiver = Clock(), Receiver("/hook", statuses=[500]).start()
    try:
        queue(store, clock, receiver.url, "age", "income")
        sender = Sender(store, receiver.url, SETTINGS, clock)
        sender.step()
        sender.step()  # the first is backing off: the second must wait behind it
        assert [body["field"] for body in receiver.bodies] == ["age"]
        clock.advance(1)
        sender.step()
        sender.step()
        assert [body["field"] for body in receiver.bodies] == ["age", "age", "income"]
    finally:
        receiver.close()


def test_a_delivery_leased_by_another_replica_is_not_sent(store: Store) -> None:
    clock, receiver = Clock(), Receiver("/hook").start()
    try:
        queue(store, clock, receiver.url, "age")
        with store.transaction() as session:
            session.execute(update(DeliveryRow).values(leased_until=clock() + timedelta(seconds=30)))
        assert Sender(store, receiver.url, SETTINGS, clock).step() == SETTINGS.poll_seconds
        assert receiver.bodies == [] and deliveries(store)[0].status == "pending"
    finally:
        receiver.close()
