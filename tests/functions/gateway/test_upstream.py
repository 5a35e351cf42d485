"""Upstream calls to real runtimes: identity, request id, the activator override, error mapping."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent import futures

import grpc
import numpy as np
import pytest

from functions.gateway.errors import InvalidRequest, UpstreamFailed, UpstreamTimeout, UpstreamUnavailable
from functions.gateway.upstream import Upstream
from protos import codec
from tests.conftest import free_port
from tests.functions.gateway.grpc_proxy import GrpcProxy
from tests.runtimes.runtime_process import RuntimeProcess

FEATURES = {"features": np.array([[0.1, 0.2, 0.3, 0.4]])}


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    client = Upstream(64 * 1024 * 1024)
    yield client
    client.close()


def test_the_runtime_names_the_model_version_that_answered(upstream: Upstream,
                                                            proxies: dict[str, GrpcProxy]) -> None:
    answer = upstream.predict(proxies["v2"].address, codec.arrays_to_tensors(FEATURES), request_id="rid-1",
                              timeout=10, where="test")
    assert (answer.model, answer.version) == ("iris-classifier", 2)
    assert set(answer.outputs) == {"y", "proba"}
    assert proxies["v2"].calls[-1]["x-request-id"] == "rid-1"


def test_override_dials_one_address_with_the_target_host(runtimes: dict[str, RuntimeProcess]) -> None:
    activator = GrpcProxy({"app-iris-s1.hydro.svc.cluster.local": f"127.0.0.1:{runtimes['v1'].port}",
                           "mv-iris-classifier-2.hydro.svc.cluster.local": f"127.0.0.1:{runtimes['v2'].port}"})
    client = Upstream(64 * 1024 * 1024, override=activator.address)
    try:
        tensors = codec.arrays_to_tensors(FEATURES)
        first = client.predict("app-iris-s1.hydro.svc.cluster.local:80", tensors, request_id="a", timeout=10,
                               where="s1")
        second = client.predict("mv-iris-classifier-2.hydro.svc.cluster.local:80", tensors, request_id="b",
                                timeout=10, where="shadow")
        assert (first.version, second.version) == (1, 2)
        assert [call["hydro-target"] for call in activator.calls] == [
            "app-iris-s1.hydro.svc.cluster.local", "mv-iris-classifier-2.hydro.svc.cluster.local"]
        assert len(client._channels) == 1  # one shared channel to the activator
        with pytest.raises(UpstreamFailed, match="ghost failed with NOT_FOUND"):
            client.predict("unknown.host:80", tensors, request_id="c", timeout=10, where="ghost")
    finally:
        client.close()
        activator.close()


def test_invalid_argument_is_an_invalid_request_naming_the_field(upstream: Upstream,
                                                                 proxies: dict[str, GrpcProxy]) -> None:
    wrong = codec.arrays_to_tensors({"features": np.array([[1, 2, 3, 4]], dtype=np.int64)})
    with pytest.raises(InvalidRequest) as caught:
        upstream.predict(proxies["v1"].address, wrong, request_id="r", timeout=10, where="stage 1")
    assert caught.value.field == "features" and caught.value.upstream_code == "INVALID_ARGUMENT"
    assert caught.value.http_status == 400


def test_unreachable_is_unavailable(upstream: Upstream) -> None:
    with pytest.raises(UpstreamUnavailable, match=r"stage 0 .* is unavailable") as caught:
        upstream.predict(f"127.0.0.1:{free_port()}", {}, request_id="r", timeout=5, where="stage 0 (m:1)")
    assert caught.value.http_status == 503 and caught.value.code == "UNAVAILABLE"


@pytest.fixture
def slow_runtime() -> Iterator[str]:
    """A runtime that answers after 2 s: a deadline passes for certain (a fast model can answer
    before gRPC's millisecond timers fire, even for a microsecond deadline)."""
    def predict(_request: bytes, _context: grpc.ServicerContext) -> bytes:
        time.sleep(2)
        return b""
    handler = grpc.method_handlers_generic_handler("hydrosphere.serving.runtime.PredictionService",
                                                  {"Predict": grpc.unary_unary_rpc_method_handler(predict)})
    server = grpc.server(futures.ThreadPoolExecutor(2), handlers=[handler])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(0)


def test_a_passed_deadline_is_a_timeout(upstream: Upstream, slow_runtime: str) -> None:
    with pytest.raises(UpstreamTimeout) as caught:
        upstream.predict(slow_runtime, codec.arrays_to_tensors(FEATURES), request_id="r", timeout=0.2,
                         where="stage 1")
    assert caught.value.http_status == 504
