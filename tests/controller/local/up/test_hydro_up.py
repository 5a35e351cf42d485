"""`hydro up` end to end: real processes, real HTTP and gRPC, the demo's models and 80/20 application."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from controller.demo.models import FEATURES, DemoData
from protos import cloudevent_http, events
from tests.controller.local.up.up_process import UpProcess, apply_demo

IDLE_WINDOW_S = 4
SERVED_BY = "X-Hydro-Served-By"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[UpProcess, DemoData]]:
    home = tmp_path_factory.mktemp("up")
    up = UpProcess(home, {"HYDRO_IDLE_WINDOW_SECONDS": str(IDLE_WINDOW_S)})
    up.start()
    try:
        yield up, apply_demo(up, home / "models")
    finally:
        up.stop()


def _row(values: np.ndarray) -> dict[str, float]:
    return dict(zip(FEATURES, map(float, values), strict=True))


def _predict(up: UpProcess, row: dict[str, float], request_id: str | None = None) -> requests.Response:
    headers = {"X-Request-Id": request_id} if request_id else {}
    return requests.post(f"{up.url}/gateway/application/wine", json=row, headers=headers, timeout=120)


def _services(up: UpProcess) -> dict[str, Any]:
    """The engine's figures for the application's model versions (not the metric models)."""
    wanted = ("mv-wine-scaler-1", "mv-wine-classifier-1", "mv-wine-classifier-2")
    return {name: s for name, s in up.get("/api/v2/engine")["services"].items() if name in wanted}


def _settled_requests(up: UpProcess) -> dict[str, int]:
    """Request counts once the gateways' reports of earlier direct calls have all arrived (they come
    every 0.25 s): two reads a second apart that agree."""
    previous: dict[str, int] = {}

    def settled() -> dict[str, int] | None:
        nonlocal previous
        current = {name: s["requests"] for name, s in _services(up).items()}
        agreed, previous = current == previous, current
        time.sleep(1)
        return current if agreed else None
    return up.wait_for(settled, "request counts to settle", 30)


def test_split_is_80_20_over_2000_requests(platform: tuple[UpProcess, DemoData]) -> None:
    up, data = platform
    rows = [_row(data.traffic_x[i % len(data.traffic_x)]) for i in range(2000)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda row: _predict(up, row), rows))
    assert all(a.status_code == 200 for a in answers), {a.status_code for a in answers}
    versions = Counter(a.headers[SERVED_BY].split(", ")[1] for a in answers)
    assert set(versions) == {"wine-classifier:1", "wine-classifier:2"}
    share = versions["wine-classifier:1"] / len(answers)
    assert 0.76 <= share <= 0.84, versions


def test_pipeline_output_equals_calling_the_two_models_by_hand(platform: tuple[UpProcess, DemoData]) -> None:
    up, data = platform
    scaler = StandardScaler().fit(data.train_x)
    scaled = scaler.transform(data.train_x)
    by_version = {
        "wine-classifier:1": LogisticRegression(max_iter=500).fit(scaled, data.train_y),
        "wine-classifier:2": RandomForestClassifier(n_estimators=50, random_state=0).fit(scaled, data.train_y),
    }
    seen = set()
    for values in data.traffic_x:
        answer = _predict(up, _row(values))
        version = answer.headers[SERVED_BY].split(", ")[1]
        seen.add(version)
        expected = by_version[version].predict(scaler.transform(values.reshape(1, -1)))[0]
        assert answer.json() == {"class": int(expected)}
    assert seen  # every row checked against the model that actually answered it


def test_malformed_request_is_400_naming_the_field_and_no_model_runs(platform: tuple[UpProcess, DemoData]) -> None:
    up, data = platform
    before = _settled_requests(up)
    row = _row(data.traffic_x[0])
    row["alcohol"] = "a lot"  # type: ignore[assignment]
    answer = _predict(up, row)
    assert answer.status_code == 400
    assert answer.json()["field"] == "alcohol"
    missing = _row(data.traffic_x[0])
    del missing["proline"]
    assert _predict(up, missing).json()["field"] == "proline"
    assert _settled_requests(up) == before


def test_a_version_scales_to_zero_when_idle_and_back_on_the_next_request(
        platform: tuple[UpProcess, DemoData]) -> None:
    up, data = platform
    assert _predict(up, _row(data.traffic_x[0])).status_code == 200
    up.wait_for(lambda: all(s["ready"] == 0 and s["starting"] == 0 for s in _services(up).values()),
                "every model version scaled to zero", IDLE_WINDOW_S * 6)
    cold_before = sum(s["cold_starts"].get("count", 0) for s in _services(up).values())
    answer = _predict(up, _row(data.traffic_x[1]))
    assert answer.status_code == 200 and "class" in answer.json()
    # Both stages started from zero for this request (the scaler and whichever classifier answered).
    assert sum(s["cold_starts"].get("count", 0) for s in _services(up).values()) >= cold_before + 2
    scraped = requests.get(f"{up.url}/api/v2/engine/metrics", timeout=10)
    assert scraped.headers["Content-Type"].startswith("text/plain")
    starts = re.search(r'^hydro_engine_cold_starts_total\{service="mv-wine-scaler-1"\} ([\d.]+)$', scraped.text, re.M)
    assert starts is not None and float(starts.group(1)) >= 1, scraped.text


def _inference_events(home: Path) -> list[Any]:
    with sqlite3.connect(home / "broker.db") as db:
        payloads = [row[0] for row in db.execute("SELECT payload FROM events ORDER BY seq")]
    decoded = [cloudevent_http.decode(p) for p in payloads]
    return [e for e in decoded if e.get_type() == events.INFERENCE_COMPLETED]


def test_killed_worker_and_restart_lose_no_accepted_event_or_catalog(tmp_path: Path) -> None:
    up = UpProcess(tmp_path, {"HYDRO_IDLE_WINDOW_SECONDS": "120"})
    up.start()
    try:
        data = apply_demo(up, tmp_path / "models")
        ids = [f"req-{i}" for i in range(240)]
        with ThreadPoolExecutor(6) as pool:
            futures = [pool.submit(_predict, up, _row(data.traffic_x[i % len(data.traffic_x)]), rid)
                       for i, rid in enumerate(ids)]
            time.sleep(0.5)
            victim = up.wait_for(lambda: _a_classifier_worker(up), "a running classifier worker", 60)
            os.kill(victim, signal.SIGKILL)
            answers = dict(zip(ids, (f.result() for f in futures), strict=True))
        unexpected = {rid: (a.status_code, a.text) for rid, a in answers.items() if a.status_code not in (200, 503)}
        assert not unexpected, unexpected
        assert sum(a.status_code == 200 for a in answers.values()) >= len(ids) * 0.8
        assert up.stop() == 0  # Ctrl-C right after the traffic: some events may still be queued
        up.start()  # the same home: catalog, outbox and Broker log carry over
        assert "wine-classifier" in up.hydro("model", "list")
        up.wait_for(lambda: up.get("/api/v2/application/wine")["status"] == "Ready", "wine Ready again")
        up.wait_for(lambda: _answered_have_events(tmp_path, answers), "every accepted request's events", 60)
        stored = _inference_events(tmp_path)
        assert len({e.get_id() for e in stored}) == len(stored)  # nothing twice
    finally:
        up.stop()


def _a_classifier_worker(up: UpProcess) -> int | None:
    for name, service in _services(up).items():
        if "classifier" in name:
            busy = [w for w in service.get("workers", []) if w["state"] == "ready"]
            if busy:
                return int(busy[0]["pid"])
    return None


def _answered_have_events(home: Path, answers: dict[str, requests.Response]) -> bool:
    stages: dict[str, set[str]] = {}
    for event in _inference_events(home):
        data = cloudevent_http.json_data(event)
        stages.setdefault(data["requestId"], set()).add(str(event.get_attributes().get(events.EXT_STAGE)))
    for request_id, answer in answers.items():
        expected = {"0", "1"} if answer.status_code == 200 else {"0"}
        if not expected <= stages.get(request_id, set()):
            return False
    return True
