"""Monitoring and interpretability plumbing: the Broker, function Services, Triggers, PingSources.

Functions are plain HTTP (http1) CloudEvent receivers. They do NOT scale to zero by default
(min-scale 1): every prediction emits `dev.hydro.inference.completed`, so they are rarely idle,
and they keep loaded metric models and profile windows warm; a cold start per burst would only
add latency to monitoring. Every Trigger retries with exponential backoff and then hands the
event to the dead-letter Service, so an accepted event is never silently lost.
"""

from __future__ import annotations

import json
from typing import Any

from controller.desired_state import FunctionSpec, PlatformSpec
from controller.planner import labels, naming, scaling
from controller.planner.servable import SERVING_API, with_revision_name

EVENTING_API = "eventing.knative.dev/v1"
SOURCES_API = "sources.knative.dev/v1"
FUNCTION_PORT = 8080
RETRY = 5
BACKOFF_DELAY = "PT0.5S"
FUNCTION_MIN_SCALE = 1


def delivery(platform: PlatformSpec) -> dict[str, Any]:
    """Retries with exponential backoff (0.5 s, 1 s, 2 s, ...) and then the dead-letter sink."""
    return {
        "retry": RETRY,
        "backoffPolicy": "exponential",
        "backoffDelay": BACKOFF_DELAY,
        "deadLetterSink": {"ref": service_ref(platform.dead_letter_service)},
    }


def service_ref(name: str) -> dict[str, str]:
    return {"apiVersion": SERVING_API, "kind": "Service", "name": name}


def broker(platform: PlatformSpec) -> dict[str, Any]:
    return {
        "apiVersion": EVENTING_API,
        "kind": "Broker",
        "metadata": _metadata(platform.broker, platform, labels.base("broker")),
        "spec": {"delivery": delivery(platform)},
    }


def function_service(function: FunctionSpec, platform: PlatformSpec) -> dict[str, Any]:
    name = naming.function_service(function.name)
    meta_labels = labels.base("function", function=function.name)
    annotations = {
        **scaling.autoscaling(None, platform.default_max_scale, FUNCTION_MIN_SCALE),
        labels.USER_IMAGE: function.image,
    }
    container = {
        "name": "function",
        "image": function.image,
        "ports": [{"name": "http1", "containerPort": FUNCTION_PORT}],
        "env": [{"name": "HYDRO_FUNCTION", "value": function.name}],
        "envFrom": [
            {"configMapRef": {"name": platform.settings_config_map}},
            {"secretRef": {"name": platform.artifact_secret}},
            # Optional: a database URL without a password may sit in the ConfigMap instead.
            {"secretRef": {"name": platform.database_secret, "optional": True}},
            # HYDRO_CONTROLLER_TOKEN (functions.host.controller_client). A whole-Secret envFrom, not a
            # secretKeyRef, because the local engine runs these same manifests and resolves only
            # envFrom; optional, so an install with auth disabled needs no such Secret.
            {"secretRef": {"name": platform.functions_auth_secret, "optional": True}},
        ],
    }
    template = {
        "metadata": {"labels": meta_labels, "annotations": annotations},
        "spec": {"containers": [container], "automountServiceAccountToken": False},  # never calls the API
    }
    return {
        "apiVersion": SERVING_API,
        "kind": "Service",
        "metadata": _metadata(name, platform, {**meta_labels, labels.VISIBILITY: "cluster-local"}),
        "spec": {"template": with_revision_name(template, name)},
    }


def function_triggers(function: FunctionSpec, platform: PlatformSpec) -> list[dict[str, Any]]:
    """One Trigger per event type the function handles."""
    meta_labels = labels.base("function", function=function.name)
    subscriber = {"ref": service_ref(naming.function_service(function.name))}
    return [
        trigger(naming.function_trigger(function.name, event_type), platform, meta_labels,
                {"type": event_type}, subscriber)
        for event_type in function.event_types
    ]


def trigger(name: str, platform: PlatformSpec, meta_labels: dict[str, str],
            attributes: dict[str, str], subscriber: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": EVENTING_API,
        "kind": "Trigger",
        "metadata": _metadata(name, platform, meta_labels),
        "spec": {
            "broker": platform.broker,
            "filter": {"attributes": attributes},
            "subscriber": subscriber,
            "delivery": delivery(platform),
        },
    }


def ping_source(function: FunctionSpec, platform: PlatformSpec) -> dict[str, Any] | None:
    """A PingSource calling the function on its cron schedule (periodic batch work, e.g. drift)."""
    if function.schedule is None:
        return None
    return {
        "apiVersion": SOURCES_API,
        "kind": "PingSource",
        "metadata": _metadata(naming.ping_source(function.name), platform,
                              labels.base("function", function=function.name)),
        "spec": {
            "schedule": function.schedule,
            "contentType": "application/json",
            "data": json.dumps({"function": function.name}),
            "sink": {"ref": service_ref(naming.function_service(function.name))},
        },
    }


def _metadata(name: str, platform: PlatformSpec, meta_labels: dict[str, str]) -> dict[str, Any]:
    return {"name": name, "namespace": platform.namespace, "labels": meta_labels}
