"""Adaptive batching measured: the runtime called directly over gRPC, batching off vs auto.

Not a test (no `test_` prefix, so pytest does not collect it). Run from the repository root:

    .venv/bin/python -m tests.runtimes.measure_batching [--seconds 6] [--concurrency 1,8,32]

A RandomForest (100 trees) on 20 float features, trained here, served by `python -m runtimes`
(one process per mode, both alive, measured alternately so machine noise hits both alike);
closed-loop single-row requests from one asyncio gRPC client per concurrency level.
Prints throughput and p50/p99 latency per mode and concurrency, and the runtime process's CPU
time per request: on a machine shared with other work the wall-clock figures swing, while
1000 / (CPU ms per request) still bounds what one runtime process (one GIL) can serve.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import grpc
import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier

from protos.codec import arrays_to_tensors
from protos.hydrosphere.serving.runtime import api_pb2, api_pb2_grpc
from tests.runtimes.conftest import write_model_folder
from tests.runtimes.runtime_process import RuntimeProcess

FEATURES = 20


def contract(outputs: list[str]) -> dict[str, Any]:
    shapes = {"y": ([-1], "int64"), "proba": ([-1, 2], "double")}
    return {
        "name": "predict",
        "inputs": {"features": {"shape": [-1, FEATURES], "type": "double", "profile": "numerical"}},
        "outputs": {name: {"shape": shapes[name][0], "type": shapes[name][1]} for name in outputs},
    }


def model_folder(root: Path, outputs: list[str]) -> tuple[Path, np.ndarray]:
    x, y = make_classification(n_samples=2000, n_features=FEATURES, random_state=0)
    forest = RandomForestClassifier(n_estimators=100, random_state=0).fit(x, y)
    return write_model_folder(root / "forest", "hydro/runtime-sklearn", contract(outputs),
                              {"model.joblib": forest}, name="forest"), x


async def closed_loop(port: int, rows: np.ndarray, concurrency: int, seconds: float) -> list[float]:
    """Latencies (s) of the calls completed by `concurrency` callers, each sending as soon as answered."""
    requests = [api_pb2.PredictRequest(inputs=arrays_to_tensors({"features": rows[i:i + 1]}))
                for i in range(len(rows))]
    latencies: list[float] = []
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = api_pb2_grpc.PredictionServiceStub(channel)
        await stub.Predict(requests[0])
        stop = time.perf_counter() + seconds

        async def caller(index: int) -> None:
            while time.perf_counter() < stop:
                start = time.perf_counter()
                await stub.Predict(requests[index % len(requests)], timeout=30)
                latencies.append(time.perf_counter() - start)
                index += concurrency

        await asyncio.gather(*(caller(i) for i in range(concurrency)))
    return latencies


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def row(mode: str, concurrency: int, latencies: list[float], seconds: float, cpu: float) -> str:
    ordered = sorted(latencies)
    p50, p99 = ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"| {mode:4} | {concurrency:3} | {len(ordered) / seconds:8.1f} | {p50 * 1000:7.1f} | "
            f"{p99 * 1000:7.1f} | {cpu * 1000 / len(ordered):6.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--modes", default="off,auto")
    parser.add_argument("--outputs", default="y,proba", help="y, proba or both (two estimator calls)")
    parser.add_argument("--delay-ms", default="", help="HYDRO_BATCH_MAX_DELAY_MS (default: the runtime's)")
    args = parser.parse_args()
    modes = args.modes.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        folder, x = model_folder(Path(tmp), args.outputs.split(","))
        extra = {"HYDRO_BATCH_MAX_DELAY_MS": args.delay_ms} if args.delay_ms else {}
        runtimes = {mode: RuntimeProcess(str(folder), HYDRO_BATCHING=mode, **extra) for mode in modes}
        try:
            for runtime in runtimes.values():
                runtime.wait_serving(60)
            print(f"outputs {args.outputs}; {args.seconds:g} s per cell\n"
                  "| mode | conc | req/s | p50 ms | p99 ms | runtime CPU ms/req |\n"
                  "| --- | --- | --- | --- | --- | --- |")
            for concurrency in map(int, args.concurrency.split(",")):
                for mode, runtime in runtimes.items():
                    before = cpu_seconds(runtime.process.pid)
                    latencies = asyncio.run(closed_loop(runtime.port, x, concurrency, args.seconds))
                    cpu = cpu_seconds(runtime.process.pid) - before
                    print(row(mode, concurrency, latencies, args.seconds, cpu), flush=True)
        finally:
            for runtime in runtimes.values():
                runtime.close()


if __name__ == "__main__":
    main()
