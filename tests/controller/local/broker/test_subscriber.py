"""`send()`: how one POST to a real subscriber is classified."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest
from cloudevents.core.base import BaseCloudEvent
from werkzeug.wrappers import Response

from controller.local.broker import codec
from controller.local.broker.subscriber import send
from protos.http_post import PostClient
from tests.controller.local.broker.conftest import Subscriber, make_event


@pytest.fixture
def client() -> Iterator[PostClient]:
    opened = PostClient(timeout=0.5)
    yield opened
    opened.close()


def _answering(response: Callable[[BaseCloudEvent], Response]) -> Callable[[BaseCloudEvent, int], Response]:
    return lambda event, _count: response(event)


def test_a_2xx_without_an_event_is_ok(subscriber: Subscriber, client: PostClient) -> None:
    outcome = send(client, subscriber.url, make_event())
    assert (outcome.ok, outcome.status, outcome.reply, outcome.unreachable) == (True, 202, None, False)


def test_a_reply_event_is_parsed(subscriber_factory: Callable[..., Subscriber], client: PostClient) -> None:
    def reply(event: BaseCloudEvent) -> Response:
        message = codec.to_binary(make_event("hydro.reply", data={"to": event.get_id()}))
        return Response(message.body, status=200, headers=dict(message.headers))

    subscriber = subscriber_factory(_answering(reply))
    event = make_event()
    outcome = send(client, subscriber.url, event)
    assert outcome.ok and outcome.reply is not None
    assert outcome.reply.get_type() == "hydro.reply" and outcome.reply.get_data() == {"to": event.get_id()}


def test_an_error_status_keeps_status_and_body(
    subscriber_factory: Callable[..., Subscriber], client: PostClient
) -> None:
    subscriber = subscriber_factory(_answering(lambda _e: Response(b"model exploded", status=503)))
    outcome = send(client, subscriber.url, make_event())
    assert (outcome.ok, outcome.status, outcome.body, outcome.unreachable) == (False, 503, b"model exploded", False)
    assert "HTTP 503: model exploded" in outcome.error


def test_a_malformed_reply_event_fails_the_attempt(
    subscriber_factory: Callable[..., Subscriber], client: PostClient
) -> None:
    subscriber = subscriber_factory(_answering(lambda _e: Response(b"{}", status=200, headers={"ce-id": "x"})))
    outcome = send(client, subscriber.url, make_event())
    assert not outcome.ok and outcome.status == 200 and "invalid reply event" in outcome.error


def test_a_refused_connection_is_unreachable(client: PostClient) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outcome = send(client, f"http://127.0.0.1:{port}/", make_event())
    assert (outcome.ok, outcome.status, outcome.unreachable) == (False, None, True)


def test_no_answer_in_time_is_a_timeout_not_unreachable(
    subscriber_factory: Callable[..., Subscriber], client: PostClient
) -> None:
    hang = threading.Event()
    subscriber = subscriber_factory(_answering(lambda _e: Response(status=202) if hang.wait(5) else Response()))
    outcome = send(client, subscriber.url, make_event())
    hang.set()
    assert (outcome.ok, outcome.status, outcome.unreachable) == (False, None, False)
    assert "no response within 0.5s" in outcome.error
