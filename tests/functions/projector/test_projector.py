"""The projector at handler level: requests through its API, events published to a stand-in
Broker and delivered with `handle()`, the map fitted on the training CSV the controller holds."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from functions.host.app import create_app
from functions.projector.function import ProjectorFunction
from tests.functions.explainer.support import BrokerStandIn
from tests.functions.projector.conftest import PRODUCTION, Versions

FAST = {"n_epochs": 30, "n_neighbors": 10}


def client(function: ProjectorFunction) -> FlaskClient:
    return create_app(function).test_client()


def project(function: ProjectorFunction, broker: BrokerStandIn, version_id: int,
            body: dict[str, Any] | None = None) -> dict[str, Any]:
    answer = client(function).post(f"/visualization/projection/{version_id}", json=body)
    assert answer.status_code == 202, answer.get_json()
    assert answer.get_json()["state"] == "PENDING"
    function.handle(broker.take())
    job = client(function).get(f"/visualization/projection/{answer.get_json()['id']}")
    assert job.status_code == 200
    return dict(job.get_json())


def test_the_map_is_fitted_once_and_reused_until_a_refit(projector: ProjectorFunction, broker: BrokerStandIn,
                                                        versions: Versions) -> None:
    first = project(projector, broker, versions.tabular["id"], FAST)
    assert first["state"] == "SUCCESS", first
    result = first["result"]
    assert result["refitted"] is True and result["trainingRows"] == 600
    assert result["requests"] == {"read": PRODUCTION + 1, "projected": PRODUCTION, "skipped": 1}
    points = {p["requestId"]: p for p in result["points"]}
    assert set(points) == {str(i) for i in range(1, PRODUCTION + 1)}
    assert [points[str(i)]["outlier"] for i in (1, 2, 11)] == [True, False, True]
    assert points["5"]["metrics"] == {"auto_od": 4.0} and points["5"]["prediction"] in (0, 1)
    assert 0.5 < result["quality"]["trustworthiness"] <= 1 and len(result["training"]) == 600

    again = project(projector, broker, versions.tabular["id"], FAST)["result"]
    assert again["refitted"] is False
    assert {p["requestId"]: (p["x"], p["y"]) for p in again["points"]} == {
        i: (p["x"], p["y"]) for i, p in points.items()}
    assert project(projector, broker, versions.tabular["id"], {**FAST, "refit": True})["result"]["refitted"] is True


def test_an_image_model_is_not_supported(projector: ProjectorFunction, broker: BrokerStandIn,
                                         versions: Versions) -> None:
    job = project(projector, broker, versions.image["id"])
    assert job["state"] == "NOT_SUPPORTED" and "input 'image'" in job["reason"]


def test_an_unknown_version_fails_with_the_reason(projector: ProjectorFunction, broker: BrokerStandIn) -> None:
    job = project(projector, broker, 999_999)
    assert job["state"] == "FAILED" and "model version 999999 does not exist" in job["reason"]


def test_a_redelivered_event_changes_nothing(projector: ProjectorFunction, broker: BrokerStandIn,
                                             versions: Versions) -> None:
    answer = client(projector).post(f"/visualization/projection/{versions.image['id']}")
    event = broker.take()
    projector.handle(event)
    first = client(projector).get(f"/visualization/projection/{answer.get_json()['id']}").get_json()
    projector.handle(event)
    assert client(projector).get(f"/visualization/projection/{answer.get_json()['id']}").get_json() == first


def test_hydrosphere_paths_and_the_latest_projection(projector: ProjectorFunction, broker: BrokerStandIn,
                                                     versions: Versions) -> None:
    mv = versions.image["id"]
    assert client(projector).get(f"/visualization/projection/latest/{mv}").status_code == 404
    started = client(projector).post("/visualization/plottable_embeddings/umap", json={"model_version_id": mv})
    assert started.status_code == 202 and started.get_json()["state"] == "PENDING"
    task_id = started.get_json()["task_id"]
    projector.handle(broker.take())
    job = client(projector).get("/visualization/jobs", query_string={"task_id": task_id}).get_json()
    assert job["task_id"] == task_id and job["state"] == "NOT_SUPPORTED" and job["description"]
    assert client(projector).get(f"/visualization/projection/latest/{mv}").get_json()["id"] == task_id


@pytest.mark.parametrize(("body", "field"), [
    ({"n_neighbors": 1}, "n_neighbors"),
    ({"metric": "hamming"}, "metric"),
    ({"max_points": 0}, "max_points"),
    ({"refit": "yes"}, "refit"),
    ({"colour": 1}, "colour"),
    ([1, 2], "body"),
])
def test_bad_settings_are_refused_naming_the_key(projector: ProjectorFunction, broker: BrokerStandIn,
                                                 body: Any, field: str) -> None:
    answer = client(projector).post("/visualization/projection/1", json=body)
    assert answer.status_code == 400 and answer.get_json()["field"] == field
    assert broker.received == []
