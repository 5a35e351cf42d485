"""The demo scenario: `hydro up`, two scikit-learn models, an 80/20 two-stage application, traffic.

Everything is real: `hydro up` runs as its own process (controller, gateway, local engine, Broker,
monitoring functions), models go through `hydro apply` (the same multipart upload `hs` uses),
traffic goes through the HTTP gateway, and every figure printed is measured in this run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import requests
from rich.console import Console
from rich.table import Table

from controller.demo import monitoring_report, processes
from controller.demo.models import FEATURES, DemoData, load_data, write_models
from controller.kube import admission
from controller.kube.schema import SchemaValidator, default_crd_dir

console = Console()
IDLE_WINDOW_S = 10
SERVED_BY = "X-Hydro-Served-By"


def run(home: Path, port: int, grpc_port: int, keep_running: bool, requests_count: int = 1000) -> int:
    home.mkdir(parents=True, exist_ok=True)
    console.rule("[bold]Hydro demo")
    data = load_data()
    folders = write_models(home / "models", data)
    console.print(f"Trained 3 models on scikit-learn's wine data; model folders in {home / 'models'}")
    up = processes.start_hydro_up(home / "state", port, grpc_port, {"HYDRO_IDLE_WINDOW_SECONDS": str(IDLE_WINDOW_S)})
    server = f"http://127.0.0.1:{port}"
    console.print(f"hydro up: everything on {server} (gRPC on 127.0.0.1:{grpc_port}), state in {home / 'state'}")
    api = processes.authenticated(server, home / "state")
    try:
        for target in [*folders, home / "models" / "application.yaml"]:
            hydro(api, "apply", "-f", str(target))
        wait_ready(api, "wine")
        hydro(api, "model", "list")
        hydro(api, "app", "list")
        show_plan(api)
        cold_start(api, data)
        split_and_latency(api, data, requests_count)
        drifted = drifted_traffic(api, data, max(requests_count // 3, 100))
        monitoring_report.show(console, api, ("wine-scaler", 1), requests_count + drifted + 1)
        where_to_look(server, home / "state")
        if keep_running:
            console.print("Hydro keeps running; press Ctrl-C to stop.")
            up.popen.wait()
    except KeyboardInterrupt:
        pass
    finally:
        up.stop(timeout=60)
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


def wait_ready(server: str, application: str, timeout: float = 300) -> None:
    started = time.monotonic()
    with console.status(f"waiting for application {application} to be Ready (builds, first model loads)"):
        while time.monotonic() - started < timeout:
            status = requests.get(f"{server}/api/v2/application/{application}", timeout=10).json().get("status")
            if status == "Ready":
                console.print(f"Application {application} Ready after {time.monotonic() - started:.1f} s")
                return
            if status == "Failed":
                raise RuntimeError(f"application {application} failed to deploy")
            time.sleep(0.5)
    raise RuntimeError(f"application {application} was not Ready within {timeout:.0f} s")


def show_plan(server: str) -> None:
    """The Knative manifests for the catalog, each validated as a cluster would."""
    manifests: list[dict[str, Any]] = requests.get(f"{server}/api/v2/plan", timeout=30).json()["manifests"]
    validator = SchemaValidator(default_crd_dir(os.environ))
    table = Table("kind", "name", "valid", title="Knative plan (GET /api/v2/plan), run here by the local engine")
    for manifest in manifests:
        problems = validator.validate(manifest) + admission.check(manifest)
        table.add_row(manifest["kind"], manifest["metadata"]["name"],
                      "yes" if not problems else "; ".join(str(p) for p in problems))
    console.print(table)


def _row(values: np.ndarray) -> dict[str, float]:
    return dict(zip(FEATURES, map(float, values), strict=True))


def _predict(server: str, values: np.ndarray) -> tuple[requests.Response, float]:
    started = time.perf_counter()
    answer = requests.post(f"{server}/gateway/application/wine", json=_row(values), timeout=120)
    return answer, (time.perf_counter() - started) * 1000


def cold_start(server: str, data: DemoData) -> None:
    """Wait for the versions to scale to zero, then time one request that starts them again."""
    with console.status(f"waiting {IDLE_WINDOW_S} s of idleness: every model version scales to zero"):
        deadline = time.monotonic() + IDLE_WINDOW_S * 6
        while time.monotonic() < deadline and _replicas(server) > 0:
            time.sleep(0.5)
    zero = _replicas(server) == 0
    answer, ms = _predict(server, data.traffic_x[0])
    what = "from zero (both stages cold)" if zero else "(some replicas were still up)"
    console.print(f"Cold start {what}: first answer {answer.json()} in {ms:.0f} ms "
                  f"(served by {answer.headers.get(SERVED_BY)})")


def _replicas(server: str) -> int:
    services = requests.get(f"{server}/api/v2/engine", timeout=10).json()["services"]
    app = ("mv-wine-scaler-1", "mv-wine-classifier-1", "mv-wine-classifier-2")
    return sum(s["ready"] + s["starting"] for name, s in services.items() if name in app)


def split_and_latency(server: str, data: DemoData, requests_count: int) -> None:
    rows = [data.traffic_x[i % len(data.traffic_x)] for i in range(requests_count)]
    labels = [int(data.traffic_y[i % len(data.traffic_y)]) for i in range(requests_count)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda values: _predict(server, values), rows))
    per_version: dict[str, list[float]] = {}
    correct: Counter[str] = Counter()
    for (answer, ms), label in zip(results, labels, strict=True):
        version = answer.headers.get(SERVED_BY, "?, ?").split(", ")[-1]
        per_version.setdefault(version, []).append(ms)
        correct[version] += int(answer.status_code == 200 and answer.json().get("class") == label)
    table = Table("answered by", "requests", "share", "planned", "p50 ms", "p99 ms", "accuracy",
                  title=f"{requests_count} requests through the HTTP gateway, 8 at a time")
    for version, planned in (("wine-classifier:1", "80%"), ("wine-classifier:2", "20%")):
        times = per_version.get(version, [])
        if times:
            table.add_row(version, str(len(times)), f"{len(times) / requests_count:.1%}", planned,
                          f"{np.percentile(times, 50):.1f}", f"{np.percentile(times, 99):.1f}",
                          f"{correct[version] / len(times):.0%}")
    console.print(table)


def drifted_traffic(server: str, data: DemoData, count: int) -> int:
    """Rows with alcohol and colour intensity shifted: what the monitoring functions should flag."""
    rows = [data.drifted_x[i % len(data.drifted_x)] for i in range(count)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda values: _predict(server, values), rows))
    console.print(f"Sent {len(rows)} drifted requests (alcohol +3 std, colour intensity x2.5): "
                  f"{sum(a.status_code == 200 for a, _ in results)} answered")
    return len(rows)


def where_to_look(server: str, state: Path) -> None:
    console.rule("Where to look")
    console.print(f"Web UI:            {server}/")
    console.print(f"Model versions:    {server}/api/v2/model/version")
    console.print(f"Applications:      {server}/api/v2/application")
    console.print(f"Engine (replicas): {server}/api/v2/engine")
    console.print(f"Gateway metrics:   {server}/metrics")
    console.print(f"Knative plan:      {server}/api/v2/plan   (hydro --server {server} plan | kubectl apply -f -)")
    console.print(f"Predict:           curl -X POST {server}/gateway/application/wine -H 'Content-Type: "
                  "application/json' -d '{\"alcohol\": 13.2, ...}'")
    console.print(f"Logs:              {state / 'logs'}")
