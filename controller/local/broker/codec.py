"""CloudEvents for the broker: `protos.cloudevent_http`, with its errors as the controller's 400s."""

from __future__ import annotations

from collections.abc import Mapping

from cloudevents.core.base import BaseCloudEvent

from controller.errors import BadRequest
from protos import cloudevent_http
from protos.cloudevent_http import (
    STRUCTURED_CONTENT_TYPE,
    attribute_text,
    decode,
    encode,
    is_event_message,
    to_binary,
    to_structured,
    with_extensions,
)


class InvalidEvent(BadRequest):
    """A request does not carry a valid CloudEvent 1.0; `field` names the attribute at fault."""

    code = "invalid_event"


def parse_http(headers: Mapping[str, str], body: bytes) -> BaseCloudEvent:
    """Parse a CloudEvents 1.0 HTTP message in binary or structured mode (`InvalidEvent` if not)."""
    try:
        return cloudevent_http.parse_http(headers, body)
    except cloudevent_http.InvalidEvent as exc:
        raise InvalidEvent(str(exc), field=exc.field) from exc


__all__ = [
    "STRUCTURED_CONTENT_TYPE", "InvalidEvent", "attribute_text", "decode", "encode", "is_event_message",
    "parse_http", "to_binary", "to_structured", "with_extensions",
]
