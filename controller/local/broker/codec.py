"""CloudEvents encoding for the broker: storage bytes, HTTP messages and attribute values.

Everything goes through the `cloudevents` 2.x core API; this module only pins the format, makes
parsing strict (the SDK silently invents a missing `id` or `specversion`, a broker must not) and
turns SDK exceptions into one `InvalidEvent` that names the attribute.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.bindings import http
from cloudevents.core.exceptions import (
    BaseCloudEventException,
    CloudEventValidationError,
    MissingRequiredAttributeError,
)
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from controller.errors import BadRequest

REQUIRED_ATTRIBUTES = ("id", "source", "type", "specversion")
STRUCTURED_CONTENT_TYPE = JSONFormat.CONTENT_TYPE
_BATCH_CONTENT_TYPE = "application/cloudevents-batch+json"


class InvalidEvent(BadRequest):
    """A request does not carry a valid CloudEvent 1.0; `field` names the attribute at fault."""

    code = "invalid_event"


class _Format(JSONFormat):
    """The SDK's JSON format, except that JSON arrays and scalars stay JSON in binary mode.

    The SDK writes non-dict data with `str()`, so `[1, "a"]` would reach a subscriber as the
    Python repr `[1, 'a']`; inference payloads are often arrays.
    """

    def write_data(self, data: Any, datacontenttype: str | None) -> bytes:
        if data is None or isinstance(data, bytes | str | dict):
            return super().write_data(data, datacontenttype)
        return json.dumps(data).encode("utf-8")


FORMAT = _Format()


def _strict_v1(attributes: dict[str, Any], data: Any) -> BaseCloudEvent:
    """Event factory that refuses to default the required attributes."""
    for name in REQUIRED_ATTRIBUTES:
        if name not in attributes:
            raise MissingRequiredAttributeError(attribute_name=name)
    return CloudEvent(attributes, data)


def _invalid(exc: Exception) -> InvalidEvent:
    if isinstance(exc, CloudEventValidationError):
        name, errors = next(iter(exc.errors.items()))
        problems = "; ".join(str(error) for error in errors)
        return InvalidEvent(f"CloudEvent attribute '{name}' is invalid: {problems}", field=name)
    attribute: str | None = getattr(exc, "attribute_name", None)
    if attribute is not None:
        return InvalidEvent(f"CloudEvent attribute '{attribute}' is invalid: {exc}", field=attribute)
    return InvalidEvent(f"malformed CloudEvent: {exc}")


def parse_http(headers: Mapping[str, str], body: bytes) -> BaseCloudEvent:
    """Parse a CloudEvents 1.0 HTTP message in binary or structured mode.

    Raises `InvalidEvent` naming the missing or invalid attribute.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    if lowered.get("content-type", "").startswith(_BATCH_CONTENT_TYPE):
        raise InvalidEvent("batched content mode is not supported; send one event per request")
    try:
        return http.from_http(http.HTTPMessage(headers=lowered, body=body), FORMAT, _strict_v1)
    except (BaseCloudEventException, ValueError, TypeError, AttributeError, KeyError) as exc:
        # A structured body that is not a JSON object fails inside the SDK with AttributeError.
        raise _invalid(exc) from exc


def is_event_message(headers: Mapping[str, str]) -> bool:
    """Whether an HTTP message (a subscriber's reply) carries a CloudEvent."""
    lowered = {name.lower(): value for name, value in headers.items()}
    if any(name.startswith(http.CE_PREFIX) for name in lowered):
        return True
    return lowered.get("content-type", "").startswith(STRUCTURED_CONTENT_TYPE)


def to_binary(event: BaseCloudEvent) -> http.HTTPMessage:
    """The event as an HTTP request in binary content mode."""
    return http.to_binary(event, FORMAT)


def to_structured(event: BaseCloudEvent) -> http.HTTPMessage:
    """The event as an HTTP request in structured content mode."""
    return http.to_structured(event, FORMAT)


def encode(event: BaseCloudEvent) -> bytes:
    """The event as stored in an event log (the structured JSON form)."""
    return FORMAT.write(event)


def decode(payload: bytes) -> BaseCloudEvent:
    """An event read back from an event log."""
    return FORMAT.read(CloudEvent, payload)


def with_extensions(event: BaseCloudEvent, extensions: Mapping[str, str]) -> BaseCloudEvent:
    """A copy of the event with extension attributes added or replaced."""
    attributes = dict(event.get_attributes())
    attributes.update(extensions)
    return CloudEvent(attributes, event.get_data())


def attribute_text(event: BaseCloudEvent, name: str) -> str | None:
    """An attribute's value as the string a Trigger filter compares against (None if absent)."""
    value = event.get_attributes().get(name)
    if value is None:
        return None
    if isinstance(value, datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    return str(value)
