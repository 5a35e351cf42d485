"""Metric specs through the API, with the JSON hydrosdk 3.0.3's MetricSpec.create sends."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.controller.api.support import assert_error, released


@pytest.fixture
def ids(client: FlaskClient) -> tuple[int, int]:
    return released(client, "claims")["id"], released(client, "outliers")["id"]


def spec(model_id: int, monitor_id: int, **config: Any) -> dict[str, Any]:
    return {"name": "outliers", "modelVersionId": model_id,
            "config": {"modelVersionId": monitor_id, "threshold": 0.5, "thresholdCmpOperator": {"kind": "Greater"},
                       **config}}


def test_create_get_list_delete(client: FlaskClient, ids: tuple[int, int]) -> None:
    response = client.post("/api/v2/monitoring/metricspec", json=spec(*ids))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["config"] == {"modelVersionId": ids[1], "threshold": 0.5, "thresholdCmpOperator": {"kind": "Greater"}}
    assert client.get(f"/api/v2/monitoring/metricspec/{body['id']}").get_json() == body
    assert client.get("/api/v2/monitoring/metricspec").get_json() == [body]
    assert client.get(f"/api/v2/monitoring/metricspec/modelversion/{ids[0]}").get_json() == [body]
    assert client.get(f"/api/v2/monitoring/metricspec/modelversion/{ids[1]}").get_json() == []
    assert client.delete(f"/api/v2/monitoring/metricspec/{body['id']}").get_json()["id"] == body["id"]
    assert client.get("/api/v2/monitoring/metricspec").get_json() == []


def test_missing_operator_defaults_to_less(client: FlaskClient, ids: tuple[int, int]) -> None:
    body = client.post("/api/v2/monitoring/metricspec", json=spec(*ids, thresholdCmpOperator={"kind": None})).get_json()
    assert body["config"]["thresholdCmpOperator"] == {"kind": "Less"}


@pytest.mark.parametrize(("change", "field"), [
    ({"modelVersionId": 999}, "modelVersionId"),
    ({"config": {"modelVersionId": 999}}, "config.modelVersionId"),
    ({"config": None}, "config"),
    ({"name": None}, "name"),
])
def test_bad_spec_is_400(client: FlaskClient, ids: tuple[int, int], change: dict[str, Any], field: str) -> None:
    assert_error(client.post("/api/v2/monitoring/metricspec", json={**spec(*ids), **change}), 400, field)


def test_bad_operator_is_400(client: FlaskClient, ids: tuple[int, int]) -> None:
    body = spec(*ids, thresholdCmpOperator={"kind": "Bigger"})
    assert_error(client.post("/api/v2/monitoring/metricspec", json=body), 400, "config.thresholdCmpOperator.kind")


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/api/v2/monitoring/metricspec/none"), ("delete", "/api/v2/monitoring/metricspec/none"),
    ("get", "/api/v2/monitoring/metricspec/modelversion/999"),
])
def test_unknown_is_404(client: FlaskClient, method: str, path: str) -> None:
    assert_error(getattr(client, method)(path), 404)
