"""End to end through `python -m functions`: the explainer as a process, no Broker (the request
runs on its local thread), the model found through the controller's routing table and called
through `HYDRO_UPSTREAM`, the stored request read from the monitoring API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.functions.explainer.conftest import Models
from tests.functions.explainer.processes import FunctionProcess
from tests.functions.explainer.support import MonitoringStandIn, check_document
from tests.functions.monitoring.support import Controller


@pytest.fixture
def deployed(controller: Controller, models: Models) -> Iterator[None]:
    """The tabular version as a servable in the catalog, so the routing table lists it."""
    answer = requests.post(f"{controller.url}/api/v2/servable", json={
        "modelName": models.tabular["model"]["name"], "version": models.tabular["modelVersion"]}, timeout=10)
    assert answer.status_code == 200, answer.text
    yield
    requests.delete(f"{controller.url}/api/v2/servable/{answer.json()['fullName']}", timeout=10)


def test_an_anchor_through_the_function_process(controller: Controller, models: Models, deployed: None,
                                                monitoring: MonitoringStandIn, tmp_path: Path) -> None:
    request_id = monitoring.add(check_document(
        1, models.tabular, {"age": [62.0], "hours": [44.0], "color": ["green"], "y": [1]}))
    process = FunctionProcess("explainer", {
        "HYDRO_HOME": str(tmp_path), "HYDRO_CONTROLLER_URL": controller.url, "HYDRO_MONITORING_URL": monitoring.url,
        "HYDRO_UPSTREAM": models.tabular_target, "HYDRO_INTERPRET_MAX_TRAINING_ROWS": "1000"})
    try:
        answer = requests.post(f"{process.url}/rootcause/explanation", timeout=10, json={
            "method": "anchor", "model_version_id": models.tabular["id"], "explained_request_id": request_id,
            "config": {"max_model_rows": 3000, "coverage_samples": 1000}})
        assert answer.status_code == 202, answer.text
        job = process.poll(f"/rootcause/explanation/{answer.json()['id']}")
        assert job["state"] == "SUCCESS", (job, process.output()[-3000:])
        assert job["result"]["target"] == 1 and "age" in job["result"]["anchor"]
    finally:
        process.stop()
