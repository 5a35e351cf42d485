"""Applications through the API: hydrosdk's execution-graph JSON and the YAML shape."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from controller.catalog import Catalog
from protos import codec
from protos.contract import Contract
from tests.controller.api.support import SIGNATURE, assert_error, released


@pytest.fixture
def versions(client: FlaskClient) -> tuple[dict[str, Any], dict[str, Any]]:
    return released(client, "first"), released(client, "second")


def graph(*stages: list[tuple[int, int]], config: str | None = None) -> dict[str, Any]:
    """hydrosdk 3.0.3's ApplicationBuilder.build body."""
    return {"stages": [{"modelVariants": [{"modelVersionId": vid, "weight": weight, "deploymentConfigName": config}
                                          for vid, weight in stage]} for stage in stages]}


def create(client: FlaskClient, name: str, execution_graph: dict[str, Any]) -> Any:
    return client.post("/api/v2/application", json={
        "name": name, "kafkaStreaming": [], "executionGraph": execution_graph, "metadata": {"owner": "me"}})


def test_create_pipeline_from_hydrosdk_json(client: FlaskClient, versions: tuple[dict[str, Any], ...]) -> None:
    first, second = versions
    response = create(client, "pipe", graph([(first["id"], 100)], [(second["id"], 100)]))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["name"] == "pipe" and body["status"] == "Assembling" and body["kafkaStreaming"] == []
    assert body["metadata"] == {"owner": "me"}
    stages = body["executionGraph"]["stages"]
    assert [s["modelVariants"][0]["modelVersionId"] for s in stages] == [first["id"], second["id"]]
    assert stages[0]["signature"]["inputs"] == SIGNATURE["inputs"]
    assert body["signature"]["inputs"] == SIGNATURE["inputs"]
    assert body["signature"]["outputs"] == SIGNATURE["outputs"]
    assert all(s["modelVariants"][0]["servableName"] for s in stages)


def test_create_from_yaml_shape_then_get_and_list(client: FlaskClient, versions: tuple[dict[str, Any], ...]) -> None:
    response = client.post("/api/v2/application", json={
        "name": "ab", "pipeline": [[{"model": "first:1", "weight": 70}, {"model": "second:1", "weight": 30}]]})
    assert response.status_code == 200, response.get_json()
    got = client.get("/api/v2/application/ab").get_json()
    weights = [(v["modelName"], v["weight"]) for v in got["executionGraph"]["stages"][0]["modelVariants"]]
    assert weights == [("first", 70), ("second", 30)]
    assert [a["name"] for a in client.get("/api/v2/application").get_json()] == ["ab"]
    assert client.get("/api/v2/model/version/first/1").get_json()["applications"] == ["ab"]


def test_update_replaces_the_stages(client: FlaskClient, versions: tuple[dict[str, Any], ...]) -> None:
    first, second = versions
    assert create(client, "app", graph([(first["id"], 100)])).status_code == 200
    response = client.put("/api/v2/application", json={
        "name": "app", "executionGraph": graph([(second["id"], 100)]), "metadata": {}})
    assert response.status_code == 200, response.get_json()
    variant = client.get("/api/v2/application/app").get_json()["executionGraph"]["stages"][0]["modelVariants"][0]
    assert variant["modelVersionId"] == second["id"]


def test_delete_then_404(client: FlaskClient, versions: tuple[dict[str, Any], ...]) -> None:
    assert create(client, "app", graph([(versions[0]["id"], 100)])).status_code == 200
    deleted = client.delete("/api/v2/application/app")
    assert deleted.status_code == 200 and deleted.get_json()["name"] == "app"
    assert_error(client.get("/api/v2/application/app"), 404, contains="app")
    assert client.get("/api/v2/application").get_json() == []


def test_generate_inputs_satisfies_the_input_contract(client: FlaskClient, catalog: Catalog,
                                                      versions: tuple[dict[str, Any], ...]) -> None:
    assert create(client, "app", graph([(versions[0]["id"], 100)])).status_code == 200
    sample = client.get("/api/v2/application/generateInputs/app").get_json()
    contract: Contract = catalog.get_version(versions[0]["id"]).contract
    assert set(sample) == {f.name for f in contract.inputs}
    for field in contract.inputs:
        assert codec.cast_array(sample[field.name], field.dtype or 0, field.name).shape == ()


def test_duplicate_name_is_409(client: FlaskClient, versions: tuple[dict[str, Any], ...]) -> None:
    assert create(client, "app", graph([(versions[0]["id"], 100)])).status_code == 200
    assert_error(create(client, "app", graph([(versions[0]["id"], 100)])), 409, contains="app")


BAD_BODIES: list[tuple[Any, str]] = [
    ({"name": "app", "executionGraph": {"stages": []}}, "executionGraph.stages"),
    ({"name": "app", "executionGraph": {"stages": [{"modelVariants": []}]}}, "executionGraph.stages[0].modelVariants"),
    ({"name": "app", "executionGraph": graph([(999, 100)])},
     "executionGraph.stages[0].modelVariants[0].modelVersionId"),
    ({"name": "app", "executionGraph": graph([("one", 100)])},  # type: ignore[list-item]
     "executionGraph.stages[0].modelVariants[0].modelVersionId"),
    ({"name": "App!", "executionGraph": graph([(1, 100)])}, "name"),
    ({"name": "app", "executionGraph": graph([(1, 60)])}, "executionGraph.stages[0]"),
    ({"name": "app", "executionGraph": graph([(1, 101)])}, "executionGraph.stages[0].modelVariants[0].weight"),
    ({"name": "app"}, "singular"),
    ({"name": "app", "singular": {"model": "first"}}, "singular.model"),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
def test_bad_application_is_400_naming_the_field(client: FlaskClient, versions: tuple[dict[str, Any], ...],
                                                 body: Any, field: str) -> None:
    assert_error(client.post("/api/v2/application", json=body), 400, field)


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "a", "singular": {"model": "nope:3"}}, "singular.model"),
    ({"name": "a", "pipeline": [[{"model": "first:1"}], [{"model": "first:9"}]]}, "pipeline[1][0].model"),
])
def test_unknown_reference_in_yaml_shape_is_400_naming_it(client: FlaskClient, versions: tuple[dict[str, Any], ...],
                                                           body: dict[str, Any], field: str) -> None:
    assert_error(client.post("/api/v2/application", json=body), 400, field, contains="does not exist")


@pytest.mark.parametrize("raw", [b"{broken", b"[]", b""])
def test_malformed_json_is_400(client: FlaskClient, raw: bytes) -> None:
    response = client.post("/api/v2/application", data=raw, content_type="application/json")
    assert_error(response, 400, "body")


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/api/v2/application/none"), ("delete", "/api/v2/application/none"),
    ("get", "/api/v2/application/generateInputs/none"),
])
def test_unknown_application_is_404(client: FlaskClient, method: str, path: str) -> None:
    assert_error(getattr(client, method)(path), 404, contains="none")


def test_update_of_missing_application_is_404(client: FlaskClient, versions: tuple[dict[str, Any], ...]) -> None:
    assert_error(client.put("/api/v2/application", json={"name": "none", "singular": {"model": "first:1"}}), 404)
