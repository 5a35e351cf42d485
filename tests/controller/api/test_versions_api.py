"""Models, model versions, uploads and external models through the API (Flask test client)."""

from __future__ import annotations

import io
import json
import tarfile
from typing import Any

import pytest
from flask.testing import FlaskClient

from controller.catalog import Catalog
from tests.controller.api.support import (
    SIGNATURE,
    UPLOAD_LIMIT,
    SseEvent,
    assert_error,
    metadata,
    read_sse,
    released,
    tarball,
    upload,
    upload_form,
    wait_status,
)


def test_upload_returns_an_assembling_version_in_hydrosphere_shape(client: FlaskClient) -> None:
    body = upload(client, "claims")
    assert body["status"] == "Assembling"
    assert body["model"]["name"] == "claims" and body["modelVersion"] == 1
    assert body["runtime"] == {"name": "hydrosphere/serving-runtime-python-3.7", "tag": "3.0.0"}
    assert body["modelSignature"] == SIGNATURE
    assert body["monitoringConfiguration"] == {"batchSize": 10}
    assert body["metadata"] == {"team": "tests"} and body["isExternal"] is False
    assert body["image"] == {"name": "claims", "tag": "1"} and body["finished"] is None


def test_build_releases_the_version_and_stores_the_payload(client: FlaskClient, catalog: Catalog) -> None:
    body = released(client, "claims")
    assert body["finished"] is not None
    record = catalog.get_version(body["id"])
    assert catalog.store.read("models/claims/1/files/src/func_main.py").decode().startswith("def predict")
    assert record.artifact_uri


def test_versions_are_numbered_per_model(client: FlaskClient) -> None:
    first, second, other = upload(client, "a"), upload(client, "a"), upload(client, "b")
    assert (first["modelVersion"], second["modelVersion"], other["modelVersion"]) == (1, 2, 1)


def test_list_get_and_find(client: FlaskClient) -> None:
    version = released(client, "claims")
    listed = client.get("/api/v2/model/version").get_json()
    assert [v["id"] for v in listed] == [version["id"]]
    assert client.get(f"/api/v2/model/version/{version['id']}").get_json()["status"] == "Released"
    found = client.get("/api/v2/model/version/claims/1").get_json()
    assert found["id"] == version["id"] and found["applications"] == []
    models = client.get("/api/v2/model").get_json()
    assert [(m["id"], m["name"]) for m in models] == [(version["model"]["id"], "claims")]
    assert client.get(f"/api/v2/model/{version['model']['id']}").get_json()["name"] == "claims"


def sse(response: Any) -> list[SseEvent]:
    assert response.mimetype == "text/event-stream"
    return list(read_sse(iter(response.get_data(as_text=True).splitlines())))


def test_stored_build_log_is_served_as_sse_after_the_build(client: FlaskClient, catalog: Catalog) -> None:
    version = wait_status(client, upload(client, "claims", installCommand="echo one; echo two")["id"])
    events = sse(client.get(f"/api/v2/model/version/{version['id']}/logs"))
    stored = catalog.build_log(version["id"]).rstrip("\n").split("\n")
    assert [(e.event, e.data) for e in events[:-1]] == [("Log", line) for line in stored]
    assert [e.id for e in events[:-1]] == [str(i) for i in range(len(stored))]
    assert "one" in stored and "two" in stored
    assert events[-1].event == "EndOfStream"


def test_build_log_resumes_after_last_event_id(client: FlaskClient, catalog: Catalog) -> None:
    version = wait_status(client, upload(client, "claims", installCommand="echo one; echo two")["id"])
    stored = catalog.build_log(version["id"]).rstrip("\n").split("\n")
    events = sse(client.get(f"/api/v2/model/version/{version['id']}/logs", headers={"Last-Event-ID": "1"}))
    assert [e.data for e in events if e.event == "Log"] == stored[2:]


def test_external_model_has_no_build_log(client: FlaskClient) -> None:
    version = client.post("/api/v2/externalmodel", json={"name": "ext", "signature": SIGNATURE}).get_json()
    assert_error(client.get(f"/api/v2/model/version/{version['id']}/logs"), 404, contains="external")


def test_delete_model_removes_every_version(client: FlaskClient) -> None:
    version = released(client, "claims")
    released(client, "claims")
    deleted = client.delete(f"/api/v2/model/{version['model']['id']}")
    assert deleted.status_code == 200 and deleted.get_json()["name"] == "claims"
    assert client.get("/api/v2/model/version").get_json() == []
    assert_error(client.get("/api/v2/model/version/claims/1"), 404, contains="claims:1")


