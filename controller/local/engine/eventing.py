"""Knative references -> local URLs, and the plan's Triggers rewritten with them for the broker.

The broker resolves destinations with the resolver it was built with; the engine's objects
(function Services, Sequences, its dead-letter endpoint) only exist once the engine applied a
plan, so the engine resolves every `ref` itself and hands the broker absolute URIs.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from controller.errors import InvalidResource
from controller.local.broker.trigger import resolve_destination


class DestinationResolver:
    """A `SubscriberResolver`: KReference dict -> base URL (raises LookupError for unknown ones)."""

    def __init__(self, *, function_url: Callable[[str], str | None], sequence_url: Callable[[str, str], str | None],
                 well_known: Mapping[str, str], broker_name: str, broker_url: str | None) -> None:
        self._function_url = function_url
        self._sequence_url = sequence_url
        self._well_known = well_known
        self._broker = (broker_name, broker_url)

    def __call__(self, ref: Mapping[str, Any]) -> str:
        kind, name, namespace = ref.get("kind"), str(ref.get("name")), str(ref.get("namespace"))
        if kind == "Service":
            url = self._function_url(name) or self._well_known.get(name)
            if url is None:
                raise LookupError(f"Service {name!r} is neither a function Service of the plan nor a platform Service")
            return url
        if kind == "Sequence":
            url = self._sequence_url(namespace, name)
            if url is None:
                raise LookupError(f"Sequence {namespace}/{name} is not in the plan")
            return url
        if kind == "Broker":
            broker_name, broker_url = self._broker
            if name != broker_name or broker_url is None:
                raise LookupError(f"Broker {name!r} has no ingress URL here (the engine's broker is {broker_name!r})")
            return broker_url
        raise LookupError(f"a reference to a {kind} cannot be resolved locally")


def resolved_trigger(manifest: Mapping[str, Any], resolve: DestinationResolver, namespace: str) -> dict[str, Any]:
    """A copy of a Trigger manifest whose subscriber and dead-letter sink are absolute URIs."""
    out = copy.deepcopy(dict(manifest))
    metadata = out.get("metadata") or {}
    ns = metadata.get("namespace") or namespace
    spec = out.get("spec")
    if not isinstance(spec, dict):
        raise InvalidResource("spec", "is required", source=f"Trigger {ns}/{metadata.get('name')}")
    try:
        spec["subscriber"] = {"uri": resolve_destination(spec.get("subscriber"), "spec.subscriber", resolve, ns)}
        delivery = spec.get("delivery")
        if isinstance(delivery, dict) and delivery.get("deadLetterSink"):
            delivery["deadLetterSink"] = {"uri": resolve_destination(
                delivery["deadLetterSink"], "spec.delivery.deadLetterSink", resolve, ns)}
    except InvalidResource as exc:
        raise InvalidResource(exc.path, exc.problem, source=f"Trigger {ns}/{metadata.get('name')}") from None
    return out


def resolved(destination: Any, path: str, resolve: DestinationResolver, namespace: str, source: str) -> str:
    """A Destination's URL, with the owning object named in the error."""
    try:
        return resolve_destination(destination, path, resolve, namespace)
    except InvalidResource as exc:
        raise InvalidResource(exc.path, exc.problem, source=source) from None
