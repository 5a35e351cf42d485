"""`dev.hydro.trainingdata.uploaded`: the catalog's real event for a real upload, then the job:
training profiles (status reported to the catalog), the outlier detector trained, uploaded as
`<model>_metric`, built by the controller and attached with a MetricSpec."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from minio import Minio
from moto.server import ThreadedMotoServer
from sqlalchemy import select, update

from functions.host.function import PermanentError
from functions.host.settings import S3Settings
from functions.host.store import utcnow
from functions.monitoring import queries
from functions.monitoring.function import MonitoringFunction
from functions.monitoring.jobs import FAILED, STARTED, SUCCESS
from functions.monitoring.tables import JobRow
from protos import cloudevent_http, events
from tests.conftest import free_port
from tests.functions.monitoring.conftest import Factory
from tests.functions.monitoring.support import Controller, contract, rows, write_csv


def _job(function: MonitoringFunction, version_id: int, timeout: float = 60) -> JobRow:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with function.store.transaction() as session:
            job = session.scalars(select(JobRow).where(JobRow.model_version_id == version_id)
                                  .order_by(JobRow.id.desc())).first()
        if job is not None and job.status in (SUCCESS, FAILED):
            return job
        time.sleep(0.1)
    raise AssertionError(f"the job of model version {version_id} did not finish: {job and job.status}")


def _outliers(function: MonitoringFunction, version_id: int) -> dict[str, Any]:
    with function.store.transaction() as session:
        return queries.outliers(session, version_id)


def test_training_data_is_profiled_and_gets_an_attached_outlier_detector(
        make_function: Factory, store_url: str, controller: Controller, training_csv: Path) -> None:
    function = make_function(store_url)
    version = controller.upload(f"people-{uuid.uuid4().hex[:6]}", contract())
    assert function.handle(controller.upload_training(version["id"], training_csv)) is None
    job = _job(function, version["id"])
    assert job.status == SUCCESS, job.reason
    assert controller.profile_status(version["id"])["kind"] == "Success"
    status = _outliers(function, version["id"])
    assert (status["status"], status["stage"], status["rows"]) == ("SUCCESS", "done", 2000)
    detector = controller.version(status["metricModelVersionId"])
    assert detector["status"] == "Released" and detector["model"]["name"] == f"{version['model']['name']}_metric"
    assert detector["metadata"]["monitored_model"] == version["model"]["name"]
    [spec] = controller.specs(version["id"])
    assert spec["id"] == status["metricSpecId"] and spec["name"] == "auto_od"
    assert spec["config"] == {"modelVersionId": detector["id"], "threshold": status["report"]["threshold"],
                              "thresholdCmpOperator": {"kind": "LessEq"}}
    with function.store.transaction() as session:
        age = queries.profile(session, version["id"], "age")["training"]
    assert age["count"] == 2000 and len(age["histogram"]["edges"]) == 11 and age["histogram"]["estimated"]


def test_a_second_upload_replaces_the_detector_spec(
        make_function: Factory, sqlite_url: str, controller: Controller, training_csv: Path) -> None:
    function = make_function(sqlite_url)
    version = controller.upload(f"people-{uuid.uuid4().hex[:6]}", contract())
    function.handle(controller.upload_training(version["id"], training_csv))
    first = _job(function, version["id"])
    function.handle(controller.upload_training(version["id"], training_csv))
    second = _job(function, version["id"])
    assert second.id != first.id and second.status == SUCCESS
    [spec] = controller.specs(version["id"])
    assert spec["config"]["modelVersionId"] == second.metric_version_id != first.metric_version_id


def test_a_metric_model_gets_training_profiles_but_no_detector(
        make_function: Factory, sqlite_url: str, controller: Controller, training_csv: Path) -> None:
    function = make_function(sqlite_url)
    version = controller.upload(f"people-{uuid.uuid4().hex[:6]}_metric", contract())
    function.handle(controller.upload_training(version["id"], training_csv))
    job = _job(function, version["id"])
    assert (job.status, job.detector, job.metric_version_id) == (SUCCESS, False, None)
    assert controller.profile_status(version["id"])["kind"] == "Success"
    assert controller.specs(version["id"]) == []
    with pytest.raises(Exception, match="no outlier detector job"):
        _outliers(function, version["id"])


def test_training_data_without_usable_columns_fails_the_job_and_the_catalog_hears_why(
        make_function: Factory, sqlite_url: str, controller: Controller, tmp_path: Path) -> None:
    function = make_function(sqlite_url)
    version = controller.upload(f"people-{uuid.uuid4().hex[:6]}", contract())
    csv = write_csv(tmp_path / "other.csv", [{"colour": "red", "size": 3}] * 30)
    function.handle(controller.upload_training(version["id"], csv))
    job = _job(function, version["id"])
    assert job.status == FAILED and "no column can be profiled" in (job.reason or "")
    assert "age: not a column of the training data" in (job.reason or "")
    status = controller.profile_status(version["id"])
    assert status["kind"] == "Failure" and "no column can be profiled" in status["message"]


def test_a_redelivered_training_event_runs_one_job(
        make_function: Factory, sqlite_url: str, controller: Controller, tmp_path: Path) -> None:
    function = make_function(sqlite_url)
    version = controller.upload(f"people-{uuid.uuid4().hex[:6]}_metric", contract())
    event = controller.upload_training(version["id"], write_csv(tmp_path / "t.csv", rows(50, seed=1)))
    for _ in range(3):
        function.handle(event)
    _job(function, version["id"])
    with function.store.transaction() as session:
        jobs = session.scalars(select(JobRow).where(JobRow.model_version_id == version["id"])).all()
    assert len(jobs) == 1


def test_a_job_whose_process_died_is_taken_over_and_resumes_where_it_stopped(
        make_function: Factory, sqlite_url: str, controller: Controller, training_csv: Path) -> None:
    function = make_function(sqlite_url)
    version = controller.upload(f"people-{uuid.uuid4().hex[:6]}", contract())
    function.handle(controller.upload_training(version["id"], training_csv))
    done = _job(function, version["id"])
    with function.store.transaction() as session:  # as if it died after uploading its detector
        session.execute(update(JobRow).where(JobRow.id == done.id).values(
            status=STARTED, stage="release", metric_spec_id=None, lease_until=utcnow() - timedelta(seconds=1)))
    function.jobs.wake()
    resumed = _job(function, version["id"])
    assert (resumed.status, resumed.metric_version_id, resumed.attempts) == (SUCCESS, done.metric_version_id, 2)
    names = [v["model"]["name"] for v in requests.get(f"{controller.url}/api/v2/model/version", timeout=10).json()]
    assert names.count(f"{version['model']['name']}_metric") == 1


@pytest.fixture
def s3() -> Iterator[S3Settings]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        yield S3Settings(endpoint=f"127.0.0.1:{port}", bucket="data", access_key="test", secret_key="test",
                         region="us-east-1")
    finally:
        server.stop()


def test_training_data_in_s3_is_read_from_there(make_function: Factory, sqlite_url: str, controller: Controller,
                                                 s3: S3Settings, training_csv: Path) -> None:
    client = Minio(s3.endpoint, access_key=s3.access_key, secret_key=s3.secret_key, secure=False, region=s3.region)
    client.make_bucket("data")
    client.fput_object("data", "people/train.csv", str(training_csv))
    function = make_function(sqlite_url, s3=s3)
    version = controller.upload(f"people-{uuid.uuid4().hex[:6]}_metric", contract())
    answer = requests.post(f"{controller.url}/monitoring/profiles/batch/{version['id']}/s3",
                           json={"path": "s3://data/people/train.csv"}, timeout=10)
    assert answer.status_code == 200, answer.text
    function.handle(controller.training_event(answer.json()["id"]))
    job = _job(function, version["id"])
    assert (job.status, job.rows) == (SUCCESS, 2000)
    function.handle(controller.training_event(
        requests.post(f"{controller.url}/monitoring/profiles/batch/{version['id']}/s3",
                      json={"path": "s3://data/missing.csv"}, timeout=10).json()["id"]))
    missing = _job(function, version["id"])
    assert missing.status == FAILED and "NoSuchKey" in (missing.reason or "")


def test_a_catalog_that_does_not_know_the_upload_record_does_not_fail_the_job(
        make_function: Factory, sqlite_url: str, controller: Controller, tmp_path: Path) -> None:
    function = make_function(sqlite_url)
    version = controller.upload(f"people-{uuid.uuid4().hex[:6]}_metric", contract())
    csv = write_csv(tmp_path / "t.csv", rows(40, seed=2))
    event = cloudevent_http.new_event(
        {"id": "catalog-x", "source": events.SOURCE_CONTROLLER, "type": events.TRAININGDATA_UPLOADED},
        json.dumps({"action": "created", "object": {"id": 999_999, "modelVersionId": version["id"],
                                                    "uri": csv.as_uri()}}).encode())
    function.handle(event)
    job = _job(function, version["id"])
    assert (job.status, job.rows, job.profile_message) == (SUCCESS, 40, "6 fields profiled; not profiled: y: not a "
                                                                       "column of the training data")


@pytest.mark.parametrize(("data", "field"), [
    ({"object": None}, "data.object"),
    ({"object": {"modelVersionId": "1", "uri": "file:///x"}}, "data.object.modelVersionId"),
    ({"object": {"modelVersionId": 1}}, "data.object.uri"),
])
def test_a_malformed_training_event_is_refused_naming_the_field(make_function: Factory, sqlite_url: str,
                                                                data: dict[str, Any], field: str) -> None:
    event = cloudevent_http.new_event({"id": "e", "source": "/t", "type": events.TRAININGDATA_UPLOADED},
                                      json.dumps(data).encode())
    with pytest.raises(PermanentError) as refused:
        make_function(sqlite_url).handle(event)
    assert refused.value.field == field
