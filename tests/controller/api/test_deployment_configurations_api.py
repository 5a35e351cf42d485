"""Deployment configurations through the API, with the JSON hydrosdk 3.0.3 sends."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.controller.api.support import assert_error, released

# DeploymentConfigurationBuilder(...).build() posts `dict(by_alias=True)`: every unset field null.
HYDROSDK_CONFIG = {
    "name": "big",
    "hpa": {"minReplicas": 1, "maxReplicas": 4, "cpuUtilization": 70},
    "pod": {"nodeSelector": {"disk": "ssd"}, "affinity": None, "tolerations": None},
    "container": {"resources": {"limits": {"cpu": "2", "memory": "2Gi"}, "requests": {"cpu": "1", "memory": "1Gi"}},
                  "env": {"MODE": "fast"}},
    "deployment": {"replicaCount": 2},
}


def test_create_get_list_delete(client: FlaskClient) -> None:
    response = client.post("/api/v2/deployment_configuration", json=HYDROSDK_CONFIG)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["hpa"] == {"minReplicas": 1, "maxReplicas": 4, "cpuUtilization": 70}
    assert body["deployment"] == {"replicaCount": 2}
    assert body["container"]["env"] == {"MODE": "fast"} and body["pod"] == {"nodeSelector": {"disk": "ssd"}}
    assert client.get("/api/v2/deployment_configuration/big").get_json() == body
    assert client.get("/api/v2/deployment_configuration").get_json() == [body]
    assert client.delete("/api/v2/deployment_configuration/big").get_json()["name"] == "big"
    assert client.get("/api/v2/deployment_configuration").get_json() == []


def test_same_spec_again_is_accepted_other_spec_is_409(client: FlaskClient) -> None:
    assert client.post("/api/v2/deployment_configuration", json=HYDROSDK_CONFIG).status_code == 200
    assert client.post("/api/v2/deployment_configuration", json=HYDROSDK_CONFIG).status_code == 200
    other = {**HYDROSDK_CONFIG, "deployment": {"replicaCount": 5}}
    assert_error(client.post("/api/v2/deployment_configuration", json=other), 409, contains="big")


def test_configuration_in_use_cannot_be_deleted(client: FlaskClient) -> None:
    released(client, "claims")
    assert client.post("/api/v2/deployment_configuration", json={"name": "small"}).status_code == 200
    app: dict[str, Any] = {"name": "app", "singular": {"model": "claims:1", "deployment_config": "small"}}
    assert client.post("/api/v2/application", json=app).status_code == 200
    assert_error(client.delete("/api/v2/deployment_configuration/small"), 409, contains="app")


@pytest.mark.parametrize(("body", "field"), [
    ({}, "name"),
    ({"name": "x", "hpa": {"minReplicas": 3, "maxReplicas": 1}}, "hpa.maxReplicas"),
    ({"name": "x", "container": {"resources": {"limits": {"gpus": "1"}}}}, "container.resources.limits.gpus"),
    ({"name": "x", "replicas": 3}, "replicas"),
])
def test_bad_configuration_is_400(client: FlaskClient, body: dict[str, Any], field: str) -> None:
    assert_error(client.post("/api/v2/deployment_configuration", json=body), 400, field)


@pytest.mark.parametrize("method", ["get", "delete"])
def test_unknown_configuration_is_404(client: FlaskClient, method: str) -> None:
    assert_error(getattr(client, method)("/api/v2/deployment_configuration/none"), 404, contains="none")
