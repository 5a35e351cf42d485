"""Sending one event to one subscriber over HTTP (CloudEvents binary mode), and reading its reply."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import requests
from cloudevents.core.base import BaseCloudEvent
from urllib3.exceptions import NewConnectionError

from controller.local.broker import codec

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


def send(session: requests.Session, uri: str, event: BaseCloudEvent, timeout: float) -> Outcome:
    """POST the event to `uri` and classify the answer; never raises for transport problems."""
    message = codec.to_binary(event)
    try:
        response = session.post(uri, data=message.body, headers=message.headers, timeout=timeout)
    except requests.ConnectTimeout:
        return Outcome(False, error=f"POST {uri}: no connection within {timeout:g}s", unreachable=True)
    except requests.Timeout:
        return Outcome(False, error=f"POST {uri}: no response within {timeout:g}s")
    except requests.RequestException as exc:
        return Outcome(False, error=f"POST {uri}: {type(exc).__name__}: {exc}", unreachable=_not_connected(exc))
    body = response.content
    if not 200 <= response.status_code < 300:
        text = body[:_ERROR_BODY_LIMIT].decode("utf-8", "replace")
        return Outcome(False, response.status_code, f"POST {uri}: HTTP {response.status_code}: {text}", body)
    if not codec.is_event_message(response.headers):
        return Outcome(True, response.status_code, body=body)
    try:
        reply = codec.parse_http(dict(response.headers), body)
    except codec.InvalidEvent as exc:
        # A malformed reply fails the attempt: the subscriber meant to answer, and ack-ing now
        # would lose that answer for good.
        return Outcome(False, response.status_code, f"POST {uri}: invalid reply event: {exc}", body)
    return Outcome(True, response.status_code, body=body, reply=reply)


def _not_connected(exc: requests.RequestException) -> bool:
    """Whether the connection itself failed (refused, no route), before any byte of the event was sent."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError)


def dead_letter_event(event: BaseCloudEvent, destination: str, outcome: Outcome) -> BaseCloudEvent:
    """The event as Knative sends it to a dead-letter sink: with the `knativeerror*` extensions."""
    extensions = {"knativeerrordest": destination}
    if outcome.status is not None:
        extensions["knativeerrorcode"] = str(outcome.status)
    data = outcome.body or outcome.error.encode("utf-8")
    extensions["knativeerrordata"] = base64.b64encode(data[:_ERROR_BODY_LIMIT]).decode("ascii")
    return codec.with_extensions(event, extensions)