def test_delete_model_in_use_is_a_conflict(client: FlaskClient) -> None:
    version = released(client, "claims")
    created = client.post("/api/v2/application", json={"name": "app", "singular": {"model": "claims:1"}})
    assert created.status_code == 200, created.get_json()
    assert_error(client.delete(f"/api/v2/model/{version['model']['id']}"), 409)


def test_external_model_is_released_at_once(client: FlaskClient) -> None:
    response = client.post("/api/v2/externalmodel",
                           json={"name": "ext", "signature": SIGNATURE, "metadata": {"where": "elsewhere"}})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "Released" and body["isExternal"] is True and body["runtime"] is None


def test_failed_build_reports_failed(client: FlaskClient) -> None:
    body = wait_status(client, upload(client, "broken", installCommand="exit 3")["id"])
    assert body["status"] == "Failed"
    log = client.get(f"/api/v2/model/version/{body['id']}/logs").get_data(as_text=True)
    assert "data: " in log


def _post_upload(client: FlaskClient, form: dict[str, Any]) -> Any:
    return client.post("/api/v2/model/upload", data=form, content_type="multipart/form-data")


def _unsafe_tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("../escape.py")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    return buffer.getvalue()


def _form(payload: bytes | None = None, meta: Any = "default") -> dict[str, Any]:
    form: dict[str, Any] = {}
    if payload is not None:
        form["payload"] = (io.BytesIO(payload), "payload.tar.gz")
    if meta is not None:
        form["metadata"] = json.dumps(metadata("m")) if meta == "default" else meta
    return form


GOOD = tarball({"a.py": "x = 1\n"})


@pytest.mark.parametrize(("form", "status", "field"), [
    (_form(GOOD, meta=None), 400, "metadata"),
    (_form(GOOD, meta="{not json"), 400, "metadata"),
    (_form(GOOD, meta="[1, 2]"), 400, "metadata"),
    (_form(None), 400, "payload"),
    (_form(GOOD, json.dumps(metadata("Bad Name"))), 400, "metadata.name"),
    (_form(GOOD, json.dumps(metadata("m", runtime=None))), 400, "metadata.runtime"),
    (_form(GOOD, json.dumps(metadata("m", modelSignature={**SIGNATURE, "outputs": []}))), 400,
     "metadata.modelSignature.outputs"),
    (_form(GOOD, json.dumps(metadata("m", modelSignature={
        **SIGNATURE, "inputs": [{"name": "x", "dtype": "DT_INT65", "shape": {"dims": []}}]}))), 400,
     "metadata.modelSignature"),
    (_form(GOOD, json.dumps(metadata("m", monitoringConfiguration={"batchSize": 0}))), 400,
     "metadata.monitoringConfiguration.batchSize"),
    (_form(b"not a tarball"), 400, None),
    (_form(_unsafe_tar()), 400, None),
])
def test_bad_upload_is_a_400_naming_the_field(client: FlaskClient, form: dict[str, Any], status: int,
                                              field: str | None) -> None:
    assert_error(_post_upload(client, form), status, field)
    assert client.get("/api/v2/model/version").get_json() == []


def test_upload_over_the_limit_is_413(client: FlaskClient) -> None:
    big = upload_form("big", files={"blob.bin": bytes(UPLOAD_LIMIT + 1)})
    big["payload"] = (io.BytesIO(bytes(UPLOAD_LIMIT + 1)), "payload.tar.gz")
    assert_error(_post_upload(client, big), 413)


@pytest.mark.parametrize(("path", "contains"), [
    ("/api/v2/model/999", "999"),
    ("/api/v2/model/version/999", "999"),
    ("/api/v2/model/version/nope/1", "nope:1"),
    ("/api/v2/model/version/999/logs", "999"),
])
def test_unknown_objects_are_404_naming_them(client: FlaskClient, path: str, contains: str) -> None:
    assert_error(client.get(path), 404, contains=contains)


@pytest.mark.parametrize(("body", "field"), [
    ({"signature": SIGNATURE}, "name"),
    ({"name": "ext"}, "signature"),
    ({"name": "ext", "signature": {**SIGNATURE, "inputs": []}}, "signature.inputs"),
])
def test_bad_external_model_is_400(client: FlaskClient, body: dict[str, Any], field: str) -> None:
    assert_error(client.post("/api/v2/externalmodel", json=body), 400, field)
