"""The alerts function as a real `python -m functions` process, with real webhook receivers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.functions.alerts.conftest import AlertsProcess, check_failed, start_alerts
from tests.functions.alerts.receivers import Receiver


def _delivered(items: list[dict[str, Any]], count: int = 1) -> bool:
    deliveries = [d for item in items for d in item["deliveries"]]
    return len(deliveries) >= count and all(d["status"] == "delivered" for d in deliveries)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("postgres_url")) if request.param == "postgres" else ""


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlertsProcess]:
    """One process for the tests that only need the API; each uses its own model version ids."""
    function = start_alerts({"HYDRO_HOME": str(tmp_path_factory.mktemp("alerts"))})
    yield function
    function.stop()


def test_first_failure_is_delivered_once_to_each_webhook_and_duplicates_only_count(
        database_url: str, tmp_path: Path, alertmanager: Receiver, plain: Receiver) -> None:
    function = start_alerts({"HYDRO_HOME": str(tmp_path), "HYDRO_FUNCTIONS_DATABASE_URL": database_url,
                             "HYDRO_ALERT_WEBHOOK_URLS": f"{alertmanager.url},{plain.url}"})
    try:
        for index in range(3):
            assert function.send(f"e-{index}", check_failed(7, "age")).status_code == 202
        [alert] = function.wait_until(lambda items: _delivered(items, 2))
        assert (alert["state"], alert["count"], alert["field"]) == ("firing", 3, "age")
        assert sorted(d["webhook"] for d in alert["deliveries"]) == sorted([alertmanager.url, plain.url])
        assert len(alertmanager.bodies) == len(plain.bodies) == 1
        assert alertmanager.problems == []
        [[posted]] = alertmanager.bodies
        assert posted["labels"] == {"alertname": "HydroCheckFailed", "model": "census", "version": "2",
                                    "field": "age", "kind": "check", "severity": "warning"}
        assert (posted["annotations"]["value"], posted["annotations"]["threshold"]) == ("150", "120")
        # sent at the first failure: it ends after the (default, 10 min) resolve window unless refreshed
        assert posted["startsAt"] == alert["firstSeen"]
        assert _time(posted["endsAt"]) == _time(alert["firstSeen"]) + timedelta(minutes=10)
        assert posted["generatorURL"] == f"http://controller.test/api/v2/alerts/{alert['id']}"
        assert (plain.bodies[0]["id"], plain.bodies[0]["state"], plain.bodies[0]["count"]) == (alert["id"], "firing", 1)
    finally:
        function.stop()


def test_a_redelivered_event_counts_nothing(shared: AlertsProcess) -> None:
    for _ in range(3):
        assert shared.send("same-id", check_failed(101, "age", "income")).status_code == 202
    alerts = shared.alerts(modelVersionId=101)
    assert sorted((a["field"], a["count"]) for a in alerts) == [("age", 1), ("income", 1)]


def test_a_webhook_that_is_down_gets_the_notification_once_it_is_up(tmp_path: Path) -> None:
    late = Receiver("/api/v2/alerts", alertmanager=True)
    function = start_alerts({"HYDRO_HOME": str(tmp_path), "HYDRO_ALERT_WEBHOOK_URLS": late.url,
                             "HYDRO_ALERT_RETRY_BASE_SECONDS": "0.1", "HYDRO_ALERT_RETRY_MAX_SECONDS": "0.3"})
    try:
        assert function.send("e-1", check_failed(7, "age")).status_code == 202
        [alert] = function.wait_until(lambda items: items[0]["deliveries"][0]["attempts"] >= 2)
        [delivery] = alert["deliveries"]
        assert delivery["status"] == "pending" and "ConnectionError" in delivery["lastError"]
        late.start()
        [alert] = function.wait_until(_delivered)
        assert len(late.bodies) == 1 and late.problems == []
        assert late.bodies[0][0]["labels"]["field"] == "age"
    finally:
        function.stop()
        late.close()


def test_a_notification_queued_before_a_restart_is_sent_after_it(tmp_path: Path) -> None:
    late = Receiver("/hooks/hydro")
    env = {"HYDRO_HOME": str(tmp_path), "HYDRO_ALERT_WEBHOOK_URLS": late.url,
           "HYDRO_ALERT_RETRY_BASE_SECONDS": "0.1", "HYDRO_ALERT_RETRY_MAX_SECONDS": "0.3"}
    function = start_alerts(env)
    try:
        assert function.send("e-1", check_failed(7, "age")).status_code == 202
        function.wait_until(lambda items: items[0]["deliveries"][0]["attempts"] >= 1)
    finally:
        function.stop()
    late.start()
    function = start_alerts(env)  # no event arrives: the restarted sender finds the queue on its own
    try:
        [body] = late.wait_for(1)
        [alert] = function.wait_until(_delivered)
        assert (body["id"], body["state"], alert["deliveries"][0]["status"]) == (alert["id"], "firing", "delivered")
    finally:
        function.stop()
        late.close()


def test_an_alert_without_failures_for_the_resolve_window_is_resolved(
        tmp_path: Path, alertmanager: Receiver, plain: Receiver) -> None:
    function = start_alerts({"HYDRO_HOME": str(tmp_path), "HYDRO_ALERT_WEBHOOK_URLS": f"{alertmanager.url},{plain.url}",
                             "HYDRO_ALERT_RESOLVE_SECONDS": "1", "HYDRO_ALERT_SWEEP_SECONDS": "0.2"})
    try:
        assert function.send("e-1", check_failed(7, "psi", kind="drift")).status_code == 202
        [alert] = function.wait_until(lambda items: items[0]["state"] == "resolved" and _delivered(items, 4))
        assert _time(alert["resolvedAt"]) == _time(alert["lastSeen"]) + timedelta(seconds=1)
        assert [d["notification"] for d in alert["deliveries"]] == ["firing", "firing", "resolved", "resolved"]
        firing, resolved = (body[0] for body in alertmanager.wait_for(2))
        assert alertmanager.problems == []
        assert firing["labels"]["alertname"] == resolved["labels"]["alertname"] == "HydroDriftDetected"
        assert resolved["startsAt"] == firing["startsAt"] and _time(resolved["endsAt"]) == _time(alert["resolvedAt"])
        assert [body["state"] for body in plain.wait_for(2)] == ["firing", "resolved"]
    finally:
        function.stop()


@pytest.mark.parametrize(("data", "field"), [
    ({"modelName": "m"}, "data.modelVersionId"),
    (check_failed(1, "age") | {"kind": "latency"}, "data.kind"),
    (check_failed(1, "age") | {"failures": []}, "data.failures"),
    (check_failed(1, "age") | {"timestamp": "yesterday"}, "data.timestamp"),
    ("not json", "data"),
])
def test_a_malformed_event_is_400_naming_the_field(shared: AlertsProcess, data: Any, field: str) -> None:
    answer = shared.send("bad", data)
    assert answer.status_code == 400
    assert answer.json()["field"] == field


def test_the_api_lists_newest_first_and_filters(shared: AlertsProcess) -> None:
    assert shared.send("list-1", check_failed(201, "age")).status_code == 202
    assert shared.send("list-2", check_failed(202, "f1", kind="metric", model="other")).status_code == 202
    assert shared.send("list-3", check_failed(201, "income")).status_code == 202
    own = shared.alerts(modelVersionId=201)
    assert [a["field"] for a in own] == ["income", "age"]
    assert [a["metric"] for a in shared.alerts(modelVersionId=202, state="firing")] == ["f1"]
    assert shared.alerts(modelVersionId=201, state="resolved") == []
    assert len(shared.alerts(modelVersionId=201, limit=1)) == 1
    one = shared.alerts(modelVersionId=201)[1]
    fetched = shared.get(f"/api/v2/alerts/{one['id']}")
    assert fetched.status_code == 200 and fetched.json() == one


@pytest.mark.parametrize(("path", "status", "field"), [
    ("/api/v2/alerts?state=open", 400, "state"),
    ("/api/v2/alerts?limit=0", 400, "limit"),
    ("/api/v2/alerts?modelVersionId=x", 400, "modelVersionId"),
    ("/api/v2/alerts/abc", 400, "id"),
    ("/api/v2/alerts/999999", 404, "id"),
])
def test_bad_api_parameters_are_named(shared: AlertsProcess, path: str, status: int, field: str) -> None:
    answer = shared.get(path)
    assert answer.status_code == status
    assert answer.json()["field"] == field


def test_concurrent_failures_of_one_key_make_one_alert(database_url: str, tmp_path: Path, plain: Receiver) -> None:
    function = start_alerts({"HYDRO_HOME": str(tmp_path), "HYDRO_FUNCTIONS_DATABASE_URL": database_url,
                             "HYDRO_ALERT_WEBHOOK_URLS": plain.url})
    try:
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda i: function.send(f"c-{i}", check_failed(9, "age", "income")).status_code,
                                    range(40)))
        assert answers == [202] * 40
        alerts = function.wait_until(lambda items: _delivered(items, 2))
        assert sorted((a["field"], a["count"], len(a["deliveries"])) for a in alerts) == [
            ("age", 40, 1), ("income", 40, 1)]
        assert len(plain.bodies) == 2
    finally:
        function.stop()


def test_a_bad_alert_setting_stops_the_start() -> None:
    started = subprocess.run([sys.executable, "-m", "functions"], capture_output=True, text=True, timeout=60,
                             env={**os.environ, "HYDRO_FUNCTION": "alerts", "HYDRO_ALERT_DEDUP_SECONDS": "soon"})
    assert started.returncode == 2
    assert "HYDRO_ALERT_DEDUP_SECONDS" in started.stderr
