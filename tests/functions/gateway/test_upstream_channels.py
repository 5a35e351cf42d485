"""The upstream closes its channel to a worker the engine stopped publishing, after its calls end.

A real gRPC server on loopback plays the engine's endpoints exchange (answering what the test
publishes) and two more play workers (answering an empty `PredictResponse`, or holding a call
until released), so the calls really cross connections.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import grpc
import pytest

from functions.gateway.endpoints import EXCHANGE_PATH
from functions.gateway.upstream import PREDICT_PATH, Upstream
from protos.hydrosphere.serving.runtime import api_pb2

HOST = "mv-model-1.hydro.svc.cluster.local"


class Server:
    """A loopback gRPC server answering raw bytes on one method."""

    def __init__(self, path: str, answer: Any) -> None:
        service, method = path.strip("/").split("/")
        handler = grpc.method_handlers_generic_handler(service, {method: grpc.unary_unary_rpc_method_handler(answer)})
        self.server = grpc.server(futures.ThreadPoolExecutor(4), handlers=(handler,))
        self.address = f"127.0.0.1:{self.server.add_insecure_port('127.0.0.1:0')}"
        self.server.start()

    def close(self) -> None:
        self.server.stop(0)


class Worker(Server):
    def __init__(self) -> None:
        self.hold = threading.Event()
        self.hold.set()
        self.arrived = threading.Event()
        super().__init__(PREDICT_PATH, self.predict)

    def predict(self, _request: bytes, _context: Any) -> bytes:
        self.arrived.set()
        self.hold.wait(10)
        return api_pb2.PredictResponse().SerializeToString()


class Engine(Server):
    def __init__(self) -> None:
        self.workers: list[list[str]] = []
        super().__init__(EXCHANGE_PATH, self.exchange)

    def exchange(self, _request: bytes, _context: Any) -> bytes:
        answer = {"hosts": {HOST: [["rev-1", 100]]}, "revisions": {"rev-1": self.workers}, "ttl": 60}
        return json.dumps(answer).encode()


@pytest.fixture
def servers() -> Iterator[tuple[Engine, Worker, Worker]]:
    made = (Engine(), Worker(), Worker())
    yield made
    for server in made:
        server.close()


@pytest.fixture
def upstream(servers: tuple[Engine, Worker, Worker]) -> Iterator[Upstream]:
    client = Upstream(1024 * 1024, servers[0].address, endpoints=True)  # not started: the test exchanges
    yield client
    client.close()


def call(upstream: Upstream) -> None:
    upstream.predict(f"{HOST}:80", b"", request_id="r", timeout=10, where="model")


def publish(upstream: Upstream, engine: Engine, *workers: Worker) -> None:
    engine.workers = [[f"w{i}", w.address] for i, w in enumerate(workers)]
    assert upstream.endpoints is not None
    upstream.endpoints.exchange()


def closed(channel: grpc.Channel) -> bool:
    try:
        channel.unary_unary("/hydro.test.None/None")(b"", timeout=5)  # UNIMPLEMENTED at once when open
    except ValueError:  # grpc refuses to start a call on a closed channel
        return True
    except grpc.RpcError:
        return False
    return False


def test_an_unpublished_workers_channel_is_closed(upstream: Upstream, servers: tuple[Engine, Worker, Worker]) -> None:
    engine, first, second = servers
    publish(upstream, engine, first)
    call(upstream)
    channel = upstream._channels[first.address]
    publish(upstream, engine, second)  # the first worker went away
    assert first.address not in upstream._channels and closed(channel)
    call(upstream)
    assert second.address in upstream._channels
    assert upstream._channels[engine.address] is not None  # the activator's channel stays


def test_a_channel_with_a_call_in_flight_closes_when_the_call_ends(
        upstream: Upstream, servers: tuple[Engine, Worker, Worker]) -> None:
    engine, first, _ = servers
    publish(upstream, engine, first)
    call(upstream)
    channel = upstream._channels[first.address]
    first.hold.clear()
    first.arrived.clear()
    errors: list[BaseException] = []

    def slow() -> None:
        try:
            call(upstream)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    thread = threading.Thread(target=slow)
    thread.start()
    assert first.arrived.wait(10)
    publish(upstream, engine)  # no worker left while the call is in flight
    assert upstream._channels.get(first.address) is channel and not closed(channel)
    first.hold.set()
    thread.join(10)
    assert errors == []  # the call in flight finished normally
    assert first.address not in upstream._channels and closed(channel)


def test_a_republished_worker_keeps_its_channel(upstream: Upstream, servers: tuple[Engine, Worker, Worker]) -> None:
    engine, first, _ = servers
    publish(upstream, engine, first)
    call(upstream)
    channel = upstream._channels[first.address]
    publish(upstream, engine, first)
    call(upstream)
    assert upstream._channels[first.address] is channel and not closed(channel)
