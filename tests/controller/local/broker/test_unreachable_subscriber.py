"""A subscriber that cannot be connected to (down, restarting) never uses up an event's retries:
the event waits for it and is delivered once it listens, instead of being dead-lettered."""

from __future__ import annotations

import threading
from collections.abc import Callable

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from controller.local.broker import codec
from controller.local.broker.broker import LocalBroker
from tests.conftest import free_port
from tests.controller.local.broker.conftest import make_event, trigger_manifest, wait_until


def test_an_event_waits_for_an_unreachable_subscriber_instead_of_being_dead_lettered(
    broker_factory: Callable[..., LocalBroker],
) -> None:
    port = free_port()
    delivery = {"retry": 1, "backoffDelay": "PT0.01S"}
    broker = broker_factory([trigger_manifest("later", f"http://127.0.0.1:{port}/", delivery=delivery)])
    event = make_event()
    broker.publish(event)
    # Far more failed connections than the one retry allows, and still no dead letter.
    wait_until(lambda: broker.stats()["triggers"]["default/later"]["failed_attempts"] >= 5, what="failed attempts")
    assert broker.dead_letters() == []

    received: list[str] = []

    @Request.application
    def app(request: Request) -> Response:
        received.append(codec.parse_http(dict(request.headers.items()), request.get_data()).get_id())
        return Response(status=202)

    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    try:
        wait_until(lambda: received == [event.get_id()], what="the delivery once the subscriber listens")
        assert broker.dead_letters() == []
    finally:
        server.shutdown()
        server.server_close()
