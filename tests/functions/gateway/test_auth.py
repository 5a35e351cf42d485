"""The gateway with authentication on: real controller (verifiers), real HTTP and gRPC servers."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import numpy as np
import pytest
import requests
from werkzeug.serving import BaseWSGIServer, make_server

from controller.api.app import create_app
from controller.settings import AuthSettings, ControllerSettings
from functions.gateway.auth import Verifiers
from functions.gateway.components import Components
from functions.gateway.grpc_server import GatewayGrpcServer
from functions.gateway.http_app import create_app as gateway_app
from functions.gateway.routing import RoutingTable
from functions.gateway.routing_source import PolledRouting, RoutingSource
from functions.gateway.settings import GatewaySettings
from protos import codec
from protos.auth import mint, parse_networks
from protos.hydrosphere.serving.gateway import api_pb2, api_pb2_grpc

ROWS = [[5.1, 3.5, 1.4, 0.2]]


class _NoBuilds:
    def submit(self, version_id: int) -> object:
        return None


def _serve(app: object) -> BaseWSGIServer:
    server = make_server("127.0.0.1", 0, app, threaded=True)  # type: ignore[arg-type]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@dataclass
class Stack:
    controller: str
    admin: str
    parts: Components
    poller: PolledRouting
    http: str
    grpc: grpc.Channel

    def token(self, *scopes: str) -> str:
        answer = requests.post(f"{self.controller}/api/v2/auth/tokens", json={"name": "t", "scopes": list(scopes)},
                               headers={"Authorization": f"Bearer {self.admin}"}, timeout=10)
        assert answer.status_code == 201
        return str(answer.json()["token"])

    def predict_http(self, token: str | None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.post(f"{self.http}/gateway/application/iris", json={"features": ROWS}, headers=headers,
                             timeout=20)

    def predict_grpc(self, token: str | None) -> api_pb2.GatewayPredictRequest:
        stub = api_pb2_grpc.GatewayServiceStub(self.grpc)
        request = api_pb2.GatewayPredictRequest(name="iris", data=codec.arrays_to_tensors(
            {"features": np.array(ROWS)}))
        return stub.PredictApplication(request, timeout=20,
                                       metadata=[("authorization", f"Bearer {token}")] if token else None)


def _stack(tmp_path: Path, settings: GatewaySettings, routing_table: RoutingTable) -> Iterator[Stack]:
    admin = str(mint())
    controller = _serve(create_app(ControllerSettings(home=tmp_path / "c", auth=AuthSettings(True, admin)),
                                   builds=_NoBuilds()))
    base = f"http://127.0.0.1:{controller.server_port}"
    gateway_token = requests.post(f"{base}/api/v2/auth/tokens", json={"name": "gw", "scopes": ["gateway"]},
                                  headers={"Authorization": f"Bearer {admin}"}, timeout=10).json()["token"]
    local = dataclasses.replace(settings, host="127.0.0.1", port=0, auth_enabled=True, controller_token=gateway_token)
    parts = Components(local, routing=RoutingSource(routing_table))
    parts.verifiers.min_refresh_seconds = 0.0  # each test mints tokens faster than the production limit
    # The verifiers come from the real controller, fetched with the gateway's own token.
    poller = PolledRouting(f"{base}/api/v2/plan/routing", token=gateway_token, verifiers=parts.verifiers,
                           verifiers_url=f"{base}/api/v2/auth/verifiers")
    poller.poll()
    http = _serve(gateway_app(parts))
    grpc_server = GatewayGrpcServer(local, parts)
    grpc_server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{grpc_server.port}")
    yield Stack(base, admin, parts, poller, f"http://127.0.0.1:{http.server_port}", channel)
    channel.close()
    grpc_server.drain(1)
    http.shutdown()
    poller.stop()
    parts.close()
    controller.shutdown()


@pytest.fixture
def stack(tmp_path: Path, settings: GatewaySettings, routing_table: RoutingTable) -> Iterator[Stack]:
    yield from _stack(tmp_path, settings, routing_table)


def test_http_needs_a_predict_token(stack: Stack) -> None:
    missing = stack.predict_http(None)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert stack.predict_http(stack.token("read")).status_code == 403
    assert stack.predict_http(stack.token("predict")).status_code == 200
    assert stack.predict_http(stack.admin).status_code == 200


def test_http_basic_auth_as_requests_sends_userinfo(stack: Stack) -> None:
    token = stack.token("predict")
    host = stack.http.removeprefix("http://")
    answer = requests.post(f"http://hydro:{token}@{host}/gateway/application/iris", json={"features": ROWS},
                           timeout=20)
    assert answer.status_code == 200


def test_metrics_and_health_stay_open(stack: Stack) -> None:
    for path in ("/metrics", "/v2/health/live", "/v2/health/ready", "/gateway/buildinfo"):
        assert requests.get(f"{stack.http}{path}", timeout=10).status_code == 200, path
    assert requests.get(f"{stack.http}/v2/models/iris", timeout=10).status_code == 401


def test_grpc_codes(stack: Stack) -> None:
    cases = ((None, grpc.StatusCode.UNAUTHENTICATED), (stack.token("read"), grpc.StatusCode.PERMISSION_DENIED),
             ("hydro_0123456789ab_" + "x" * 43, grpc.StatusCode.UNAUTHENTICATED))
    for token, code in cases:
        with pytest.raises(grpc.RpcError) as caught:
            stack.predict_grpc(token)
        assert caught.value.code() == code
    assert "y" in stack.predict_grpc(stack.token("predict")).outputs


def test_a_new_token_works_at_once_and_a_revoked_one_stops_after_one_poll(stack: Stack) -> None:
    token = stack.token("predict")  # unknown to the cached verifiers: one refresh finds it
    assert stack.predict_http(token).status_code == 200
    requests.delete(f"{stack.controller}/api/v2/auth/tokens/{token.split('_')[1]}",
                    headers={"Authorization": f"Bearer {stack.admin}"}, timeout=10)
    stack.poller.poll()
    assert stack.predict_http(token).status_code == 401


def test_cloudevents_ingress_needs_predict(stack: Stack) -> None:
    answer = requests.post(f"{stack.http}/gateway/cloudevents", data=b"{}", timeout=10, headers={
        "ce-specversion": "1.0", "ce-id": "1", "ce-source": "t", "ce-type": "dev.hydro.prediction.request",
        "ce-hydroapp": "iris", "content-type": "application/json"})
    assert answer.status_code == 401


def test_trusted_address_predicts_without_a_token(tmp_path: Path, settings: GatewaySettings,
                                                  routing_table: RoutingTable) -> None:
    trusted = dataclasses.replace(settings, trusted_networks=parse_networks("127.0.0.1/32"))
    for stack in _stack(tmp_path, trusted, routing_table):
        assert stack.predict_http(None).status_code == 200
        assert "y" in stack.predict_grpc(None).outputs
        assert stack.predict_http(stack.token("read")).status_code == 403  # a token still has to be right


def test_unknown_key_ids_refresh_at_most_once_per_interval() -> None:
    calls: list[int] = []
    verifiers = Verifiers(min_refresh_seconds=3600)
    verifiers.refresh = lambda: calls.append(1)
    assert verifiers.lookup("0123456789ab") is None
    assert verifiers.lookup("ba9876543210") is None
    assert calls == [1]
