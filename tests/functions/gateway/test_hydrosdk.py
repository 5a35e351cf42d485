"""The real hydrosdk 3.0.3 predictors against the gateway's gRPC service.

The client virtualenv is the one `tests/compat` builds (cached; hydro-serving-grpc 3.0.3 and
protobuf 3). The signature travels to the client as serialized `ModelSignature` bytes: the same
wire format on both sides is what this test is about.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from functions.gateway.components import Components
from functions.gateway.grpc_server import GatewayGrpcServer
from functions.gateway.routing import RoutingTable
from functions.gateway.routing_source import RoutingSource
from functions.gateway.settings import GatewaySettings
from tests.compat.conftest import HS_CACHE_DIR, client_environ
from tests.compat.hs_env import ensure_hs_env, venv_python
from tests.functions.gateway.conftest import Models

pytestmark = pytest.mark.slow
ROWS = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]
SNIPPET = """
import json, sys
import numpy as np
from hydro_serving_grpc.serving.contract.signature_pb2 import ModelSignature
from hydrosdk.cluster import Cluster
from hydrosdk.data.types import PredictorDT
from hydrosdk.predictor import (MonitorableApplicationPredictionService, PredictServiceClient,
                                UnmonitorableServablePredictionService)

address, kind, name, signature_hex, rows = sys.argv[1:6]
cluster = Cluster("http://127.0.0.1:1", grpc_address=address)  # waits for the channel to be ready
impl = (MonitorableApplicationPredictionService if kind == "application" else UnmonitorableServablePredictionService)
client = PredictServiceClient(impl(cluster.channel, name), ModelSignature.FromString(bytes.fromhex(signature_hex)),
                              PredictorDT.DICT_NP_ARRAY)
out = client.predict({"features": np.array(json.loads(rows))})
print(json.dumps({key: value.tolist() for key, value in out.items()}))
"""


@pytest.fixture(scope="module")
def hs_python() -> Path:
    return venv_python(ensure_hs_env(HS_CACHE_DIR))


@pytest.fixture
def gateway_address(settings: GatewaySettings, routing_table: RoutingTable) -> Iterator[str]:
    local = dataclasses.replace(settings, host="127.0.0.1", port=0)
    parts = Components(local, routing=RoutingSource(routing_table))
    server = GatewayGrpcServer(local, parts)
    server.start()
    yield f"127.0.0.1:{server.port}"
    server.drain(1)
    parts.close()


def predict(hs_python: Path, tmp_path: Path, address: str, kind: str, name: str, signature: bytes,
            rows: list[list[float]]) -> dict[str, list[object]]:
    result = subprocess.run([str(hs_python), "-c", SNIPPET, address, kind, name, signature.hex(), json.dumps(rows)],
                            env=client_environ(tmp_path), capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_application_predictor(hs_python: Path, tmp_path: Path, gateway_address: str, routing_table: RoutingTable,
                               models: Models) -> None:
    signature = routing_table.applications["iris"].contract.to_proto().SerializeToString()
    out = predict(hs_python, tmp_path, gateway_address, "application", "iris", signature, ROWS)
    expected = models.expected(np.array(ROWS))
    assert out["y"] == expected["y"].tolist()
    np.testing.assert_allclose(out["proba"], expected["proba"])


def test_shadowless_servable_predictor(hs_python: Path, tmp_path: Path, gateway_address: str,
                                       routing_table: RoutingTable, models: Models) -> None:
    signature = routing_table.servables["iris-scaler-1"].contract.to_proto().SerializeToString()
    out = predict(hs_python, tmp_path, gateway_address, "servable", "iris-scaler-1", signature, ROWS)
    np.testing.assert_allclose(out["features"], models.scaler.transform(np.array(ROWS)))
