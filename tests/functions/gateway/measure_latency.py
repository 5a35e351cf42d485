"""A quick measurement, not a test: p50/p99 of a one-stage request through the gateway (HTTP JSON,
and gRPC `PredictApplication`) versus the same request to the runtime over gRPC directly.

    .venv/bin/python -m tests.functions.gateway.measure_latency [requests]

Starts a runtime (`python -m runtimes`, iris logistic regression, 1 row), a routing source and
`python -m functions.gateway` twice (HTTP: gunicorn, default 2 workers x 16 threads; gRPC); no
broker, so inference events are stored in the outbox and not shipped. Requests go one at a time.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import grpc
import numpy as np
import requests
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from controller.desired_state import ApplicationSpec, DesiredState, StageSpec, VariantSpec
from controller.planner import plan
from protos import codec
from protos.contract import Contract
from protos.hydrosphere.serving.gateway import api_pb2, api_pb2_grpc
from tests.functions.gateway import tables
from tests.functions.gateway.processes import GatewayProcess
from tests.functions.gateway.servers import RoutingServer
from tests.runtimes.conftest import write_model_folder
from tests.runtimes.runtime_process import RuntimeProcess

ROW = [[5.1, 3.5, 1.4, 0.2]]


def timings(call: Callable[[], object], count: int) -> list[float]:
    for _ in range(20):  # warm up connections and caches
        call()
    out = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def summary(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    return (f"{name:<28} p50 {statistics.median(ordered):6.2f} ms   "
            f"p99 {ordered[int(len(ordered) * 0.99) - 1]:6.2f} ms   (n={len(ordered)})")


def main(count: int = 500) -> None:
    x, y = load_iris(return_X_y=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_model_folder(Path(tmp) / "model", "hydro/runtime-sklearn", tables.CLASSIFIER_CONTRACT,
                                    {"model.joblib": LogisticRegression(max_iter=500).fit(x, y)},
                                    name="iris-classifier", version=1)
        runtime = RuntimeProcess(str(folder))
        runtime.wait_serving()
        spec = tables.servable(tables.CLASSIFIER_V1, tables.CLASSIFIER_CONTRACT)
        contract = Contract.from_dict(tables.CLASSIFIER_CONTRACT)
        app = ApplicationSpec("one", (StageSpec((VariantSpec(spec, 100),)),), contract)
        address = f"127.0.0.1:{runtime.port}"
        routing = tables.pointed(plan(DesiredState(servables=(spec,), applications=(app,))).routing,
                                 {"app-one-s0": address, "mv-iris-classifier-1": address})
        server = RoutingServer(routing)
        settings = {"HYDRO_CONTROLLER_URL": server.url, "HYDRO_GATEWAY_OUTBOX": f"{tmp}/outbox.db"}
        gateway = GatewayProcess(settings)
        grpc_gateway = GatewayProcess({**settings, "HYDRO_GATEWAY_PROTOCOL": "grpc"})
        channel = grpc.insecure_channel(grpc_gateway.address)
        try:
            session = requests.Session()
            url = f"{gateway.url}/gateway/application/one"
            while session.post(url, json={"features": ROW}, timeout=10).status_code != 200:
                time.sleep(0.1)
            stub = api_pb2_grpc.GatewayServiceStub(channel)
            tensors = codec.arrays_to_tensors({"features": np.array(ROW)})
            request = api_pb2.GatewayPredictRequest(name="one", data=tensors)
            direct = timings(lambda: runtime.predict({"features": np.array(ROW)}), count)
            through = timings(lambda: session.post(url, json={"features": ROW}, timeout=10).json(), count)
            through_grpc = timings(
                lambda: codec.tensors_to_arrays(stub.PredictApplication(request, timeout=10).outputs), count)
            print(summary("runtime, gRPC direct", direct))
            print(summary("gateway, HTTP JSON, 1 stage", through))
            print(summary("gateway, gRPC, 1 stage", through_grpc))
            for name, values in (("HTTP", through), ("gRPC", through_grpc)):
                print(f"gateway {name} overhead at p50: {statistics.median(values) - statistics.median(direct):.2f} ms")
        finally:
            channel.close()
            grpc_gateway.close()
            gateway.close()
            server.close()
            runtime.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
