"""Servables through the API: deploy, list, get, logs, undeploy."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from controller.catalog import Catalog
from tests.controller.api.support import SIGNATURE, assert_error, released


@pytest.fixture
def version(client: FlaskClient) -> dict[str, Any]:
    return released(client, "claims")


def deploy(client: FlaskClient, **body: Any) -> Any:
    return client.post("/api/v2/servable", json={"modelName": "claims", "version": 1, **body})


def test_deploy_list_get_and_delete(client: FlaskClient, version: dict[str, Any]) -> None:
    response = deploy(client, metadata={"why": "test"})
    assert response.status_code == 200, response.get_json()
    servable = response.get_json()
    assert servable["modelVersionId"] == version["id"] and servable["status"] == "Starting"
    assert servable["metadata"] == {"why": "test"} and servable["deploymentConfigurationName"] is None
    name = servable["fullName"]
    assert [s["fullName"] for s in client.get("/api/v2/servable").get_json()] == [name]
    assert client.get(f"/api/v2/servable/{name}").get_json()["fullName"] == name
    assert client.delete(f"/api/v2/servable/{name}").get_json()["fullName"] == name
    assert_error(client.get(f"/api/v2/servable/{name}"), 404, contains=name)


def test_deploy_with_a_deployment_configuration(client: FlaskClient, version: dict[str, Any]) -> None:
    assert client.post("/api/v2/deployment_configuration", json={"name": "small"}).status_code == 200
    servable = deploy(client, deploymentConfigName="small").get_json()
    assert servable["deploymentConfigurationName"] == "small"


def test_logs_stream_what_the_catalog_knows(client: FlaskClient, catalog: Catalog,
                                            version: dict[str, Any]) -> None:
    name = deploy(client).get_json()["fullName"]
    catalog.report_servable_status(name, "NotAvailable", "runtime crashed at start")
    response = client.get(f"/api/v2/servable/{name}/logs")
    assert response.mimetype == "text/event-stream"
    assert "data: runtime crashed at start" in response.get_data(as_text=True)


def test_servable_of_an_application_cannot_be_deleted(client: FlaskClient, version: dict[str, Any]) -> None:
    app = client.post("/api/v2/application", json={"name": "app", "singular": {"model": "claims:1"}}).get_json()
    name = app["executionGraph"]["stages"][0]["modelVariants"][0]["servableName"]
    assert_error(client.delete(f"/api/v2/servable/{name}"), 409, contains="app")


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"modelName": "claims"}, 400, "version"),
    ({"version": 1}, 400, "modelName"),
    ({"modelName": "claims", "version": "one"}, 400, "version"),
    ({"modelName": "nope", "version": 1}, 400, "modelName"),
    ({"modelName": "claims", "version": 1, "deploymentConfigName": "nope"}, 400, "deploymentConfigName"),
    ({"modelName": "claims", "version": 1, "metadata": {"a": {"b": 1}}}, 400, "metadata.a"),
])
def test_bad_deploy_is_400(client: FlaskClient, version: dict[str, Any], body: dict[str, Any], status: int,
                           field: str) -> None:
    assert_error(client.post("/api/v2/servable", json=body), status, field)


def test_external_model_cannot_be_deployed(client: FlaskClient) -> None:
    assert client.post("/api/v2/externalmodel", json={"name": "ext", "signature": SIGNATURE}).status_code == 200
    assert_error(client.post("/api/v2/servable", json={"modelName": "ext", "version": 1}), 400, contains="external")


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/api/v2/servable/none"), ("delete", "/api/v2/servable/none"), ("get", "/api/v2/servable/none/logs"),
])
def test_unknown_servable_is_404(client: FlaskClient, method: str, path: str) -> None:
    assert_error(getattr(client, method)(path), 404, contains="none")
