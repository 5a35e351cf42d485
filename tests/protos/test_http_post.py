"""`PostClient` against a real HTTP/1.1 server that counts its connections."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from protos.http_post import ConnectFailed, PostClient


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
            self.server.received.append((self.path, body))
            mode = self.server.modes.pop(0) if self.server.modes else "ok"
        if mode == "hang":
            self.server.release.wait(10)
        answer = b"broken" if mode == "cut" else b"no such thing" if mode == "404" else b"done:" + body
        self.send_response(404 if mode == "404" else 200)
        self.send_header("Content-Length", str(len(answer) + (100 if mode == "cut" else 0)))
        self.send_header("Ce-Id", "reply-1")
        self.end_headers()
        self.wfile.write(answer)
        if mode == "cut":  # the status line and part of the body went out, then the server died
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, *_: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.connections = 0
        self.sockets: list[socket.socket] = []
        self.received: list[tuple[str, bytes]] = []
        self.modes: list[str] = []

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
    running.release.set()
    running.shutdown()
    running.server_close()


@pytest.fixture
def client() -> Iterator[PostClient]:
    opened = PostClient(timeout=5)
    yield opened
    opened.close()


def url(server: _Server, path: str = "/in") -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_posts_keep_one_connection_alive_and_return_the_whole_response(server: _Server, client: PostClient) -> None:
    responses = [client.post(url(server, "/a?x=1"), str(n).encode(), {"Ce-Id": str(n)}) for n in range(5)]
    assert [(r.status, r.body) for r in responses] == [(200, b"done:%d" % n) for n in range(5)]
    assert responses[0].headers["ce-id"] == "reply-1"
    assert [path for path, _ in server.received] == ["/a?x=1"] * 5
    assert server.connections == 1


def test_an_error_status_is_a_response_not_an_exception(server: _Server, client: PostClient) -> None:
    server.modes = ["404"]
    response = client.post(url(server), b"{}", {})
    assert (response.status, response.body) == (404, b"no such thing")
    assert client.post(url(server), b"{}", {}).status == 200


def test_a_connection_the_server_closed_is_replaced_and_the_post_sent_once_more(
    server: _Server, client: PostClient
) -> None:
    assert client.post(url(server), b"a", {}).status == 200
    server.drop_connections()
    assert client.post(url(server), b"b", {}).body == b"done:b"
    assert [body for _, body in server.received] == [b"a", b"b"]
    assert server.connections == 2


def test_a_post_cut_off_after_the_status_line_is_not_sent_again(server: _Server, client: PostClient) -> None:
    assert client.post(url(server), b"a", {}).status == 200
    server.modes = ["cut"]
    with pytest.raises(http.client.IncompleteRead):
        client.post(url(server), b"b", {})
    assert [body for _, body in server.received] == [b"a", b"b"]
    assert client.post(url(server), b"c", {}).status == 200  # on a new connection
    assert server.connections == 2


def test_each_thread_and_origin_has_its_own_connection(client: PostClient) -> None:
    servers = [_Server(), _Server()]
    for running in servers:
        threading.Thread(target=running.serve_forever, daemon=True).start()

    def post_to_both() -> None:
        for _ in range(3):
            for running in servers:
                client.post(url(running), b"{}", {})

    threads = [threading.Thread(target=post_to_both) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for running in servers:
        running.shutdown()
        running.server_close()
    assert [(len(s.received), s.connections) for s in servers] == [(9, 3), (9, 3)]


def test_a_refused_connection_raises_connect_failed(client: PostClient) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: nobody listens there
    with pytest.raises(ConnectFailed, match=f"127.0.0.1:{port}"):
        client.post(f"http://127.0.0.1:{port}/in", b"{}", {})


def test_no_answer_within_the_timeout_raises_timeout_error_not_connect_failed(server: _Server) -> None:
    client = PostClient(timeout=0.3)
    server.modes = ["hang"]
    with pytest.raises(TimeoutError) as raised:
        client.post(url(server), b"{}", {})
    assert not isinstance(raised.value, ConnectFailed)
    assert len(server.received) == 1  # not sent again: the server had it
    client.close()


def test_only_http_urls_are_accepted(client: PostClient) -> None:
    with pytest.raises(ValueError, match="ftp://host"):
        client.post("ftp://host/x", b"", {})
