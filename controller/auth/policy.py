"""The one table saying which scope each manager API route needs.

Routes are named by Flask endpoint (`blueprint.view`), so a path's shape never matters. A route
not listed needs `read` for GET/HEAD/OPTIONS and `deploy` for anything else (`protos.auth.by_method`),
so a new view is protected by default. `PUBLIC` routes need no token at all: health and build
info (no data), the UI's page shells and static assets (they hold no data; every read they make
is an authenticated API call), the OpenAPI description, and signing in itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from protos.auth import ADMIN, SAFE_METHODS, Requirement, Scope, by_method

PUBLIC_BLUEPRINTS = frozenset({"ui"})
PUBLIC = frozenset({
    "static", "health.health", "health.build_info", "openapi.openapi", "auth.create_session",
    "auth.delete_session",
})
AUTHENTICATED_BLUEPRINT_EXCEPTIONS = frozenset({"ui.reads"})
"""UI endpoints that return data, so they are not public like the rest of the blueprint."""

FUNCTIONS_READ = Requirement.of(Scope.READ, Scope.FUNCTIONS)
FUNCTIONS_WRITE = Requirement.of(Scope.DEPLOY, Scope.FUNCTIONS)
FUNCTION_PROXY = "function_proxy"
"""The blueprint forwarding the functions' read APIs; the explainer and projector read stored
requests through it (`/monitoring/checks/...`), so its GETs also accept `functions`."""

ROUTES: Mapping[str, Requirement] = {
    # The gateway's least privilege: the routing table and the verifiers, nothing else.
    "plan.get_routing": Requirement.of(Scope.GATEWAY, Scope.READ, Scope.FUNCTIONS),
    "auth.verifiers": Requirement.of(Scope.GATEWAY),
    "auth.create_token": ADMIN,
    "auth.list_tokens": ADMIN,
    "auth.revoke_token": ADMIN,
    "auth.whoami": Requirement(frozenset(Scope)),
    # The local Broker's ingress (`hydro up`): the gateway's events and the functions' replies.
    "broker_ingress.publish": Requirement.of(Scope.GATEWAY, Scope.DEPLOY),
    # The functions' least privilege (functions.*.new): what the monitoring function reads and its
    # outlier-detector job writes (upload `<model>_metric`, its MetricSpec, training-data status),
    # and the model versions and training status the explainer and projector read.
    "versions.get_version": FUNCTIONS_READ,
    "versions.find_version": FUNCTIONS_READ,
    "metric_specs.list_for_version": FUNCTIONS_READ,
    "training_data.status": FUNCTIONS_READ,
    "versions.upload": FUNCTIONS_WRITE,
    "metric_specs.create_spec": FUNCTIONS_WRITE,
    "metric_specs.delete_spec": FUNCTIONS_WRITE,
    "training_data_records.report_profile": FUNCTIONS_WRITE,
}


def requirement(endpoint: str | None, method: str) -> Requirement | None:
    """What a request to `endpoint` with `method` needs; None when it is public (or unrouted:
    Flask answers 404/405 and nothing is served)."""
    if endpoint is None or endpoint in PUBLIC:
        return None
    blueprint = endpoint.partition(".")[0] if "." in endpoint else ""
    if blueprint in PUBLIC_BLUEPRINTS and endpoint not in AUTHENTICATED_BLUEPRINT_EXCEPTIONS:
        return None
    if endpoint in ROUTES:
        return ROUTES[endpoint]
    if blueprint == FUNCTION_PROXY and method.upper() in SAFE_METHODS:
        return FUNCTIONS_READ
    return by_method(method)
