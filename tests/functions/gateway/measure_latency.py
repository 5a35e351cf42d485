"""A measurement, not a test: where a one-stage request's time goes, through the gateway (HTTP JSON
and gRPC `PredictApplication`) against the same request to the runtime over gRPC directly.

    .venv/bin/python -m tests.functions.gateway.measure_latency [--count N] [--seconds S] [--no-engine]

The model is a scikit-learn LogisticRegression on 20 float features, one row per request. Two
setups, each with its own gateways (HTTP: gunicorn, default 2 workers x 16 threads; gRPC):

- *pointed*: the routing table names the runtime's address, so the gateway dials it itself;
- *engine*: a real local engine (`LocalApplier`, as `hydro up` runs it) serves the model version;
  the gateways go through its activator, or straight to a ready worker when the engine
  publishes one. `activator, gRPC` calls the activator the way a gateway without endpoints does.

No broker: inference events are stored in the outbox and not shipped. For each path it prints
p50/p99 one request at a time (`c=1`), and requests per second with p50/p99 at 8 concurrent
callers (`c=8`, threads of this process, one connection each); then the gateway's overhead per
stage (gateway minus direct runtime, at p50).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import requests
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from controller.desired_state import ApplicationSpec, DesiredState, ServableSpec, StageSpec, VariantSpec
from controller.local.broker import LocalBroker, SqliteEventLog
from controller.local.engine import EngineSettings, LocalApplier
from controller.planner import plan
from controller.planner.images import RUNTIME_IMAGE
from protos import codec
from protos.contract import Contract
from protos.hydrosphere.serving.gateway import api_pb2, api_pb2_grpc
from protos.hydrosphere.serving.runtime import api_pb2 as runtime_pb2
from protos.hydrosphere.serving.runtime import api_pb2_grpc as runtime_grpc
from tests.conftest import free_port
from tests.controller.local.engine.support import command_for
from tests.functions.gateway import tables
from tests.functions.gateway.processes import GatewayProcess
from tests.functions.gateway.servers import RoutingServer
from tests.runtimes.conftest import write_model_folder
from tests.runtimes.runtime_process import RuntimeProcess

FEATURES = 20
CONTRACT: dict[str, Any] = {
    "name": "predict",
    "inputs": {"features": {"shape": [-1, FEATURES], "type": "double", "profile": "numerical"}},
    "outputs": {"y": {"shape": [-1], "type": "int64", "profile": "categorical"}},
}
ROW = [[round(0.1 * i, 2) for i in range(FEATURES)]]
CONCURRENCY = 8
Call = Callable[[], object]


@dataclass(frozen=True)
class Figures:
    name: str
    sequential: list[float]
    concurrent: list[float]
    seconds: float

    def line(self) -> str:
        seq, conc = sorted(self.sequential), sorted(self.concurrent)
        rate = len(conc) / self.seconds if self.seconds else 0.0
        return (f"{self.name:<34} c=1 p50 {_p(seq, 50):6.2f} p99 {_p(seq, 99):6.2f} ms | "
                f"c={CONCURRENCY} {rate:7.0f} req/s p50 {_p(conc, 50):6.2f} p99 {_p(conc, 99):6.2f} ms")


def _p(ordered: list[float], percent: int) -> float:
    if not ordered:
        return float("nan")
    return statistics.median(ordered) if percent == 50 else ordered[max(int(len(ordered) * percent / 100) - 1, 0)]


def timings(call: Call, count: int) -> list[float]:
    for _ in range(50):  # warm up connections and caches
        call()
    out = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def concurrent(make_call: Callable[[], Call], seconds: float) -> tuple[list[float], float]:
    """Latencies (ms) of CONCURRENCY callers, each with its own `make_call()`, for `seconds`."""
    calls = [make_call() for _ in range(CONCURRENCY)]
    for call in calls:
        call()
    results: list[list[float]] = [[] for _ in calls]
    start = threading.Barrier(CONCURRENCY + 1)
    end = [0.0]

    def run(call: Call, out: list[float]) -> None:
        start.wait()
        while time.perf_counter() < end[0]:
            began = time.perf_counter()
            call()
            out.append((time.perf_counter() - began) * 1000)

    threads = [threading.Thread(target=run, args=(c, r)) for c, r in zip(calls, results, strict=True)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    end[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    return [v for r in results for v in r], time.perf_counter() - began


def measure(name: str, make_call: Callable[[], Call], count: int, seconds: float) -> Figures:
    sequential = timings(make_call(), count)
    latencies, elapsed = concurrent(make_call, seconds)
    figures = Figures(name, sequential, latencies, elapsed)
    print(figures.line(), flush=True)
    return figures


def http_call(url: str) -> Callable[[], Call]:
    def make() -> Call:
        session = requests.Session()

        def call() -> object:
            answer = session.post(url, json={"features": ROW}, timeout=30)
            answer.raise_for_status()
            return answer.json()
        return call
    return make


def grpc_gateway_call(address: str, app: str) -> Callable[[], Call]:
    request = api_pb2.GatewayPredictRequest(name=app, data=codec.arrays_to_tensors({"features": np.array(ROW)}))

    def make() -> Call:
        # One channel per caller: separate connections, as separate clients would have.
        channel = grpc.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)])
        stub = api_pb2_grpc.GatewayServiceStub(channel)
        return lambda: codec.tensors_to_arrays(stub.PredictApplication(request, timeout=30).outputs)
    return make


def runtime_call(address: str, target: str | None = None) -> Callable[[], Call]:
    request = runtime_pb2.PredictRequest(inputs=codec.arrays_to_tensors({"features": np.array(ROW)}))
    metadata = (("hydro-target", target),) if target else None

    def make() -> Call:
        stub = runtime_grpc.PredictionServiceStub(
            grpc.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)]))
        return lambda: codec.tensors_to_arrays(stub.Predict(request, timeout=30, metadata=metadata).outputs)
    return make


def wait_answering(url: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.post(url, json={"features": ROW}, timeout=60).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} never answered 200")


@contextmanager
def gateways(stack: ExitStack, routing: dict[str, Any], tmp: str, name: str,
             upstream: str | None = None, port: int | None = None) -> Iterator[tuple[GatewayProcess, GatewayProcess]]:
    server = RoutingServer(routing)
    stack.callback(server.close)
    settings = {"HYDRO_CONTROLLER_URL": server.url, "HYDRO_GATEWAY_OUTBOX": f"{tmp}/{name}-outbox.db",
                "HYDRO_AUTH": "disabled"}
    if upstream:
        settings["HYDRO_GATEWAY_UPSTREAM"] = upstream
    http = GatewayProcess(settings, port)
    stack.callback(http.close)
    grpc_gateway = GatewayProcess({**settings, "HYDRO_GATEWAY_PROTOCOL": "grpc"})
    stack.callback(grpc_gateway.close)
    wait_answering(f"{http.url}/gateway/application/one")
    yield http, grpc_gateway


def model_state(folder: Path) -> tuple[ServableSpec, DesiredState]:
    spec = ServableSpec("bench-logreg", 1, 1, "hydro/runtime-sklearn", RUNTIME_IMAGE, str(folder),
                        Contract.from_dict(CONTRACT), name="bench-logreg-1")
    app = ApplicationSpec("one", (StageSpec((VariantSpec(spec, 100),)),), Contract.from_dict(CONTRACT))
    return spec, DesiredState(servables=(spec,), applications=(app,))


def run_pointed(stack: ExitStack, folder: Path, tmp: str, count: int, seconds: float) -> list[Figures]:
    runtime = RuntimeProcess(str(folder))
    stack.callback(runtime.close)
    runtime.wait_serving(120)
    _, state = model_state(folder)
    address = f"127.0.0.1:{runtime.port}"
    routing = tables.pointed(plan(state).routing, {"app-one-s0": address, "mv-bench-logreg-1": address})
    with gateways(stack, routing, tmp, "pointed") as (http, grpc_gateway):
        return [measure("runtime, gRPC direct", runtime_call(address), count, seconds),
                measure("gateway HTTP JSON -> runtime", http_call(f"{http.url}/gateway/application/one"),
                        count, seconds),
                measure("gateway gRPC -> runtime", grpc_gateway_call(grpc_gateway.address, "one"), count, seconds)]


def run_engine(stack: ExitStack, folder: Path, tmp: str, count: int, seconds: float) -> list[Figures]:
    root = Path(tmp) / "engine"
    root.mkdir()
    settings = EngineSettings(state_dir=root / "state", logs_dir=root / "logs", idle_window_seconds=600)
    broker = LocalBroker(SqliteEventLog(root / "broker.db"), namespace="hydro", name="hydro")
    port = free_port()
    engine = LocalApplier(settings, broker, command_for,
                          env_sources={("secret", "hydro-artifacts"): {}, ("configMap", "hydro-settings"): {}},
                          well_known={"hydro-gateway": f"http://127.0.0.1:{port}"})
    engine.start()
    stack.callback(engine.stop)
    _, state = model_state(folder)
    the_plan = plan(state)
    engine.apply(the_plan)
    host = the_plan.routing["applications"]["one"]["stages"][0]["grpcTarget"].rpartition(":")[0]
    with gateways(stack, the_plan.routing, tmp, "engine", engine.activator_address, port) as (http, grpc_gateway):
        return [measure("activator, gRPC (-> worker)", runtime_call(engine.activator_address, host), count, seconds),
                measure("gateway HTTP JSON -> engine", http_call(f"{http.url}/gateway/application/one"),
                        count, seconds),
                measure("gateway gRPC -> engine", grpc_gateway_call(grpc_gateway.address, "one"), count, seconds)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000, help="sequential requests per path")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each concurrent run")
    parser.add_argument("--no-engine", action="store_true", help="skip the local engine setup")
    args = parser.parse_args()
    x, y = make_classification(n_samples=2000, n_features=FEATURES, random_state=0)
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        folder = write_model_folder(Path(tmp) / "model", "hydro/runtime-sklearn", CONTRACT,
                                    {"model.joblib": LogisticRegression(max_iter=500).fit(x, y)},
                                    name="bench-logreg", version=1)
        print(f"LogisticRegression, {FEATURES} features, 1 row; {args.count} sequential calls, "
              f"{args.seconds:g} s at c={CONCURRENCY}", flush=True)
        figures = run_pointed(stack, folder, tmp, args.count, args.seconds)
        if not args.no_engine:
            figures += run_engine(stack, folder, tmp, args.count, args.seconds)
        direct = statistics.median(figures[0].sequential)
        for f in figures[1:]:
            extra = statistics.median(f.sequential) - direct
            print(f"overhead over the direct runtime at p50, {f.name:<30} {extra:6.2f} ms")


if __name__ == "__main__":
    sys.exit(main())
