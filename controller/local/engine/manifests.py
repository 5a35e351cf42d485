"""The Knative objects the engine realises, parsed once from the plan's manifest dicts.

Every problem raises `InvalidResource` naming the object and the field, before the engine
changes anything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from croniter import croniter

from controller.errors import InvalidResource
from controller.planner import scaling

RETENTION = scaling.PREFIX + "scale-to-zero-pod-retention-period"
H2C = "h2c"
HTTP1 = "http1"
_GO_DURATION = re.compile(r"^(?:(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$")
_GO_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def go_duration(text: Any, path: str) -> float:
    """Seconds in a Go duration such as `90s`, `1m30s` or `500ms` (what Knative annotations use)."""
    if text == "0" or text == 0:
        return 0.0
    if not isinstance(text, str) or not _GO_DURATION.match(text):
        raise InvalidResource(path, f"must be a duration like 90s, 2m or 1m30s, got {text!r}")
    return sum(float(number) * _GO_UNITS[unit] for number, unit in _GO_PART.findall(text))


@dataclass(frozen=True)
class Scaling:
    """A revision's `autoscaling.knative.dev/*` annotations, as the engine applies them."""

    min_scale: int = 0
    max_scale: int | None = None
    """None: the engine's default (Knative's 0, "unlimited", also lands here)."""
    target: float | None = None
    """Concurrency per worker; None when absent or when the metric is not concurrency (cpu, rps)."""
    retention: float | None = None
    """Seconds an idle worker is kept; None: the engine's idle window."""

    @classmethod
    def from_annotations(cls, annotations: Mapping[str, Any], path: str) -> Scaling:
        low = _count(annotations, scaling.MIN_SCALE, path) or 0
        high = _count(annotations, scaling.MAX_SCALE, path) or None
        if high is not None and high < low:
            raise InvalidResource(f"{path}.{scaling.MAX_SCALE}", f"is {high}, below min-scale {low}")
        metric = annotations.get(scaling.METRIC, "concurrency")
        target = None
        if scaling.TARGET in annotations and metric == "concurrency":
            target = _number(annotations[scaling.TARGET], f"{path}.{scaling.TARGET}")
        retention = None
        if RETENTION in annotations:
            retention = go_duration(annotations[RETENTION], f"{path}.{RETENTION}")
        return cls(low, high, target, retention)


def _count(annotations: Mapping[str, Any], key: str, path: str) -> int | None:
    if key not in annotations:
        return None
    value = str(annotations[key])
    if not value.isdigit():
        raise InvalidResource(f"{path}.{key}", f"must be a non-negative integer, got {annotations[key]!r}")
    return int(value)


