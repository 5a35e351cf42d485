"""The functions authenticate to the manager API with `HYDRO_CONTROLLER_TOKEN` (scope `functions`).

A real controller app with authentication ENABLED (the functions' token stored at start from
HYDRO_FUNCTIONS_CONTROLLER_TOKEN, as on Knative) and a real `python -m functions` process serving
the monitoring function: with the token it reads routing and versions and its detector job uploads
`<model>_metric` and creates the MetricSpec; without it the job fails on a clear 401 and the
routing poll logs 401; a read-only token is refused (403) where the job writes. No token text in
any log. The token rides only to the controller's origin, never to another port on the same host.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from controller.api.app import create_app, open_catalog
from controller.api.context import EXTENSION
from controller.builds import BuildRunner
from controller.catalog import Catalog
from controller.relay import to_cloudevent
from controller.settings import AuthSettings, ControllerSettings, UploadLimits
from functions.host.controller_client import ControllerAuth, controller_session
from functions.host.settings import FunctionSettings, SettingsError
from functions.monitoring.errors import BadRequest
from functions.monitoring.manager import ManagerApi
from protos import events
from protos.auth import mint
from tests.conftest import free_port
from tests.controller.api.support import serve
from tests.functions.monitoring.processes import FunctionProcess, reply_of
from tests.functions.monitoring.support import PYTHON_RUNTIME, SUM_MODEL, contract, rows, signature, tarball, write_csv

pytestmark = pytest.mark.slow
ADMIN, FUNCTIONS = str(mint()), str(mint())


@dataclass
class Platform:
    url: str
    catalog: Catalog
    admin: requests.Session
    home: Path

    def token(self, *scopes: str) -> str:
        answer = self.admin.post(f"{self.url}/api/v2/auth/tokens", json={"name": "t", "scopes": list(scopes)})
        assert answer.status_code == 201, answer.text
        return str(answer.json()["token"])

    def training_event(self, version_id: int, csv: Path) -> Any:
        with csv.open("rb") as body:
            answer = self.admin.post(f"{self.url}/monitoring/profiles/batch/{version_id}", data=body, timeout=30)
        assert answer.status_code == 200, answer.text
        data_id = answer.json()["id"]
        found = [e for e in self.catalog.events_since(0, 10_000)
                 if e.type == events.TRAININGDATA_UPLOADED and e.data["object"]["id"] == data_id]
        return to_cloudevent(found[-1])


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    home = tmp_path_factory.mktemp("auth")
    settings = ControllerSettings(home=home / "controller", build_workers=2,
                                  uploads=UploadLimits(max_upload_bytes=64 * 1024 * 1024),
                                  auth=AuthSettings(enabled=True, bootstrap_token=ADMIN, functions_token=FUNCTIONS))
    catalog = open_catalog(settings)
    app = create_app(settings, catalog, poll_seconds=0.05)
    server = serve(app)
    live = next(server)
    admin = requests.Session()
    admin.headers["Authorization"] = f"Bearer {ADMIN}"
    try:
        yield Platform(live.url, catalog, admin, home)
    finally:
        next(server, None)
        builds = app.extensions[EXTENSION].builds
        if isinstance(builds, BuildRunner):
            builds.shutdown(wait=True)
        catalog.database.dispose()


def _upload(platform: Platform, name: str) -> int:
    meta = {"name": name, "runtime": {"name": PYTHON_RUNTIME.split(":")[0], "tag": "3.0.0"},
            "modelSignature": signature(contract()), "installCommand": None, "metadata": {},
            "monitoringConfiguration": {"batchSize": 100}}
    files: dict[str, tuple[str | None, str | bytes]] = {
        "metadata": (None, json.dumps(meta)), "payload": ("filename", tarball({"src/func_main.py": SUM_MODEL}))}
    answer = platform.admin.post(f"{platform.url}/api/v2/model/upload", files=files, timeout=30)
    assert answer.status_code == 200, answer.text
    version_id = int(answer.json()["id"])
    deadline = time.monotonic() + 60
    while platform.admin.get(f"{platform.url}/api/v2/model/version/{version_id}").json()["status"] == "Assembling":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return version_id


def _job(platform: Platform, name: str, token: str | None) -> tuple[dict[str, Any], str]:
    """Start a monitoring function with `token`, hand it a training upload; its finished job (or
    `{"refused": <answer>}` when the event itself is refused) and its log."""
    version_id = _upload(platform, name)
    event = platform.training_event(version_id, write_csv(platform.home / f"{name}.csv", rows(300, seed=1)))
    env = {"HYDRO_HOME": str(platform.home / name), "HYDRO_CONTROLLER_URL": platform.url,
           **({"HYDRO_CONTROLLER_TOKEN": token} if token else {})}
    function = FunctionProcess(free_port(), env)
    try:
        answer = function.post(event)
        if answer.status_code == 400:
            time.sleep(1.2)  # at least one routing poll (1 s) reaches the log
            return {"refused": answer.json()["error"]}, function.output()
        assert reply_of(answer) is None
        deadline = time.monotonic() + 90
        while (job := function.get(f"/monitoring/outliers/{version_id}"))["status"] not in ("SUCCESS", "FAILED"):
            assert time.monotonic() < deadline, function.output()[-3000:]
            time.sleep(0.2)
        time.sleep(1.2)  # at least one more routing poll (1 s) reaches the log
        return job, function.output()
    finally:
        function.stop()


def test_with_the_functions_token_the_detector_is_uploaded_and_attached(platform: Platform) -> None:
    job, log = _job(platform, "people", FUNCTIONS)
    assert job["status"] == "SUCCESS", (job, log[-3000:])
    detector = platform.admin.get(f"{platform.url}/api/v2/model/version/{job['metricModelVersionId']}").json()
    assert (detector["model"]["name"], detector["status"]) == ("people_metric", "Released")
    specs = platform.admin.get(f"{platform.url}/api/v2/monitoring/metricspec/modelversion/{job['modelVersionId']}")
    assert [s["config"]["modelVersionId"] for s in specs.json()] == [detector["id"]]
    assert "routing table" not in log  # polled without a single refusal
    assert FUNCTIONS not in log and FUNCTIONS.rsplit("_", 1)[1] not in log


def test_without_a_token_the_job_fails_on_a_clear_401(platform: Platform) -> None:
    job, log = _job(platform, "anonymous", None)
    # The event needs the model version first: refused at once, with the controller's reason.
    assert "GET /api/v2/model/version/" in job["refused"], job
    assert "refused (401): authentication required" in job["refused"], job
    assert "routing table from" in log and "unavailable (HTTP 401)" in log
    assert "hydro_" not in log


def test_a_read_only_token_is_refused_where_the_job_writes(platform: Platform) -> None:
    reader = platform.token("read")
    job, log = _job(platform, "reader", reader)
    assert job["status"] == "FAILED"
    assert "refused (403)" in job["reason"] and "needs scope deploy or functions" in job["reason"], job
    assert reader not in log and reader.rsplit("_", 1)[1] not in log
    # The upload itself, with the client the function builds from its settings.
    manager = ManagerApi(platform.url, 10, controller_session(_settings(platform.url, reader)))
    archive = platform.home / "detector.tar.gz"
    archive.write_bytes(tarball({"src/func_main.py": SUM_MODEL}))
    with pytest.raises(BadRequest, match=r"POST /api/v2/model/upload refused \(403\)"):
        manager.upload_model(archive, {"name": "reader_metric"})


def test_the_functions_scope_reaches_only_its_routes(platform: Platform) -> None:
    functions = requests.Session()
    functions.headers["Authorization"] = f"Bearer {FUNCTIONS}"
    assert functions.get(f"{platform.url}/api/v2/plan/routing").status_code == 200
    assert functions.get(f"{platform.url}/api/v2/model/version/1").status_code == 200
    for method, path in (("GET", "/api/v2/application"), ("GET", "/api/v2/model"), ("GET", "/api/v2/auth/tokens"),
                         ("POST", "/api/v2/application"), ("DELETE", "/api/v2/model/1"),
                         ("GET", "/api/v2/auth/verifiers")):
        answer = functions.request(method, f"{platform.url}{path}", json={})
        assert answer.status_code == 403, (method, path, answer.text)


class _Recorder(BaseHTTPRequestHandler):
    seen: list[str | None] = []

    def do_GET(self) -> None:
        type(self).seen.append(self.headers.get("Authorization"))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


def test_the_token_goes_to_the_controller_origin_only() -> None:
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), _Recorder) for _ in range(2)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    controller, other = (f"http://127.0.0.1:{s.server_port}" for s in servers)
    try:
        session = controller_session(_settings(controller, FUNCTIONS))
        session.get(f"{controller}/api/v2/plan/routing", timeout=5)
        session.get(f"{other}/webhook", timeout=5)  # same host, another port: a webhook receiver
        session.get(f"{controller.replace('127.0.0.1', 'localhost')}/x", timeout=5)  # another host name
    finally:
        for server in servers:
            server.shutdown()
    assert _Recorder.seen == [f"Bearer {FUNCTIONS}", None, None]
    assert FUNCTIONS not in repr(session.auth) and isinstance(session.auth, ControllerAuth)
    assert controller_session(_settings(controller, None)).auth is None


def test_a_malformed_token_stops_the_start_without_repeating_it(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SettingsError) as error:
        FunctionSettings.from_env({"HYDRO_CONTROLLER_TOKEN": "not-a-token-secret-value"})
    assert error.value.variable == "HYDRO_CONTROLLER_TOKEN" and "not-a-token-secret-value" not in str(error.value)
    settings = FunctionSettings.from_env({"HYDRO_CONTROLLER_TOKEN": FUNCTIONS})
    assert settings.controller_token == FUNCTIONS and FUNCTIONS not in repr(settings)


def _settings(controller_url: str, token: str | None) -> FunctionSettings:
    return FunctionSettings(controller_url=controller_url, controller_token=token)
