"""The HTTP ingress: binary and structured CloudEvents in, 202/400/404, dead letters out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from controller.local.broker import codec
from controller.local.broker.broker import LocalBroker
from controller.local.broker.event_store import EventLog
from controller.local.broker.ingress import create_ingress_app
from controller.local.broker.sqlite_log import SqliteEventLog
from protos.events import EXT_APP, INFERENCE_COMPLETED

BINARY_HEADERS = {
    "ce-id": "e-1",
    "ce-source": "/hydro/gateway",
    "ce-type": INFERENCE_COMPLETED,
    "ce-specversion": "1.0",
    "ce-hydroapp": "iris",
    "content-type": "application/json",
}
STRUCTURED = {
    "id": "e-1",
    "source": "/hydro/gateway",
    "type": INFERENCE_COMPLETED,
    "specversion": "1.0",
    "hydroapp": "iris",
    "datacontenttype": "application/json",
    "data": {"value": 1},
}


@pytest.fixture
def log(tmp_path: Any) -> Iterator[EventLog]:
    log = SqliteEventLog(tmp_path / "events.db")
    log.ensure_group("default/probe")
    yield log
    log.close()


@pytest.fixture
def client(log: EventLog) -> FlaskClient:
    broker = LocalBroker(log, namespace="default", name="hydro")
    return create_ingress_app({("default", "hydro"): broker}).test_client()


def stored(log: EventLog) -> list[Any]:
    return [codec.decode(d.payload) for d in log.fetch("default/probe", 10, 30.0)]


def test_binary_mode_is_accepted_once_stored(client: FlaskClient, log: EventLog) -> None:
    response = client.post("/default/hydro", data=b'{"value": 1}', headers=BINARY_HEADERS)

    assert response.status_code == 202
    (event,) = stored(log)
    assert (event.get_id(), event.get_extension(EXT_APP), event.get_data()) == ("e-1", "iris", {"value": 1})


def test_structured_mode_is_accepted_once_stored(client: FlaskClient, log: EventLog) -> None:
    response = client.post("/default/hydro", data=json.dumps(STRUCTURED),
                           headers={"content-type": "application/cloudevents+json"})

    assert response.status_code == 202
    (event,) = stored(log)
    assert (event.get_id(), event.get_type(), event.get_data()) == ("e-1", INFERENCE_COMPLETED, {"value": 1})


@pytest.mark.parametrize("attribute", ["id", "source", "type", "specversion"])
def test_binary_mode_without_a_required_attribute_is_400_naming_it(
    client: FlaskClient, log: EventLog, attribute: str
) -> None:
    headers = {k: v for k, v in BINARY_HEADERS.items() if k != f"ce-{attribute}"}
    response = client.post("/default/hydro", data=b"{}", headers=headers)

    assert response.status_code == 400
    assert response.get_json()["field"] == attribute
    assert attribute in response.get_json()["message"]
    assert stored(log) == []


@pytest.mark.parametrize("attribute", ["id", "source", "type", "specversion"])
def test_structured_mode_without_a_required_attribute_is_400_naming_it(
    client: FlaskClient, attribute: str
) -> None:
    body = {k: v for k, v in STRUCTURED.items() if k != attribute}
    response = client.post("/default/hydro", data=json.dumps(body),
                           headers={"content-type": "application/cloudevents+json"})

    assert response.status_code == 400
    assert response.get_json()["field"] == attribute


@pytest.mark.parametrize(
    ("headers", "field"),
    [
        ({**BINARY_HEADERS, "ce-specversion": "0.3"}, "specversion"),
        ({**BINARY_HEADERS, "ce-Bad-Name": "x"}, "bad-name"),
    ],
)
def test_an_invalid_attribute_is_400_naming_it(client: FlaskClient, headers: dict[str, str], field: str) -> None:
    response = client.post("/default/hydro", data=b"{}", headers=headers)

    assert response.status_code == 400
    assert response.get_json()["field"] == field


def test_a_body_that_is_no_event_is_400(client: FlaskClient) -> None:
    response = client.post("/default/hydro", data=b"[1, 2]", headers={"content-type": "application/cloudevents+json"})

    assert response.status_code == 400
    assert response.get_json()["code"] == "invalid_event"


def test_an_unknown_broker_is_404(client: FlaskClient) -> None:
    response = client.post("/default/other", data=b"{}", headers=BINARY_HEADERS)

    assert response.status_code == 404
    assert "default/other" in response.get_json()["message"]


def test_dead_letters_are_listed_per_trigger(client: FlaskClient, log: EventLog) -> None:
    client.post("/default/hydro", data=b'{"value": 1}', headers=BINARY_HEADERS)
    (delivery,) = log.fetch("default/probe", 10, 30.0)
    log.dead_letter(delivery, 4, "HTTP 500: boom")

    listed = client.get("/default/hydro/dead-letters?trigger=probe").get_json()["items"]
    assert [(d["trigger"], d["attempts"], d["lastError"], d["event"]["id"]) for d in listed] == [
        ("default/probe", 4, "HTTP 500: boom", "e-1")
    ]
    assert client.get("/default/hydro/dead-letters?trigger=other").get_json()["items"] == []
    assert client.get("/default/hydro/dead-letters?limit=0").status_code == 400
