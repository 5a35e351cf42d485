"""CloudEvents 1.0 over HTTP for the gateway, through the `cloudevents` 2.x core API.

Parsing is strict (the SDK would invent a missing `id` or `specversion`; an ingress must not) and
every failure is an `InvalidRequest` naming the attribute. Events are written in binary mode.
"""

from __future__ import annotations

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

from functions.gateway.errors import InvalidRequest, UnsupportedMediaType

REQUIRED = ("id", "source", "type", "specversion")
STRUCTURED = JSONFormat.CONTENT_TYPE
JSON = "application/json"
FORMAT = JSONFormat()


def rfc3339(moment: datetime) -> str:
    """`2024-05-01T10:00:00.123456Z`: UTC, with the `Z` the CloudEvents examples use."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def now_text() -> str:
    return rfc3339(datetime.now(UTC))


def to_binary(attributes: Mapping[str, str], body: bytes) -> http.HTTPMessage:
    """An HTTP request in binary content mode; `ValueError` when an attribute is invalid."""
    values: dict[str, Any] = dict(attributes)
    if "time" in values:
        values["time"] = datetime.fromisoformat(values["time"])
    try:
        event = CloudEvent(values, body)
    except BaseCloudEventException as exc:
        raise ValueError(f"invalid CloudEvent attributes: {exc}") from exc
    return http.to_binary(event, FORMAT)


def parse(headers: Mapping[str, str], body: bytes) -> BaseCloudEvent:
    """A CloudEvents 1.0 HTTP message in binary or structured mode whose data is JSON.

    `UnsupportedMediaType` for a batch or a non-JSON body; `InvalidRequest` naming the attribute.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    content_type = lowered.get("content-type", "")
    binary = any(name.startswith(http.CE_PREFIX) for name in lowered)
    if not binary and not content_type.startswith(STRUCTURED):
        raise UnsupportedMediaType(
            f"expected a CloudEvent: ce-* headers (binary mode) or Content-Type {STRUCTURED}, got "
            f"Content-Type {content_type or '(none)'}")
    if binary and content_type and not FORMAT.JSON_CONTENT_TYPE_PATTERN.match(content_type):
        raise UnsupportedMediaType(f"event data must be JSON (Content-Type {JSON}), got {content_type}")
    try:
        return http.from_http(http.HTTPMessage(headers=lowered, body=body), FORMAT, _strict)
    except (BaseCloudEventException, ValueError, TypeError, AttributeError, KeyError) as exc:
        raise _invalid(exc) from exc


def _strict(attributes: dict[str, Any], data: Any) -> BaseCloudEvent:
    for name in REQUIRED:
        if name not in attributes:
            raise MissingRequiredAttributeError(attribute_name=name)
    return CloudEvent(attributes, data)


def _invalid(exc: Exception) -> InvalidRequest:
    if isinstance(exc, CloudEventValidationError):
        name, errors = next(iter(exc.errors.items()))
        problems = "; ".join(str(error) for error in errors)
        return InvalidRequest(f"CloudEvent attribute '{name}' is invalid: {problems}", field=name)
    attribute = getattr(exc, "attribute_name", None)
    if isinstance(attribute, str):
        return InvalidRequest(f"CloudEvent attribute '{attribute}' is invalid: {exc}", field=attribute)
    return InvalidRequest(f"malformed CloudEvent: {exc}")


def extension(event: BaseCloudEvent, name: str) -> str | None:
    """An extension attribute as text, or None when absent."""
    value = event.get_attributes().get(name)
    return None if value is None else str(value)
