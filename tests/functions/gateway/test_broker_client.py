"""`BrokerClient` against a real HTTP/1.1 server that counts its connections."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from functions.gateway.broker_client import BrokerClient


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1
            self.server.sockets.append(self.connection)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.server.lock:
            self.server.received.append((self.path, self.headers.get("ce-id"), body))
            status = self.server.statuses.pop(0) if self.server.statuses else 202
        text = b"no such broker" if status >= 300 else b""
        self.send_response(status)
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, *_: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.connections = 0
        self.sockets: list[socket.socket] = []
        self.received: list[tuple[str, str | None, bytes]] = []
        self.statuses: list[int] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a connection dropped on purpose ends its handler with an error: expected here

    def drop_connections(self) -> None:
        """Close every accepted connection from the server side, as an idle timeout would."""
        with self.lock:
            for sock in self.sockets:
                sock.shutdown(socket.SHUT_RDWR)
            self.sockets.clear()


@pytest.fixture
def server() -> Iterator[_Server]:
    running = _Server()
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()


def url(server: _Server, path: str = "/hydro/hydro") -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_posts_keep_one_connection_alive(server: _Server) -> None:
    client = BrokerClient(url(server, "/ns/broker?x=1"), timeout=5)
    answers = [client.post(f"{{\"n\": {n}}}".encode(), {"ce-id": str(n)}) for n in range(5)]
    client.close()
    assert answers == [(202, "")] * 5
    assert [(path, ce_id) for path, ce_id, _ in server.received] == [("/ns/broker?x=1", str(n)) for n in range(5)]
    assert server.connections == 1


def test_a_connection_the_broker_closed_is_replaced_and_the_post_sent_again(server: _Server) -> None:
    client = BrokerClient(url(server), timeout=5)
    assert client.post(b"{}", {"ce-id": "a"}) == (202, "")
    server.drop_connections()
    assert client.post(b"{}", {"ce-id": "b"}) == (202, "")
    client.close()
    assert [ce_id for _, ce_id, _ in server.received] == ["a", "b"]
    assert server.connections == 2


def test_an_error_status_comes_back_with_the_brokers_text(server: _Server) -> None:
    server.statuses = [404]
    client = BrokerClient(url(server), timeout=5)
    assert client.post(b"{}", {"ce-id": "a"}) == (404, "no such broker")
    assert client.post(b"{}", {"ce-id": "b"}) == (202, "")
    client.close()


def test_each_thread_has_its_own_connection(server: _Server) -> None:
    client = BrokerClient(url(server), timeout=5)
    threads = [threading.Thread(target=lambda: [client.post(b"{}", {}) for _ in range(3)]) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client.close()
    assert len(server.received) == 9 and server.connections == 3


def test_an_unreachable_broker_raises_oserror() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: nobody listens there
    client = BrokerClient(f"http://127.0.0.1:{port}/hydro/hydro", timeout=2)
    with pytest.raises(OSError):
        client.post(b"{}", {})


def test_only_http_urls_are_accepted() -> None:
    with pytest.raises(ValueError, match="ftp://broker"):
        BrokerClient("ftp://broker/x", timeout=1)
