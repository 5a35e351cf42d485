"""An application -> stage Routes, the async Sequence + Trigger, and the gateway routing entry.

Synchronous path: the gateway walks the stages; for each it calls the stage Route over gRPC
(Knative splits traffic by weight across the variants' pinned revisions) and mirrors the request
to the stage's shadows through their own Service URLs.

Asynchronous path: a `dev.hydro.prediction.request` event with `hydroapp=<app>` on the Broker
fires the application's Trigger, which feeds the Sequence `app-<app>`. Knative's Sequence speaks
CloudEvents over HTTP while runtimes answer gRPC, so each step calls the gateway's CloudEvents
adapter (`/gateway/cloudevents/stage/<app>/<i>` on `hydro-gateway`), which calls the stage Route
over gRPC and replies with a `dev.hydro.prediction.response` event; the Sequence hands the last
reply to the Broker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from controller.desired_state import ApplicationSpec, PlatformSpec, ServableSpec, VariantSpec
from controller.planner import eventing, labels, naming
from controller.planner.servable import SERVING_API
from protos import events

FLOWS_API = "flows.knative.dev/v1"
APP_EXTENSION = "hydroapp"
ROUTE_PORT = 80
"""Knative Routes and Services listen on 80 in the cluster (h2c for gRPC, http1 for HTTP)."""


@dataclass(frozen=True)
class Target:
    """Where a servable runs: its Service and the revision the Routes pin."""

    service: str
    revision: str


Targets = Mapping[tuple[str, int, str | None], Target]


def stage_path(application: str, index: int) -> str:
    """The gateway's CloudEvents endpoint for one stage (a Sequence step)."""
    return f"/gateway/cloudevents/stage/{application}/{index}"


def routes(app: ApplicationSpec, targets: Targets, platform: PlatformSpec) -> list[dict[str, Any]]:
    return [_route(app, index, stage.variants, targets, platform) for index, stage in enumerate(app.stages)]


def _route(app: ApplicationSpec, index: int, variants: tuple[VariantSpec, ...], targets: Targets,
           platform: PlatformSpec) -> dict[str, Any]:
    serving = [v for v in variants if not v.is_shadow]
    tags = variant_tags([v.servable for v in serving])
    traffic = [
        {"revisionName": targets[v.servable.key].revision, "percent": v.weight, "tag": tag}
        for v, tag in zip(serving, tags, strict=True)
    ]
    return {
        "apiVersion": SERVING_API,
        "kind": "Route",
        "metadata": {
            "name": naming.stage_route(app.name, index),
            "namespace": platform.namespace,
            "labels": {**labels.base("stage", application=app.name), labels.VISIBILITY: "cluster-local"},
        },
        "spec": {"traffic": traffic},
    }


def variant_tags(servables: list[ServableSpec]) -> list[str]:
    """`v<version>`; variants that would share a tag get the configuration, then the model, added."""
    levels = [0] * len(servables)
    while True:
        tags = [_tag(s, level) for s, level in zip(servables, levels, strict=True)]
        clashing = [i for i, tag in enumerate(tags) if tags.count(tag) > 1 and levels[i] < 2]
        if not clashing:
            return tags
        for i in clashing:
            levels[i] += 1


def _tag(servable: ServableSpec, level: int) -> str:
    config = servable.deployment_configuration.name if servable.deployment_configuration else None
    if level == 0:
        return naming.variant_tag(servable.model_version, None)
    if level == 1 and config is not None:
        return naming.variant_tag(servable.model_version, config)
    suffix = f"{servable.model_name}-{config}" if config else servable.model_name
    return naming.variant_tag(servable.model_version, suffix)


def sequence(app: ApplicationSpec, platform: PlatformSpec) -> dict[str, Any]:
    gateway = eventing.service_ref(platform.gateway_service)
    steps = [
        {"ref": gateway, "uri": stage_path(app.name, index), "delivery": eventing.delivery(platform)}
        for index in range(len(app.stages))
    ]
    return {
        "apiVersion": FLOWS_API,
        "kind": "Sequence",
        "metadata": _metadata(naming.sequence(app.name), app, platform),
        "spec": {
            "steps": steps,
            "reply": {"ref": {"apiVersion": eventing.EVENTING_API, "kind": "Broker", "name": platform.broker}},
        },
    }


def request_trigger(app: ApplicationSpec, platform: PlatformSpec) -> dict[str, Any]:
    attributes = {"type": events.PREDICTION_REQUEST, APP_EXTENSION: app.name}
    subscriber = {"ref": {"apiVersion": FLOWS_API, "kind": "Sequence", "name": naming.sequence(app.name)}}
    return eventing.trigger(naming.application_trigger(app.name), platform,
                            labels.base("application", application=app.name), attributes, subscriber)


def _metadata(name: str, app: ApplicationSpec, platform: PlatformSpec) -> dict[str, Any]:
    return {"name": name, "namespace": platform.namespace,
            "labels": labels.base("application", application=app.name)}
