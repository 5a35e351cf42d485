"""Random bytes as the request message of the gateway's GatewayService (in-process gRPC server)
and of a runtime's PredictionService (a real `python -m runtimes` process): each call ends with a
clear status (INVALID_ARGUMENT or NOT_FOUND for garbage), never UNKNOWN or INTERNAL; the servers
stay up and the runtime's memory stays bounded over a batch."""

from __future__ import annotations

import random
from collections.abc import Iterator

import grpc
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from functions.gateway.components import Components
from functions.gateway.grpc_server import GatewayGrpcServer
from protos.hydrosphere.serving.gateway import api_pb2
from tests.fuzz.budget import REQUEST_TIMEOUT_S, RSS_GROWTH_LIMIT, examples, fuzz_settings, rss_bytes
from tests.fuzz.functions.gateway.conftest import APP, VALID_INPUTS
from tests.runtimes.runtime_process import RuntimeProcess

GATEWAY_METHODS = ("PredictApplication", "PredictServable", "ShadowlessPredictServable")
TYPED_INPUTS = {name: np.asarray(value, dtype=name[2:] if name.startswith("x_") and name != "x_string" else None)
                for name, value in VALID_INPUTS.items()}
CLEAR = {grpc.StatusCode.OK, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND}


@pytest.fixture(scope="module")
def gateway_channel(gateway_parts: Components) -> Iterator[grpc.Channel]:
    server = GatewayGrpcServer(gateway_parts.settings.__class__(**{**vars(gateway_parts.settings),
                                                                   "host": "127.0.0.1", "port": 0}), gateway_parts)
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    yield channel
    channel.close()
    server.drain(1)


def raw_call(channel: grpc.Channel, method: str, payload: bytes) -> grpc.StatusCode:
    """Send `payload` as the serialized request; the status code of the answer."""
    stub = channel.unary_unary(method)  # no serializers: the bytes go on the wire as they are
    try:
        stub(payload, timeout=REQUEST_TIMEOUT_S)
    except grpc.RpcError as error:
        return error.code()  # type: ignore[no-any-return,attr-defined]
    return grpc.StatusCode.OK


def garbage() -> st.SearchStrategy[bytes]:
    valid = api_pb2.GatewayPredictRequest(name=APP).SerializeToString()
    return st.binary(max_size=512) | st.binary(max_size=64).map(lambda tail: valid + tail)


@fuzz_settings(40)
@given(payload=garbage(), method=st.sampled_from(GATEWAY_METHODS))
def test_gateway_service(gateway_channel: grpc.Channel, payload: bytes, method: str) -> None:
    code = raw_call(gateway_channel, f"/hydrosphere.serving.gateway.GatewayService/{method}", payload)
    assert code in CLEAR, f"{method} answered {code} to {payload[:80]!r}"


@fuzz_settings(40)
@given(payload=st.binary(max_size=512))
def test_runtime_prediction_service(echo_runtime: RuntimeProcess, payload: bytes) -> None:
    code = raw_call(echo_runtime.channel, "/hydrosphere.serving.runtime.PredictionService/Predict", payload)
    assert code in CLEAR, f"Predict answered {code} to {payload[:80]!r}"
    assert echo_runtime.process.poll() is None, echo_runtime.stderr()


def test_runtime_survives_a_batch_with_bounded_memory(echo_runtime: RuntimeProcess) -> None:
    generator = random.Random(5)
    echo_runtime.predict(TYPED_INPUTS)
    before = rss_bytes(echo_runtime.process.pid)
    for _ in range(examples(300)):
        raw_call(echo_runtime.channel, "/hydrosphere.serving.runtime.PredictionService/Predict",
                 generator.randbytes(generator.randint(0, 2048)))
    assert echo_runtime.predict(TYPED_INPUTS)["x_int8"] == 1
    assert rss_bytes(echo_runtime.process.pid) - before < RSS_GROWTH_LIMIT
