"""Which revision answers a call: Knative's cluster-local hosts, resolved the way its ingress does.

- `<route>.<ns>.svc.cluster.local`: a weighted random draw over the Route's traffic targets;
- `<tag>-<route>.<ns>.svc.cluster.local`: the target with that tag;
- `<service>.<ns>.svc.cluster.local`: the Service's current revision.

Pure: built from parsed manifests, no I/O.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from controller.errors import InvalidResource
from controller.local.engine.errors import UnknownTarget
from controller.local.engine.manifests import RouteSpec, ServiceSpec, TrafficTarget
from controller.planner.naming import cluster_host, tag_host


@dataclass(frozen=True)
class Destination:
    """Revisions and their weights (percent); one revision with weight 100 for a tag or Service."""

    revisions: tuple[str, ...]
    weights: tuple[int, ...]

    def pick(self, rng: random.Random) -> str:
        if len(self.revisions) == 1:
            return self.revisions[0]
        return rng.choices(self.revisions, weights=self.weights)[0]


class RoutingTable:
    """Host -> Destination for the h2c Services and the Routes of one plan."""

    def __init__(self, services: Iterable[ServiceSpec], routes: Iterable[RouteSpec],
                 known_revisions: Iterable[str] = (), rng: random.Random | None = None) -> None:
        self._rng = rng or random.SystemRandom()
        current = {s.name: s.revision for s in services}
        known = set(current.values()) | set(known_revisions)
        self.hosts: dict[str, Destination] = {}
        self.route_revisions: dict[tuple[str, str], tuple[str, ...]] = {}
        """(namespace, route) -> every revision of its traffic, tagged-only (0 %) ones included."""
        for service in services:
            self.hosts[cluster_host(service.name, service.namespace)] = Destination((service.revision,), (100,))
        for route in routes:
            self._add_route(route, current, known)

    def _add_route(self, route: RouteSpec, current: Mapping[str, str], known: set[str]) -> None:
        revisions = [_revision(target, route, index, current, known) for index, target in enumerate(route.traffic)]
        self.route_revisions[(route.namespace, route.name)] = tuple(revisions)
        weighted = [(rev, t.percent) for rev, t in zip(revisions, route.traffic, strict=True) if t.percent > 0]
        self.hosts[cluster_host(route.name, route.namespace)] = Destination(
            tuple(r for r, _ in weighted), tuple(w for _, w in weighted))
        for revision, target in zip(revisions, route.traffic, strict=True):
            if target.tag:
                self.hosts[tag_host(target.tag, route.name, route.namespace)] = Destination((revision,), (100,))

    def resolve(self, host: str, pinned: str | None = None) -> str:
        """The revision that answers a call for `host`: `pinned` when it is one of the host's (a
        gateway drew it already), a draw otherwise; `UnknownTarget` naming the host when none does."""
        destination = self.hosts.get(normalise_host(host))
        if destination is None:
            raise UnknownTarget(f"no Route, tag or Service answers for target {host!r}", field="hydro-target")
        if pinned is not None and pinned in destination.revisions:
            return pinned
        return destination.pick(self._rng)

    def revisions(self) -> set[str]:
        """Every revision some host points at (a revision outside this set can be drained)."""
        return {revision for d in self.hosts.values() for revision in d.revisions}


def normalise_host(host: str) -> str:
    """Lowercase, without a trailing dot or a `:port`."""
    name = host.strip().lower()
    if ":" in name:
        name = name.rsplit(":", 1)[0]
    return name.rstrip(".")


def _revision(target: TrafficTarget, route: RouteSpec, index: int, current: Mapping[str, str],
              known: set[str]) -> str:
    source = f"Route {route.namespace}/{route.name}"
    if target.configuration is not None:
        if target.configuration not in current:
            raise InvalidResource(f"spec.traffic[{index}].configurationName",
                                  f"names no model-version Service: {target.configuration!r}", source=source)
        return current[target.configuration]
    assert target.revision is not None
    if target.revision not in known:
        raise InvalidResource(f"spec.traffic[{index}].revisionName",
                              f"names no revision of a Service: {target.revision!r}", source=source)
    return target.revision
