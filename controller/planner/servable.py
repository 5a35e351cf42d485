"""A servable (model version + deployment configuration) -> one Knative Service.

The Service scales to zero by default; its one container is the runtime image serving gRPC
(h2c) on 8081, fetching the model folder from `HYDRO_MODEL_URI` at start with the object-store
settings from the artifacts Secret. The revision gets an explicit name derived from a hash of
its template: an unchanged template keeps its name (re-applying is a no-op), a changed one gets
a new name, as Knative requires, and stage Routes can pin traffic to it.
"""

from __future__ import annotations

import json
from typing import Any

from controller.desired_state import PlatformSpec, ServableSpec
from controller.planner import labels, naming, scaling

SERVING_API = "serving.knative.dev/v1"
RUNTIME_PORT = 8081
"""Knative reserves 9090 (queue-proxy metrics), so runtimes serve gRPC on 8081 (`PORT`)."""
MODEL_URI_ENV = "HYDRO_MODEL_URI"


def service_name(servable: ServableSpec) -> str:
    model, version, config = servable.key
    return naming.servable_service(model, version, config)


def servable_labels(servable: ServableSpec) -> dict[str, str]:
    extra = {"model": servable.model_name, "model_version": str(servable.model_version)}
    if servable.deployment_configuration is not None:
        extra["deployment_configuration"] = servable.deployment_configuration.name
    return labels.base("metric-model" if servable.is_metric else "model", **extra)


def service(servable: ServableSpec, platform: PlatformSpec) -> dict[str, Any]:
    """The `serving.knative.dev/v1` Service for one servable."""
    name = service_name(servable)
    meta_labels = {**servable_labels(servable), labels.VISIBILITY: "cluster-local"}
    template = _template(servable, platform)
    return {
        "apiVersion": SERVING_API,
        "kind": "Service",
        "metadata": {"name": name, "namespace": platform.namespace, "labels": meta_labels},
        "spec": {"template": with_revision_name(template, name)},
    }


def with_revision_name(template: dict[str, Any], service: str) -> dict[str, Any]:
    """Name the revision after the template's content (see the module docstring)."""
    digest = naming.short_hash(json.dumps(template, sort_keys=True))
    template["metadata"] = {"name": naming.revision(service, digest), **template["metadata"]}
    return template


def _template(servable: ServableSpec, platform: PlatformSpec) -> dict[str, Any]:
    config = servable.deployment_configuration
    annotations = {
        **scaling.autoscaling(config, platform.default_max_scale),
        labels.USER_IMAGE: servable.image,
    }
    return {
        "metadata": {"labels": servable_labels(servable), "annotations": annotations},
        # Model code runs in this pod: no Kubernetes API token for it to find (after the
        # configuration's settings, so none can turn it back on).
        "spec": {"containers": [_container(servable, platform)], **scaling.pod_settings(config),
                 "automountServiceAccountToken": False},
    }


def _container(servable: ServableSpec, platform: PlatformSpec) -> dict[str, Any]:
    settings = scaling.container_settings(servable.deployment_configuration)
    # The model location is Hydro's to decide; a configuration cannot redirect it.
    extra_env = [e for e in settings.pop("env", []) if e["name"] != MODEL_URI_ENV]
    container: dict[str, Any] = {
        "name": "runtime",
        "image": servable.image,
        "ports": [{"name": "h2c", "containerPort": RUNTIME_PORT}],
        "env": [{"name": MODEL_URI_ENV, "value": servable.artifact_uri}, *extra_env],
        "envFrom": [{"secretRef": {"name": platform.artifact_secret}}],
        "readinessProbe": {"grpc": {"port": RUNTIME_PORT}},
    }
    container.update(settings)
    return container
