"""Fixtures for the broker tests: both event stores, real HTTP subscribers, and brokers."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.v1.event import CloudEvent
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from controller.local.broker import codec
from controller.local.broker.broker import LocalBroker
from controller.local.broker.event_store import EventLog
from controller.local.broker.redis_log import RedisEventLog
from controller.local.broker.sqlite_log import SqliteEventLog
from controller.local.broker.trigger import DeliveryPolicy
from protos.events import INFERENCE_COMPLETED, SOURCE_GATEWAY

STORES = ["sqlite", pytest.param("redis", marks=pytest.mark.redis)]
Handler = Callable[[BaseCloudEvent, int], Response]
"""What a subscriber answers: given the event and how many times this id was received."""


@dataclass(frozen=True)
class Received:
    event: BaseCloudEvent
    headers: dict[str, str]
    at: float


class Subscriber:
    """A real HTTP server that records every CloudEvent POSTed to it."""

    def __init__(self, handler: Handler | None = None) -> None:
        self.handler: Handler = handler or (lambda _event, _n: Response(status=202))
        self.received: list[Received] = []
        self.concurrent = 0
        self.max_concurrent = 0
        self.release = threading.Event()  # lets hanging handlers finish at teardown
        self._cond = threading.Condition()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}/"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()

    @Request.application
    def _app(self, request: Request) -> Response:
        event = codec.parse_http(dict(request.headers.items()), request.get_data())
        with self._cond:
            self.received.append(Received(event, dict(request.headers.items()), time.monotonic()))
            count = sum(1 for r in self.received if r.event.get_id() == event.get_id())
            self.concurrent += 1
            self.max_concurrent = max(self.max_concurrent, self.concurrent)
            self._cond.notify_all()
        try:
            return self.handler(event, count)
        finally:
            with self._cond:
                self.concurrent -= 1

    def ids(self) -> list[str]:
        with self._cond:
            return [r.event.get_id() for r in self.received]

    def wait_for(self, predicate: Callable[[list[Received]], bool], timeout: float = 10.0) -> list[Received]:
        with self._cond:
            assert self._cond.wait_for(lambda: predicate(self.received), timeout), (
                f"subscriber {self.url} got {[r.event.get_id() for r in self.received]}"
            )
            return list(self.received)

    def wait_count(self, count: int, timeout: float = 10.0) -> list[Received]:
        return self.wait_for(lambda received: len(received) >= count, timeout)

    def close(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def subscriber_factory() -> Iterator[Callable[..., Subscriber]]:
    started: list[Subscriber] = []

    def start(handler: Handler | None = None) -> Subscriber:
        subscriber = Subscriber(handler)
        started.append(subscriber)
        return subscriber

    yield start
    for subscriber in started:
        subscriber.close()


@pytest.fixture
def subscriber(subscriber_factory: Callable[..., Subscriber]) -> Subscriber:
    return subscriber_factory()


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Any) -> Callable[[], EventLog]:
    """Opens the event log under test; call it again to reopen the same store (a restart)."""
    opened: list[EventLog] = []
    prefix = f"hydro:test:{uuid.uuid4().hex[:8]}"
    redis_url = request.getfixturevalue("redis_url") if request.param == "redis" else None

    def open_log() -> EventLog:
        log: EventLog = (
            RedisEventLog(redis_url, prefix=prefix) if redis_url else SqliteEventLog(tmp_path / "events.db")
        )
        opened.append(log)
        return log

    request.addfinalizer(lambda: [log.close() for log in opened])
    return open_log


@pytest.fixture
def event_log(store: Callable[[], EventLog]) -> EventLog:
    return store()


FAST = DeliveryPolicy(retry=3, backoff_policy="exponential", backoff_delay=0.05, timeout=2.0)


@pytest.fixture
def broker_factory(event_log: EventLog) -> Iterator[Callable[..., LocalBroker]]:
    """Started brokers over the test's event log, with fast polling and tiny backoff delays."""
    brokers: list[LocalBroker] = []

    def create(triggers: list[dict[str, Any]], **options: Any) -> LocalBroker:
        options = {"delivery_defaults": FAST, "poll_interval": 0.02, "trim_interval": 60.0, **options}
        broker = LocalBroker(event_log, namespace="default", name="hydro", **options)
        broker.apply_triggers(triggers)
        broker.start()
        brokers.append(broker)
        return broker

    yield create
    for broker in brokers:
        broker.stop(grace=1.0)


def trigger_manifest(
    name: str,
    uri: str,
    *,
    attributes: dict[str, str] | None = None,
    delivery: dict[str, Any] | None = None,
    annotations: dict[str, str] | None = None,
    broker: str = "hydro",
) -> dict[str, Any]:
    """A Knative Trigger manifest as the planner emits it."""
    spec: dict[str, Any] = {"broker": broker, "subscriber": {"uri": uri}}
    if attributes is not None:
        spec["filter"] = {"attributes": attributes}
    if delivery is not None:
        spec["delivery"] = delivery
    metadata: dict[str, Any] = {"name": name, "namespace": "default"}
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": "eventing.knative.dev/v1", "kind": "Trigger", "metadata": metadata, "spec": spec}


def make_event(event_type: str = INFERENCE_COMPLETED, data: Any = None, **extensions: str) -> CloudEvent:
    """A CloudEvent 1.0 from the gateway, with JSON data and the given extensions."""
    attributes: dict[str, Any] = {
        "type": event_type,
        "source": SOURCE_GATEWAY,
        "datacontenttype": "application/json",
        **extensions,
    }
    return CloudEvent(attributes, {"value": 1} if data is None else data)


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)
