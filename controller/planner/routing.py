"""The gateway's routing table: a JSON-able dict the gateway reads to serve applications.

Per application: the contract, and per stage the Route (gRPC target and URL), the serving
variants with their weight and tag URL (a stable address of one variant), the shadows with
their own Service URL (mirrored, never answered), and the CloudEvents endpoint the application's
Sequence calls for the asynchronous path. Per servable, keyed by the catalog's servable name:
its Service URL (`/gateway/servable/<name>`).
"""

from __future__ import annotations

from typing import Any

from controller.desired_state import ApplicationSpec, PlatformSpec, ServableSpec, VariantSpec
from controller.planner import naming
from controller.planner.application import ROUTE_PORT, Targets, stage_path, variant_tags
from protos import events


def application_entry(app: ApplicationSpec, targets: Targets, platform: PlatformSpec) -> dict[str, Any]:
    return {
        "name": app.name,
        "contract": app.contract.to_dict(),
        "metadata": dict(app.metadata),
        "sequence": naming.sequence(app.name),
        "requestType": events.PREDICTION_REQUEST,
        "responseType": events.PREDICTION_RESPONSE,
        "stages": [
            _stage(app, index, stage.variants, targets, platform) for index, stage in enumerate(app.stages)
        ],
    }


def servable_entry(servable: ServableSpec, targets: Targets, platform: PlatformSpec) -> dict[str, Any]:
    target = targets[servable.key]
    host = naming.cluster_host(target.service, platform.namespace)
    return {
        "name": servable.name or target.service,
        "model": servable.model_name,
        "version": servable.model_version,
        "modelVersionId": servable.model_version_id,
        "deploymentConfiguration": _config(servable),
        "service": target.service,
        "revision": target.revision,
        "url": f"http://{host}",
        "grpcTarget": f"{host}:{ROUTE_PORT}",
        "contract": servable.contract.to_dict(),
        "metric": servable.is_metric,
    }


def _stage(app: ApplicationSpec, index: int, variants: tuple[VariantSpec, ...], targets: Targets,
           platform: PlatformSpec) -> dict[str, Any]:
    route = naming.stage_route(app.name, index)
    host = naming.cluster_host(route, platform.namespace)
    serving = [v for v in variants if not v.is_shadow]
    tags = variant_tags([v.servable for v in serving])
    return {
        "index": index,
        "route": route,
        "url": f"http://{host}",
        "grpcTarget": f"{host}:{ROUTE_PORT}",
        "cloudevents": {
            "service": platform.gateway_service,
            "path": stage_path(app.name, index),
            "replyType": events.PREDICTION_RESPONSE,
        },
        "variants": [_variant(v, tag, route, targets, platform) for v, tag in zip(serving, tags, strict=True)],
        "shadows": [_variant(v, None, route, targets, platform) for v in variants if v.is_shadow],
    }


def _variant(variant: VariantSpec, tag: str | None, route: str, targets: Targets,
             platform: PlatformSpec) -> dict[str, Any]:
    entry = servable_entry(variant.servable, targets, platform)
    entry["weight"] = variant.weight
    entry["shadow"] = variant.is_shadow
    entry["tag"] = tag
    if tag is not None:
        # A tag is a stable address of exactly this variant behind the stage Route.
        host = naming.tag_host(tag, route, platform.namespace)
        entry["url"] = f"http://{host}"
        entry["grpcTarget"] = f"{host}:{ROUTE_PORT}"
    return entry


def _config(servable: ServableSpec) -> str | None:
    return servable.deployment_configuration.name if servable.deployment_configuration else None
