"""What the monitoring functions made of the demo's traffic: checks, outliers, drift verdict."""

from __future__ import annotations

import time
from typing import Any

import requests
from rich.console import Console
from rich.table import Table

WAIT_S = 120


def show(console: Console, server: str, model: tuple[str, int], sent: int) -> None:
    """Print the model version's monitoring summary and a drift report computed now."""
    name, version = model
    version_id = requests.get(f"{server}/api/v2/model/version/{name}/{version}", timeout=10).json()["id"]
    summary = _wait_for_summary(console, server, version_id, sent)
    if summary is None:
        console.print("[yellow]Monitoring has not reported yet; see /monitoring/summary/"
                      f"{version_id} once the functions catch up.")
        return
    detector = summary.get("outlierDetector") or {}
    console.print(f"Monitoring of {name}:{version}: {summary['requests']} requests seen, "
                  f"{summary['checksFailed']} failed a training-range check, {summary['outliers']} outliers "
                  f"(automatic outlier detector: {detector.get('status', 'not trained')}"
                  f"{', ' + str(detector.get('algorithm')) if detector.get('algorithm') else ''})")
    drift = requests.get(f"{server}/stat/metrics", params={"model_version_id": version_id, "refresh": "true"},
                         timeout=60)
    if drift.status_code != 200:
        console.print(f"[yellow]No drift report yet: {drift.json().get('error') or drift.text[:200]}")
        return
    _print_drift(console, name, version, drift.json())


def _wait_for_summary(console: Console, server: str, version_id: int, sent: int) -> dict[str, Any] | None:
    deadline = time.monotonic() + WAIT_S
    with console.status("waiting for the monitoring functions to process the traffic"):
        while time.monotonic() < deadline:
            answer = requests.get(f"{server}/monitoring/summary/{version_id}", timeout=10)
            if answer.status_code == 200 and answer.json().get("requests", 0) >= sent:
                return dict(answer.json())
            time.sleep(1)
    answer = requests.get(f"{server}/monitoring/summary/{version_id}", timeout=10)
    return dict(answer.json()) if answer.status_code == 200 else None


def _print_drift(console: Console, name: str, version: int, report: dict[str, Any]) -> None:
    verdict = "DRIFT" if report.get("drifted") else "no drift"
    table = Table("feature", "test", "p-value (corrected)", "drifted",
                  title=f"Drift report for {name}:{version}, training vs recent production: {verdict} "
                        f"({report.get('share', 0):.0%} of features drifted)")
    for feature in report.get("features", []):
        p_value = feature.get("corrected_p_value")
        table.add_row(feature["feature"], str(feature.get("test") or feature.get("status")),
                      "" if p_value is None else f"{p_value:.2g}", "yes" if feature.get("drifted") else "")
    console.print(table)
