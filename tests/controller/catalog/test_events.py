"""Every state change writes an outbox event in its own transaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.catalog import Catalog, EventRecord
from controller.errors import NotFound
from protos import events
from tests.controller.catalog.conftest import application, config, model, released


def _summary(found: list[EventRecord]) -> list[tuple[str, str, str]]:
    return [(e.type, e.subject, e.data["action"]) for e in found]


def test_each_change_writes_one_event_in_order(catalog: Catalog, payload: Path) -> None:
    released(catalog, payload)
    catalog.create_deployment_configuration(config("big"))
    catalog.create_application(application("claims", [[{"model": "claims-model:1", "deployment-config": "big"}]]))
    catalog.report_servable_status("claims-model-1-big", "Serving", replicas=1)
    catalog.delete_application("claims")
    assert _summary(catalog.events_since(0)) == [
        (events.MODEL_VERSION_CHANGED, "claims-model:1", "created"),
        (events.MODEL_VERSION_CHANGED, "claims-model:1", "status"),
        (events.DEPLOYMENT_CONFIGURATION_CHANGED, "big", "created"),
        (events.SERVABLE_CHANGED, "claims-model-1-big", "created"),
        (events.APPLICATION_CHANGED, "claims", "created"),
        (events.SERVABLE_CHANGED, "claims-model-1-big", "status"),
        (events.SERVABLE_CHANGED, "claims-model-1-big", "deleted"),
        (events.APPLICATION_CHANGED, "claims", "deleted"),
    ]


def test_event_carries_the_object_as_json(catalog: Catalog, payload: Path) -> None:
    version_id = released(catalog, payload)
    last = catalog.events_since(0)[-1]
    body = last.data["object"]
    assert (body["id"], body["status"], body["model_name"]) == (version_id, "Released", "claims-model")
    assert body["contract"]["inputs"]["x"]["type"] == "double"
    assert isinstance(body["created_at"], str)


def test_cursor_returns_only_newer_events(catalog: Catalog, payload: Path) -> None:
    catalog.create_model_version(model(), payload)
    cursor = catalog.last_event_id()
    catalog.create_model_version(model(), payload)
    newer = catalog.events_since(cursor)
    assert [e.subject for e in newer] == ["claims-model:2"] and newer[0].id > cursor
    assert catalog.events_since(newer[0].id) == []
    assert len(catalog.events_since(0, limit=1)) == 1


def test_failed_change_writes_no_event_and_notifies_nobody(catalog: Catalog, payload: Path) -> None:
    heard: list[EventRecord] = []
    catalog.subscribe(heard.extend)
    released(catalog, payload)
    before = catalog.last_event_id()
    with pytest.raises(NotFound):
        catalog.create_application(application("claims", [[{"model": "claims-model:1"}],
                                                           [{"model": "claims-model:5"}]]))
    assert catalog.last_event_id() == before
    assert [e.id for e in heard] == [e.id for e in catalog.events_since(0)]


def test_listeners_hear_committed_events_until_unsubscribed(catalog: Catalog, payload: Path) -> None:
    heard: list[EventRecord] = []
    unsubscribe = catalog.subscribe(heard.extend)
    catalog.subscribe(lambda _: 1 / 0)  # a broken listener must not break the change
    version = catalog.create_model_version(model(), payload)
    assert _summary(heard) == [(events.MODEL_VERSION_CHANGED, "claims-model:1", "created")]
    unsubscribe()
    catalog.finish_build(version.id, succeeded=True)
    assert len(heard) == 1


def test_repeated_identical_status_reports_write_one_event(catalog: Catalog, payload: Path) -> None:
    released(catalog, payload)
    catalog.create_servable("claims-model", 1)
    cursor = catalog.last_event_id()
    for _ in range(3):
        catalog.report_servable_status("claims-model-1", "Serving", "", replicas=2)
    servable = catalog.report_servable_status("claims-model-1", "NotAvailable", "image pull failed", replicas=0)
    assert [e.data["object"]["status"] for e in catalog.events_since(cursor)] == ["Serving", "NotAvailable"]
    assert (servable.replicas, servable.last_error) == (0, "image pull failed")
