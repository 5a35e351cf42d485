"""The read API over HTTP (the host's Flask app): Hydrosphere sonar's shapes, and errors that name
the parameter."""

from __future__ import annotations

import csv
import itertools
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from functions.host.app import create_app
from tests.functions.monitoring.conftest import Factory, store_training_profiles
from tests.functions.monitoring.support import Controller, contract, inference_event


@pytest.fixture
def populated(make_function: Factory, sqlite_url: str, controller: Controller,
              training_csv: Path) -> tuple[FlaskClient, dict[str, Any], float]:
    """25 requests (batch size 10) of which the 4th is out of range; returns the client, the version
    and a moment between the 10th and the 11th request."""
    function = make_function(sqlite_url, drift_min_window=10)  # a drift report per batch
    version = controller.upload(f"people-{uuid.uuid4().hex[:6]}", contract(), batch_size=10)
    store_training_profiles(function, version["id"], training_csv)
    with training_csv.open(encoding="utf-8") as lines:  # rows of the training data: within its ranges
        traffic = [{k: float(v) for k, v in row.items()} for row in itertools.islice(csv.DictReader(lines), 25)]
    traffic[3]["age"] = -400.0
    middle = 0.0
    for index, row in enumerate(traffic):
        if index == 10:
            time.sleep(0.02)
            middle = time.time()
            time.sleep(0.02)
        function.handle(inference_event(version, row))
    function.batches.run_due()  # what the batch worker does in the background
    return create_app(function).test_client(), version, middle


def test_checks_in_a_time_range(populated: tuple[FlaskClient, dict[str, Any], float]) -> None:
    client, version, middle = populated
    later = client.get(f"/monitoring/checks/{version['id']}?from={middle}").get_json()
    earlier = client.get(f"/monitoring/checks/{version['id']}?to={middle}").get_json()
    assert (len(earlier), len(later)) == (10, 15)
    assert [d["_hs_seq"] for d in later] == list(range(11, 26))
    doc = earlier[3]
    assert doc["age"] == -400.0 and doc["_hs_age_score"] == 0.5 and doc["_hs_checks_failed"] is True
    assert doc["_hs_model_version_id"] == version["id"] and doc["_hs_model_name"] == version["model"]["name"]
    assert set(doc["_hs_raw_checks"]) == {*contract()["inputs"], "y"}


def test_checks_newest_first_with_paging(populated: tuple[FlaskClient, dict[str, Any], float]) -> None:
    client, version, _ = populated
    page = client.get(f"/monitoring/checks/all/{version['id']}?limit=5&offset=5").get_json()
    assert [d["_hs_seq"] for d in page] == [20, 19, 18, 17, 16]


def test_a_check_by_id_and_the_checks_of_a_batch(populated: tuple[FlaskClient, dict[str, Any], float]) -> None:
    client, version, _ = populated
    batch = client.get(f"/monitoring/slow/checks/{version['id']}/1").get_json()
    assert [d["_hs_seq"] for d in batch] == list(range(11, 21))
    one = client.get(f"/monitoring/checks/id/{batch[0]['_id']}").get_json()
    assert one == batch[0]
    missing = client.get("/monitoring/checks/id/999999")
    assert missing.status_code == 404 and "999999" in missing.get_json()["error"]


def test_a_subsample_of_checks(populated: tuple[FlaskClient, dict[str, Any], float]) -> None:
    client, version, _ = populated
    sample = client.get(f"/monitoring/checks/subsample/{version['id']}?size=7").get_json()
    assert len(sample) == 7 and len({d["_id"] for d in sample}) == 7


def test_aggregates_per_batch(populated: tuple[FlaskClient, dict[str, Any], float]) -> None:
    client, version, middle = populated
    page = client.get(f"/monitoring/checks/aggregates/{version['id']}?limit=2").get_json()
    assert page["count"] == 3 and page["minDate"] <= page["maxDate"]
    assert [r["_hs_batch"] for r in page["results"]] == [2, 1]
    first = client.get(f"/monitoring/checks/aggregates/{version['id']}?till={middle}").get_json()
    assert [r["_hs_batch"] for r in first["results"]] == [0]
    assert first["results"][0]["age"] == {"checks": 10, "passed": 9}


def test_profiles_and_their_fields(populated: tuple[FlaskClient, dict[str, Any], float]) -> None:
    client, version, _ = populated
    fields = client.get(f"/monitoring/profiles/{version['id']}").get_json()
    assert {f["name"]: (f["training"], f["production"]) for f in fields}["age"] == ("numerical", "numerical")
    assert client.get(f"/monitoring/fields/{version['id']}").get_json() == sorted([*contract()["inputs"], "y"])
    age = client.get(f"/monitoring/profiles/{version['id']}/age").get_json()
    assert age["training"]["count"] == 2000 and age["production"]["count"] == 20
    assert age["production"]["histogram"]["edges"] == age["training"]["histogram"]["edges"]
    y = client.get(f"/monitoring/profiles/{version['id']}/y").get_json()
    assert y["training"] is None and y["production"]["count"] == 20
    missing = client.get(f"/monitoring/profiles/{version['id']}/nothing")
    assert missing.status_code == 404 and missing.get_json()["field"] == "field"


def test_the_summary(populated: tuple[FlaskClient, dict[str, Any], float]) -> None:
    client, version, _ = populated
    summary = client.get(f"/monitoring/summary/{version['id']}").get_json()
    assert (summary["requests"], summary["checksFailed"], summary["failures"], summary["batchSize"]) == (25, 1, 0, 10)
    assert summary["lastBatch"]["_hs_batch"] == 1 and summary["lastBatch"]["_hs_status"] == "done"
    assert summary["lastDrift"]["batch"] == 1 and summary["lastDrift"]["driftedFeatures"] == []
    assert summary["trainingFields"] == sorted(contract()["inputs"])
    assert summary["outlierDetector"] is None


@pytest.mark.parametrize(("path", "status", "field"), [
    ("/monitoring/checks/{mv}?limit=0", 400, "limit"),
    ("/monitoring/checks/{mv}?from=yesterday", 400, "from"),
    ("/monitoring/checks/subsample/{mv}?size=-3", 400, "size"),
    ("/monitoring/checks/all/{mv}?offset=x", 400, "offset"),
    ("/stat/metrics", 400, "model_version_id"),
    ("/monitoring/summary/777777", 404, None),
    ("/monitoring/outliers/{mv}", 404, None),
    ("/stat/config/777777", 404, None),
])
def test_bad_requests_name_the_parameter(populated: tuple[FlaskClient, dict[str, Any], float], path: str,
                                         status: int, field: str | None) -> None:
    client, version, _ = populated
    answer = client.get(path.format(mv=version["id"]))
    assert answer.status_code == status, answer.get_json()
    assert answer.get_json()["field"] == field and answer.get_json()["error"]
