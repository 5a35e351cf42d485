"""`python -m functions.gateway` as real processes: HTTP (gunicorn), gRPC, the broker, kill -9."""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import pytest
import requests
from grpc_health.v1 import health_pb2, health_pb2_grpc

from protos import codec, events
from protos.hydrosphere.serving.gateway import api_pb2, api_pb2_grpc
from tests.conftest import free_port
from tests.functions.gateway import tables
from tests.functions.gateway.conftest import Models
from tests.functions.gateway.processes import BrokerProcess, GatewayProcess, Process
from tests.functions.gateway.servers import RoutingServer

pytestmark = pytest.mark.slow
ROWS = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]


def env(routing_server: RoutingServer, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"HYDRO_CONTROLLER_URL": routing_server.url, "HYDRO_ROUTING_POLL_SECONDS": "0.2",
            "HYDRO_GATEWAY_OUTBOX": str(tmp_path / "outbox.db"), "HYDRO_GATEWAY_WORKERS": "2",
            "HYDRO_GATEWAY_THREADS": "4", **extra}


def wait_ready(gateway: GatewayProcess, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{gateway.url}/v2/health/ready", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise AssertionError(f"gateway not ready after {timeout}s:\n{gateway.stderr()}")


def wait_serving(channel: grpc.Channel, gateway: GatewayProcess, timeout: float = 30.0) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status = health.Check(health_pb2.HealthCheckRequest(), timeout=5).status
        except grpc.RpcError:
            status = None
        if status == health_pb2.HealthCheckResponse.SERVING:
            return
        time.sleep(0.05)
    raise AssertionError(f"gRPC gateway not SERVING after {timeout}s:\n{gateway.stderr()}")


def metric(text: str, line_start: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(line_start))


def test_http_gateway_end_to_end(routing_server: RoutingServer, routing_dict: dict[str, Any], tmp_path: Path,
                                 models: Models) -> None:
    routing_server.table = routing_dict
    with contextlib.ExitStack() as stack:
        broker = BrokerProcess(tmp_path / "broker.db")
        stack.callback(broker.close)
        gateway = GatewayProcess(env(routing_server, tmp_path, HYDRO_BROKER_URL=broker.url,
                                     HYDRO_GATEWAY_FALLBACK_URL=routing_server.url))
        stack.callback(gateway.close)
        wait_ready(gateway)
        for number in range(3):
            response = requests.post(f"{gateway.url}/gateway/application/iris", json={"features": ROWS},
                                     headers={"X-Request-Id": f"http-{number}"}, timeout=10)
            assert response.status_code == 200, response.text
            assert response.json()["y"] == models.expected(np.array(ROWS))["y"].tolist()
        oip = requests.post(f"{gateway.url}/v2/models/iris/infer", timeout=10, json={
            "inputs": [{"name": "features", "shape": [1, 4], "datatype": "FP64", "data": ROWS[0]}]})
        assert oip.status_code == 200
        assert oip.json()["outputs"][0]["data"] == models.expected(np.array(ROWS[:1]))["y"].tolist()
        text = requests.get(f"{gateway.url}/metrics", timeout=5).text  # aggregated over both workers
        assert metric(text, 'hydro_gateway_requests_total{kind="application",name="iris"}') == 4
        stored = broker.wait_events(12)  # 4 requests x (2 stages + the shadow)
        assert {e["data"]["requestId"] for e in stored} >= {"http-0", "http-1", "http-2"}
        assert all(e["type"] == events.INFERENCE_COMPLETED and e[events.EXT_APP] == "iris" for e in stored)
        assert len({e["id"] for e in stored}) == len(stored)
        with requests.get(f"{gateway.url}/api/v2/events", stream=True, timeout=15) as sse:  # the fallback
            lines = sse.iter_lines()
            assert [next(lines), next(lines)] == [b"event: ModelUpdate", b'data: {"id": 1}']
            routing_server.sse_gate.set()
            assert [line for line in lines if line.startswith(b"data")] == [b'data: {"id": 2}']
        assert gateway.terminate() == 0
        assert "hydro gateway (HTTP) listening on http://127.0.0.1" in gateway.stderr()


def test_grpc_gateway_end_to_end(routing_server: RoutingServer, routing_dict: dict[str, Any], tmp_path: Path,
                                 models: Models) -> None:
    routing_server.table = routing_dict
    gateway = GatewayProcess(env(routing_server, tmp_path, HYDRO_GATEWAY_PROTOCOL="grpc"))
    channel = grpc.insecure_channel(gateway.address)
    try:
        wait_serving(channel, gateway)
        stub = api_pb2_grpc.GatewayServiceStub(channel)
        request = api_pb2.GatewayPredictRequest(name="iris", data=codec.arrays_to_tensors({"features": np.array(ROWS)}))
        outputs = codec.tensors_to_arrays(stub.PredictApplication(request, timeout=10).outputs)
        np.testing.assert_allclose(outputs["proba"], models.expected(np.array(ROWS))["proba"])
        assert gateway.terminate() == 0
        assert "hydro gateway (gRPC) listening on 127.0.0.1" in gateway.stderr()
    finally:
        channel.close()
        gateway.close()


def test_outbox_survives_kill_9_and_ships_after_restart(routing_server: RoutingServer, addresses: dict[str, str],
                                                        tmp_path: Path) -> None:
    routing_server.table = tables.pointed(tables.planned_routing(shadow=False), addresses)
    broker_port = free_port()  # nothing listens yet: events pile up in the outbox
    settings = env(routing_server, tmp_path, HYDRO_BROKER_URL=f"http://127.0.0.1:{broker_port}/hydro/hydro")
    gateway = GatewayProcess(settings)
    answered: list[str] = []
    stop = threading.Event()

    def traffic() -> None:
        number = 0
        while not stop.is_set():
            rid = f"kill-{number}"
            number += 1
            try:
                ok = requests.post(f"{gateway.url}/gateway/application/iris", json={"features": ROWS},
                                   headers={"X-Request-Id": rid}, timeout=5).status_code == 200
            except requests.RequestException:
                return
            if ok:
                answered.append(rid)

    sender = threading.Thread(target=traffic)
    with contextlib.ExitStack() as stack:
        stack.callback(gateway.close)
        stack.callback(stop.set)
        wait_ready(gateway)
        sender.start()
        deadline = time.monotonic() + 20
        while len(answered) < 10:
            assert time.monotonic() < deadline and sender.is_alive(), gateway.stderr()
            time.sleep(0.01)
        gateway.kill9()  # mid-stream: requests are still being sent
        stop.set()
        sender.join(10)
        broker = BrokerProcess(tmp_path / "broker.db", port=broker_port)
        stack.callback(broker.close)
        restarted = GatewayProcess(settings)
        stack.callback(restarted.close)
        broker.wait_events(2 * len(answered), timeout=20)
        time.sleep(0.5)  # anything shipped twice would arrive now
        stored = broker.events()
    assert len({e["id"] for e in stored}) == len(stored), "an event was shipped twice"
    shipped = {(e["data"]["requestId"], e["data"]["stage"]) for e in stored}
    assert {(rid, stage) for rid in answered for stage in (0, 1)} <= shipped


def test_one_http_worker_serves_grpc_too(routing_server: RoutingServer, routing_dict: dict[str, Any], tmp_path: Path,
                                         models: Models) -> None:
    routing_server.table = routing_dict
    grpc_port = free_port()
    gateway = GatewayProcess(env(routing_server, tmp_path, HYDRO_GATEWAY_WORKERS="1",
                                 HYDRO_GATEWAY_GRPC_PORT=str(grpc_port)))
    channel = grpc.insecure_channel(f"127.0.0.1:{grpc_port}")
    try:
        wait_ready(gateway)
        wait_serving(channel, gateway)
        answer = requests.post(f"{gateway.url}/gateway/application/iris", json={"features": ROWS}, timeout=10)
        assert answer.json()["y"] == models.expected(np.array(ROWS))["y"].tolist()
        stub = api_pb2_grpc.GatewayServiceStub(channel)
        request = api_pb2.GatewayPredictRequest(name="iris", data=codec.arrays_to_tensors({"features": np.array(ROWS)}))
        outputs = codec.tensors_to_arrays(stub.PredictApplication(request, timeout=10).outputs)
        np.testing.assert_allclose(outputs["proba"], models.expected(np.array(ROWS))["proba"])
        # Both transports count in the same process's metrics.
        text = requests.get(f"{gateway.url}/metrics", timeout=5).text
        assert metric(text, 'hydro_gateway_requests_total{kind="application",name="iris"}') == 2
        assert gateway.terminate() == 0
        assert "hydro gateway (gRPC) listening on 127.0.0.1" in gateway.stderr()
    finally:
        channel.close()
        gateway.close()


def test_grpc_port_with_several_workers_is_refused(routing_server: RoutingServer, tmp_path: Path) -> None:
    gateway = Process(["functions.gateway"], env(routing_server, tmp_path, HYDRO_GATEWAY_GRPC_PORT=str(free_port())))
    try:
        assert gateway.process.wait(30) == 2
        assert "HYDRO_GATEWAY_GRPC_PORT" in gateway.stderr() and "HYDRO_GATEWAY_WORKERS=1" in gateway.stderr()
    finally:
        gateway.close()
