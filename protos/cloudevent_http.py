"""CloudEvents 1.0 over HTTP and in storage, shared by every deployable that speaks events.

Everything goes through the `cloudevents` 2.x core API; this module pins the format, makes parsing
strict (the SDK silently invents a missing `id` or `specversion`; a receiver must not) and turns
SDK exceptions into one `InvalidEvent` naming the attribute. Each deployable maps `InvalidEvent`
onto its own error hierarchy (HTTP 400).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
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

REQUIRED_ATTRIBUTES = ("id", "source", "type", "specversion")
STRUCTURED_CONTENT_TYPE = JSONFormat.CONTENT_TYPE
BATCH_CONTENT_TYPE = "application/cloudevents-batch+json"
CE_PREFIX = http.CE_PREFIX
HTTPMessage = http.HTTPMessage


class InvalidEvent(ValueError):
    """A message does not carry a valid CloudEvent 1.0; `field` names the attribute at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


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


def new_event(attributes: Mapping[str, Any], data: Any = None) -> BaseCloudEvent:
    """A v1 event; `InvalidEvent` naming the attribute when one is invalid."""
    values = dict(attributes)
    values.setdefault("specversion", "1.0")
    if isinstance(values.get("time"), str):
        values["time"] = datetime.fromisoformat(values["time"].replace("Z", "+00:00"))
    try:
        return CloudEvent(values, data)
    except (BaseCloudEventException, ValueError, TypeError) as exc:
        raise _invalid(exc) from exc


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
    attribute = getattr(exc, "attribute_name", None)
    if isinstance(attribute, str):
        return InvalidEvent(f"CloudEvent attribute '{attribute}' is invalid: {exc}", field=attribute)
    return InvalidEvent(f"malformed CloudEvent: {exc}")


def parse_http(headers: Mapping[str, str], body: bytes) -> BaseCloudEvent:
    """Parse a CloudEvents 1.0 HTTP message in binary or structured mode (`InvalidEvent` if not)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    if lowered.get("content-type", "").startswith(BATCH_CONTENT_TYPE):
        raise InvalidEvent("batched content mode is not supported; send one event per request")
    try:
        return http.from_http(http.HTTPMessage(headers=lowered, body=body), FORMAT, _strict_v1)
    except (BaseCloudEventException, ValueError, TypeError, AttributeError, KeyError) as exc:
        # A structured body that is not a JSON object fails inside the SDK with AttributeError.
        raise _invalid(exc) from exc
    except RecursionError:
        # json.loads gives up on very deep nesting (`[[[...]]]` 100,000 deep): a bad request, not a crash.
        raise InvalidEvent("the event's JSON is nested too deeply to be parsed", field="data") from None


def is_event_message(headers: Mapping[str, str]) -> bool:
    """Whether an HTTP message carries a CloudEvent (binary `ce-*` headers or structured JSON)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    if any(name.startswith(CE_PREFIX) for name in lowered):
        return True
    return lowered.get("content-type", "").startswith(STRUCTURED_CONTENT_TYPE)


def to_binary(event: BaseCloudEvent) -> http.HTTPMessage:
    """The event as an HTTP request in binary content mode."""
    return http.to_binary(event, FORMAT)


def to_structured(event: BaseCloudEvent) -> http.HTTPMessage:
    """The event as an HTTP request in structured content mode."""
    return http.to_structured(event, FORMAT)


def encode(event: BaseCloudEvent) -> bytes:
    """The event as stored (the structured JSON form)."""
    return FORMAT.write(event)


def decode(payload: bytes) -> BaseCloudEvent:
    """An event read back from storage."""
    return FORMAT.read(CloudEvent, payload)


def with_extensions(event: BaseCloudEvent, extensions: Mapping[str, str]) -> BaseCloudEvent:
    """A copy of the event with extension attributes added or replaced."""
    attributes = dict(event.get_attributes())
    attributes.update(extensions)
    return CloudEvent(attributes, event.get_data())


def attribute_text(event: BaseCloudEvent, name: str) -> str | None:
    """An attribute's value as text (what a Trigger filter compares against), None if absent."""
    value = event.get_attributes().get(name)
    if value is None:
        return None
    if isinstance(value, datetime):
        return rfc3339(value)
    return str(value)


def json_data(event: BaseCloudEvent) -> Any:
    """The event's data decoded as JSON when it arrived as bytes or text."""
    data = event.get_data()
    if isinstance(data, bytes | bytearray):
        data = data.decode("utf-8")
    if isinstance(data, str):
        try:
            return json.loads(data)
        except ValueError as exc:
            raise InvalidEvent(f"event data is not JSON: {exc}", field="data") from exc
    return data


def rfc3339(moment: datetime) -> str:
    """`2024-05-01T10:00:00.123456Z`: UTC with the `Z` the CloudEvents examples use."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def now_text() -> str:
    return rfc3339(datetime.now(UTC))
