"""PolledRouting against a real HTTP server speaking the controller's ETag protocol."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from functions.gateway.errors import NotFound, NotReady
from functions.gateway.routing import RoutingTable
from functions.gateway.routing_source import PolledRouting, RoutingSource
from tests.functions.gateway import tables
from tests.functions.gateway.servers import RoutingServer

ROUTING_PATH = "/api/v2/plan/routing"


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.01)
    raise AssertionError("condition not met in time")


@pytest.fixture
def polled(routing_server: RoutingServer) -> Iterator[PolledRouting]:
    source = PolledRouting(routing_server.url + ROUTING_PATH, poll_seconds=0.05, min_refresh_seconds=0.5)
    yield source
    source.stop()


def test_polls_with_if_none_match_and_swaps_on_change(routing_server: RoutingServer, polled: PolledRouting) -> None:
    polled.start()
    assert polled.wait_ready(5)
    first = polled.table
    eventually(lambda: routing_server.requests.count(f'"{routing_server.etag}"') >= 2)
    assert polled.table is first  # 304s keep the very same table
    routing_server.table = tables.planned_routing()
    eventually(lambda: polled.table is not first)
    assert polled.application("iris").name == "iris"


def test_unknown_name_refreshes_once_before_404(routing_server: RoutingServer, polled: PolledRouting) -> None:
    polled.poll()
    routing_server.table = tables.planned_routing()
    assert polled.application("iris").name == "iris"  # found by the immediate refresh, no poller running
    calls = len(routing_server.requests)
    with pytest.raises(NotFound, match="application 'ghost'"):
        polled.application("ghost")
    with pytest.raises(NotFound, match="servable 'ghost'"):
        polled.servable("ghost")
    assert len(routing_server.requests) == calls  # rate-limited: the refresh above was < 0.5 s ago


def test_a_controller_that_is_down_keeps_the_last_table(routing_server: RoutingServer, polled: PolledRouting) -> None:
    routing_server.table = tables.planned_routing()
    polled.poll()
    table = polled.table
    routing_server.down = True
    polled.poll()
    assert polled.table is table and polled.application("iris").name == "iris"


def test_a_malformed_table_keeps_the_last_one(routing_server: RoutingServer, polled: PolledRouting) -> None:
    routing_server.table = tables.planned_routing()
    polled.poll()
    routing_server.table = {"applications": {"bad": {"stages": "none"}}}
    polled.poll()
    assert set(polled.table.applications) == {"iris"}  # type: ignore[union-attr]


def test_no_table_yet_is_not_ready(routing_server: RoutingServer, polled: PolledRouting) -> None:
    routing_server.down = True
    assert not polled.ready
    with pytest.raises(NotReady):
        polled.application("iris")


def test_static_source_serves_its_table() -> None:
    source = RoutingSource(RoutingTable.from_dict(tables.planned_routing()))
    assert source.ready and source.servable("iris-scaler-1").model == "iris-scaler"
    with pytest.raises(NotFound):
        source.application("ghost")
