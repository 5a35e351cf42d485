"""`BrokerClient`: what the shipper sees of `protos.http_post.PostClient` (whose connection reuse,
stale-connection resend and per-thread connections `tests/protos/test_http_post.py` covers)."""

from __future__ import annotations

import socket

import pytest

from functions.gateway.broker_client import BrokerClient
from tests.protos.test_http_post import _Server, server, url

__all__ = ["server"]  # the real HTTP/1.1 server fixture, shared with the PostClient tests


def test_a_2xx_is_status_and_no_text_an_error_status_comes_with_the_brokers_text(server: _Server) -> None:
    server.modes = ["ok", "404"]
    client = BrokerClient(url(server, "/ns/broker?x=1"), timeout=5)
    assert client.post(b"{}", {"ce-id": "a"}) == (200, "")
    assert client.post(b"{}", {"ce-id": "b"}) == (404, "no such thing")
    client.close()
    assert [path for path, _ in server.received] == ["/ns/broker?x=1"] * 2
    assert server.connections == 1


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
