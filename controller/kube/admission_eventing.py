"""Knative Eventing's admission rules (Trigger, Sequence, Broker, PingSource, delivery, sinks).

`Trigger.spec` is open in its CRD schema, so its keys are checked here too.
"""

from __future__ import annotations

import re
from typing import Any

Issue = tuple[str, str]
ATTRIBUTE_NAME = re.compile(r"^[a-z][a-z0-9]*$")
ISO_DURATION = re.compile(r"^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
TRIGGER_KEYS = frozenset({"broker", "brokerRef", "filter", "filters", "subscriber", "delivery"})
DELIVERY_KEYS = frozenset({"retry", "backoffPolicy", "backoffDelay", "deadLetterSink", "timeout", "format",
                           "retryAfterMax"})
_CRON = re.compile(r"^(\S+\s+){4}\S+$")


def trigger(manifest: dict[str, Any]) -> list[Issue]:
    spec = manifest.get("spec") or {}
    issues = [(f"spec.{key}", "unknown field") for key in spec if key not in TRIGGER_KEYS]
    if bool(spec.get("broker")) == bool(spec.get("brokerRef")):
        issues.append(("spec.broker", "exactly one of broker or brokerRef is required"))
    if not spec.get("subscriber"):
        issues.append(("spec.subscriber", "is required"))
    else:
        issues += destination(spec["subscriber"], "spec.subscriber")
    attributes = (spec.get("filter") or {}).get("attributes") or {}
    for name, value in attributes.items():
        if not ATTRIBUTE_NAME.match(name):
            issues.append((f"spec.filter.attributes.{name}", "attribute names match ^[a-z][a-z0-9]*$"))
        if not isinstance(value, str):
            issues.append((f"spec.filter.attributes.{name}", f"must be a string, got {value!r}"))
    if "delivery" in spec:
        issues += delivery(spec["delivery"], "spec.delivery")
    return issues


def sequence(manifest: dict[str, Any]) -> list[Issue]:
    spec = manifest.get("spec") or {}
    steps = spec.get("steps") or []
    issues: list[Issue] = [] if steps else [("spec.steps", "at least one step is required")]
    for index, step in enumerate(steps):
        where = f"spec.steps[{index}]"
        issues += destination({k: v for k, v in step.items() if k != "delivery"}, where)
        if "delivery" in step:
            issues += delivery(step["delivery"], f"{where}.delivery")
    if "reply" in spec:
        issues += destination(spec["reply"], "spec.reply")
    return issues


def broker(manifest: dict[str, Any]) -> list[Issue]:
    spec = manifest.get("spec") or {}
    return delivery(spec["delivery"], "spec.delivery") if "delivery" in spec else []


def ping_source(manifest: dict[str, Any]) -> list[Issue]:
    spec = manifest.get("spec") or {}
    issues: list[Issue] = []
    schedule = spec.get("schedule")
    if schedule is not None and not _CRON.match(str(schedule).strip()):
        issues.append(("spec.schedule", f"must be a five-field cron expression, got {schedule!r}"))
    if spec.get("data") and spec.get("dataBase64"):
        issues.append(("spec.data", "data and dataBase64 are mutually exclusive"))
    if not spec.get("sink"):
        issues.append(("spec.sink", "is required"))
    else:
        issues += destination(spec["sink"], "spec.sink")
    return issues


def destination(dest: dict[str, Any], where: str) -> list[Issue]:
    """A Destination: a `ref`, an absolute `uri`, or a `ref` plus a relative `uri`."""
    ref, uri = dest.get("ref"), dest.get("uri")
    if ref is None and uri is None:
        return [(where, "needs a ref or a uri")]
    issues: list[Issue] = []
    absolute = isinstance(uri, str) and re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]+", uri) is not None
    if ref is not None and absolute:
        issues.append((f"{where}.uri", "an absolute uri is not allowed with a ref (use a relative one)"))
    if ref is None and not absolute:
        issues.append((f"{where}.uri", f"must be an absolute URL with a host, got {uri!r}"))
    if ref is not None:
        for key in ("apiVersion", "kind", "name"):
            if not ref.get(key):
                issues.append((f"{where}.ref.{key}", "is required"))
    return issues


def delivery(spec: dict[str, Any], where: str) -> list[Issue]:
    issues = [(f"{where}.{key}", "unknown field") for key in spec if key not in DELIVERY_KEYS]
    retry = spec.get("retry")
    if retry is not None and (type(retry) is not int or retry < 0):
        issues.append((f"{where}.retry", f"must be an integer >= 0, got {retry!r}"))
    policy = spec.get("backoffPolicy")
    if policy is not None and policy not in ("linear", "exponential"):
        issues.append((f"{where}.backoffPolicy", f"must be linear or exponential, got {policy!r}"))
    for key in ("backoffDelay", "timeout", "retryAfterMax"):
        value = spec.get(key)
        if value is not None and not (isinstance(value, str) and ISO_DURATION.match(value)):
            issues.append((f"{where}.{key}", f"must be an ISO-8601 duration such as PT0.5S, got {value!r}"))
    if spec.get("format") not in (None, "json", "binary"):
        issues.append((f"{where}.format", f"must be json or binary, got {spec.get('format')!r}"))
    if "deadLetterSink" in spec:
        issues += destination(spec["deadLetterSink"], f"{where}.deadLetterSink")
    return issues
