"""A Trigger as the local broker runs it, parsed once from a Knative `Trigger` manifest."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urljoin, urlparse

from cloudevents.core.base import BaseCloudEvent

from controller.errors import InvalidResource
from controller.local.broker import codec
from controller.local.broker.filters import AttributesFilter, Filter, parse_filter

SubscriberResolver = Callable[[Mapping[str, Any]], str]
"""Turns a KReference dict (apiVersion, kind, name, namespace) into the referent's base URL."""

MAX_IN_FLIGHT_ANNOTATION = "hydro.dev/max-in-flight"
_DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_NUMBER = r"(\d+(?:\.\d+)?)"
_DURATION = re.compile(
    rf"^P(?!$)(?:{_NUMBER}W)?(?:{_NUMBER}D)?(?:T(?=\d)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?$"
)
_UNIT_SECONDS = (7 * 86400, 86400, 3600, 60, 1)


def parse_duration(text: Any, path: str) -> float:
    """Seconds in an ISO-8601 duration such as `PT0.5S`, `PT1M30S` or `P1D` (no years/months)."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if match is None:
        raise InvalidResource(path, f"must be an ISO-8601 duration like PT0.2S, got {text!r}")
    return sum(float(n) * unit for n, unit in zip(match.groups(), _UNIT_SECONDS, strict=True) if n)


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard to try one event: Knative's DeliverySpec plus the per-attempt timeout.

    Before retry `n` (1-based) the dispatcher waits `backoff_delay * n` (linear) or
    `backoff_delay * 2**n` (exponential), as the Knative Trigger CRD documents. After
    `retry + 1` failed attempts the event is dead-lettered.
    """

    retry: int = 10
    backoff_policy: str = "exponential"
    backoff_delay: float = 0.2
    timeout: float = 30.0
    dead_letter_uri: str | None = None

    def backoff(self, retry_number: int) -> float:
        """Seconds to wait before retry number `retry_number` (1 for the first retry)."""
        if self.backoff_policy == "linear":
            return self.backoff_delay * retry_number
        return self.backoff_delay * 2**retry_number

    def merged(self, spec: Mapping[str, Any], path: str, resolve: SubscriberResolver | None,
               namespace: str) -> DeliveryPolicy:
        """This policy with the fields a `delivery` spec sets overriding it."""
        if not isinstance(spec, Mapping):
            raise InvalidResource(path, "must be a map")
        changes: dict[str, Any] = {}
        if "retry" in spec:
            retry = spec["retry"]
            if not isinstance(retry, int) or isinstance(retry, bool) or retry < 0:
                raise InvalidResource(f"{path}.retry", f"must be a non-negative integer, got {retry!r}")
            changes["retry"] = retry
        if "backoffPolicy" in spec:
            if spec["backoffPolicy"] not in ("linear", "exponential"):
                raise InvalidResource(f"{path}.backoffPolicy",
                                      f"must be linear or exponential, got {spec['backoffPolicy']!r}")
            changes["backoff_policy"] = spec["backoffPolicy"]
        if "backoffDelay" in spec:
            changes["backoff_delay"] = parse_duration(spec["backoffDelay"], f"{path}.backoffDelay")
        if "timeout" in spec:
            changes["timeout"] = parse_duration(spec["timeout"], f"{path}.timeout")
        if spec.get("deadLetterSink"):
            changes["dead_letter_uri"] = resolve_destination(
                spec["deadLetterSink"], f"{path}.deadLetterSink", resolve, namespace
            )
        return replace(self, **changes)


def resolve_destination(spec: Any, path: str, resolve: SubscriberResolver | None, namespace: str) -> str:
    """The URL of a Knative Destination (`ref` and/or `uri`)."""
    if not isinstance(spec, Mapping) or not (spec.get("ref") or spec.get("uri")):
        raise InvalidResource(path, "must give a ref or a uri")
    uri = spec.get("uri")
    ref = spec.get("ref")
    if ref:
        if resolve is None:
            raise InvalidResource(f"{path}.ref", "cannot be resolved by this broker; give an absolute uri")
        try:
            base = resolve({"namespace": namespace, **ref})
        except (LookupError, ValueError) as exc:
            raise InvalidResource(f"{path}.ref", f"cannot be resolved: {exc}") from exc
        return urljoin(base, uri) if uri else base
    parsed = urlparse(str(uri))
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InvalidResource(f"{path}.uri", f"must be an absolute http(s) URL when no ref is given, got {uri!r}")
    return str(uri)


@dataclass(frozen=True)
class Trigger:
    """A Trigger: which events of which broker go to which subscriber, and how hard to try."""

    name: str
    namespace: str
    broker: str
    subscriber_uri: str
    filter: Filter = field(default_factory=AttributesFilter)
    delivery: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    max_in_flight: int | None = None

    @property
    def key(self) -> str:
        """The trigger's identity in the event log: `<namespace>/<name>`."""
        return f"{self.namespace}/{self.name}"

    def matches(self, event: BaseCloudEvent) -> bool:
        """Whether the event passes this trigger's filter."""
        return self.filter(lambda name: codec.attribute_text(event, name))

    @classmethod
    def from_manifest(
        cls,
        manifest: Mapping[str, Any],
        *,
        resolve: SubscriberResolver | None = None,
        defaults: DeliveryPolicy | None = None,
        default_namespace: str = "default",
    ) -> Trigger:
        """Parse and validate a `eventing.knative.dev/v1` Trigger manifest dict."""
        if manifest.get("kind") != "Trigger" or manifest.get("apiVersion") != "eventing.knative.dev/v1":
            raise InvalidResource("kind", "must be a Trigger of apiVersion eventing.knative.dev/v1")
        metadata = manifest.get("metadata") or {}
        name = metadata.get("name")
        if not isinstance(name, str) or not _DNS_1123.match(name) or len(name) > 253:
            raise InvalidResource("metadata.name", f"must be a DNS-1123 name, got {name!r}")
        namespace = metadata.get("namespace") or default_namespace
        spec = manifest.get("spec")
        try:
            if not isinstance(spec, Mapping):
                raise InvalidResource("spec", "is required")
            return cls(
                name=name,
                namespace=namespace,
                broker=_broker_name(spec),
                subscriber_uri=resolve_destination(spec.get("subscriber"), "spec.subscriber", resolve,
                                                   namespace),
                filter=parse_filter(spec),
                delivery=(defaults or DeliveryPolicy()).merged(spec.get("delivery") or {}, "spec.delivery",
                                                               resolve, namespace),
                max_in_flight=_max_in_flight(metadata.get("annotations") or {}),
            )
        except InvalidResource as exc:
            raise InvalidResource(exc.path, exc.problem, source=f"Trigger {namespace}/{name}") from None


def _broker_name(spec: Mapping[str, Any]) -> str:
    broker = spec.get("broker") or (spec.get("brokerRef") or {}).get("name")
    if not isinstance(broker, str) or not broker:
        raise InvalidResource("spec.broker", "is required")
    return broker


def _max_in_flight(annotations: Mapping[str, Any]) -> int | None:
    value = annotations.get(MAX_IN_FLIGHT_ANNOTATION)
    if value is None:
        return None
    if not str(value).isdigit() or int(value) < 1:
        raise InvalidResource(f"metadata.annotations.{MAX_IN_FLIGHT_ANNOTATION}",
                              f"must be a positive integer, got {value!r}")
    return int(value)
