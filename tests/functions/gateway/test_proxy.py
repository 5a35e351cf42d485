"""The fallback reverse proxy, between a real client and a real upstream server."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator

import pytest
import requests
from flask import Flask, Response, jsonify, request, stream_with_context

from functions.gateway.proxy import FallbackProxy, PathDispatcher, gateway_owns
from tests.conftest import free_port
from tests.functions.gateway.servers import ThreadedServer

CHUNK = 64 * 1024  # the proxy relays request bodies in reads of this size


class Upstream:
    """A controller stand-in: echo, SSE gated by the test, and an upload reader."""

    def __init__(self) -> None:
        self.first_event_read = threading.Event()
        self.upload_started = threading.Event()
        app = Flask(__name__)
        app.add_url_rule("/api/echo", view_func=self.echo, methods=["GET", "POST", "PUT", "DELETE"])
        app.add_url_rule("/api/events", view_func=self.events)
        app.add_url_rule("/api/upload", view_func=self.upload, methods=["POST"])
        self.server = ThreadedServer(app)

    def echo(self) -> Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        response = jsonify({"method": request.method, "path": request.path, "query": request.query_string.decode(),
                            "headers": headers, "body": request.get_data().decode()})
        response.status_code = 207
        response.headers["X-Upstream"] = "yes"
        return response

    def events(self) -> Response:
        def stream() -> Iterator[str]:
            yield "event: ModelUpdate\ndata: {\"id\": 1}\n\n"
            # The next event only exists once the client has read the first through the proxy.
            if not self.first_event_read.wait(10):
                return
            yield "event: ModelUpdate\ndata: {\"id\": 2}\n\n"
        return Response(stream_with_context(stream()), content_type="text/event-stream")

    def upload(self) -> Response:
        digest = hashlib.sha256()
        while True:
            chunk = request.stream.read(CHUNK)
            if not chunk:
                break
            self.upload_started.set()
            digest.update(chunk)
        return jsonify({"sha256": digest.hexdigest()})


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    made = Upstream()
    yield made
    made.first_event_read.set()
    made.server.close()


@pytest.fixture
def proxied(upstream: Upstream) -> Iterator[str]:
    def gateway(environ: dict[str, object], start_response: object) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])  # type: ignore[operator]
        return [b"gateway"]

    server = ThreadedServer(PathDispatcher(gateway, FallbackProxy(upstream.server.url)))
    yield server.url
    server.close()


def test_keeps_method_path_query_headers_body_and_status(proxied: str) -> None:
    response = requests.put(f"{proxied}/api/echo?a=1&b=two", data=b"payload",
                            headers={"X-Custom": "v", "Connection": "keep-alive, X-Custom-Hop"}, timeout=5)
    assert response.status_code == 207 and response.headers["X-Upstream"] == "yes"
    echoed = response.json()
    assert (echoed["method"], echoed["path"], echoed["query"], echoed["body"]) == ("PUT", "/api/echo", "a=1&b=two",
                                                                                  "payload")
    assert echoed["headers"]["x-custom"] == "v" and echoed["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert echoed["headers"]["host"] == proxied.removeprefix("http://")


def test_gateway_paths_are_not_proxied(proxied: str) -> None:
    assert requests.get(f"{proxied}/gateway/anything", timeout=5).text == "gateway"
    assert requests.get(f"{proxied}/metrics", timeout=5).text == "gateway"
    assert [gateway_owns(p) for p in ("/v2/models/x", "/v2", "/v20", "/api/v2/events")] == [True, True, False, False]


def test_streams_server_sent_events(proxied: str, upstream: Upstream) -> None:
    with requests.get(f"{proxied}/api/events", stream=True, timeout=15) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        lines = response.iter_lines()
        assert next(lines) == b"event: ModelUpdate"
        assert next(lines) == b'data: {"id": 1}'
        upstream.first_event_read.set()  # only now does the upstream write the second event
        assert [line for line in lines if line.startswith(b"data")] == [b'data: {"id": 2}']


def test_streams_a_chunked_upload(proxied: str, upstream: Upstream) -> None:
    parts = [b"a" * 2 * CHUNK, b"b" * CHUNK, b"c" * 10]

    def body() -> Iterator[bytes]:
        yield parts[0]
        # The upstream must see the first part before the client sends the rest.
        assert upstream.upload_started.wait(10), "the upload was buffered by the proxy"
        yield from parts[1:]

    response = requests.post(f"{proxied}/api/upload", data=body(), timeout=15)
    assert response.json()["sha256"] == hashlib.sha256(b"".join(parts)).hexdigest()


def test_an_unreachable_fallback_is_502() -> None:
    server = ThreadedServer(PathDispatcher(lambda e, s: [], FallbackProxy(f"http://127.0.0.1:{free_port()}")))
    try:
        response = requests.get(f"{server.url}/api/v2/model/version", timeout=5)
        assert response.status_code == 502 and "unreachable" in response.json()["error"]
    finally:
        server.close()
