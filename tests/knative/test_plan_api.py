"""`GET /api/v2/plan` over a real controller app (SQLite catalog in a temporary home)."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from controller.api import plan as plan_api
from controller.api.app import create_app
from controller.desired_state import PlatformSpec
from controller.settings import ControllerSettings


def _client(tmp_path: Path, settings: plan_api.PlanSettings | None = None) -> FlaskClient:
    settings_env = {"HYDRO_HOME": str(tmp_path), "HYDRO_AUTH": "disabled"}
    app = create_app(ControllerSettings.from_env(settings_env), builds=_NoBuilds())
    if settings is not None:
        plan_api.configure(app, settings)
    return app.test_client()


class _NoBuilds:
    def submit(self, version_id: int) -> object:
        raise AssertionError("no build expected")


def test_empty_catalog_plans_the_broker_only(tmp_path: Path) -> None:
    body = _client(tmp_path).get("/api/v2/plan?namespace=ml").get_json()
    assert [(m["kind"], m["metadata"]["name"], m["metadata"]["namespace"]) for m in body["manifests"]] == [
        ("Broker", "hydro", "ml")]
    assert body["routing"] == {"namespace": "ml", "applications": {}, "servables": {}}


def test_configured_platform_is_used(tmp_path: Path) -> None:
    settings = plan_api.PlanSettings(platform=PlatformSpec(namespace="prod", broker="events"))
    client = _client(tmp_path, settings)
    manifests = client.get("/api/v2/plan").get_json()["manifests"]
    assert manifests[0]["metadata"] == {"name": "events", "namespace": "prod", "labels": manifests[0]["metadata"]
                                        ["labels"]}
    assert client.get("/api/v2/plan/routing").get_json()["namespace"] == "prod"


def test_routing_etag_gives_304_until_the_catalog_changes(tmp_path: Path) -> None:
    client = _client(tmp_path)
    first = client.get("/api/v2/plan/routing")
    etag = first.headers["ETag"]
    assert first.status_code == 200
    assert client.get("/api/v2/plan/routing", headers={"If-None-Match": etag}).status_code == 304
    created = client.post("/api/v2/deployment_configuration", json={"name": "cfg", "hpa": {"minReplicas": 1,
                                                                                            "maxReplicas": 2}})
    assert created.status_code == 200, created.get_data(as_text=True)
    changed = client.get("/api/v2/plan/routing", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
