"""Sending one event to one subscriber over HTTP (CloudEvents binary mode), and reading its reply."""

from __future__ import annotations

import base64
import http.client
from dataclasses import dataclass

from cloudevents.core.base import BaseCloudEvent

from controller.local.broker import codec
from protos.http_post import ConnectFailed, PostClient, Response

_ERROR_BODY_LIMIT = 512


@dataclass(frozen=True)
class Outcome:
    """What one delivery attempt came to.

    `ok` for a 2xx; `status` is None when no HTTP response came back (timeout, refused
    connection); `reply` is the event the subscriber answered with, if any. `unreachable`: no
    connection could be made at all, so the subscriber never saw the event (it is down or
    restarting), which says nothing about the event itself.
    """

    ok: bool
    status: int | None = None
    error: str = ""
    body: bytes = b""
    reply: BaseCloudEvent | None = None
    unreachable: bool = False


def send(client: PostClient, uri: str, event: BaseCloudEvent) -> Outcome:
    """POST the event to `uri` and classify the answer; never raises for transport problems."""
    message = codec.to_binary(event)
    timeout = client.timeout
    try:
        response = client.post(uri, message.body, message.headers)
    except ConnectFailed as exc:
        # Refused, no route, or no connection within the timeout: the subscriber never saw it.
        if isinstance(exc.__cause__, TimeoutError):
            return Outcome(False, error=f"POST {uri}: no connection within {timeout:g}s", unreachable=True)
        return Outcome(False, error=f"POST {uri}: {exc}", unreachable=True)
    except TimeoutError:
        return Outcome(False, error=f"POST {uri}: no response within {timeout:g}s")
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return Outcome(False, error=f"POST {uri}: {type(exc).__name__}: {exc}")
    return _classify(uri, response)


def _classify(uri: str, response: Response) -> Outcome:
    body, status, headers = response.body, response.status, dict(response.headers.items())
    if not 200 <= status < 300:
        text = body[:_ERROR_BODY_LIMIT].decode("utf-8", "replace")
        return Outcome(False, status, f"POST {uri}: HTTP {status}: {text}", body)
    if not codec.is_event_message(headers):
        return Outcome(True, status, body=body)
    try:
        reply = codec.parse_http(headers, body)
    except codec.InvalidEvent as exc:
        # A malformed reply fails the attempt: the subscriber meant to answer, and ack-ing now
        # would lose that answer for good.
        return Outcome(False, status, f"POST {uri}: invalid reply event: {exc}", body)
    return Outcome(True, status, body=body, reply=reply)


def dead_letter_event(event: BaseCloudEvent, destination: str, outcome: Outcome) -> BaseCloudEvent:
    """The event as Knative sends it to a dead-letter sink: with the `knativeerror*` extensions."""
    extensions = {"knativeerrordest": destination}
    if outcome.status is not None:
        extensions["knativeerrorcode"] = str(outcome.status)
    data = outcome.body or outcome.error.encode("utf-8")
    extensions["knativeerrordata"] = base64.b64encode(data[:_ERROR_BODY_LIMIT]).decode("ascii")
    return codec.with_extensions(event, extensions)
