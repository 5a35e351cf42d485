"""The demo scenario: train, upload, build, plan and serve, printing what a user wants to see.

Everything is real: the controller runs under gunicorn, models go through `hydro apply` (the
same multipart upload `hs` uses), runtimes are the processes Knative would run, started from the
`HYDRO_MODEL_URI` the planner put into each model-version Service.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import requests
from rich.console import Console
from rich.table import Table

from controller.demo import processes
from controller.demo.models import FEATURES, DemoData, load_data, write_models
from controller.kube import admission
from controller.kube.schema import SchemaValidator, default_crd_dir
from protos import codec
from protos.hydrosphere.serving.runtime import api_pb2, api_pb2_grpc

console = Console()


@dataclass
class Runtime:
    service: str
    model: str
    version: str
    process: processes.Process
    stub: api_pb2_grpc.PredictionServiceStub
    cold_start_ms: float


def run(home: Path, port: int, keep_running: bool) -> int:
    home.mkdir(parents=True, exist_ok=True)
    logs = home / "logs"
    data = load_data()
    console.rule("[bold]Hydro demo")
    folders = write_models(home / "models", data)
    console.print(f"Trained 3 models on scikit-learn's wine data; model folders in {home / 'models'}")
    controller = processes.start_controller(home / "state", port, logs)
    server = f"http://127.0.0.1:{port}"
    console.print(f"Controller (gunicorn) on {server}, state in {home / 'state'}")
    runtimes: list[Runtime] = []
    try:
        for target in [*folders, folders[0].parent / "application.yaml"]:
            hydro(server, "apply", "-f", str(target))
        hydro(server, "model", "list")
        hydro(server, "app", "list")
        manifests = show_plan(server)
        runtimes = start_runtimes(manifests, logs, home / "cache")
        serve_traffic(runtimes, data)
        where_to_look(server, logs)
        if keep_running:
            console.print("Hydro keeps running; press Ctrl-C to stop.")
            controller.popen.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for runtime in runtimes:
            runtime.process.stop()
        controller.stop()
    return 0


def hydro(server: str, *args: str) -> None:
    """Run the real `hydro` CLI, showing the command and its output."""
    console.print(f"\n[bold cyan]$ hydro {' '.join(args)}")
    command = [str(Path(sys.executable).parent / "hydro"), "--server", server, *args]
    # The CLI draws its tables for this width; a pipe would otherwise make it assume 80 columns.
    env = {**os.environ, "COLUMNS": str(max(console.width, 120))}
    result = subprocess.run(command, text=True, capture_output=True, timeout=600, env=env)
    console.print(result.stdout.rstrip(), markup=False, highlight=False)
    if result.returncode != 0:
        raise RuntimeError(f"hydro {' '.join(args)} failed: {result.stderr.strip()}")


def show_plan(server: str) -> list[dict[str, Any]]:
    """The Knative manifests for the catalog, each validated as the cluster would."""
    manifests: list[dict[str, Any]] = requests.get(f"{server}/api/v2/plan", timeout=30).json()["manifests"]
    validator = SchemaValidator(default_crd_dir(os.environ))
    table = Table("kind", "name", "valid", title="Knative plan (GET /api/v2/plan)")
    for manifest in manifests:
        problems = validator.validate(manifest) + admission.check(manifest)
        valid = "yes" if not problems else "; ".join(str(p) for p in problems)
        table.add_row(manifest["kind"], manifest["metadata"]["name"], valid)
    console.print(table)
    return manifests


def start_runtimes(manifests: list[dict[str, Any]], logs: Path, cache: Path) -> list[Runtime]:
    """One runtime process per model-version Service, timed from spawn to first answer."""
    runtimes = []
    for manifest in manifests:
        labels = manifest["metadata"].get("labels", {})
        if manifest["kind"] != "Service" or "hydro.dev/model" not in labels:
            continue
        container = manifest["spec"]["template"]["spec"]["containers"][0]
        uri = next(e["value"] for e in container["env"] if e["name"] == "HYDRO_MODEL_URI")
        port = processes.free_port()
        started = time.perf_counter()
        process = processes.start_runtime(manifest["metadata"]["name"], uri, port, logs, cache)
        processes.wait_serving(process, port)
        stub = api_pb2_grpc.PredictionServiceStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
        runtimes.append(Runtime(manifest["metadata"]["name"], labels["hydro.dev/model"],
                                labels["hydro.dev/model-version"], process, stub,
                                (time.perf_counter() - started) * 1000))
    return runtimes


def serve_traffic(runtimes: list[Runtime], data: DemoData) -> None:
    """Held-out rows through wine-scaler then each wine-classifier version, over gRPC."""
    scaler = next(r for r in runtimes if r.model == "wine-scaler")
    classifiers = [r for r in runtimes if r.model == "wine-classifier"]
    table = Table("servable", "cold start ms", "requests", "p50 ms", "p99 ms", "accuracy",
                  title="Two-stage pipeline, called stage by stage over gRPC")
    for classifier in classifiers:
        latencies, correct = [], 0
        for row, label in zip(data.traffic_x, data.traffic_y, strict=True):
            started = time.perf_counter()
            scaled = scaler.stub.Predict(_request(dict(zip(FEATURES, row, strict=True))), timeout=10)
            answer = classifier.stub.Predict(api_pb2.PredictRequest(inputs=scaled.outputs), timeout=10)
            latencies.append((time.perf_counter() - started) * 1000)
            correct += int(codec.tensor_to_array(answer.outputs["class"]) == label)
        table.add_row(classifier.service, f"{classifier.cold_start_ms:.0f}", str(len(latencies)),
                      f"{np.percentile(latencies, 50):.2f}", f"{np.percentile(latencies, 99):.2f}",
                      f"{correct / len(latencies):.0%}")
    table.add_row(scaler.service, f"{scaler.cold_start_ms:.0f}", "(stage 1)", "", "", "")
    console.print(table)


def where_to_look(server: str, logs: Path) -> None:
    console.rule("Where to look")
    console.print(f"Model versions:   {server}/api/v2/model/version")
    console.print(f"Applications:     {server}/api/v2/application")
    console.print(f"Knative plan:     {server}/api/v2/plan   (hydro --server {server} plan | kubectl apply -f -)")
    console.print(f"Event stream:     {server}/api/v2/events")
    console.print(f"Process logs:     {logs}")
    console.print("Not yet in the demo: the gateway with its weighted split, monitoring and the UI "
                  "(they arrive with the local engine, monitoring and UI work).")


def _request(values: dict[str, Any]) -> api_pb2.PredictRequest:
    return api_pb2.PredictRequest(inputs=codec.arrays_to_tensors(values))
