"""The routing table: hosts to revisions, a true weighted draw, tags, and unknown targets."""

from __future__ import annotations

from collections import Counter

import pytest

from controller.errors import InvalidResource
from controller.local.engine.desired import desired_objects
from controller.local.engine.errors import UnknownTarget
from controller.local.engine.manifests import RouteSpec, TrafficTarget
from controller.local.engine.routing import RoutingTable
from controller.planner import plan
from tests.controller.local.engine.conftest import Models, desired_state
from tests.controller.local.engine.support import host


@pytest.fixture(scope="module")
def table(models: Models) -> RoutingTable:
    desired = desired_objects(plan(desired_state(models)))
    return RoutingTable(desired.model_services.values(), desired.routes)


def revision_of(table: RoutingTable, service: str) -> str:
    return table.resolve(host(service))


def test_a_route_draws_80_20_over_2000_calls(table: RoutingTable) -> None:
    draws = Counter(table.resolve(host("app-split-s0")) for _ in range(2000))
    first = revision_of(table, "mv-iris-1")
    assert set(draws) == {first, revision_of(table, "mv-iris-2")}
    # sd = sqrt(0.8 * 0.2 / 2000) = 0.9 points: 4 points is more than 4 sigma.
    assert abs(draws[first] / 2000 - 0.8) <= 0.04, draws


def test_tags_address_one_target(table: RoutingTable) -> None:
    assert table.resolve(host("v1-app-split-s0")) == revision_of(table, "mv-iris-1")
    assert table.resolve(host("v2-app-split-s0")) == revision_of(table, "mv-iris-2")


def test_hosts_are_normalised(table: RoutingTable) -> None:
    assert table.resolve("MV-IRIS-1.hydro.svc.cluster.local.:80") == revision_of(table, "mv-iris-1")


def test_an_unknown_host_is_not_found_and_named(table: RoutingTable) -> None:
    with pytest.raises(UnknownTarget) as caught:
        table.resolve(host("app-none-s0"))
    assert "'app-none-s0.hydro.svc.cluster.local'" in caught.value.message


def test_a_zero_percent_tag_is_addressable_but_never_drawn(table: RoutingTable) -> None:
    route = RouteSpec("r", "hydro", (), (TrafficTarget("a-1", None, 100, None), TrafficTarget("b-1", None, 0, "v9")))
    routes = RoutingTable((), [route], known_revisions={"a-1", "b-1"})
    assert {routes.resolve(host("r")) for _ in range(200)} == {"a-1"}
    assert routes.resolve(host("v9-r")) == "b-1"
    assert routes.route_revisions[("hydro", "r")] == ("a-1", "b-1")


def test_a_route_to_an_unknown_revision_is_invalid() -> None:
    route = RouteSpec("r", "hydro", (), (TrafficTarget("ghost-1", None, 100, None),))
    with pytest.raises(InvalidResource) as caught:
        RoutingTable((), [route])
    assert caught.value.path == "spec.traffic[0].revisionName"
