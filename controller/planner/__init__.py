"""The planner: `DesiredState` in, Knative manifests and the gateway routing table out. Pure.

Nothing here does I/O; both appliers (the Kubernetes one and the local engine) realise the same
`Plan`. Manifests come in apply order: the Broker, Services, stage Routes (which pin the
Services' revisions), Sequences, Triggers (which subscribe Services and Sequences), PingSources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from controller.desired_state import DesiredState, ServableSpec
from controller.planner import application, eventing, routing, servable
from controller.planner.application import Target

Manifest = dict[str, Any]
KIND_ORDER = ("Broker", "Service", "Route", "Sequence", "Trigger", "PingSource")


@dataclass(frozen=True)
class Plan:
    manifests: tuple[Manifest, ...]
    """Knative objects in apply order."""
    routing: dict[str, Any] = field(default_factory=dict)
    """The gateway routing table: `{"namespace", "applications": {...}, "servables": {...}}`."""

    def keys(self) -> set[tuple[str, str, str]]:
        """(apiVersion, kind, name) of every manifest."""
        return {(m["apiVersion"], m["kind"], m["metadata"]["name"]) for m in self.manifests}

    def by_key(self) -> dict[tuple[str, str, str], Manifest]:
        return {(m["apiVersion"], m["kind"], m["metadata"]["name"]): m for m in self.manifests}

    def to_yaml(self) -> str:
        """Multi-document YAML, ready for `kubectl apply -f -`."""
        return yaml.safe_dump_all(self.manifests, sort_keys=False, explicit_start=True)

    def to_dict(self) -> dict[str, Any]:
        return {"manifests": list(self.manifests), "routing": self.routing}


def plan(state: DesiredState) -> Plan:
    """Every Knative object and the routing table for `state`."""
    platform = state.platform
    servables = _all_servables(state)
    services = {key: servable.service(spec, platform) for key, spec in servables.items()}
    targets = {
        key: Target(m["metadata"]["name"], m["spec"]["template"]["metadata"]["name"])
        for key, m in services.items()
    }
    manifests: list[Manifest] = [eventing.broker(platform), *services.values()]
    for function in state.functions:
        manifests.append(eventing.function_service(function, platform))
        manifests.extend(eventing.function_triggers(function, platform))
        ping = eventing.ping_source(function, platform)
        if ping is not None:
            manifests.append(ping)
    for app in state.applications:
        manifests.extend(application.routes(app, targets, platform))
        manifests.append(application.sequence(app, platform))
        manifests.append(application.request_trigger(app, platform))
    table = {
        "namespace": platform.namespace,
        "applications": {a.name: routing.application_entry(a, targets, platform) for a in state.applications},
        "servables": {
            spec.name or targets[key].service: routing.servable_entry(spec, targets, platform)
            for key, spec in servables.items()
        },
    }
    return Plan(tuple(sorted(manifests, key=lambda m: KIND_ORDER.index(m["kind"]))), table)


def _all_servables(state: DesiredState) -> dict[tuple[str, int, str | None], ServableSpec]:
    """The state's servables plus any an application uses that the state did not list."""
    found = {s.key: s for s in state.servables}
    for app in state.applications:
        for stage in app.stages:
            for variant in stage.variants:
                found.setdefault(variant.servable.key, variant.servable)
    return found


__all__ = ["KIND_ORDER", "Manifest", "Plan", "plan"]
