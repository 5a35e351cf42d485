"""Monitoring end to end in `hydro up`: the demo's models uploaded with training data; the
automatic outlier detector trained, deployed and attached; normal traffic passing its checks;
drift injected in two features flagged (and only those); outliers failing the metric; alerts
reaching a real webhook in Alertmanager's format."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests

from controller.demo.models import FEATURES, DemoData
from tests.controller.local.up.up_process import UpProcess, apply_demo
from tests.functions.alerts.receivers import Receiver

pytestmark = pytest.mark.slow
MODEL = ("wine-scaler", 1)
DRIFTED = {"alcohol", "color_intensity"}


@pytest.fixture(scope="module")
def monitored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[UpProcess, DemoData, Receiver, int]]:
    home = tmp_path_factory.mktemp("up-monitoring")
    webhook = Receiver("/api/v2/alerts", alertmanager=True).start()
    up = UpProcess(home, {"HYDRO_ALERT_WEBHOOK_URLS": webhook.url, "HYDRO_IDLE_WINDOW_SECONDS": "300"})
    up.start()
    try:
        data = apply_demo(up, home / "models")
        version_id = int(up.get(f"/api/v2/model/version/{MODEL[0]}/{MODEL[1]}")["id"])
        yield up, data, webhook, version_id
    finally:
        up.stop()
        webhook.close()


def _send(up: UpProcess, rows: np.ndarray) -> None:
    def post(values: np.ndarray) -> int:
        row = dict(zip(FEATURES, map(float, values), strict=True))
        return requests.post(f"{up.url}/gateway/application/wine", json=row, timeout=120).status_code

    with ThreadPoolExecutor(4) as pool:
        assert set(pool.map(post, rows)) == {200}


def _summary_after(up: UpProcess, version_id: int, requests_seen: int) -> dict[str, Any]:
    """The version's monitoring summary once it has seen `requests_seen` requests."""
    def caught_up() -> dict[str, Any] | None:
        summary = up.get(f"/monitoring/summary/{version_id}")
        return summary if summary["requests"] >= requests_seen else None

    return dict(up.wait_for(caught_up, f"monitoring to see {requests_seen} requests", 180))


def _repeat(rows: np.ndarray, count: int) -> np.ndarray:
    return np.asarray([rows[i % len(rows)] for i in range(count)])


def test_monitoring_flags_drift_outliers_and_alerts(monitored: tuple[UpProcess, DemoData, Receiver, int]) -> None:
    up, data, webhook, version_id = monitored
    detector = up.wait_for(lambda: _trained(up, version_id), "the outlier detector to be deployed", 240)
    assert detector["metricModelVersionId"] and detector["metricSpecId"]
    assert up.get(f"/api/v2/model/version/{MODEL[0]}_metric/1")["status"] == "Released"
    assert any(spec["modelVersionId"] == version_id for spec in up.get("/api/v2/monitoring/metricspec"))

    # Rows from the training data: inside every training range by construction (held-out wine rows
    # are not: with 130 training rows about a quarter of them leave some feature's min-max range).
    normal = _repeat(data.train_x, 96)
    _send(up, normal)
    quiet = _summary_after(up, version_id, len(normal))
    assert quiet["checksFailed"] == 0, quiet
    assert quiet["outliers"] <= 0.1 * len(normal), quiet

    # Every feature far outside anything seen in training: the detector must call these outliers.
    extreme = _repeat(data.traffic_x + 8 * data.train_x.std(axis=0), 30)
    _send(up, extreme)
    loud = _summary_after(up, version_id, len(normal) + len(extreme))
    assert loud["outliers"] - quiet["outliers"] >= 0.9 * len(extreme), loud
    assert loud["checksFailed"] - quiet["checksFailed"] == len(extreme), loud

    drifted = _repeat(data.drifted_x, 100)  # one whole drift window: alcohol +3 std, colour x2.5
    _send(up, drifted)
    _summary_after(up, version_id, len(normal) + len(extreme) + len(drifted))
    report = requests.get(f"{up.url}/stat/metrics", params={"model_version_id": version_id, "refresh": "true"},
                          timeout=60)
    assert report.status_code == 200, report.text
    flagged = {f["feature"] for f in report.json()["features"] if f.get("drifted")}
    assert flagged == DRIFTED, report.json()
    # Two of thirteen features is below the default data-set verdict's share (0.5): flagged
    # per feature, not as a drifted data set.
    assert report.json()["share"] == pytest.approx(len(DRIFTED) / len(FEATURES))

    alerts = webhook.wait_for(1, timeout=60)
    assert webhook.problems == []
    labels = [alert["labels"] for body in alerts for alert in body]
    assert any(label.get("model") == MODEL[0] for label in labels), labels
    firing = up.get("/api/v2/alerts?state=firing")
    assert any(alert.get("modelVersionId") == version_id for alert in _alert_list(firing)), firing


def _trained(up: UpProcess, version_id: int) -> dict[str, Any] | None:
    status = up.get(f"/monitoring/outliers/{version_id}")
    assert status["status"] != "FAILED", status
    return dict(status) if status["status"] == "SUCCESS" and status["metricSpecId"] else None


def _alert_list(answer: Any) -> list[dict[str, Any]]:
    return list(answer["items"])


def test_the_functions_are_forked_from_one_warm_pool(monitored: tuple[UpProcess, DemoData, Receiver, int]) -> None:
    """The functions that did the above share one pre-imported parent (their modules counted once)."""
    up = monitored[0]
    pools = [p for p in up.get("/api/v2/engine")["warm_pools"] if p["argv"][-1] == "functions.host.zygote"]
    assert len(pools) == 1 and pools[0]["ready"] and pools[0]["forks"] >= 4
    served = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            environ = (stat.parent / "environ").read_bytes().split(b"\0")
        except (OSError, ValueError):
            continue
        if parent == pools[0]["pid"]:
            served |= {v.decode().partition("=")[2] for v in environ if v.startswith(b"HYDRO_FUNCTION=")}
    assert served == {"monitoring", "alerts", "explainer", "projector"}
