"""The EventLog contract, run against SQLite and the real Redis."""

from __future__ import annotations

import time
from collections.abc import Callable

from controller.local.broker.event_store import EventLog

LEASE = 30.0


def test_a_new_group_starts_after_the_newest_event(event_log: EventLog) -> None:
    event_log.append(b'{"n": 0}')
    event_log.ensure_group("default/t")
    offset = event_log.append(b'{"n": 1}')

    fetched = event_log.fetch("default/t", 10, LEASE)

    assert [(d.offset, d.payload, d.attempts) for d in fetched] == [(offset, b'{"n": 1}', 0)]


def test_each_group_has_its_own_cursor(event_log: EventLog) -> None:
    event_log.ensure_group("default/a")
    event_log.ensure_group("default/b")
    event_log.append(b"1")

    assert [d.payload for d in event_log.fetch("default/a", 10, LEASE)] == [b"1"]
    assert [d.payload for d in event_log.fetch("default/b", 10, LEASE)] == [b"1"]


def test_a_leased_delivery_is_not_handed_out_twice_and_ack_finishes_it(event_log: EventLog) -> None:
    event_log.ensure_group("default/t")
    event_log.append(b"1")
    (delivery,) = event_log.fetch("default/t", 10, LEASE)

    assert event_log.fetch("default/t", 10, LEASE) == []
    assert event_log.backlog("default/t") == 1
    event_log.ack("default/t", [delivery.offset])
    assert event_log.backlog("default/t") == 0


def test_an_expired_lease_hands_the_delivery_out_again(event_log: EventLog) -> None:
    event_log.ensure_group("default/t")
    event_log.append(b"1")
    event_log.fetch("default/t", 10, 0.05)
    assert event_log.fetch("default/t", 10, 0.05) == []
    time.sleep(0.1)

    assert [d.payload for d in event_log.fetch("default/t", 10, 0.05)] == [b"1"]


def test_a_retry_waits_for_its_due_time_and_keeps_its_attempts(event_log: EventLog) -> None:
    event_log.ensure_group("default/t")
    event_log.append(b"1")
    (delivery,) = event_log.fetch("default/t", 10, LEASE)
    event_log.retry_later("default/t", delivery.offset, time.time() + 0.2, 2, "HTTP 500")

    assert event_log.fetch("default/t", 10, LEASE) == []
    time.sleep(0.25)
    (again,) = event_log.fetch("default/t", 10, LEASE)
    assert (again.offset, again.attempts) == (delivery.offset, 2)


def test_recover_hands_out_what_a_dead_process_left_in_flight(store: Callable[[], EventLog]) -> None:
    first = store()
    first.ensure_group("default/t")
    first.append(b"in-flight")
    first.append(b"waiting")
    in_flight, waiting = first.fetch("default/t", 10, LEASE)
    first.retry_later("default/t", waiting.offset, time.time() + 60, 1, "HTTP 500")

    restarted = store()
    assert restarted.recover("default/t") == 1
    assert [d.offset for d in restarted.fetch("default/t", 10, LEASE)] == [in_flight.offset]


def test_a_dead_letter_is_stored_acknowledged_and_listed_per_group(event_log: EventLog) -> None:
    event_log.ensure_group("default/a")
    event_log.ensure_group("default/b")
    event_log.append(b'{"id": "x"}')
    (for_a,) = event_log.fetch("default/a", 10, LEASE)
    (for_b,) = event_log.fetch("default/b", 10, LEASE)
    event_log.dead_letter(for_a, 3, "HTTP 503: busy")
    event_log.dead_letter(for_b, 1, "timeout")

    (letter,) = event_log.dead_letters("default/a")
    assert (letter.group, letter.offset, letter.attempts, letter.last_error) == (
        "default/a", for_a.offset, 3, "HTTP 503: busy",
    )
    assert letter.to_dict()["event"] == {"id": "x"}
    assert [d.group for d in event_log.dead_letters()] == ["default/b", "default/a"]
    assert event_log.backlog("default/a") == 0


def test_trim_keeps_unacknowledged_events_and_a_window_of_acknowledged_ones(event_log: EventLog) -> None:
    event_log.ensure_group("default/t")
    for n in range(6):
        event_log.append(str(n).encode())
    deliveries = event_log.fetch("default/t", 10, LEASE)
    event_log.ack("default/t", [d.offset for d in deliveries[:4]])  # 4 and 5 still pending

    assert event_log.trim(keep=1) == 3
    assert event_log.count() == 3
    assert event_log.trim(keep=1) == 0


def test_remove_group_forgets_its_pending_deliveries(event_log: EventLog) -> None:
    event_log.ensure_group("default/t")
    event_log.append(b"1")
    event_log.fetch("default/t", 10, LEASE)
    event_log.remove_group("default/t")

    assert event_log.groups() == set()
    assert event_log.trim(keep=0) == 1
