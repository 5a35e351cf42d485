"""`Ingress.call` when a worker handed out is already gone: real gRPC servers, a stand-in pool."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import grpc
import pytest

from controller.local.engine.errors import ServiceUnavailable
from controller.local.engine.ingress import PREDICT_PATH, SEND_ATTEMPTS, Ingress

SERVICE, METHOD = PREDICT_PATH.strip("/").split("/")


@pytest.fixture
def echo() -> Iterator[str]:
    """A runtime stand-in answering every Predict with its request bytes."""
    handler = grpc.method_handlers_generic_handler(
        SERVICE, {METHOD: grpc.unary_unary_rpc_method_handler(lambda request, _context: b"echo:" + request)})
    server = grpc.server(futures.ThreadPoolExecutor(2), handlers=[handler])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(0)


@dataclass
class _Pool:
    """Hands out `workers` in order; records what the ingress reports lost."""

    workers: list[Any]
    lost_ones: list[Any] = field(default_factory=list)
    config: Any = field(default_factory=lambda: SimpleNamespace(service="mv-test-1"))

    def acquire(self, _timeout: float | None) -> Any:
        return self.workers.pop(0)

    def release(self, _worker: Any) -> None:
        return None

    def lost(self, worker: Any) -> int | None:
        self.lost_ones.append(worker)
        return -9


def _closed_worker(address: str) -> Any:
    channel = grpc.insecure_channel(address)
    channel.close()  # as the engine closes a dead worker's channel
    return SimpleNamespace(channel=channel)


def test_a_worker_whose_channel_closed_is_skipped_and_the_call_goes_to_the_next(echo: str) -> None:
    closed, live = _closed_worker(echo), SimpleNamespace(channel=grpc.insecure_channel(echo))
    pool = _Pool([closed, live])
    reply = Ingress(lambda _host, _revision: pool).call("h", b"payload", (), timeout=10)  # type: ignore[arg-type,return-value]
    assert reply.payload == b"echo:payload"
    assert pool.lost_ones == [closed]
    live.channel.close()


def test_only_closed_workers_end_in_unavailable_naming_the_service(echo: str) -> None:
    pool = _Pool([_closed_worker(echo) for _ in range(SEND_ATTEMPTS)])
    with pytest.raises(ServiceUnavailable, match="mv-test-1"):
        Ingress(lambda _host, _revision: pool).call("h", b"payload", (), timeout=10)  # type: ignore[arg-type,return-value]
    assert len(pool.lost_ones) == SEND_ATTEMPTS
