"""The gRPC adapter served in-process on a real port, called by a real gRPC client."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from functions.gateway.components import Components
from functions.gateway.grpc_server import SERVICE_NAME, GatewayGrpcServer
from functions.gateway.routing import RoutingTable
from functions.gateway.routing_source import RoutingSource
from functions.gateway.settings import GatewaySettings
from protos import codec
from protos.hydrosphere.serving.gateway import api_pb2, api_pb2_grpc
from tests.functions.gateway.conftest import Models

ROWS = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]])


@pytest.fixture
def served(settings: GatewaySettings, routing_table: RoutingTable) -> Iterator[tuple[Components, grpc.Channel]]:
    local = dataclasses.replace(settings, host="127.0.0.1", port=0)
    parts = Components(local, routing=RoutingSource(routing_table))
    server = GatewayGrpcServer(local, parts)
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    yield parts, channel
    channel.close()
    server.drain(1)
    parts.close()


def request(name: str, arrays: dict[str, np.ndarray]) -> api_pb2.GatewayPredictRequest:
    return api_pb2.GatewayPredictRequest(name=name, data=codec.arrays_to_tensors(arrays))


def test_predict_application(served: tuple[Components, grpc.Channel], models: Models) -> None:
    stub = api_pb2_grpc.GatewayServiceStub(served[1])
    response, call = stub.PredictApplication.with_call(request("iris", {"features": ROWS}), timeout=10,
                                                       metadata=[("x-request-id", "g-1")])
    outputs = codec.tensors_to_arrays(response.outputs)
    np.testing.assert_array_equal(outputs["y"], models.expected(ROWS)["y"])
    assert dict(call.trailing_metadata())["x-request-id"] == "g-1"


def test_predict_servable_and_shadowless(served: tuple[Components, grpc.Channel], models: Models) -> None:
    parts, channel = served
    stub = api_pb2_grpc.GatewayServiceStub(channel)
    scaled = models.scaler.transform(ROWS)
    monitored = stub.PredictServable(request("iris-classifier-1", {"features": scaled}), timeout=10)
    quiet = stub.ShadowlessPredictServable(request("iris-classifier-1", {"features": scaled}), timeout=10)
    assert codec.tensors_to_arrays(monitored.outputs)["y"].tolist() == models.v1.predict(scaled).tolist()
    assert monitored == quiet
    assert parts.outbox.pending() == 1  # only the monitored call made an event


@pytest.mark.parametrize(("name", "arrays", "code", "needle"), [
    ("iris", {"features": ROWS.astype(np.float32)}, grpc.StatusCode.INVALID_ARGUMENT, "field 'features'"),
    ("iris", {"other": ROWS}, grpc.StatusCode.INVALID_ARGUMENT, "field 'other'"),
    ("ghost", {"features": ROWS}, grpc.StatusCode.NOT_FOUND, "application 'ghost'"),
])
def test_errors_map_to_grpc_codes(served: tuple[Components, grpc.Channel], name: str,
                                  arrays: dict[str, np.ndarray], code: grpc.StatusCode, needle: str) -> None:
    stub = api_pb2_grpc.GatewayServiceStub(served[1])
    with pytest.raises(grpc.RpcError) as caught:
        stub.PredictApplication(request(name, arrays), timeout=10)
    assert caught.value.code() == code and needle in caught.value.details()


def test_health_is_serving_once_routed(served: tuple[Components, grpc.Channel]) -> None:
    health = health_pb2_grpc.HealthStub(served[1])
    deadline = time.monotonic() + 5
    statuses: list[int] = []
    while time.monotonic() < deadline:
        statuses = [health.Check(health_pb2.HealthCheckRequest(service=s), timeout=5).status
                    for s in ("", SERVICE_NAME)]
        if statuses == [health_pb2.HealthCheckResponse.SERVING] * 2:
            return
        time.sleep(0.01)
    raise AssertionError(f"health statuses {statuses}")
