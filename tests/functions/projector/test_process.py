"""End to end through `python -m functions`: the projector as a process, no Broker (the request
runs on its local thread), training data from the controller, stored requests from the monitoring
API. Slow: UMAP compiles its kernels (numba) in every new process."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.functions.explainer.processes import FunctionProcess
from tests.functions.explainer.support import MonitoringStandIn
from tests.functions.monitoring.support import Controller
from tests.functions.projector.conftest import PRODUCTION, Versions


@pytest.mark.slow
def test_a_projection_through_the_function_process(controller: Controller, versions: Versions,
                                                   monitoring: MonitoringStandIn, tmp_path: Path) -> None:
    process = FunctionProcess("projector", {"HYDRO_HOME": str(tmp_path), "HYDRO_CONTROLLER_URL": controller.url,
                                            "HYDRO_MONITORING_URL": monitoring.url})
    try:
        answer = requests.post(f"{process.url}/visualization/projection/{versions.tabular['id']}",
                               json={"n_epochs": 30, "max_points": 10}, timeout=10)
        assert answer.status_code == 202, answer.text
        job = process.poll(f"/visualization/projection/{answer.json()['id']}", timeout=90)
        assert job["state"] == "SUCCESS", (job, process.output()[-3000:])
        # The ten newest stored requests: the failed one (id PRODUCTION + 1) is not placed.
        assert job["result"]["requests"] == {"read": 10, "projected": 9, "skipped": 1}
        newest = {str(i) for i in range(PRODUCTION - 8, PRODUCTION + 1)}
        assert {p["requestId"] for p in job["result"]["points"]} == newest
    finally:
        process.stop()
