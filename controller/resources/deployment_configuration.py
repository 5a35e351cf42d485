"""`kind: DeploymentConfiguration`: how a servable is scaled and scheduled.

Hydrosphere's shape (hpa, deployment, container, pod) is kept as it is; the planner maps it onto
Knative's autoscaling annotations and the revision's pod spec. Keys may be written in kebab-,
snake- or camelCase; `to_dict()` gives Hydrosphere's camelCase JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from controller.errors import InvalidResource
from controller.resources import fields as f

_RESOURCE_NAMES = {"cpu", "memory", "ephemeral-storage", "nvidia.com/gpu", "amd.com/gpu"}


@dataclass(frozen=True)
class Autoscaling:
    """`hpa`: replica bounds and the CPU utilisation target (percent of the requested CPU)."""

    min_replicas: int = 1
    max_replicas: int = 1
    cpu_utilization: int | None = None


@dataclass(frozen=True)
class ContainerSettings:
    """`container`: resource requests/limits (Kubernetes quantities) and environment variables."""

    requests: tuple[tuple[str, str], ...] = ()
    limits: tuple[tuple[str, str], ...] = ()
    env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PodSettings:
    """`pod`: node selector, tolerations and affinity, kept in Kubernetes' own JSON shape."""

    node_selector: tuple[tuple[str, str], ...] = ()
    tolerations: tuple[Mapping[str, Any], ...] = ()
    affinity: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The Kubernetes PodSpec fields (camelCase), omitting the empty ones."""
        out: dict[str, Any] = {}
        if self.node_selector:
            out["nodeSelector"] = dict(self.node_selector)
        if self.tolerations:
            out["tolerations"] = [dict(t) for t in self.tolerations]
        if self.affinity:
            out["affinity"] = dict(self.affinity)
        return out


@dataclass(frozen=True)
class ScalingSettings:
    """`scaling` (a Hydro extension; hydrosdk ignores keys it does not know): scale-to-zero
    behaviour, which Hydrosphere's Deployments never had."""

    idle_window_seconds: int | None = None
    """How long a version stays up without requests before it scales to zero."""
    target_concurrency: int | None = None
    """In-flight requests per replica above which another replica starts."""


@dataclass(frozen=True)
class DeploymentConfiguration:
    name: str
    hpa: Autoscaling | None = None
    replica_count: int | None = None
    container: ContainerSettings | None = None
    pod: PodSettings | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    scaling: ScalingSettings | None = None

    @classmethod
    def from_dict(cls, spec: Any, source: str | None = None) -> DeploymentConfiguration:
        try:
            return _parse(spec)
        except InvalidResource as error:
            raise InvalidResource(error.path, error.problem, source=source) from None

    def to_dict(self) -> dict[str, Any]:
        """Hydrosphere's JSON representation (as `hydrosdk` reads it)."""
        out: dict[str, Any] = {"name": self.name}
        if self.hpa:
            hpa: dict[str, Any] = {"minReplicas": self.hpa.min_replicas, "maxReplicas": self.hpa.max_replicas}
            if self.hpa.cpu_utilization is not None:
                hpa["cpuUtilization"] = self.hpa.cpu_utilization
            out["hpa"] = hpa
        if self.replica_count is not None:
            out["deployment"] = {"replicaCount": self.replica_count}
        if self.container:
            out["container"] = _container_dict(self.container)
        if self.pod:
            out["pod"] = self.pod.to_dict()
        if self.scaling:
            out["scaling"] = _scaling_dict(self.scaling)
        return out


def _parse(spec: Any) -> DeploymentConfiguration:
    spec = f.mapping(spec, "")
    f.check_keys(spec, {"kind", "name", "hpa", "deployment", "container", "pod", "scaling"}, "")
    name = f.name(f.get(spec, "name"), "name")
    hpa = _parse_hpa(f.get(spec, "hpa"), "hpa")
    deployment = f.get(spec, "deployment")
    replica_count = None
    if deployment is not None:
        deployment = f.mapping(deployment, "deployment")
        f.check_keys(deployment, {"replica_count"}, "deployment")
        replica_count = f.integer(f.get(deployment, "replica_count", 1), "deployment.replicaCount", minimum=0)
    container = _parse_container(f.get(spec, "container"), "container")
    pod = _parse_pod(f.get(spec, "pod"), "pod")
    scaling = _parse_scaling(f.get(spec, "scaling"), "scaling")
    if hpa is not None and scaling is not None and scaling.target_concurrency is not None:
        raise InvalidResource("scaling.targetConcurrency", "cannot be combined with hpa, which scales on CPU")
    return DeploymentConfiguration(name, hpa, replica_count, container, pod, dict(spec), scaling)


def _parse_scaling(value: Any, path: str) -> ScalingSettings | None:
    if value is None:
        return None
    spec = f.mapping(value, path)
    f.check_keys(spec, {"idle_window", "target_concurrency"}, path)
    window = f.get(spec, "idle_window")
    seconds = None if window is None else _duration_seconds(window, f"{path}.idleWindow")
    target = f.get(spec, "target_concurrency")
    if target is not None:
        target = f.integer(target, f"{path}.targetConcurrency", minimum=1, maximum=1000)
    return ScalingSettings(seconds, target)


