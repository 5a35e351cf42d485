"""The alert life cycle through `AlertsFunction.handle`, on a SQLite store, with a hand-moved clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from functions.alerts import AlertSettings, AlertsFunction
from functions.alerts.api import AlertQuery, list_alerts
from functions.alerts.tables import DeliveryRow
from functions.host.function import PermanentError
from functions.host.store import Store
from protos.cloudevent_http import new_event
from tests.functions.alerts.conftest import check_failed
from tests.functions.alerts.receivers import Receiver

DEDUP, RESOLVE = 300, 600


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 5, 1, 10, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def function(tmp_path: Path, clock: Clock, plain: Receiver) -> Iterator[AlertsFunction]:
    settings = AlertSettings(dedup_seconds=DEDUP, resolve_seconds=RESOLVE, sweep_seconds=3600)
    alerts = AlertsFunction(Store(f"sqlite:///{tmp_path / 'functions.db'}"), settings, [plain.url],
                            "http://controller.test/api/v2/alerts", clock)
    yield alerts
    alerts.close()


_events = iter(range(1, 1_000_000))


def send(function: AlertsFunction, data: Any, event_type: str = "dev.hydro.check.failed",
         event_id: str | None = None) -> None:
    attributes = {"id": event_id or f"e-{next(_events)}", "source": "/test", "type": event_type}
    function.handle(new_event(attributes, data))


def alerts(function: AlertsFunction, **query: Any) -> list[dict[str, Any]]:
    with function.store.transaction() as session:
        return list_alerts(session, AlertQuery(**query))


def notifications(function: AlertsFunction) -> list[tuple[int, str]]:
    """(alert id, firing|resolved) of every queued notification, in order."""
    with function.store.transaction() as session:
        return [(d.alert_id, d.notification) for d in session.scalars(select(DeliveryRow).order_by(DeliveryRow.id))]


def test_failures_within_the_dedup_window_count_without_notifying(function: AlertsFunction, clock: Clock) -> None:
    send(function, check_failed(7, "age"))
    clock.advance(DEDUP - 1)
    send(function, check_failed(7, "age", value=151))
    [alert] = alerts(function)
    assert (alert["count"], alert["lastValue"]) == (2, 151)
    assert notifications(function) == [(alert["id"], "firing")]


def test_a_failure_after_the_dedup_window_notifies_again(function: AlertsFunction, clock: Clock) -> None:
    send(function, check_failed(7, "age"))
    clock.advance(DEDUP / 2)
    send(function, check_failed(7, "age"))
    clock.advance(DEDUP / 2)
    send(function, check_failed(7, "age"))
    [alert] = alerts(function)
    assert alert["count"] == 3
    assert notifications(function) == [(alert["id"], "firing")] * 2


def test_one_event_failing_a_field_twice_counts_twice_and_notifies_once(function: AlertsFunction) -> None:
    send(function, check_failed(7, "age", "age"))
    assert [a["count"] for a in alerts(function)] == [2]
    assert len(notifications(function)) == 1


def test_a_redelivered_event_counts_nothing(function: AlertsFunction) -> None:
    for _ in range(3):
        send(function, check_failed(7, "age"), event_id="again")
    assert [a["count"] for a in alerts(function)] == [1]
    assert len(notifications(function)) == 1


def test_the_next_event_of_the_version_resolves_its_stale_alerts(function: AlertsFunction, clock: Clock) -> None:
    send(function, check_failed(7, "age"))
    clock.advance(RESOLVE + 1)
    send(function, check_failed(7, "income"))
    income, age = alerts(function)
    assert (age["state"], income["state"]) == ("resolved", "firing")
    assert age["resolvedAt"] == "2024-05-01T10:10:00Z"
    assert notifications(function) == [(age["id"], "firing"), (age["id"], "resolved"), (income["id"], "firing")]


def test_a_failure_after_resolution_starts_a_new_alert(function: AlertsFunction, clock: Clock) -> None:
    send(function, check_failed(7, "age"))
    clock.advance(RESOLVE + 1)
    send(function, check_failed(7, "age"))
    new, old = alerts(function)
    assert (old["state"], new["state"], new["count"]) == ("resolved", "firing", 1)
    assert new["firstSeen"] == "2024-05-01T10:10:01Z"


def test_failures_of_one_version_never_affect_another(function: AlertsFunction, clock: Clock) -> None:
    send(function, check_failed(7, "age"))
    clock.advance(RESOLVE + 1)
    send(function, check_failed(8, "age"))
    assert [(a["modelVersionId"], a["state"], a["count"]) for a in alerts(function)] == [
        (8, "firing", 1), (7, "firing", 1)]


def test_a_ping_sweeps_only_the_stale_alerts(function: AlertsFunction, clock: Clock) -> None:
    send(function, check_failed(7, "age"))
    clock.advance(RESOLVE / 2)
    send(function, check_failed(8, "age"))
    clock.advance(RESOLVE / 2 + 1)
    send(function, {"function": "alerts"}, event_type="dev.knative.sources.ping")
    assert [(a["modelVersionId"], a["state"]) for a in alerts(function)] == [(8, "firing"), (7, "resolved")]
    assert [n for _, n in notifications(function)] == ["firing", "firing", "resolved"]


def test_the_sweep_thread_resolves_without_events(function: AlertsFunction, clock: Clock) -> None:
    send(function, check_failed(7, "age"))
    clock.advance(RESOLVE + 1)
    assert function.sweep() == 1
    assert function.sweep() == 0
    assert [a["state"] for a in alerts(function)] == ["resolved"]


def test_an_event_of_another_type_is_refused(function: AlertsFunction) -> None:
    with pytest.raises(PermanentError) as refused:
        send(function, check_failed(7, "age"), event_type="dev.hydro.inference.completed")
    assert refused.value.field == "type"


def test_the_webhook_gets_the_notifications(function: AlertsFunction, clock: Clock, plain: Receiver) -> None:
    send(function, check_failed(7, "age"))
    clock.advance(RESOLVE + 1)
    function.sweep()
    assert [(body["field"], body["state"]) for body in plain.wait_for(2)] == [("age", "firing"), ("age", "resolved")]
