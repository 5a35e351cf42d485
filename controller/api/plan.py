"""`GET /api/v2/plan`: the Knative manifests and gateway routing table for the current catalog.

`hydro plan`/`hydro deploy` (without `-f`) read it; the gateway can poll `/api/v2/plan/routing`.
The platform choices (namespace, broker, images) come from `configure(app, ...)`, else defaults.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from controller.api.context import context
from controller.desired_state import PlatformSpec
from controller.planner import Plan, images, plan

EXTENSION = "hydro.plan"
blueprint = Blueprint("plan", __name__, url_prefix="/api/v2/plan")


@dataclasses.dataclass(frozen=True)
class PlanSettings:
    platform: PlatformSpec = dataclasses.field(default_factory=PlatformSpec)
    image_for_runtime: Callable[[str], str] = images.image_for_runtime


def configure(app: Flask, settings: PlanSettings) -> None:
    app.extensions[EXTENSION] = settings


def _current_plan() -> Plan:
    settings: PlanSettings = current_app.extensions.get(EXTENSION) or PlanSettings()
    platform = settings.platform
    namespace = request.args.get("namespace")
    if namespace:
        platform = dataclasses.replace(platform, namespace=namespace)
    return plan(context().catalog.desired_state(platform, settings.image_for_runtime))


@blueprint.get("")
def get_plan() -> ResponseReturnValue:
    """`{"manifests": [...], "routing": {...}}`; `?namespace=` plans for another namespace."""
    body: dict[str, Any] = _current_plan().to_dict()
    return jsonify(body)


@blueprint.get("/routing")
def get_routing() -> ResponseReturnValue:
    """The routing table; `ETag` is the catalog's last event id, so a gateway polling with
    `If-None-Match` gets a cheap 304 (no planning at all) until something changes."""
    etag = f'{context().catalog.last_event_id()}-{request.args.get("namespace", "")}'
    if request.if_none_match.contains(etag):
        unchanged = Response(status=304)
        unchanged.set_etag(etag)
        return unchanged
    response = jsonify(_current_plan().routing)
    response.set_etag(etag)
    return response
