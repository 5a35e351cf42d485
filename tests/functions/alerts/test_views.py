"""The alert as Alertmanager's API v2 and Hydro's webhook JSON see it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from functions.alerts.tables import AlertRow
from functions.alerts.views import alertmanager_alert, is_alertmanager, payload
from tests.functions.alerts.receivers import postable_alerts_problems

BASE = "http://controller.test/api/v2/alerts"
RESOLVE = timedelta(minutes=10)
START = datetime(2024, 5, 1, 10, tzinfo=UTC)


def alert(kind: str = "check", subject_kind: str = "field", **changes: object) -> AlertRow:
    values: dict[str, object] = dict(
        id=5, model_version_id=7, model_name="census", model_version=2, kind=kind, subject_kind=subject_kind,
        subject="age", state="firing", count=3, first_seen=START, last_seen=START + timedelta(seconds=30),
        last_value=150.0, threshold=120.5, comparison=">", message="age 150 > 120.5", last_request_id="r-1")
    values.update(changes)
    return AlertRow(**values)


@pytest.mark.parametrize(("url", "expected"), [
    ("http://am:9093/api/v2/alerts", True),
    ("http://am:9093/api/v2/alerts/", True),
    ("https://proxy/team-a/api/v2/alerts?token=x", True),
    ("http://hooks/api/v2/alerts/extra", False),
    ("http://hooks/alerts", False),
])
def test_alertmanager_is_recognised_by_its_path(url: str, expected: bool) -> None:
    assert is_alertmanager(url) is expected


@pytest.mark.parametrize(("kind", "subject_kind", "name", "severity"), [
    ("check", "field", "HydroCheckFailed", "warning"),
    ("metric", "metric", "HydroMetricFailed", "warning"),
    ("drift", "field", "HydroDriftDetected", "critical"),
])
def test_a_firing_alert_in_alertmanager_format(kind: str, subject_kind: str, name: str, severity: str) -> None:
    body = alertmanager_alert(alert(kind, subject_kind), BASE, RESOLVE)
    assert postable_alerts_problems([body]) == []
    assert body["labels"] == {"alertname": name, "model": "census", "version": "2", subject_kind: "age",
                              "kind": kind, "severity": severity}
    assert body["annotations"]["value"] == "150" and body["annotations"]["threshold"] == "120.5"
    assert "age 150 > 120.5" in body["annotations"]["description"]
    # firing: ends when the resolve window after the last failure runs out, unless refreshed
    assert (body["startsAt"], body["endsAt"]) == ("2024-05-01T10:00:00Z", "2024-05-01T10:10:30Z")
    assert body["generatorURL"] == f"{BASE}/5"


def test_a_resolved_alert_ends_and_unknown_numbers_are_left_out() -> None:
    ended = START + timedelta(minutes=10, seconds=30)
    body = alertmanager_alert(alert(state="resolved", resolved_at=ended, last_value=None, threshold=None), BASE,
                              RESOLVE)
    assert postable_alerts_problems([body]) == []
    assert body["endsAt"] == "2024-05-01T10:10:30Z"
    assert "value" not in body["annotations"] and "threshold" not in body["annotations"]


def test_each_webhook_gets_its_format() -> None:
    assert payload(alert(), "http://am/api/v2/alerts", BASE, RESOLVE).startswith("[{")
    hydro = payload(alert(), "http://hooks/hydro", BASE, RESOLVE)
    assert '"id": 5' in hydro and '"field": "age"' in hydro and "deliveries" not in hydro
