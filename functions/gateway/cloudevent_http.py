"""CloudEvents for the gateway: `protos.cloudevent_http`, with the gateway's own errors and checks.

The ingress only takes events whose data is JSON; everything else about parsing (strict required
attributes, binary or structured mode) is the shared codec's.
"""

from __future__ import annotations

from collections.abc import Mapping

from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.bindings import http

from functions.gateway.errors import InvalidRequest, UnsupportedMediaType
from protos import cloudevent_http
from protos.cloudevent_http import FORMAT, STRUCTURED_CONTENT_TYPE, attribute_text, now_text, rfc3339

STRUCTURED = STRUCTURED_CONTENT_TYPE
JSON = "application/json"


def to_binary(attributes: Mapping[str, str], body: bytes) -> http.HTTPMessage:
    """An HTTP request in binary content mode; `ValueError` when an attribute is invalid."""
    return cloudevent_http.to_binary(cloudevent_http.new_event(attributes, body))


def parse(headers: Mapping[str, str], body: bytes) -> BaseCloudEvent:
    """A CloudEvents 1.0 HTTP message in binary or structured mode whose data is JSON.

    `UnsupportedMediaType` for a batch or a non-JSON body; `InvalidRequest` naming the attribute.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    content_type = lowered.get("content-type", "")
    binary = any(name.startswith(cloudevent_http.CE_PREFIX) for name in lowered)
    if not binary and not content_type.startswith(STRUCTURED):
        raise UnsupportedMediaType(
            f"expected a CloudEvent: ce-* headers (binary mode) or Content-Type {STRUCTURED}, got "
            f"Content-Type {content_type or '(none)'}")
    if binary and content_type and not FORMAT.JSON_CONTENT_TYPE_PATTERN.match(content_type):
        raise UnsupportedMediaType(f"event data must be JSON (Content-Type {JSON}), got {content_type}")
    try:
        return cloudevent_http.parse_http(lowered, body)
    except cloudevent_http.InvalidEvent as exc:
        raise InvalidRequest(str(exc), field=exc.field) from exc


def extension(event: BaseCloudEvent, name: str) -> str | None:
    """An extension attribute as text, or None when absent."""
    return attribute_text(event, name)


__all__ = ["JSON", "STRUCTURED", "extension", "now_text", "parse", "rfc3339", "to_binary"]
