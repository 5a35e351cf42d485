"""The Flask adapter over real runtimes: Hydrosphere JSON, OIP v2, CloudEvents, limits, metrics."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from flask.testing import FlaskClient

from functions.gateway import monitoring
from functions.gateway.components import Components
from functions.gateway.http_app import create_app
from functions.gateway.routing import RoutingTable
from functions.gateway.routing_source import RoutingSource
from functions.gateway.settings import GatewaySettings
from protos import events
from tests.functions.gateway.conftest import Models
from tests.functions.gateway.grpc_proxy import GrpcProxy

ROWS = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]
LIMIT = 64 * 1024


@pytest.fixture
def http_parts(settings: GatewaySettings, routing_table: RoutingTable) -> Iterator[Components]:
    limited = dataclasses.replace(settings, max_request_bytes=LIMIT, broker_url="http://127.0.0.1:9/hydro/hydro")
    built = Components(limited, routing=RoutingSource(routing_table))  # not started: events stay in the outbox
    yield built
    built.close()


@pytest.fixture
def client(http_parts: Components) -> FlaskClient:
    return create_app(http_parts).test_client()


def test_application_json_in_and_out(client: FlaskClient, models: Models) -> None:
    response = client.post("/gateway/application/iris", json={"features": ROWS}, headers={"X-Request-Id": "abc"})
    assert response.status_code == 200, response.json
    expected = models.expected(np.array(ROWS))
    assert response.json["y"] == expected["y"].tolist()
    np.testing.assert_allclose(response.json["proba"], expected["proba"])
    assert response.headers["X-Request-Id"] == "abc"
    assert response.headers["X-Hydro-Served-By"] == "iris-scaler:1, iris-classifier:1"


def test_servable_json(client: FlaskClient, models: Models) -> None:
    response = client.post("/gateway/servable/iris-scaler-1", json={"features": ROWS})
    assert response.status_code == 200
    np.testing.assert_allclose(response.json["features"], models.scaler.transform(np.array(ROWS)))


def test_a_bad_field_is_400_naming_it_and_no_model_is_called(client: FlaskClient,
                                                             proxies: dict[str, GrpcProxy]) -> None:
    before = proxies["scaler"].count
    response = client.post("/gateway/application/iris", json={"features": [[1, 2, 3]]})
    assert response.status_code == 400
    assert response.json["field"] == "features" and "shape [-1, 4]" in response.json["error"]
    assert proxies["scaler"].count == before


@pytest.mark.parametrize(("body", "content_type", "status", "needle"), [
    (b"{not json", "application/json", 400, "not valid JSON"),
    (b"[1, 2]", "application/json", 400, "a JSON object"),
    (b"[" * 50_000, "application/json", 400, "nested too deeply"),
    (b"features=1", "application/x-www-form-urlencoded", 415, "application/json"),
    (b'{"features": [' + b"0.5, " * LIMIT + b"0.5]}", "application/json", 413, str(LIMIT)),
], ids=["malformed", "not-an-object", "too-deep", "form", "too-large"])
def test_bad_bodies_are_client_errors(client: FlaskClient, body: bytes, content_type: str, status: int,
                                      needle: str) -> None:
    response = client.post("/gateway/application/iris", data=body, content_type=content_type)
    assert response.status_code == status
    assert needle in response.json["error"]


def test_unknown_names_are_404(client: FlaskClient) -> None:
    for path in ("/gateway/application/ghost", "/gateway/servable/ghost", "/v2/models/ghost/infer"):
        response = client.post(path, json={"features": ROWS})
        assert response.status_code == 404 and "'ghost'" in response.json["error"], path
    assert client.get("/nowhere").status_code == 404 and "error" in client.get("/nowhere").json


def test_oip_health_and_metadata(client: FlaskClient) -> None:
    assert client.get("/v2/health/live").json == {"live": True}
    assert client.get("/v2/health/ready").status_code == 200
    assert client.get("/v2/models/iris/ready").json == {"name": "iris", "ready": True}
    metadata = client.get("/v2/models/iris").json
    assert metadata["platform"] == "hydro" and metadata["name"] == "iris"
    assert metadata["inputs"] == [{"name": "features", "datatype": "FP64", "shape": [-1, 4]}]
    assert metadata["outputs"] == [{"name": "y", "datatype": "INT64", "shape": [-1]},
                                   {"name": "proba", "datatype": "FP64", "shape": [-1, 3]}]


def test_oip_infer(client: FlaskClient, models: Models) -> None:
    flat = [value for row in ROWS for value in row]
    body = {"id": "oip-1", "inputs": [{"name": "features", "shape": [2, 4], "datatype": "FP32", "data": flat}]}
    response = client.post("/v2/models/iris/infer", json=body)
    assert response.status_code == 200, response.json
    assert response.json["model_name"] == "iris" and response.json["id"] == "oip-1"
    outputs = {o["name"]: o for o in response.json["outputs"]}
    expected = models.expected(np.array(ROWS, dtype=np.float32).astype(np.float64))
    assert outputs["y"] == {"name": "y", "datatype": "INT64", "shape": [2], "data": expected["y"].tolist()}
    assert outputs["proba"]["shape"] == [2, 3]
    np.testing.assert_allclose(np.reshape(outputs["proba"]["data"], (2, 3)), expected["proba"], rtol=1e-6)


def test_oip_errors_name_the_problem(client: FlaskClient) -> None:
    body = {"inputs": [{"name": "features", "shape": [1, 4], "datatype": "FP65", "data": [1, 2, 3, 4]}]}
    response = client.post("/v2/models/iris/infer", json=body)
    assert response.status_code == 400 and "FP65" in response.json["error"]
    body["inputs"][0].update(datatype="FP64", shape=[2, 4])
    response = client.post("/v2/models/iris/infer", json=body)
    assert response.status_code == 400 and "needs 8 values" in response.json["error"]


def binary_event(event_type: str, data: Any, **extensions: str) -> dict[str, str]:
    return {"ce-specversion": "1.0", "ce-id": "ev-1", "ce-source": "/client", "ce-type": event_type,
            "Content-Type": "application/json", **{f"ce-{k}": v for k, v in extensions.items()}}


def test_cloudevents_ingress_forwards_a_valid_request(client: FlaskClient, http_parts: Components) -> None:
    headers = binary_event(events.PREDICTION_REQUEST, None, hydroapp="iris")
    response = client.post("/gateway/cloudevents", data=json.dumps({"features": ROWS}), headers=headers)
    assert response.status_code == 202 and response.json["requestId"] == "ev-1"
    (row,) = http_parts.outbox.head()
    assert row.event.attributes["type"] == events.PREDICTION_REQUEST and row.event.attributes["id"] == "ev-1"
    assert row.event.attributes["hydroapp"] == "iris" and row.event.attributes["hydrorequestid"] == "ev-1"
    assert json.loads(row.event.data) == {"features": ROWS}


def test_cloudevents_ingress_accepts_structured_mode(client: FlaskClient) -> None:
    envelope = {"specversion": "1.0", "id": "ev-2", "source": "/c", "type": events.PREDICTION_REQUEST,
                "hydroapp": "iris", "datacontenttype": "application/json", "data": {"features": ROWS}}
    response = client.post("/gateway/cloudevents", data=json.dumps(envelope),
                           content_type="application/cloudevents+json")
    assert response.status_code == 202


@pytest.mark.parametrize(("headers", "data", "status", "field"), [
    (binary_event(events.PREDICTION_REQUEST, None), {"features": ROWS}, 400, "hydroapp"),
    (binary_event("dev.other", None, hydroapp="iris"), {"features": ROWS}, 400, "type"),
    (binary_event(events.PREDICTION_REQUEST, None, hydroapp="iris"), {"features": [[1]]}, 400, "features"),
    (binary_event(events.PREDICTION_REQUEST, None, hydroapp="iris"), [1, 2], 400, "data"),
    (binary_event(events.PREDICTION_REQUEST, None, hydroapp="ghost"), {"features": ROWS}, 404, None),
    ({"ce-id": "x", "ce-source": "/c", "ce-type": events.PREDICTION_REQUEST, "ce-hydroapp": "iris"},
     {"features": ROWS}, 400, "specversion"),
])
def test_cloudevents_ingress_rejects_bad_events(client: FlaskClient, http_parts: Components,
                                                headers: dict[str, str], data: Any, status: int,
                                                field: str | None) -> None:
    response = client.post("/gateway/cloudevents", data=json.dumps(data), headers=headers)
    assert response.status_code == status, response.json
    assert response.json.get("field") == field
    assert http_parts.outbox.pending() == 0


def test_cloudevents_ingress_without_a_broker_is_503(settings: GatewaySettings, routing_table: RoutingTable) -> None:
    parts = Components(settings, routing=RoutingSource(routing_table))
    try:
        headers = binary_event(events.PREDICTION_REQUEST, None, hydroapp="iris")
        response = create_app(parts).test_client().post("/gateway/cloudevents", data=json.dumps({"features": ROWS}),
                                                        headers=headers)
        assert response.status_code == 503 and "HYDRO_BROKER_URL" in response.json["error"]
    finally:
        parts.close()


def test_sequence_steps_chain_through_reply_events(client: FlaskClient, http_parts: Components,
                                                   models: Models) -> None:
    headers = binary_event(events.PREDICTION_REQUEST, None, hydroapp="iris")
    first = client.post("/gateway/cloudevents/stage/iris/0", data=json.dumps({"features": ROWS}), headers=headers)
    assert first.status_code == 200, first.json
    assert first.headers["ce-type"] == events.PREDICTION_RESPONSE and first.headers["ce-hydrostage"] == "0"
    assert first.headers["ce-hydrorequestid"] == "ev-1" and first.headers["ce-hydromodel"] == "iris-scaler"
    reply_headers = {k: v for k, v in first.headers.items() if k.lower().startswith("ce-") or k == "Content-Type"}
    second = client.post("/gateway/cloudevents/stage/iris/1", data=first.data, headers=reply_headers)
    assert second.status_code == 200, second.json
    assert second.headers["ce-hydrorequestid"] == "ev-1" and second.headers["ce-hydroversion"] == "1"
    assert json.loads(second.data)["y"] == models.expected(np.array(ROWS))["y"].tolist()
    recorded = [json.loads(monitoring.render(row.event.data)) for row in http_parts.outbox.head()]
    assert {(r["stage"], r["requestId"]) for r in recorded if not r["shadow"]} == {(0, "ev-1"), (1, "ev-1")}


def test_metrics_count_requests_and_errors(client: FlaskClient) -> None:
    client.post("/gateway/application/iris", json={"features": ROWS})
    client.post("/gateway/application/iris", json={"features": [[1]]})
    text = client.get("/metrics").data.decode()
    assert 'hydro_gateway_requests_total{kind="application",name="iris"} 2.0' in text
    assert 'hydro_gateway_request_errors_total{code="INVALID_ARGUMENT",kind="application",name="iris"} 1.0' in text
    stage = 'hydro_gateway_stage_seconds_count{application="iris",model="iris-classifier",stage="1",version="1"}'
    assert f"{stage} 1.0" in text
    assert re.search(r"^hydro_gateway_outbox_pending [23]\.0$", text, re.MULTILINE)  # 2 stages (+ the shadow)


def test_buildinfo(client: FlaskClient) -> None:
    assert client.get("/gateway/buildinfo").json["name"] == "hydro-gateway"
