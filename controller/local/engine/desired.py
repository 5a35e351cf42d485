"""A Plan split into the objects the engine realises, parsed and checked before anything changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from controller.errors import InvalidResource
from controller.local.engine.manifests import (
    H2C,
    PingSourceSpec,
    RouteSpec,
    SequenceSpec,
    ServiceSpec,
    parse_ping_source,
    parse_route,
    parse_sequence,
    parse_service,
)
from controller.planner import Plan
from controller.planner.labels import APPLICATION

SUPPORTED_KINDS = ("Broker", "Service", "Route", "Sequence", "Trigger", "PingSource")


@dataclass(frozen=True)
class DesiredObjects:
    namespace: str
    model_services: dict[str, ServiceSpec]
    """h2c Services by name: pools of runtime workers behind the activator."""
    function_services: dict[str, ServiceSpec]
    """http1 Services by name: one supervised process each."""
    routes: tuple[RouteSpec, ...]
    sequences: tuple[SequenceSpec, ...]
    triggers: tuple[Mapping[str, Any], ...]
    ping_sources: tuple[PingSourceSpec, ...]

    def application_routes(self) -> dict[str, list[RouteSpec]]:
        """Routes grouped by their `hydro.dev/application` label."""
        out: dict[str, list[RouteSpec]] = {}
        for route in self.routes:
            app = dict(route.labels).get(APPLICATION)
            if app:
                out.setdefault(app, []).append(route)
        return out


def desired_objects(plan: Plan) -> DesiredObjects:
    """Parse every manifest of `plan`; `InvalidResource` names the first bad object and field."""
    namespace = str(plan.routing.get("namespace") or "default")
    services: list[ServiceSpec] = []
    routes, sequences, triggers, pings = [], [], [], []
    for manifest in plan.manifests:
        kind = manifest.get("kind")
        if kind not in SUPPORTED_KINDS:
            raise InvalidResource("kind", f"{kind!r} is not supported by the local engine "
                                          f"(supported: {', '.join(SUPPORTED_KINDS)})")
        if kind == "Service":
            services.append(parse_service(manifest, namespace))
        elif kind == "Route":
            routes.append(parse_route(manifest, namespace))
        elif kind == "Sequence":
            sequences.append(parse_sequence(manifest, namespace))
        elif kind == "Trigger":
            triggers.append(manifest)
        elif kind == "PingSource":
            pings.append(parse_ping_source(manifest, namespace))
    _unique([s.name for s in services], "Service")
    _unique([r.name for r in routes], "Route")
    return DesiredObjects(
        namespace,
        {s.name: s for s in services if s.protocol == H2C},
        {s.name: s for s in services if s.protocol != H2C},
        tuple(routes), tuple(sequences), tuple(triggers), tuple(pings),
    )


def _unique(names: list[str], kind: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InvalidResource("metadata.name", f"{kind} {name!r} appears twice in the plan")
        seen.add(name)
