"""The outbox relay delivering catalog changes to a real Broker ingress, in order, nothing skipped."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cloudevents.core.base import BaseCloudEvent
from werkzeug.serving import make_server

from controller.catalog import Catalog
from controller.local.broker import LocalBroker, SqliteEventLog, create_ingress_app
from controller.relay import OutboxRelay, http_publisher, to_cloudevent
from protos import events
from tests.controller.catalog.conftest import released


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[tuple[LocalBroker, str]]:
    """A LocalBroker behind its real HTTP ingress; yields it and the ingress base URL."""
    log = SqliteEventLog(tmp_path / "broker.db")
    broker = LocalBroker(log, namespace="hydro", name="hydro")
    server = make_server("127.0.0.1", 0, create_ingress_app({("hydro", "hydro"): broker}), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield broker, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    log.close()


def test_training_data_reaches_the_broker_in_camel_case(catalog: Catalog, payload: Path, tmp_path: Path) -> None:
    published: list[BaseCloudEvent] = []
    version = released(catalog, payload)
    catalog.add_training_data(version, "s3://data/train.csv")
    relay = OutboxRelay(catalog, published.append, lock_dir=tmp_path)
    assert relay.relay_once() == len(published) >= 3
    [uploaded] = [e for e in published if e.get_type() == events.TRAININGDATA_UPLOADED]
    data = uploaded.get_data()
    assert data["action"] == "created"
    assert data["object"]["modelVersionId"] == version and data["object"]["uri"] == "s3://data/train.csv"
    assert uploaded.get_source() == events.SOURCE_CONTROLLER
    numbers = [int(e.get_id().removeprefix("catalog-")) for e in published]
    assert numbers == sorted(set(numbers))
    assert relay.relay_once() == 0  # the position is saved: nothing twice


def test_a_refusing_broker_stops_the_relay_at_that_event(catalog: Catalog, payload: Path, tmp_path: Path) -> None:
    released(catalog, payload)
    delivered: list[str] = []
    failures = iter([True])

    def flaky(event: BaseCloudEvent) -> None:
        if len(delivered) == 1 and next(failures, False):
            raise RuntimeError("broker down")
        delivered.append(event.get_id())

    relay = OutboxRelay(catalog, flaky, lock_dir=tmp_path)
    with pytest.raises(RuntimeError, match="broker down"):
        relay.relay_once()
    relay.relay_once()
    assert delivered == [to_cloudevent(r).get_id() for r in catalog.events_since(0, 1000)]


def test_http_publisher_posts_to_the_broker_ingress(catalog: Catalog, payload: Path, tmp_path: Path,
                                                    broker: tuple[LocalBroker, str]) -> None:
    local, base = broker
    released(catalog, payload)
    relay = OutboxRelay(catalog, http_publisher(f"{base}/hydro/hydro"), lock_dir=tmp_path)
    count = relay.relay_once()
    assert count >= 2 and local.stats()["published"] == count
    with pytest.raises(RuntimeError, match="answered 404"):
        http_publisher(f"{base}/hydro/missing")(to_cloudevent(catalog.events_since(0, 1)[0]))


def test_only_one_relay_delivers_at_a_time(catalog: Catalog, tmp_path: Path) -> None:
    first = OutboxRelay(catalog, lambda e: None, lock_dir=tmp_path)
    second = OutboxRelay(catalog, lambda e: None, lock_dir=tmp_path)
    assert first._leadership.acquire()
    assert not second._leadership.acquire()
    first._leadership.release()
    assert second._leadership.acquire()
    second._leadership.release()
