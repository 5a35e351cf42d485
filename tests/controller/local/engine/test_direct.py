"""Direct endpoints: the gateway's upstream dials ready workers the engine publishes, reports its
load back, and goes through the activator when a revision has no ready worker."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator

import grpc
import numpy as np
import pytest

from controller.local.engine.direct import EXCHANGE_PATH
from functions.gateway.upstream import Upstream
from protos import codec
from protos.hydrosphere.serving.runtime import api_pb2
from tests.controller.local.engine.conftest import Models, Running
from tests.controller.local.engine.support import host, wait_until

SLOW = "mv-slow-1"
SPLIT = "app-split-s0"


@pytest.fixture
def upstream(running: Running) -> Iterator[Upstream]:
    client = Upstream(64 * 1024 * 1024, running.engine.activator_address, endpoints=True)
    client.start()
    yield client
    client.close()


def stats(running: Running, service: str) -> dict:
    return dict(running.engine.stats()["services"][service])


def call_slow(upstream: Upstream, delay: float = 0.0) -> int:
    tensors = codec.arrays_to_tensors({"delay": np.array(delay)})
    answer = upstream.predict(f"{host(SLOW)}:80", tensors, request_id="direct", timeout=30, where="slow")
    return int(codec.tensors_to_arrays(answer.outputs)["pid"])


def test_a_warm_worker_is_dialled_directly_and_its_calls_are_counted(running: Running,
                                                                     upstream: Upstream) -> None:
    assert upstream.endpoints is not None
    first = call_slow(upstream)  # through the activator, or directly when a worker is already up
    pick = wait_until(lambda: (p := upstream.endpoints.pick(host(SLOW))) and p.address and p, timeout=10,
                      what="the worker published to the gateway")
    worker = next(w for w in running.engine.workers(SLOW) if f"127.0.0.1:{w.port}" == pick.address)
    before = stats(running, SLOW)["requests"]
    pids = {call_slow(upstream) for _ in range(5)}
    assert pids == {first} == {worker.pid}
    slow = threading.Thread(target=call_slow, args=(upstream, 1.0))
    slow.start()
    wait_until(lambda: upstream.endpoints._in_flight(worker.id) == 1, timeout=5, what="the slow call in flight")
    assert [w.in_flight for w in running.engine.workers(SLOW)] == [0]  # the activator is not in its path
    slow.join()
    wait_until(lambda: stats(running, SLOW)["requests"] >= before + 5, timeout=5,
               what="the direct calls reported to the engine")


def test_a_direct_worker_still_scales_to_zero_and_the_next_call_goes_through_the_activator(
        running: Running, upstream: Upstream) -> None:
    call_slow(upstream)
    wait_until(lambda: running.engine.workers(SLOW) == [], timeout=30, what="the worker idled out")
    cold = stats(running, SLOW)["cold_starts"]["count"]
    assert upstream.endpoints is not None and upstream.endpoints.pick(host(SLOW)) is not None
    assert upstream.endpoints.pick(host(SLOW)).address is None  # nothing to dial: the activator holds it
    call_slow(upstream)
    assert stats(running, SLOW)["cold_starts"]["count"] == cold + 1


def test_direct_load_counts_for_the_autoscaler(running: Running) -> None:
    """Target concurrency 1 in these tests: a gateway reporting 3 calls in flight on the only
    worker makes the engine start more, up to max scale (2)."""
    channel = grpc.insecure_channel(running.engine.activator_address)
    exchange = channel.unary_unary(EXCHANGE_PATH)
    try:
        call = channel.unary_unary("/hydrosphere.serving.runtime.PredictionService/Predict")
        request = codec.arrays_to_tensors({"delay": np.array(0.0)})
        call(api_pb2.PredictRequest(inputs=request).SerializeToString(), metadata=[("hydro-target", host(SLOW))],
             timeout=30)
        (worker,) = running.engine.workers(SLOW)
        report = {"reporter": "test", "load": {worker.id: {"concurrency": 3.0, "requests": 3, "idle": 0.0}}}
        published = json.loads(exchange(json.dumps(report).encode(), timeout=5))
        assert [worker.id, f"127.0.0.1:{worker.port}"] in published["revisions"][worker.revision]
        assert published["hosts"][host(SLOW)] == [[worker.revision, 100]]
        wait_until(lambda: len(running.engine.workers(SLOW)) == 2, timeout=30, what="a second worker")
        with pytest.raises(grpc.RpcError) as caught:
            exchange(b"{not json", timeout=5)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    finally:
        channel.close()


def test_a_split_route_keeps_its_weights_when_the_gateway_draws(running: Running, upstream: Upstream,
                                                                models: Models) -> None:
    tensors = codec.arrays_to_tensors({"features": models.features[:1]})
    versions = Counter(upstream.predict(f"{host(SPLIT)}:80", tensors, request_id="s", timeout=30,
                                        where="split").version for _ in range(400))
    assert set(versions) == {1, 2}
    # 400 draws at p = 0.8: one standard deviation is 2 points, so 8 points is ~4 sigma.
    assert 0.72 <= versions[1] / 400 <= 0.88, versions
