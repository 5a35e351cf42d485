"""Knative's admission rules that the CRD schemas do not express, as a pure checker.

Each rule mirrors a check in Knative's webhooks (see `shared/knative/crds/README.md` for where
each lives); `check(manifest)` returns every violation, naming the object and the field, so a
bad manifest is caught here rather than by a cluster's webhook. Eventing rules are in
`admission_eventing`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from controller.kube import admission_eventing as eventing
from controller.kube.violation import Violation

DNS_1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
RESERVED_PORTS = frozenset({8012, 8013, 8022, 9090, 9091, 8008})
PORT_NAMES = frozenset({"", "h2c", "http1"})
KNATIVE_LABELS = frozenset({
    "serving.knative.dev/service", "serving.knative.dev/configuration", "serving.knative.dev/route",
    "serving.knative.dev/revision", "serving.knative.dev/creator", "serving.knative.dev/lastModifier",
    "serving.knative.dev/configurationGeneration", "serving.knative.dev/revisionUID",
})
AUTOSCALING = "autoscaling.knative.dev/"
CLASSES = {"kpa.autoscaling.knative.dev": {"concurrency", "rps"}, "hpa.autoscaling.knative.dev": {"cpu", "memory"}}
_GO_DURATION = re.compile(r"^(\d+(\.\d+)?(h|m|s|ms))+$")
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
Issue = tuple[str, str]


def check(manifest: dict[str, Any]) -> list[Violation]:
    """Every admission violation in one Knative manifest (other kinds are not checked)."""
    checker = CHECKERS.get(manifest.get("kind", ""))
    if checker is None:
        return []
    issues = [*_metadata(manifest.get("metadata") or {}, "metadata"), *checker(manifest)]
    return [Violation.of(manifest, where, problem) for where, problem in issues]


def check_all(manifests: list[dict[str, Any]]) -> list[Violation]:
    return [violation for manifest in manifests for violation in check(manifest)]


def dns_label(value: Any, where: str) -> list[Issue]:
    if not isinstance(value, str) or not DNS_1035.match(value):
        return [(where, f"{value!r} is not a DNS-1035 label (lowercase letters, digits, '-', starting "
                        "with a letter)")]
    if len(value) > 63:
        return [(where, f"{value!r} is longer than 63 characters")]
    return []


def _metadata(meta: dict[str, Any], where: str) -> list[Issue]:
    issues = dns_label(meta.get("name"), f"{where}.name")
    for key, value in (meta.get("labels") or {}).items():
        if key in KNATIVE_LABELS:
            issues.append((f"{where}.labels.{key}", "is managed by Knative and must not be set"))
        if not isinstance(value, str) or len(value) > 63 or not LABEL_VALUE.match(value):
            issues.append((f"{where}.labels.{key}", f"{value!r} is not a valid label value"))
    return issues


def _service(manifest: dict[str, Any]) -> list[Issue]:
    spec, name = manifest.get("spec") or {}, (manifest.get("metadata") or {}).get("name", "")
    issues = _outer_annotations(manifest.get("metadata") or {}, "metadata")
    issues += _template(spec.get("template") or {}, name, "spec.template")
    if "traffic" in spec:
        issues += _traffic(spec["traffic"], "spec.traffic", in_service=True)
    return issues


def _route(manifest: dict[str, Any]) -> list[Issue]:
    spec = manifest.get("spec") or {}
    return _outer_annotations(manifest.get("metadata") or {}, "metadata") + _traffic(
        spec.get("traffic") or [], "spec.traffic", in_service=False)


def _outer_annotations(meta: dict[str, Any], where: str) -> list[Issue]:
    return [
        (f"{where}.annotations.{key}", "autoscaling annotations belong on spec.template.metadata")
        for key in (meta.get("annotations") or {}) if key.startswith(AUTOSCALING)
    ]


def _template(template: dict[str, Any], service: str, where: str) -> list[Issue]:
    meta, spec = template.get("metadata") or {}, template.get("spec") or {}
    issues: list[Issue] = []
    revision = meta.get("name")
    if revision is not None:
        issues += dns_label(revision, f"{where}.metadata.name")
        if not str(revision).startswith(f"{service}-"):
            issues.append((f"{where}.metadata.name", f"revision name must start with '{service}-'"))
    for key in (meta.get("labels") or {}):
        if key in KNATIVE_LABELS:
            issues.append((f"{where}.metadata.labels.{key}", "is managed by Knative and must not be set"))
    issues += _autoscaling(meta.get("annotations") or {}, f"{where}.metadata.annotations")
    issues += _ranges(spec, f"{where}.spec")
    issues += _ports(spec.get("containers") or [], f"{where}.spec.containers")
    return issues


def _ranges(spec: dict[str, Any], where: str) -> list[Issue]:
    issues: list[Issue] = []
    for key, high in (("containerConcurrency", 1000), ("timeoutSeconds", 600)):
        value = spec.get(key)
        if value is not None and (type(value) is not int or not 0 <= value <= high):
            issues.append((f"{where}.{key}", f"must be an integer in 0..{high}, got {value!r}"))
    return issues


def _ports(containers: list[dict[str, Any]], where: str) -> list[Issue]:
    ports = [(i, j, p) for i, c in enumerate(containers) for j, p in enumerate(c.get("ports") or [])]
    if len(ports) > 1 or (len(containers) > 1 and len(ports) != 1):
        return [(where, f"exactly one container port is allowed (the serving port), got {len(ports)}")]
    if not ports:
        return []
    i, j, port = ports[0]
    at, issues = f"{where}[{i}].ports[{j}]", []
    if port.get("name", "") not in PORT_NAMES:
        issues.append((f"{at}.name", f"must be empty, 'h2c' or 'http1', got {port.get('name')!r}"))
    if port.get("protocol", "TCP") != "TCP":
        issues.append((f"{at}.protocol", f"must be TCP, got {port.get('protocol')!r}"))
    number = port.get("containerPort")
    if number in RESERVED_PORTS:
        issues.append((f"{at}.containerPort", f"{number} is reserved by Knative ({sorted(RESERVED_PORTS)})"))
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        issues += _probe_port(containers[i].get(probe), number, f"{where}[{i}].{probe}")
    return issues


def _probe_port(probe: dict[str, Any] | None, serving: Any, where: str) -> list[Issue]:
    issues: list[Issue] = []
    for handler in ("httpGet", "tcpSocket", "grpc"):
        port = ((probe or {}).get(handler) or {}).get("port")
        if port not in (None, 0) and port != serving:
            issues.append((f"{where}.{handler}.port", f"must equal the serving port {serving}, got {port!r}"))
    return issues


def _traffic(traffic: list[dict[str, Any]], where: str, *, in_service: bool) -> list[Issue]:
    issues: list[Issue] = []
    tags: list[str] = []
    for index, target in enumerate(traffic):
        issues += _target(target, f"{where}[{index}]", in_service)
        if "tag" in target:
            tags.append(target["tag"])
    total = sum(t.get("percent", 0) for t in traffic if isinstance(t.get("percent", 0), int))
    if traffic and total != 100:
        issues.append((where, f"traffic percents must sum to 100, got {total}"))
    for tag in sorted({t for t in tags if tags.count(t) > 1}):
        issues.append((where, f"tag {tag!r} is used more than once"))
    return issues


def _target(target: dict[str, Any], where: str, in_service: bool) -> list[Issue]:
    issues: list[Issue] = []
    latest, revision = target.get("latestRevision"), target.get("revisionName")
    if latest is True and revision:
        issues.append((f"{where}.revisionName", "is not allowed with latestRevision: true"))
    if latest is False and not revision:
        issues.append((f"{where}.revisionName", "is required with latestRevision: false"))
    if in_service and "configurationName" in target:
        issues.append((f"{where}.configurationName", "is not allowed inside a Service"))
    if not in_service and not revision and not target.get("configurationName"):
        issues.append((where, "needs a revisionName or a configurationName"))
    if revision and target.get("configurationName"):
        issues.append((where, "revisionName and configurationName are mutually exclusive"))
    if "url" in target:
        issues.append((f"{where}.url", "is status-only and must not be set in spec"))
    percent = target.get("percent", 0)
    if type(percent) is not int or not 0 <= percent <= 100:
        issues.append((f"{where}.percent", f"must be an integer in 0..100, got {percent!r}"))
    if "tag" in target:
        issues += dns_label(target["tag"], f"{where}.tag")
    return issues


def _autoscaling(annotations: dict[str, str], where: str) -> list[Issue]:
    issues: list[Issue] = []
    scale: dict[str, int] = {}
    for suffix in ("min-scale", "max-scale", "initial-scale"):
        value = annotations.get(AUTOSCALING + suffix)
        if value is None:
            continue
        if not str(value).isdigit():
            issues.append((f"{where}.{AUTOSCALING}{suffix}", f"must be an integer >= 0, got {value!r}"))
        else:
            scale[suffix] = int(value)
    low, high = scale.get("min-scale", 0), scale.get("max-scale", 0)
    if high != 0 and high < low:
        issues.append((f"{where}.{AUTOSCALING}max-scale", f"must be >= min-scale ({low}) or 0, got {high}"))
    return issues + _autoscaling_metric(annotations, where)


def _autoscaling_metric(annotations: dict[str, str], where: str) -> list[Issue]:
    issues: list[Issue] = []
    cls = annotations.get(AUTOSCALING + "class", "kpa.autoscaling.knative.dev")
    if cls not in CLASSES:
        issues.append((f"{where}.{AUTOSCALING}class", f"must be one of {sorted(CLASSES)}, got {cls!r}"))
    metric = annotations.get(AUTOSCALING + "metric")
    if metric is not None and cls in CLASSES and metric not in CLASSES[cls]:
        issues.append((f"{where}.{AUTOSCALING}metric", f"{metric!r} is not a metric of class {cls}"))
    issues += _number(annotations, "target", 0.01, None, where)
    issues += _number(annotations, "target-utilization-percentage", 1, 100, where)
    retention = annotations.get(AUTOSCALING + "scale-to-zero-pod-retention-period")
    if retention is not None and not _within(retention, 0, 3600):
        issues.append((f"{where}.{AUTOSCALING}scale-to-zero-pod-retention-period",
                       f"must be a non-negative duration up to 1h, got {retention!r}"))
    window = annotations.get(AUTOSCALING + "window")
    if window is not None and not _within(window, 6, 3600):
        issues.append((f"{where}.{AUTOSCALING}window", f"must be a duration in 6s..1h, got {window!r}"))
    return issues


def _number(annotations: dict[str, str], key: str, low: float, high: float | None, where: str) -> list[Issue]:
    value = annotations.get(AUTOSCALING + key)
    if value is None:
        return []
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not (number >= low and (high is None or number <= high)):
        bound = f"in {low}..{high}" if high is not None else f">= {low}"
        return [(f"{where}.{AUTOSCALING}{key}", f"must be a number {bound}, got {value!r}")]
    return []


def _within(duration: str, low: float, high: float) -> bool:
    seconds = 0.0 if duration == "0" else _seconds(duration)
    return seconds is not None and low <= seconds <= high


def _seconds(text: str) -> float | None:
    if not _GO_DURATION.match(text):
        return None
    return sum(float(n) * _UNITS[u] for n, _, u in re.findall(r"(\d+(\.\d+)?)(ms|h|m|s)", text))


CHECKERS: dict[str, Callable[[dict[str, Any]], list[Issue]]] = {
    "Service": _service,
    "Route": _route,
    "Trigger": eventing.trigger,
    "Sequence": eventing.sequence,
    "Broker": eventing.broker,
    "PingSource": eventing.ping_source,
}
