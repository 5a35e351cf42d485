"""A real `hydro up` with one singular application, and what the reliability tests read back from it.

The application `wine` serves one version of `wine-classifier` (a scikit-learn pipeline trained
here on the wine data). Every accepted prediction must end up as exactly one row in the monitoring
function's production store (`fn_monitoring_requests`), read straight from the functions' store so
that a count is never an API's opinion of itself.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import requests
import sqlalchemy as sa
import yaml
from sklearn.datasets import load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from controller.demo.models import FEATURES
from protos import cloudevent_http, events
from tests.bench.memory import descendants
from tests.controller.local.up.up_process import UpProcess
from tests.reliability.load_client import LoadResult, run_load

APPLICATION = "wine"
MODEL = "wine-classifier"
# Auth is another part of issue 9: these tests exercise failures, not tokens.
BASE_ENV = {"HYDRO_AUTH": "disabled", "HYDRO_IDLE_WINDOW_SECONDS": "600"}


def wine_rows() -> list[dict[str, float]]:
    data = load_wine()
    return [dict(zip(FEATURES, map(float, row), strict=True)) for row in data.data]


def write_classifier(folder: Path) -> Path:
    """A scikit-learn model folder with no training data (no profiles or outlier jobs to compete for CPU)."""
    data = load_wine()
    folder.mkdir(parents=True, exist_ok=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(data.data, data.target)
    joblib.dump(model, folder / "model.joblib")
    inputs = {name: {"shape": "scalar", "type": "double", "profile": "numerical"} for name in FEATURES}
    serving = {"kind": "Model", "name": MODEL, "runtime": "hydro/runtime-sklearn:0.1.0", "payload": ["model.joblib"],
               "contract": {"name": "predict", "inputs": inputs,
                            "outputs": {"class": {"shape": "scalar", "type": "int64", "profile": "categorical"}}}}
    (folder / "serving.yaml").write_text(yaml.safe_dump(serving, sort_keys=False))
    return folder


def application_yaml(folder: Path, version: int = 1) -> Path:
    path = folder / f"application-{version}.yaml"
    path.write_text(f"kind: Application\nname: {APPLICATION}\nsingular:\n  model: {MODEL}:{version}\n")
    return path


def deploy(up: UpProcess, root: Path) -> int:
    """Apply the model and the application, wait until it is Ready; the model version's id."""
    up.hydro("apply", "-f", str(write_classifier(root / MODEL)))
    up.hydro("apply", "-f", str(application_yaml(root)))
    wait_ready(up)
    return version_id(up)


def wait_ready(up: UpProcess, timeout: float = 180) -> None:
    up.wait_for(lambda: up.get(f"/api/v2/application/{APPLICATION}")["status"] == "Ready",
                f"application {APPLICATION} Ready", timeout)


def version_id(up: UpProcess, version: int = 1) -> int:
    return int(up.get(f"/api/v2/model/version/{MODEL}/{version}")["id"])


def predict(url: str, row: Mapping[str, float], request_id: str, timeout: float = 60) -> int:
    """The gateway's status for one prediction (599 when no answer came at all)."""
    try:
        return requests.post(f"{url}/gateway/application/{APPLICATION}", json=row,
                             headers={"X-Request-Id": request_id}, timeout=timeout).status_code
    except requests.RequestException:
        return 599


def stored_request_ids(store_url: str, model_version_id: int) -> Counter[str]:
    """Request ids in the monitoring function's production store, with how often each was counted."""
    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT request_id FROM fn_monitoring_requests WHERE model_version_id = :v"),
                                {"v": model_version_id})
            return Counter(str(row[0]) for row in rows)
    finally:
        engine.dispose()


def summary_requests(up: UpProcess, model_version_id: int) -> int:
    """The monitoring function's own count, through the controller's forwarding."""
    return int(up.get(f"/monitoring/summary/{model_version_id}")["requests"])


def wait_drained(up: UpProcess, store_url: str, model_version_id: int, accepted: set[str],
                 timeout: float = 120) -> Counter[str]:
    """Wait until every accepted request id is in the production store (or the time is up)."""
    deadline = time.monotonic() + timeout
    stored: Counter[str] = Counter()
    while time.monotonic() < deadline:
        stored = stored_request_ids(store_url, model_version_id)
        if accepted <= set(stored):
            time.sleep(1.0)  # anything still queued for redelivery would show up as a second count now
            return stored_request_ids(store_url, model_version_id)
        time.sleep(0.5)
    return stored


def sqlite_store(home: Path) -> str:
    return f"sqlite:///{home / 'functions.db'}"


def broker_inference_ids(home: Path) -> Counter[str]:
    """Request ids of the `inference.completed` events in the SQLite Broker log, with multiplicity."""
    with sqlite3.connect(home / "broker.db") as db:
        payloads = [row[0] for row in db.execute("SELECT payload FROM events ORDER BY seq")]
    found: Counter[str] = Counter()
    for payload in payloads:
        event = cloudevent_http.decode(payload)
        if event.get_type() == events.INFERENCE_COMPLETED:
            found[str(cloudevent_http.json_data(event)["requestId"])] += 1
    return found


def function_pid(up: UpProcess, function: str) -> int | None:
    """The pid of `python -m functions` serving `function`, a descendant of the `hydro up` process."""
    assert up.process is not None
    for pid in descendants(up.process.pid)[1:]:  # [0] is hydro up itself
        if _environ(pid).get("HYDRO_FUNCTION") == function:
            return pid
    return None


def worker_pids(up: UpProcess, service: str) -> list[int]:
    answer: dict[str, Any] = up.get("/api/v2/engine")["services"].get(service, {})
    return [int(w["pid"]) for w in answer.get("workers", []) if w.get("state") == "ready"]


def _environ(pid: int) -> dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    pairs = (item.partition(b"=") for item in raw.split(b"\0") if item)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, _, v in pairs}


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def start_load(up: UpProcess, rate: float, seconds: float, connections: int = 32) -> Future[LoadResult]:
    """Open-loop load on the application in a background thread; the future holds the result."""
    rows = wine_rows()
    pool = ThreadPoolExecutor(1, thread_name_prefix="load")
    future = pool.submit(asyncio.run, run_load("127.0.0.1", up.http_port, f"/gateway/application/{APPLICATION}",
                                               lambda i: rows[i % len(rows)], rate=rate, seconds=seconds,
                                               connections=connections))
    pool.shutdown(wait=False)
    return future
