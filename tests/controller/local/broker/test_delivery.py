"""Delivery to real HTTP subscribers, against SQLite and the real Redis."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable

import pytest
from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.v1.event import CloudEvent
from werkzeug.wrappers import Response

from controller.local.broker import codec
from controller.local.broker.broker import LocalBroker
from protos.events import EXT_APP, INFERENCE_COMPLETED, PREDICTION_REQUEST, PREDICTION_RESPONSE
from tests.controller.local.broker.conftest import Subscriber, make_event, trigger_manifest, wait_until

BrokerFactory = Callable[..., LocalBroker]
SubscriberFactory = Callable[..., Subscriber]


def failing(status: int) -> Callable[[BaseCloudEvent, int], Response]:
    return lambda _event, _count: Response("subscriber is down", status=status)


def test_delivers_in_binary_mode_with_the_event_attributes_as_headers(
    broker_factory: BrokerFactory, subscriber: Subscriber
) -> None:
    broker = broker_factory([trigger_manifest("all", subscriber.url)])
    event = make_event(data={"value": [1, 2]}, **{EXT_APP: "iris"})
    broker.publish(event)

    (received,) = subscriber.wait_count(1)
    assert received.headers["Ce-Id"] == event.get_id()
    assert received.headers["Ce-Hydroapp"] == "iris"
    assert received.headers["Content-Type"] == "application/json"
    assert received.event.get_data() == {"value": [1, 2]}


def test_filter_matches_type_and_extension_attributes(
    broker_factory: BrokerFactory, subscriber: Subscriber
) -> None:
    broker = broker_factory(
        [trigger_manifest("iris", subscriber.url, attributes={"type": INFERENCE_COMPLETED, EXT_APP: "iris"})]
    )
    wanted = make_event(**{EXT_APP: "iris"})
    for event in (make_event(**{EXT_APP: "wine"}), wanted, make_event(PREDICTION_REQUEST, **{EXT_APP: "iris"})):
        broker.publish(event)

    wait_until(lambda: broker.stats()["triggers"]["default/iris"]["filtered_out"] == 2, what="filtering")
    subscriber.wait_count(1)
    assert subscriber.ids() == [wanted.get_id()]


def test_fans_out_to_every_matching_trigger(
    broker_factory: BrokerFactory, subscriber_factory: SubscriberFactory
) -> None:
    first, second = subscriber_factory(), subscriber_factory()
    broker = broker_factory([trigger_manifest("first", first.url), trigger_manifest("second", second.url)])
    event = make_event()
    broker.publish(event)

    assert [r.event.get_id() for r in first.wait_count(1)] == [event.get_id()]
    assert [r.event.get_id() for r in second.wait_count(1)] == [event.get_id()]


def test_retries_a_failed_delivery_until_it_succeeds(
    broker_factory: BrokerFactory, subscriber_factory: SubscriberFactory
) -> None:
    subscriber = subscriber_factory(lambda _e, count: Response(status=500 if count < 3 else 202))
    broker = broker_factory([trigger_manifest("flaky", subscriber.url)])
    event = make_event()
    broker.publish(event)

    subscriber.wait_count(3)
    wait_until(lambda: broker.stats()["triggers"]["default/flaky"]["delivered"] == 1, what="delivery")
    stats = broker.stats()["triggers"]["default/flaky"]
    assert (stats["failed_attempts"], stats["dead_lettered"]) == (2, 0)
    assert subscriber.ids() == [event.get_id()] * 3
    assert broker.dead_letters() == []


def test_exponential_backoff_makes_the_waits_grow(
    broker_factory: BrokerFactory, subscriber_factory: SubscriberFactory
) -> None:
    subscriber = subscriber_factory(failing(500))
    delivery = {"retry": 3, "backoffPolicy": "exponential", "backoffDelay": "PT0.04S"}
    broker = broker_factory([trigger_manifest("down", subscriber.url, delivery=delivery)])
    broker.publish(make_event())

    times = [r.at for r in subscriber.wait_count(4)]
    waits = [later - earlier for earlier, later in itertools.pairwise(times)]
    for number, wait in enumerate(waits, start=1):
        assert wait >= 0.04 * 2**number * 0.9, waits  # 0.08 s, 0.16 s, 0.32 s at least
    assert waits[0] < waits[2], waits


def test_dead_letters_after_the_retries_run_out_and_posts_to_the_sink(
    broker_factory: BrokerFactory, subscriber_factory: SubscriberFactory
) -> None:
    subscriber, sink = subscriber_factory(failing(503)), subscriber_factory()
    delivery = {"retry": 2, "backoffDelay": "PT0.01S", "deadLetterSink": {"uri": sink.url}}
    broker = broker_factory([trigger_manifest("down", subscriber.url, delivery=delivery)])
    event = make_event()
    broker.publish(event)

    (dead,) = sink.wait_count(1)
    (letter,) = broker.dead_letters("down")
    assert len(subscriber.received) == 3
    assert (letter.group, letter.attempts) == ("default/down", 3)
    assert "HTTP 503: subscriber is down" in letter.last_error
    assert letter.to_dict()["event"]["id"] == event.get_id()
    assert dead.event.get_id() == event.get_id()
    assert dead.event.get_extension("knativeerrorcode") == "503"
    assert dead.event.get_extension("knativeerrordest") == subscriber.url


def test_a_hanging_subscriber_times_out_and_is_dead_lettered(
    broker_factory: BrokerFactory, subscriber_factory: SubscriberFactory
) -> None:
    def hang(_event: BaseCloudEvent, _count: int) -> Response:
        hanging.release.wait(10)
        return Response(status=202)

    hanging = subscriber_factory(hang)
    broker = broker_factory([trigger_manifest("slow", hanging.url, delivery={"retry": 0, "timeout": "PT0.3S"})])
    started = time.monotonic()
    broker.publish(make_event())

    wait_until(lambda: broker.dead_letters() != [], what="dead letter")
    assert time.monotonic() - started < 3
    assert "no response within 0.3s" in broker.dead_letters()[0].last_error


@pytest.mark.parametrize("mode", ["binary", "structured"])
def test_a_reply_event_is_published_back_to_the_broker(
    broker_factory: BrokerFactory, subscriber_factory: SubscriberFactory, mode: str
) -> None:
    def answer(event: BaseCloudEvent, _count: int) -> Response:
        reply = CloudEvent({"type": PREDICTION_RESPONSE, "source": "/hydro/functions/echo",
                            "datacontenttype": "application/json", EXT_APP: "iris"}, {"of": event.get_id()})
        message = codec.to_binary(reply) if mode == "binary" else codec.to_structured(reply)
        return Response(message.body, status=200, headers=message.headers)

    echo, results = subscriber_factory(answer), subscriber_factory()
    broker = broker_factory([
        trigger_manifest("echo", echo.url, attributes={"type": PREDICTION_REQUEST}),
        trigger_manifest("results", results.url, attributes={"type": PREDICTION_RESPONSE}),
    ])
    request = make_event(PREDICTION_REQUEST)
    broker.publish(request)

    (result,) = results.wait_count(1)
    assert result.event.get_data() == {"of": request.get_id()}
    assert result.event.get_extension(EXT_APP) == "iris"
    assert len(echo.received) == 1


def test_a_failing_event_does_not_block_later_events(
    broker_factory: BrokerFactory, subscriber_factory: SubscriberFactory
) -> None:
    bad = make_event()
    subscriber = subscriber_factory(lambda e, _n: Response(status=500 if e.get_id() == bad.get_id() else 202))
    delivery = {"retry": 5, "backoffDelay": "PT1S"}  # the first retry of `bad` is 2 s away
    annotations = {"hydro.dev/max-in-flight": "1"}
    broker = broker_factory([trigger_manifest("one", subscriber.url, delivery=delivery, annotations=annotations)])
    good = [make_event() for _ in range(5)]
    for event in [bad, *good]:
        broker.publish(event)

    received = subscriber.wait_for(lambda r: {g.get_id() for g in good} <= {x.event.get_id() for x in r})
    # With one delivery at a time, a head-of-line wait would hold the good events until after
    # `bad` had been retried; they all arrived while its retry was still scheduled.
    assert [r.event.get_id() for r in received].count(bad.get_id()) == 1


def test_a_slow_subscriber_does_not_delay_another_trigger(
    broker_factory: BrokerFactory, subscriber_factory: SubscriberFactory
) -> None:
    slow = subscriber_factory(lambda _e, _n: (time.sleep(0.5), Response(status=202))[1])
    fast = subscriber_factory()
    broker = broker_factory([
        trigger_manifest("slow", slow.url, annotations={"hydro.dev/max-in-flight": "1"}),
        trigger_manifest("fast", fast.url),
    ])
    started = time.monotonic()
    for _ in range(5):
        broker.publish(make_event())

    fast.wait_count(5)
    assert time.monotonic() - started < 2.0  # the slow subscriber needs 2.5 s for these five
    assert len(slow.received) < 5


def test_runs_up_to_max_in_flight_deliveries_at_once(
    broker_factory: BrokerFactory, subscriber_factory: SubscriberFactory
) -> None:
    gate = threading.Event()
    subscriber = subscriber_factory(lambda _e, _n: (gate.wait(5), Response(status=202))[1])
    broker = broker_factory([trigger_manifest("busy", subscriber.url)], max_in_flight=4)
    for _ in range(8):
        broker.publish(make_event())

    subscriber.wait_count(4)
    time.sleep(0.2)  # a fifth delivery, if the limit were broken, would arrive now
    assert subscriber.max_concurrent == 4
    gate.set()
    subscriber.wait_count(8)
    assert subscriber.max_concurrent == 4


@pytest.mark.parametrize(("status", "attempts"), [(400, 1), (422, 1), (404, 3), (429, 3), (503, 3)])
def test_only_the_statuses_knative_retries_are_retried(
    broker_factory: BrokerFactory, subscriber_factory: SubscriberFactory, status: int, attempts: int
) -> None:
    subscriber = subscriber_factory(failing(status))
    delivery = {"retry": 2, "backoffDelay": "PT0.01S"}
    broker = broker_factory([trigger_manifest("picky", subscriber.url, delivery=delivery)])
    broker.publish(make_event())
    wait_until(lambda: broker.dead_letters("picky") != [], what="dead letter")
    (letter,) = broker.dead_letters("picky")
    assert (letter.attempts, len(subscriber.received)) == (attempts, attempts)
    assert f"HTTP {status}" in letter.last_error
