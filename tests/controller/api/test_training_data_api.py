"""Training data: CSV bodies (streamed chunked, as hydrosdk sends them) and s3:// registrations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

from controller.catalog import Catalog
from protos.events import TRAININGDATA_UPLOADED
from tests.controller.api.support import UPLOAD_LIMIT, LiveServer, assert_error, released

CSV = b"x,y\n1.0,2.0\n2.0,4.0\n"


@pytest.fixture
def version(client: FlaskClient) -> dict[str, Any]:
    return released(client, "claims")


def chunks(data: bytes, size: int = 5) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


def test_chunked_csv_is_stored_recorded_and_announced(live: LiveServer, catalog: Catalog,
                                                      version: dict[str, Any]) -> None:
    cursor = catalog.last_event_id()
    response = requests.post(f"{live.url}/monitoring/profiles/batch/{version['id']}", data=chunks(CSV), timeout=10)
    assert response.status_code == 200, response.text
    [record] = catalog.list_training_data(version["id"])
    key = f"training-data/{version['id']}/"
    [stored] = catalog.store.list(f"training-data/{version['id']}")
    assert stored.startswith(key) and catalog.store.read(stored) == CSV
    assert record.uri == catalog.store.uri_for(stored) and response.json()["uri"] == record.uri
    events = [e for e in catalog.events_since(cursor) if e.type == TRAININGDATA_UPLOADED]
    assert [e.data["object"]["model_version_id"] for e in events] == [version["id"]]


def test_status_follows_the_profile(client: FlaskClient, catalog: Catalog, version: dict[str, Any]) -> None:
    url = f"/monitoring/profiles/batch/{version['id']}/status"
    assert client.get(url).get_json()["kind"] == "NotRegistered"
    assert client.post(f"/monitoring/profiles/batch/{version['id']}", data=CSV).status_code == 200
    assert client.get(url).get_json()["kind"] == "Processing"
    [record] = catalog.list_training_data(version["id"])
    catalog.update_training_data(record.id, profile_status="Success")
    assert client.get(url).get_json()["kind"] == "Success"


def test_monitoring_reports_the_profile_through_patch(client: FlaskClient, version: dict[str, Any]) -> None:
    created = client.post(f"/monitoring/profiles/batch/{version['id']}", data=CSV).get_json()
    url = f"/api/v2/trainingdata/{created['id']}"
    patched = client.patch(url, json={"profileStatus": "Success", "profileMessage": "profiled", "rows": 3})
    assert patched.status_code == 200, patched.get_json()
    assert client.get(url).get_json() | {"created": None} == created | {
        "profileStatus": "Success", "message": "profiled", "rows": 3, "created": None}
    status = client.get(f"/monitoring/profiles/batch/{version['id']}/status").get_json()
    assert status["kind"] == "Success"
    for body, field in (({"profileStatus": "Great"}, "profileStatus"), ({"rows": -1}, "rows"),
                        ({"colour": 1}, "colour")):
        refused = client.patch(url, json=body)
        assert refused.status_code == 400 and refused.get_json()["field"] == field
    assert client.patch("/api/v2/trainingdata/999", json={"rows": 1}).status_code == 404


def test_s3_uri_is_registered_as_it_is(client: FlaskClient, catalog: Catalog, version: dict[str, Any]) -> None:
    response = client.post(f"/monitoring/profiles/batch/{version['id']}/s3", json={"path": "s3://data/train.csv"})
    assert response.status_code == 200, response.get_json()
    assert [r.uri for r in catalog.list_training_data(version["id"])] == ["s3://data/train.csv"]


@pytest.mark.parametrize(("body", "field"), [
    ({"path": "/local/file.csv"}, "path"), ({"path": "s3://bucket-only"}, "path"), ({}, "path"),
])
def test_bad_s3_registration_is_400(client: FlaskClient, version: dict[str, Any], body: dict[str, Any],
                                    field: str) -> None:
    assert_error(client.post(f"/monitoring/profiles/batch/{version['id']}/s3", json=body), 400, field)


@pytest.mark.parametrize("data", [b"", b"\xff\xfe\x00bad\n", b"\n1,2\n"])
def test_bad_csv_is_400(client: FlaskClient, catalog: Catalog, version: dict[str, Any], data: bytes) -> None:
    assert_error(client.post(f"/monitoring/profiles/batch/{version['id']}", data=data), 400, "body")
    assert catalog.list_training_data(version["id"]) == []


def test_csv_over_the_limit_is_413(live: LiveServer, catalog: Catalog, version: dict[str, Any]) -> None:
    big = b"x\n" + b"1\n" * UPLOAD_LIMIT
    response = requests.post(f"{live.url}/monitoring/profiles/batch/{version['id']}", data=chunks(big, 65536),
                             timeout=10)
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
    assert catalog.list_training_data(version["id"]) == []


@pytest.mark.parametrize(("method", "path"), [
    ("post", "/monitoring/profiles/batch/999"), ("post", "/monitoring/profiles/batch/999/s3"),
    ("get", "/monitoring/profiles/batch/999/status"),
])
def test_unknown_version_is_404(client: FlaskClient, method: str, path: str) -> None:
    kwargs = {"json": {"path": "s3://b/k.csv"}} if path.endswith("s3") else {"data": CSV}
    assert_error(getattr(client, method)(path, **({} if method == "get" else kwargs)), 404, contains="999")
