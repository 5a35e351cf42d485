"""HTTP POSTs over kept-alive `http.client` connections: one per thread and origin.

`requests` spends about 0.9 ms of CPU per POST (per-call environment, proxy and cookie merging,
adapters, urllib3's pool), about seven times what the same POST costs on a kept-alive
`http.client` connection (0.13 ms); the Broker and the gateway each make one per event. An
`HTTPConnection` is not thread-safe, so each thread keeps its own, per origin, and drops it after
any failure. A kept-alive connection the server closed while idle fails before anything is read
back; that POST is sent once more on a fresh connection (callers deliver at least once anyway).
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)
"""What a POST on a connection the server closed meanwhile raises before any response byte."""

Origin = tuple[str, str, int | None]


class ConnectFailed(OSError):
    """No connection could be made (refused, no route, connect timeout): nothing was sent."""


@dataclass(frozen=True)
class Response:
    """A whole HTTP response; `headers` keeps the server's names (look them up case-insensitively)."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes


def split_url(url: str) -> tuple[Origin, str]:
    """`(scheme, host, port)` and the request target of an http(s) URL (`ValueError` if not one)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return (parts.scheme, parts.hostname, parts.port), target


class PostClient:
    """`post(url, body, headers)` -> `Response`; raises `ConnectFailed`, another `OSError`
    (`TimeoutError` when no answer came in `timeout` seconds) or `http.client.HTTPException`."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: set[http.client.HTTPConnection] = set()

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Response:
        origin, target = split_url(url)
        connection, reused = self._connection(origin)
        try:
            response = self._send(connection, target, body, headers)
        except STALE:
            if not reused:
                raise
            connection = self._connection(origin)[0]
            response = self._send(connection, target, body, headers)
        return self._read(connection, response)

    def close(self) -> None:
        """Close every connection this client opened, in any thread."""
        with self._lock:
            connections, self._open = self._open, set()
        for connection in connections:
            connection.close()

    def _send(self, connection: http.client.HTTPConnection, target: str, body: bytes,
              headers: Mapping[str, str]) -> http.client.HTTPResponse:
        """Send the request and read the status line and headers."""
        try:
            if connection.sock is None:
                self._connect(connection)
            connection.request("POST", target, body=body, headers=dict(headers))
            response = connection.getresponse()
        except BaseException:
            self._discard(connection)
            raise
        return response

    @staticmethod
    def _connect(connection: http.client.HTTPConnection) -> None:
        try:
            connection.connect()
        except OSError as exc:
            raise ConnectFailed(f"no connection to {connection.host}:{connection.port}: {exc}") from exc

    def _read(self, connection: http.client.HTTPConnection, response: http.client.HTTPResponse) -> Response:
        # Past the status line nothing is retried: the server has seen the request.
        try:
            body = response.read()
        except BaseException:
            self._discard(connection)
            raise
        if response.will_close:
            self._discard(connection)
        return Response(response.status, response.headers, body)

    def _connection(self, origin: Origin) -> tuple[http.client.HTTPConnection, bool]:
        """This thread's connection to `origin`, and whether it was used before."""
        connections: dict[Origin, http.client.HTTPConnection] | None = getattr(self._local, "connections", None)
        if connections is None:
            connections = self._local.connections = {}
        connection = connections.get(origin)
        if connection is not None:
            return connection, True
        scheme, host, port = origin
        kind = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        connection = connections[origin] = kind(host, port, timeout=self.timeout)
        with self._lock:
            self._open.add(connection)
        return connection, False

    def _discard(self, connection: http.client.HTTPConnection) -> None:
        connections: dict[Origin, http.client.HTTPConnection] = getattr(self._local, "connections", {})
        for origin, held in list(connections.items()):
            if held is connection:
                del connections[origin]
        with self._lock:
            self._open.discard(connection)
        connection.close()

