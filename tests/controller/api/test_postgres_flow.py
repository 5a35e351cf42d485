"""A representative API flow on PostgreSQL and on SQLite: the same answers from both catalogs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from controller.api.app import create_app, open_catalog
from tests.controller.api.support import assert_error, make_settings, released


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FlaskClient]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else ""
    settings = make_settings(tmp_path / "home", url)
    catalog = open_catalog(settings)
    yield create_app(settings, catalog, poll_seconds=0.05).test_client()
    catalog.database.dispose()


def test_model_config_application_metric_data_and_cleanup(any_client: FlaskClient) -> None:
    client = any_client
    model, monitor = released(client, "claims"), released(client, "claims-outliers")
    assert client.post("/api/v2/deployment_configuration", json={"name": "small"}).status_code == 200
    app: dict[str, Any] = {"name": "claims-app", "pipeline": [[{"model": "claims:1", "deployment_config": "small"}]]}
    assert client.post("/api/v2/application", json=app).status_code == 200
    spec = {"name": "outliers", "modelVersionId": model["id"],
            "config": {"modelVersionId": monitor["id"], "threshold": 1, "thresholdCmpOperator": {"kind": "Less"}}}
    assert client.post("/api/v2/monitoring/metricspec", json=spec).status_code == 200
    assert client.post(f"/monitoring/profiles/batch/{model['id']}", data=b"x,y\n1,2\n").status_code == 200
    servables = client.get("/api/v2/servable").get_json()
    assert {(s["modelName"], s["deploymentConfigurationName"]) for s in servables} >= {("claims", "small")}
    assert client.get("/api/v2/model/version/claims/1").get_json()["applications"] == ["claims-app"]
    assert_error(client.delete(f"/api/v2/model/{model['model']['id']}"), 409)
    assert client.delete("/api/v2/application/claims-app").status_code == 200
    assert client.delete("/api/v2/deployment_configuration/small").status_code == 200
    assert [a for a in client.get("/api/v2/application").get_json()] == []
