"""DeploymentConfiguration -> Knative autoscaling annotations, container settings and pod spec.

Hydrosphere scaled Kubernetes Deployments with an HPA; on Knative the same intent becomes
per-revision annotations on `spec.template.metadata`:

| Hydrosphere | Knative |
| --- | --- |
| `hpa` | class `hpa.autoscaling.knative.dev`, metric `cpu`, `target` = cpuUtilization, min/max-scale |
| `deployment.replicaCount` | `initial-scale` (and `min-scale` when there is no `hpa`) |
| `container.resources` / `env` | the container's `resources` / `env` |
| `pod.nodeSelector` / `tolerations` / `affinity` | the pod spec (Knative feature flags) |
| `scaling.idleWindow` (Hydro) | `scale-to-zero-pod-retention-period` (KPA) |
| `scaling.targetConcurrency` (Hydro) | `target` (KPA: in-flight requests per replica) |

Without a configuration a servable scales to zero (Knative's default KPA, min-scale 0).
"""

from __future__ import annotations

from typing import Any

from controller.resources.deployment_configuration import DeploymentConfiguration, ScalingSettings

PREFIX = "autoscaling.knative.dev/"
CLASS = PREFIX + "class"
METRIC = PREFIX + "metric"
TARGET = PREFIX + "target"
MIN_SCALE = PREFIX + "min-scale"
MAX_SCALE = PREFIX + "max-scale"
INITIAL_SCALE = PREFIX + "initial-scale"
RETENTION = PREFIX + "scale-to-zero-pod-retention-period"
"""How long the last replica stays after the autoscaler decided to scale to zero: the idle window."""
HPA_CLASS = "hpa.autoscaling.knative.dev"
KPA_CLASS = "kpa.autoscaling.knative.dev"


def autoscaling(config: DeploymentConfiguration | None, default_max_scale: int,
                default_min_scale: int = 0) -> dict[str, str]:
    """The `autoscaling.knative.dev/*` annotations for one revision template."""
    if config is not None and config.hpa is not None:
        hpa = config.hpa
        # Kubernetes' HPA cannot scale to zero, so the HPA class needs at least one replica.
        low = max(hpa.min_replicas, 1)
        out = {CLASS: HPA_CLASS, METRIC: "cpu", MIN_SCALE: str(low), MAX_SCALE: str(max(hpa.max_replicas, low))}
        if hpa.cpu_utilization is not None:
            out[TARGET] = str(hpa.cpu_utilization)
        if config.replica_count:
            out[INITIAL_SCALE] = str(min(max(config.replica_count, low), max(hpa.max_replicas, low)))
        return out
    low = default_min_scale
    replicas = config.replica_count if config is not None else None
    out = _scaling(config.scaling if config is not None else None)
    if replicas:
        # A fixed replica count starts there and never scales below it.
        low = replicas
        out[INITIAL_SCALE] = str(replicas)
    out[MIN_SCALE] = str(low)
    out[MAX_SCALE] = str(max(default_max_scale, low))
    return dict(sorted(out.items()))


def _scaling(scaling: ScalingSettings | None) -> dict[str, str]:
    out: dict[str, str] = {}
    if scaling is not None and scaling.idle_window_seconds is not None:
        out[RETENTION] = f"{scaling.idle_window_seconds}s"
    if scaling is not None and scaling.target_concurrency is not None:
        out[TARGET] = str(scaling.target_concurrency)
    return out


def container_settings(config: DeploymentConfiguration | None) -> dict[str, Any]:
    """`resources` and extra `env` entries for the container (empty when not configured)."""
    if config is None or config.container is None:
        return {}
    container = config.container
    out: dict[str, Any] = {}
    resources = {}
    if container.requests:
        resources["requests"] = dict(container.requests)
    if container.limits:
        resources["limits"] = dict(container.limits)
    if resources:
        out["resources"] = resources
    if container.env:
        out["env"] = [{"name": name, "value": value} for name, value in container.env]
    return out


def pod_settings(config: DeploymentConfiguration | None) -> dict[str, Any]:
    """`nodeSelector`, `tolerations`, `affinity` for the revision's pod spec.

    Knative gates these behind `kubernetes.podspec-nodeselector`, `-tolerations` and `-affinity`
    in the `config-features` ConfigMap; without the flags its webhook rejects the Service.
    """
    if config is None or config.pod is None:
        return {}
    return config.pod.to_dict()