def _duration_seconds(value: Any, path: str) -> int:
    """Whole seconds from an integer or a duration such as `90s`, `2m` or `1h` (at most 1 h)."""
    text = str(value).strip()
    units = {"s": 1, "m": 60, "h": 3600}
    if text.isdigit():
        seconds = int(text)
    elif text[:-1].isdigit() and text[-1:] in units:
        seconds = int(text[:-1]) * units[text[-1]]
    else:
        raise InvalidResource(path, f"must be seconds or a duration like 90s, 2m or 1h, got {value!r}")
    if not 0 <= seconds <= 3600:
        raise InvalidResource(path, f"must be between 0s and 1h, got {value!r}")
    return seconds


def _parse_hpa(value: Any, path: str) -> Autoscaling | None:
    if value is None:
        return None
    spec = f.mapping(value, path)
    f.check_keys(spec, {"min_replicas", "max_replicas", "cpu_utilization"}, path)
    low = f.integer(f.get(spec, "min_replicas", 1), f"{path}.minReplicas", minimum=0)
    high = f.integer(f.get(spec, "max_replicas", max(low, 1)), f"{path}.maxReplicas", minimum=1)
    if high < low:
        raise InvalidResource(f"{path}.maxReplicas", f"must be >= minReplicas ({low}), got {high}")
    cpu = f.get(spec, "cpu_utilization")
    if cpu is not None:
        cpu = f.integer(cpu, f"{path}.cpuUtilization", minimum=1, maximum=100)
    return Autoscaling(low, high, cpu)


def _parse_container(value: Any, path: str) -> ContainerSettings | None:
    if value is None:
        return None
    spec = f.mapping(value, path)
    f.check_keys(spec, {"resources", "env"}, path)
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}
    resources = f.get(spec, "resources")
    if resources is not None:
        resources = f.mapping(resources, f"{path}.resources")
        f.check_keys(resources, {"requests", "limits"}, f"{path}.resources")
        requests = _quantities(f.get(resources, "requests"), f"{path}.resources.requests")
        limits = _quantities(f.get(resources, "limits"), f"{path}.resources.limits")
    env = _parse_env(f.get(spec, "env"), f"{path}.env")
    return ContainerSettings(tuple(requests.items()), tuple(limits.items()), tuple(env.items()))


def _quantities(value: Any, path: str) -> dict[str, str]:
    quantities = f.string_map(value, path)
    for key in quantities:
        if key not in _RESOURCE_NAMES and "/" not in key:
            raise InvalidResource(f"{path}.{key}", f"unknown resource; one of {sorted(_RESOURCE_NAMES)}")
    return quantities


def _parse_env(value: Any, path: str) -> dict[str, str]:
    """A map, or Kubernetes' list of `{name, value}`."""
    if isinstance(value, list):
        env: dict[str, str] = {}
        for index, item in enumerate(value):
            item = f.mapping(item, f"{path}[{index}]")
            key = f.string(item.get("name"), f"{path}[{index}].name")
            env[str(key)] = str(item.get("value", ""))
        return env
    env = f.string_map(value, path)
    for key in env:
        if not key.replace("_", "a").isalnum() or key[0].isdigit():
            raise InvalidResource(f"{path}.{key}", "is not a valid environment variable name")
    return env


def _parse_pod(value: Any, path: str) -> PodSettings | None:
    if value is None:
        return None
    spec = f.mapping(value, path)
    f.check_keys(spec, {"node_selector", "tolerations", "affinity"}, path)
    selector = f.string_map(f.get(spec, "node_selector"), f"{path}.nodeSelector")
    tolerations = f.get(spec, "tolerations") or []
    if not isinstance(tolerations, list):
        raise InvalidResource(f"{path}.tolerations", "must be a list of tolerations")
    for index, item in enumerate(tolerations):
        f.mapping(item, f"{path}.tolerations[{index}]")
    affinity = f.get(spec, "affinity")
    if affinity is not None:
        affinity = _camel_keys(f.mapping(affinity, f"{path}.affinity"))
    return PodSettings(
        tuple(selector.items()), tuple(_camel_keys(t) for t in tolerations), affinity
    )


def _camel_keys(value: Any) -> Any:
    """Kubernetes JSON is camelCase; hydrosdk users may have written snake_case keys."""
    if isinstance(value, Mapping):
        return {_camel(str(k)): _camel_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel_keys(v) for v in value]
    return value


def _camel(key: str) -> str:
    head, *rest = f.normalise_key(key).split("_")
    return head + "".join(part.capitalize() for part in rest)


def _scaling_dict(scaling: ScalingSettings) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if scaling.idle_window_seconds is not None:
        out["idleWindow"] = f"{scaling.idle_window_seconds}s"
    if scaling.target_concurrency is not None:
        out["targetConcurrency"] = scaling.target_concurrency
    return out


def _container_dict(container: ContainerSettings) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if container.requests or container.limits:
        out["resources"] = {"requests": dict(container.requests), "limits": dict(container.limits)}
    if container.env:
        out["env"] = dict(container.env)
    return out
