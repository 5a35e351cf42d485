"""The fallback reverse proxy: every HTTP path the gateway does not own goes to another server.

`hydro up` runs the gateway on :8080 with the controller's API and UI behind it. The proxy keeps
the method, path, query, headers (except hop-by-hop ones; `Host` is kept, `X-Forwarded-*` are
added) and status, and streams both bodies: an upload is sent on while it is read, a response is
relayed chunk by chunk as it arrives, so server-sent events (`/api/v2/events`, build logs) flow
through unbuffered.
"""

from __future__ import annotations

import http.client
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Any], Iterable[bytes]]
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
                        "trailer", "trailers", "transfer-encoding", "upgrade"})
GATEWAY_PATHS = ("/gateway", "/v2", "/metrics")
CHUNK = 64 * 1024


def gateway_owns(path: str) -> bool:
    """`/gateway/...`, `/v2/...` and `/metrics` are the gateway's; the rest may be proxied."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in GATEWAY_PATHS)


class PathDispatcher:
    """WSGI: the gateway's own paths to `gateway`, everything else to `fallback` (when set)."""

    def __init__(self, gateway: WSGIApp, fallback: WSGIApp | None) -> None:
        self.gateway = gateway
        self.fallback = fallback

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if self.fallback is None or gateway_owns(environ.get("PATH_INFO", "")):
            return self.gateway(environ, start_response)
        return self.fallback(environ, start_response)


class FallbackProxy:
    """A streaming WSGI reverse proxy to `base_url` (http or https)."""

    def __init__(self, base_url: str, connect_timeout: float = 10.0, read_timeout: float = 300.0) -> None:
        parts = urlsplit(base_url)
        self.base_url = base_url
        self.https = parts.scheme == "https"
        self.netloc = parts.netloc
        self.prefix = parts.path.rstrip("/")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        connection = self._connection()
        try:
            self._send(connection, environ)
            response = connection.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            logger.warning("fallback %s unreachable for %s: %s", self.base_url, environ.get("PATH_INFO"), exc)
            body = json.dumps({"error": f"the fallback server {self.base_url} is unreachable: {exc}"}).encode()
            start_response("502 Bad Gateway", [("Content-Type", "application/json"),
                                               ("Content-Length", str(len(body)))])
            return [body]
        headers = [(name, value) for name, value in response.getheaders() if name.lower() not in HOP_BY_HOP]
        start_response(f"{response.status} {response.reason}", headers)
        return _Relay(response, connection)

    def _connection(self) -> http.client.HTTPConnection:
        kind = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        return kind(self.netloc, timeout=self.connect_timeout)

    def _send(self, connection: http.client.HTTPConnection, environ: dict[str, Any]) -> None:
        path = self.prefix + (environ.get("PATH_INFO") or "/")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        connection.putrequest(environ["REQUEST_METHOD"], path, skip_host=True, skip_accept_encoding=True)
        length = environ.get("CONTENT_LENGTH") or ""
        chunked = not length and _has_body(environ)
        for name, value in _request_headers(environ):
            connection.putheader(name, value)
        if chunked:
            connection.putheader("Transfer-Encoding", "chunked")
        connection.endheaders()
        if connection.sock is not None:
            connection.sock.settimeout(self.read_timeout)
        _stream_body(connection, environ["wsgi.input"], int(length) if length.isdigit() else None, chunked)


class _Relay:
    """The upstream body as a WSGI iterable: each read as soon as it arrives; closes the upstream."""

    def __init__(self, response: http.client.HTTPResponse, connection: http.client.HTTPConnection) -> None:
        self._response = response
        self._connection = connection

    def __iter__(self) -> Iterator[bytes]:
        while True:
            chunk = self._response.read1(CHUNK)
            if not chunk:
                return
            yield chunk

    def close(self) -> None:
        self._response.close()
        self._connection.close()


def _request_headers(environ: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").title()
            if name.lower() not in HOP_BY_HOP and not name.lower().startswith("x-forwarded-"):
                yield name, value
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            yield name, environ[key]
    client = environ.get("REMOTE_ADDR")
    if client:
        forwarded = environ.get("HTTP_X_FORWARDED_FOR")
        yield "X-Forwarded-For", f"{forwarded}, {client}" if forwarded else client
    yield "X-Forwarded-Proto", environ.get("HTTP_X_FORWARDED_PROTO") or environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_X_FORWARDED_HOST") or environ.get("HTTP_HOST")
    if host:
        yield "X-Forwarded-Host", host


def _has_body(environ: dict[str, Any]) -> bool:
    return "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()


def _stream_body(connection: http.client.HTTPConnection, source: Any, length: int | None, chunked: bool) -> None:
    remaining = length
    while chunked or (remaining is not None and remaining > 0):
        chunk = source.read(CHUNK if remaining is None else min(CHUNK, remaining))
        if not chunk:
            break
        if remaining is not None:
            remaining -= len(chunk)
        connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
    if chunked:
        connection.send(b"0\r\n\r\n")
