"""The SQLite outbox and its shipper, against real HTTP receivers and the real local broker."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from functions.gateway import monitoring
from functions.gateway.components import Components
from functions.gateway.outbox import Outbox, OutboxEvent
from functions.gateway.routing import RoutingTable
from functions.gateway.routing_source import RoutingSource
from functions.gateway.settings import GatewaySettings
from functions.gateway.shipper import Shipper
from protos import events
from tests.functions.gateway.processes import BrokerProcess
from tests.functions.gateway.servers import Receiver

ROWS = [[5.1, 3.5, 1.4, 0.2]]


def event(number: int) -> OutboxEvent:
    attributes = {"specversion": "1.0", "id": f"e-{number}-{uuid.uuid4().hex[:6]}", "source": "/test",
                  "type": "dev.hydro.test", "time": "2024-05-01T10:00:00Z", "datacontenttype": "application/json"}
    return OutboxEvent(attributes, json.dumps({"n": number}).encode())


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    box = Outbox(tmp_path / "outbox.db")
    yield box
    box.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def shipper_for(outbox: Outbox, url: str, parallel: int = 1) -> Shipper:
    return Shipper(outbox, url, poll_seconds=0.02, base_backoff=0.01, max_backoff=0.05, parallel=parallel)


def test_an_event_put_is_on_disk_for_the_next_process(tmp_path: Path) -> None:
    first = Outbox(tmp_path / "outbox.db")
    first.put(event(1))
    first.put(event(2))
    first.close()
    again = Outbox(tmp_path / "outbox.db")
    assert [json.loads(row.event.data)["n"] for row in again.head()] == [1, 2]
    assert again.pending() == 2
    again.close()


def test_ships_in_order_in_binary_mode_and_deletes(outbox: Outbox, receiver: Receiver) -> None:
    for number in range(5):
        outbox.put(event(number))
    shipper = shipper_for(outbox, receiver.url)
    shipper.start()
    try:
        eventually(lambda: outbox.pending() == 0)
    finally:
        shipper.stop()
    assert [json.loads(body)["n"] for _, body in receiver.received] == [0, 1, 2, 3, 4]
    headers = receiver.received[0][0]
    assert headers["ce-type"] == "dev.hydro.test" and headers["ce-specversion"] == "1.0"
    assert headers["content-type"] == "application/json" and headers["ce-time"] == "2024-05-01T10:00:00Z"
    assert shipper.shipped == 5


def test_retries_with_backoff_and_keeps_the_order(outbox: Outbox) -> None:
    receiver = Receiver(statuses=[503, 503, 500])
    outbox.put(event(1))
    outbox.put(event(2))
    shipper = shipper_for(outbox, receiver.url)
    shipper.start()
    try:
        eventually(lambda: outbox.pending() == 0)
    finally:
        shipper.stop()
        receiver.close()
    assert [json.loads(body)["n"] for _, body in receiver.received] == [1, 2]
    assert shipper.failed_attempts == 3


def test_parallel_shipping_delivers_each_event_once_and_retries_only_the_failed(outbox: Outbox) -> None:
    receiver = Receiver(statuses=[503] * 5)
    for number in range(200):
        outbox.put(event(number))
    shipper = shipper_for(outbox, receiver.url, parallel=8)
    shipper.start()
    try:
        eventually(lambda: outbox.pending() == 0)
    finally:
        shipper.stop()
        receiver.close()
    delivered = [json.loads(body)["n"] for _, body in receiver.received]
    assert sorted(delivered) == list(range(200))  # every event once: a 503 is retried, a 2xx never
    assert shipper.shipped == 200 and shipper.failed_attempts == 5
    # Windows of 8 (within reads of 100) leave in insertion order: nothing from a later window first.
    windows = [(n // 100, n % 100 // 8) for n in delivered]
    assert windows == sorted(windows)


def test_an_event_the_broker_refuses_for_good_is_moved_aside(outbox: Outbox) -> None:
    receiver = Receiver(statuses=[400])
    first, second = event(1), event(2)
    outbox.put(first)
    outbox.put(second)
    shipper = shipper_for(outbox, receiver.url)
    shipper.start()
    try:
        eventually(lambda: outbox.pending() == 0)
    finally:
        shipper.stop()
        receiver.close()
    assert [json.loads(body)["n"] for _, body in receiver.received] == [2]
    assert [(event_id, reason[:8]) for event_id, reason in outbox.rejected()] == [(first.id, "HTTP 400")]


def test_only_the_lock_holder_ships_and_nothing_twice(tmp_path: Path, receiver: Receiver) -> None:
    boxes = [Outbox(tmp_path / "shared.db"), Outbox(tmp_path / "shared.db")]  # two "processes"
    shippers = [shipper_for(box, receiver.url) for box in boxes]
    for shipper in shippers:
        shipper.start()
    try:
        for number in range(40):
            boxes[number % 2].put(event(number))
        eventually(lambda: boxes[0].pending() == 0 and len(receiver.received) == 40)
        assert sum(shipper.lock.held for shipper in shippers) == 1
    finally:
        for shipper in shippers:
            shipper.stop()
        for box in boxes:
            box.close()
    ids = [headers["ce-id"] for headers, _ in receiver.received]
    assert len(set(ids)) == 40


def test_without_a_broker_url_events_stay(outbox: Outbox) -> None:
    outbox.put(event(1))
    shipper = Shipper(outbox, None)
    shipper.start()
    shipper.stop()
    assert outbox.pending() == 1


def test_inference_events_reach_the_broker_with_their_attributes(
    tmp_path: Path, routing_table: RoutingTable
) -> None:
    broker = BrokerProcess(tmp_path / "broker.db")
    try:
        settings = GatewaySettings(outbox_path=tmp_path / "outbox.db", broker_url=broker.url, auth_enabled=False)
        parts = Components(settings, routing=RoutingSource(routing_table)).start()
        try:
            parts.gateway.predict_application("iris", {"features": ROWS}, "req-1")
            stored = broker.wait_events(3)
        finally:
            parts.close()
    finally:
        broker.close()
    by_stage = {(e[events.EXT_STAGE], e["data"]["shadow"]): e for e in stored}
    second = by_stage[("1", False)]
    assert second["type"] == events.INFERENCE_COMPLETED and second["source"] == events.SOURCE_GATEWAY
    assert (second[events.EXT_APP], second[events.EXT_MODEL], second[events.EXT_VERSION]) == (
        "iris", "iris-classifier", "1")
    assert second["datacontenttype"] == "application/json" and uuid.UUID(second["id"]).version == 4
    data = second["data"]
    assert (data["requestId"], data["application"], data["stage"], data["modelVersionId"]) == ("req-1", "iris", 1, 201)
    assert data["request"] == by_stage[("0", False)]["data"]["response"]
    assert np.asarray(data["response"]["proba"]).shape == (1, 3) and data["error"] is None
    assert data["timestamp"] == second["time"] and data["latencyMs"] > 0
    assert by_stage[("1", True)][events.EXT_VERSION] == "2"


def test_render_gives_the_documented_fields() -> None:
    record = monitoring.InferenceRecord("r", None, 0, None, {}, None, 1.5, error=("UNAVAILABLE", "down"),
                                        model="m", version=3)
    stored = monitoring.to_outbox_event(record)
    data = json.loads(monitoring.render(stored.data))
    assert set(data) == {"requestId", "application", "stage", "servable", "modelName", "modelVersion",
                         "modelVersionId", "shadow", "latencyMs", "timestamp", "request", "response", "error"}
    assert data["error"] == {"code": "UNAVAILABLE", "message": "down"} and data["modelVersion"] == 3
    assert events.EXT_APP not in stored.attributes and stored.attributes[events.EXT_VERSION] == "3"
