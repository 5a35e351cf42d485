"""The explainer at handler level: requests through its API, events published to a stand-in
Broker and delivered with `handle()`, real models answering over gRPC from runtime processes."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import pytest
from flask.testing import FlaskClient

from functions.explainer.function import ExplainerFunction
from functions.gateway.routing import RoutingTable
from functions.host.app import create_app
from functions.host.store import ProcessedEvent
from tests.functions.explainer.conftest import Models
from tests.functions.explainer.support import BrokerStandIn, MonitoringStandIn, check_document

FAST_ANCHOR = {"max_model_rows": 4000, "coverage_samples": 2000}
_next_id = iter(range(1000, 10_000))


def stored(monitoring: MonitoringStandIn, version: dict[str, Any], values: dict[str, Any], **extra: Any) -> str:
    return monitoring.add(check_document(next(_next_id), version, values, **extra))


def client(function: ExplainerFunction) -> FlaskClient:
    return create_app(function).test_client()


def ask(function: ExplainerFunction, broker: BrokerStandIn, body: dict[str, Any]) -> int:
    """POST the request, deliver the event the Broker received, return the request id."""
    answer = client(function).post("/rootcause/explanation", json=body)
    assert answer.status_code == 202, answer.get_json()
    assert answer.get_json()["state"] == "PENDING"
    function.handle(broker.take())
    return int(answer.get_json()["id"])


def view(function: ExplainerFunction, job_id: int) -> dict[str, Any]:
    answer = client(function).get(f"/rootcause/explanation/{job_id}")
    assert answer.status_code == 200, answer.get_json()
    return dict(answer.get_json())


def test_anchor_explains_a_tabular_prediction(explainer: ExplainerFunction, broker: BrokerStandIn,
                                               monitoring: MonitoringStandIn, models: Models) -> None:
    request_id = stored(monitoring, models.tabular, {"age": [60.0], "hours": [45.0], "color": ["red"], "y": [1]})
    job = view(explainer, ask(explainer, broker, {"method": "anchor", "model_version_id": models.tabular["id"],
                                                  "explained_request_id": request_id, "config": FAST_ANCHOR}))
    assert job["state"] == "SUCCESS", job
    result = job["result"]
    assert result["target"] == 1 and result["outputField"] == "y"
    assert {p["feature"] for p in result["predicates"]} <= {"age", "hours", "color"}
    assert "age" in {p["feature"] for p in result["predicates"]}
    assert result["precision"] >= 0.9 and result["modelCalls"] >= 1
    assert job["startedAt"] and job["finishedAt"] and job["reason"] is None


def test_the_request_is_started_while_it_runs(explainer: ExplainerFunction, broker: BrokerStandIn,
                                             monitoring: MonitoringStandIn, models: Models,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    request_id = stored(monitoring, models.tabular, {"age": [20.0], "hours": [30.0], "color": ["blue"], "y": [0]})
    answer = client(explainer).post("/rootcause/explanation", json={
        "method": "outlier", "model_version_id": models.tabular["id"], "explained_request_id": request_id})
    job_id = answer.get_json()["id"]
    seen: list[str] = []
    run = explainer.explainer.run

    def observed(*args: Any) -> dict[str, Any]:
        seen.append(view(explainer, job_id)["state"])
        return run(*args)

    monkeypatch.setattr(explainer.explainer, "run", observed)
    explainer.handle(broker.take())
    assert seen == ["STARTED"]
    assert view(explainer, job_id)["state"] == "SUCCESS"


def test_outlier_ranks_the_unusual_field_first(explainer: ExplainerFunction, broker: BrokerStandIn,
                                               monitoring: MonitoringStandIn, models: Models) -> None:
    request_id = stored(monitoring, models.tabular, {"age": [40.0], "hours": [95.0], "color": ["green"], "y": [0]})
    job = view(explainer, ask(explainer, broker, {"method": "outlier", "model_version_id": models.tabular["id"],
                                                  "explained_request_id": request_id}))
    assert job["state"] == "SUCCESS", job
    fields = job["result"]["fields"]
    assert fields[0]["field"] == "hours"
    assert fields[0]["outsideRange"] is True and fields[0]["score"] > fields[1]["score"]


def test_rise_points_at_the_quadrant_the_model_reads(explainer: ExplainerFunction, broker: BrokerStandIn,
                                                      monitoring: MonitoringStandIn, models: Models) -> None:
    image = np.full((8, 8), 0.8).tolist()
    request_id = stored(monitoring, models.image, {"image": image, "scores": [0.2, 0.8]})
    job = view(explainer, ask(explainer, broker, {
        "method": "rise", "model_version_id": models.image["id"], "explained_request_id": request_id,
        "config": {"n_masks": 60, "batch_size": 20, "grid_size": 2}}))
    assert job["state"] == "SUCCESS", job
    saliency = np.array(job["result"]["saliency"])
    assert saliency.shape == (8, 8)
    assert saliency[:4, :4].mean() > saliency[4:, 4:].mean() + 0.3
    assert base64.b64decode(job["result"]["png"]).startswith(b"\x89PNG")
    assert job["result"]["classIndex"] == 1 and job["result"]["modelRows"] == 61


def test_an_image_model_is_not_supported_for_anchors(explainer: ExplainerFunction, broker: BrokerStandIn,
                                                     monitoring: MonitoringStandIn, models: Models) -> None:
    request_id = stored(monitoring, models.image, {"image": np.zeros((8, 8)).tolist(), "scores": [1.0, 0.0]})
    job = view(explainer, ask(explainer, broker, {"method": "anchor", "model_version_id": models.image["id"],
                                                  "explained_request_id": request_id}))
    assert job["state"] == "NOT_SUPPORTED"
    assert "input 'image'" in job["reason"] and "scalar numerical or categorical" in job["reason"]
    assert job["description"] == job["reason"] and job["result"] is None


def test_a_redelivered_event_changes_nothing(explainer: ExplainerFunction, broker: BrokerStandIn,
                                             monitoring: MonitoringStandIn, models: Models) -> None:
    request_id = stored(monitoring, models.tabular, {"age": [30.0], "hours": [20.0], "color": ["red"], "y": [0]})
    answer = client(explainer).post("/rootcause/explanation", json={
        "method": "outlier", "model_version_id": models.tabular["id"], "explained_request_id": request_id})
    event = broker.take()
    explainer.handle(event)
    first = view(explainer, answer.get_json()["id"])
    explainer.handle(event)
    assert view(explainer, answer.get_json()["id"]) == first
    with explainer.store.transaction() as session:
        assert session.query(ProcessedEvent).filter_by(event_id=f"{event.get_source()}/{event.get_id()}").count() == 1


def test_an_equal_request_is_answered_with_the_existing_one(explainer: ExplainerFunction, broker: BrokerStandIn,
                                                             monitoring: MonitoringStandIn, models: Models) -> None:
    request_id = stored(monitoring, models.tabular, {"age": [33.0], "hours": [40.0], "color": ["red"], "y": [0]})
    body = {"method": "outlier", "model_version_id": str(models.tabular["id"]), "explained_request_id": request_id}
    first = client(explainer).post("/rootcause/explanation", json=body)
    again = client(explainer).post("/rootcause/explanation", json=body)
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    assert len(broker.received) == 1


def test_the_ui_reads_the_newest_request_by_method(explainer: ExplainerFunction, broker: BrokerStandIn,
                                                   monitoring: MonitoringStandIn, models: Models) -> None:
    request_id = stored(monitoring, models.tabular, {"age": [50.0], "hours": [41.0], "color": ["blue"], "y": [1]})
    query = {"model_version_id": str(models.tabular["id"]), "explained_request_id": request_id, "method": "outlier"}
    assert client(explainer).get("/rootcause/explanation", query_string=query).status_code == 404
    job_id = ask(explainer, broker, {k: v for k, v in query.items()})
    one = client(explainer).get("/rootcause/explanation", query_string=query).get_json()
    assert one["id"] == job_id and one["state"] == "SUCCESS"
    listing = client(explainer).get("/rootcause/explanation", query_string={
        "model_version_id": models.tabular["id"], "explained_request_id": request_id}).get_json()
    assert [item["id"] for item in listing["items"]] == [job_id]


def test_a_request_of_another_version_fails_with_the_reason(explainer: ExplainerFunction, broker: BrokerStandIn,
                                                            monitoring: MonitoringStandIn, models: Models) -> None:
    request_id = stored(monitoring, models.image, {"image": np.zeros((8, 8)).tolist(), "scores": [1.0, 0.0]})
    job = view(explainer, ask(explainer, broker, {"method": "outlier", "model_version_id": models.tabular["id"],
                                                  "explained_request_id": request_id}))
    assert job["state"] == "FAILED"
    assert f"belongs to model version {models.image['id']}" in job["reason"]


def test_a_model_that_is_not_deployed_fails_with_the_reason(explainer: ExplainerFunction, broker: BrokerStandIn,
                                                            monitoring: MonitoringStandIn, models: Models) -> None:
    explainer.explainer.models.routing.replace(RoutingTable.from_dict({"applications": {}, "servables": {}}))
    request_id = stored(monitoring, models.tabular, {"age": [60.0], "hours": [45.0], "color": ["red"], "y": [1]})
    job = view(explainer, ask(explainer, broker, {"method": "anchor", "model_version_id": models.tabular["id"],
                                                  "explained_request_id": request_id}))
    assert job["state"] == "FAILED" and "is not deployed" in job["reason"]


def test_supported_methods_follow_the_contract(explainer: ExplainerFunction, models: Models) -> None:
    tabular = client(explainer).get(f"/rootcause/supported/{models.tabular['id']}").get_json()["methods"]
    image = client(explainer).get(f"/rootcause/supported/{models.image['id']}").get_json()["methods"]
    assert tabular["anchor"]["supported"] and tabular["outlier"]["supported"] and not tabular["rise"]["supported"]
    assert image["rise"]["supported"] and not image["anchor"]["supported"]
    assert "image" in image["anchor"]["reason"]
    assert client(explainer).get("/rootcause/supported/999999").status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"method": "shap", "model_version_id": 1, "explained_request_id": "1"}, "method"),
    ({"method": "anchor", "explained_request_id": "1"}, "model_version_id"),
    ({"method": "anchor", "model_version_id": 1, "explained_request_id": "abc"}, "explained_request_id"),
    ({"method": "anchor", "model_version_id": 1, "explained_request_id": "1", "config": {"threshold": 2}},
     "config.threshold"),
    ({"method": "outlier", "model_version_id": 1, "explained_request_id": "1", "config": {"x": 1}}, "config"),
    ({"method": "anchor", "model_version_id": 1, "explained_request_id": "1", "colour": 1}, "colour"),
])
def test_a_bad_request_is_refused_naming_the_field(explainer: ExplainerFunction, broker: BrokerStandIn,
                                                   body: dict[str, Any], field: str) -> None:
    answer = client(explainer).post("/rootcause/explanation", json=body)
    assert answer.status_code == 400
    assert answer.get_json()["field"] == field
    assert broker.received == []


def test_a_broker_that_refuses_fails_the_request(explainer: ExplainerFunction, broker: BrokerStandIn,
                                                 monitoring: MonitoringStandIn, models: Models) -> None:
    explainer.dispatcher.broker_url = f"{broker.url}/missing"
    request_id = stored(monitoring, models.tabular, {"age": [60.0], "hours": [45.0], "color": ["red"], "y": [1]})
    answer = client(explainer).post("/rootcause/explanation", json={
        "method": "outlier", "model_version_id": models.tabular["id"], "explained_request_id": request_id})
    assert answer.status_code == 503 and "could not be queued" in answer.get_json()["error"]
    listing = client(explainer).get("/rootcause/explanation", query_string={
        "model_version_id": models.tabular["id"], "explained_request_id": request_id}).get_json()
    assert listing["items"][0]["state"] == "FAILED"
