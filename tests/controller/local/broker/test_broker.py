"""LocalBroker's desired-state Triggers and retention, against SQLite and the real Redis."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from werkzeug.wrappers import Response

from controller.errors import InvalidResource
from controller.local.broker.broker import LocalBroker
from controller.local.broker.event_store import EventLog
from tests.controller.local.broker.conftest import Subscriber, make_event, trigger_manifest, wait_until

BrokerFactory = Callable[..., LocalBroker]
SubscriberFactory = Callable[..., Subscriber]


def test_updating_a_trigger_redirects_later_events(
    broker_factory: BrokerFactory, subscriber_factory: SubscriberFactory
) -> None:
    old, new = subscriber_factory(), subscriber_factory()
    broker = broker_factory([trigger_manifest("t", old.url)])
    broker.publish(make_event())
    old.wait_count(1)

    broker.apply_triggers([trigger_manifest("t", new.url)])
    event = make_event()
    broker.publish(event)

    assert [r.event.get_id() for r in new.wait_count(1)] == [event.get_id()]
    assert len(old.received) == 1


def test_removing_a_trigger_drops_its_group(
    broker_factory: BrokerFactory, event_log: EventLog, subscriber: Subscriber
) -> None:
    broker = broker_factory([trigger_manifest("a", subscriber.url), trigger_manifest("b", subscriber.url)])

    broker.apply_triggers([trigger_manifest("a", subscriber.url)])

    assert event_log.groups() == {"default/a"}
    assert [t.name for t in broker.triggers()] == ["a"]


def test_a_trigger_for_another_broker_is_refused_and_nothing_changes(
    broker_factory: BrokerFactory, event_log: EventLog, subscriber: Subscriber
) -> None:
    broker = broker_factory([trigger_manifest("a", subscriber.url)])

    with pytest.raises(InvalidResource, match=r"spec\.broker"):
        broker.apply_triggers([trigger_manifest("b", subscriber.url, broker="other")])
    assert event_log.groups() == {"default/a"}


def test_delivered_events_are_trimmed_down_to_the_retention_window(
    broker_factory: BrokerFactory, event_log: EventLog, subscriber: Subscriber
) -> None:
    broker = broker_factory([trigger_manifest("a", subscriber.url)], retain_acked=2)
    for _ in range(6):
        broker.publish(make_event())
    subscriber.wait_count(6)
    wait_until(lambda: broker.stats()["triggers"]["default/a"]["backlog"] == 0, what="acks")

    assert broker.trim() == 4
    assert event_log.count() == 2


def test_stop_waits_for_deliveries_in_flight(
    broker_factory: BrokerFactory, subscriber_factory: SubscriberFactory
) -> None:
    slow = subscriber_factory(lambda _e, _n: (time.sleep(0.3), Response(status=202))[1])
    broker = broker_factory([trigger_manifest("a", slow.url)])
    broker.publish(make_event())
    slow.wait_count(1)

    assert broker.stop(grace=5.0) is True
    assert broker.stats()["triggers"]["default/a"]["delivered"] == 1