def _number(value: Any, path: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidResource(path, f"must be a number, got {value!r}") from None
    if not number > 0:
        raise InvalidResource(path, f"must be > 0, got {value!r}")
    return number


@dataclass(frozen=True)
class EnvSource:
    """One `envFrom` entry: all keys of a Secret or ConfigMap."""

    kind: str
    """`secret` or `configMap`."""
    name: str
    optional: bool = False


@dataclass(frozen=True)
class ServiceSpec:
    """A `serving.knative.dev/v1` Service: its current revision and how to run it."""

    name: str
    namespace: str
    revision: str
    protocol: str
    """`h2c` (a model-version runtime behind the activator) or `http1` (a function)."""
    labels: tuple[tuple[str, str], ...]
    env: tuple[tuple[str, str], ...]
    env_from: tuple[EnvSource, ...]
    scaling: Scaling
    manifest: Mapping[str, Any] = field(compare=False, repr=False)
    """The manifest itself, for `command_for` (which picks argv and interpreter from the image)."""


@dataclass(frozen=True)
class TrafficTarget:
    revision: str | None
    configuration: str | None
    percent: int
    tag: str | None


@dataclass(frozen=True)
class RouteSpec:
    name: str
    namespace: str
    labels: tuple[tuple[str, str], ...]
    traffic: tuple[TrafficTarget, ...]


@dataclass(frozen=True)
class SequenceSpec:
    name: str
    namespace: str
    steps: tuple[Mapping[str, Any], ...]
    """Knative Destinations, resolved to URLs at apply."""
    reply: Mapping[str, Any] | None


@dataclass(frozen=True)
class PingSourceSpec:
    name: str
    namespace: str
    schedule: str
    timezone: str | None
    content_type: str
    data: str
    sink: Mapping[str, Any]


def _meta(manifest: Mapping[str, Any], default_namespace: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    metadata = manifest.get("metadata") or {}
    name = metadata.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidResource("metadata.name", "is required", source=manifest.get("kind"))
    labels = metadata.get("labels") or {}
    return name, metadata.get("namespace") or default_namespace, tuple(sorted(labels.items()))


def _spec(manifest: Mapping[str, Any], source: str) -> Mapping[str, Any]:
    spec = manifest.get("spec")
    if not isinstance(spec, Mapping):
        raise InvalidResource("spec", "is required", source=source)
    return spec


def parse_service(manifest: Mapping[str, Any], default_namespace: str) -> ServiceSpec:
    name, namespace, labels = _meta(manifest, default_namespace)
    source = f"Service {namespace}/{name}"
    template = _spec(manifest, source).get("template") or {}
    metadata = template.get("metadata") or {}
    revision = metadata.get("name")
    if not isinstance(revision, str) or not revision.startswith(f"{name}-"):
        raise InvalidResource("spec.template.metadata.name", f"must be a revision name '{name}-...', got {revision!r}",
                              source=source)
    containers = (template.get("spec") or {}).get("containers") or []
    if len(containers) != 1:
        raise InvalidResource("spec.template.spec.containers", f"must hold one container, got {len(containers)}",
                              source=source)
    container = containers[0]
    try:
        scale = Scaling.from_annotations(metadata.get("annotations") or {}, "spec.template.metadata.annotations")
    except InvalidResource as exc:
        raise InvalidResource(exc.path, exc.problem, source=source) from None
    return ServiceSpec(name, namespace, revision, _protocol(container, source), labels,
                       _env(container, source), _env_from(container, source), scale, manifest)


def _protocol(container: Mapping[str, Any], source: str) -> str:
    ports = container.get("ports") or [{}]
    port_name = ports[0].get("name") or HTTP1
    if port_name not in (H2C, HTTP1):
        raise InvalidResource("spec.template.spec.containers[0].ports[0].name",
                              f"must be h2c, http1 or empty, got {port_name!r}", source=source)
    return str(port_name)


def _env(container: Mapping[str, Any], source: str) -> tuple[tuple[str, str], ...]:
    out = []
    for index, entry in enumerate(container.get("env") or []):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str) or "valueFrom" in entry:
            raise InvalidResource(f"spec.template.spec.containers[0].env[{index}]",
                                  "must be {name, value} (valueFrom is not supported locally)", source=source)
        out.append((entry["name"], str(entry.get("value", ""))))
    return tuple(out)


def _env_from(container: Mapping[str, Any], source: str) -> tuple[EnvSource, ...]:
    out = []
    for index, entry in enumerate(container.get("envFrom") or []):
        for key, kind in (("secretRef", "secret"), ("configMapRef", "configMap")):
            ref = entry.get(key) if isinstance(entry, Mapping) else None
            if isinstance(ref, Mapping) and isinstance(ref.get("name"), str):
                out.append(EnvSource(kind, ref["name"], bool(ref.get("optional", False))))
                break
        else:
            raise InvalidResource(f"spec.template.spec.containers[0].envFrom[{index}]",
                                  "must hold a secretRef or configMapRef with a name", source=source)
    return tuple(out)


def parse_route(manifest: Mapping[str, Any], default_namespace: str) -> RouteSpec:
    name, namespace, labels = _meta(manifest, default_namespace)
    source = f"Route {namespace}/{name}"
    entries = _spec(manifest, source).get("traffic") or []
    if not entries:
        raise InvalidResource("spec.traffic", "must list at least one target", source=source)
    traffic = tuple(_traffic(entry, f"spec.traffic[{i}]", source) for i, entry in enumerate(entries))
    total = sum(t.percent for t in traffic)
    if total != 100:
        raise InvalidResource("spec.traffic", f"percents must sum to 100, got {total}", source=source)
    return RouteSpec(name, namespace, labels, traffic)


def _traffic(entry: Any, path: str, source: str) -> TrafficTarget:
    if not isinstance(entry, Mapping):
        raise InvalidResource(path, "must be a map", source=source)
    revision, configuration = entry.get("revisionName"), entry.get("configurationName")
    if bool(revision) == bool(configuration):
        raise InvalidResource(path, "must name exactly one of revisionName and configurationName", source=source)
    percent = entry.get("percent", 0)
    if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100:
        raise InvalidResource(f"{path}.percent", f"must be an integer from 0 to 100, got {percent!r}", source=source)
    return TrafficTarget(revision, configuration, percent, entry.get("tag") or None)


def parse_sequence(manifest: Mapping[str, Any], default_namespace: str) -> SequenceSpec:
    name, namespace, _ = _meta(manifest, default_namespace)
    spec = _spec(manifest, f"Sequence {namespace}/{name}")
    steps = spec.get("steps") or []
    if not steps:
        raise InvalidResource("spec.steps", "must list at least one step", source=f"Sequence {namespace}/{name}")
    return SequenceSpec(name, namespace, tuple(steps), spec.get("reply"))


def parse_ping_source(manifest: Mapping[str, Any], default_namespace: str) -> PingSourceSpec:
    name, namespace, _ = _meta(manifest, default_namespace)
    source = f"PingSource {namespace}/{name}"
    spec = _spec(manifest, source)
    schedule = spec.get("schedule")
    if not isinstance(schedule, str) or not croniter.is_valid(schedule):
        raise InvalidResource("spec.schedule", f"must be a cron schedule like '*/15 * * * *', got {schedule!r}",
                              source=source)
    if not spec.get("sink"):
        raise InvalidResource("spec.sink", "is required", source=source)
    return PingSourceSpec(name, namespace, schedule, spec.get("timezone"),
                          spec.get("contentType") or "text/plain", str(spec.get("data") or ""), spec["sink"])
