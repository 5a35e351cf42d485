"""The SSE endpoints over real HTTP: the build log while a build runs, and `/api/v2/events`."""

from __future__ import annotations

import io
import json
import threading
from typing import Any

import pytest
import requests

from controller.api import event_stream
from controller.catalog import Catalog
from tests.controller.api.support import LiveServer, SseEvent, metadata, read_sse, tarball

SLOW_INSTALL = "echo step-one; sleep 1; echo step-two"


def post_upload(live: LiveServer, name: str, **changes: Any) -> dict[str, Any]:
    files = {"payload": ("payload.tar.gz", io.BytesIO(tarball({"src/func_main.py": "x = 1\n"})))}
    response = requests.post(f"{live.url}/api/v2/model/upload", files=files,
                             data={"metadata": json.dumps(metadata(name, **changes))}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def stream(live: LiveServer, path: str, **headers: str) -> requests.Response:
    response = requests.get(f"{live.url}{path}", stream=True, timeout=(5, 30), headers=headers)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/event-stream")
    return response


def test_upload_then_live_build_log_then_released(live: LiveServer) -> None:
    version = post_upload(live, "slow", installCommand=SLOW_INSTALL)
    assert version["status"] == "Assembling"
    url = f"{live.url}/api/v2/model/version/{version['id']}"
    status_at_step_one = None
    events: list[SseEvent] = []
    with stream(live, f"/api/v2/model/version/{version['id']}/logs") as response:
        for event in read_sse(response.iter_lines(decode_unicode=True)):
            events.append(event)
            if event.data == "step-one":
                status_at_step_one = requests.get(url, timeout=5).json()["status"]
    # step-one arrived while the build was still running: the log is live, not replayed afterwards.
    assert status_at_step_one == "Assembling"
    lines = [event.data for event in events if event.event == "Log"]
    assert events[-1].event == "EndOfStream"
    # The stream ended on its own, after the build: the version is final and the log complete.
    final = requests.get(url, timeout=5).json()
    assert final["status"] == "Released", final
    assert "step-one" in lines and "step-two" in lines
    assert lines.index("step-one") < lines.index("step-two")


def collect(response: requests.Response, wanted: int, into: list[SseEvent]) -> None:
    for event in read_sse(response.iter_lines(decode_unicode=True)):
        into.append(event)
        if len(into) >= wanted:
            return


def test_events_stream_reports_changes_with_ids(live: LiveServer, catalog: Catalog) -> None:
    received: list[SseEvent] = []
    with stream(live, "/api/v2/events") as response:
        reader = threading.Thread(target=collect, args=(response, 3, received), daemon=True)
        reader.start()
        version = post_upload(live, "claims")
        requests.post(f"{live.url}/api/v2/deployment_configuration", json={"name": "small"}, timeout=5)
        reader.join(timeout=20)
    names = [e.event for e in received]
    assert "ModelUpdate" in names and "DeploymentConfigurationUpdate" in names
    update = next(e for e in received if e.event == "ModelUpdate")
    assert json.loads(update.data)["id"] == version["id"]
    ids = [int(e.id or 0) for e in received]
    assert ids == sorted(ids) and ids[0] > 0


def test_last_event_id_resumes_after_it(live: LiveServer, catalog: Catalog) -> None:
    for name in ("one", "two"):
        requests.post(f"{live.url}/api/v2/deployment_configuration", json={"name": name}, timeout=5)
    first = catalog.events_since(0)[0].id
    received: list[SseEvent] = []
    with stream(live, "/api/v2/events", **{"Last-Event-ID": str(first)}) as response:
        collect(response, 1, received)
    assert received[0].event == "DeploymentConfigurationUpdate"
    assert json.loads(received[0].data)["name"] == "two" and int(received[0].id or 0) > first


def test_removal_is_reported_with_the_name(live: LiveServer, catalog: Catalog) -> None:
    requests.post(f"{live.url}/api/v2/deployment_configuration", json={"name": "gone"}, timeout=5)
    cursor = catalog.last_event_id()
    requests.delete(f"{live.url}/api/v2/deployment_configuration/gone", timeout=5)
    received: list[SseEvent] = []
    with stream(live, f"/api/v2/events?since={cursor}") as response:
        collect(response, 1, received)
    assert (received[0].event, json.loads(received[0].data)) == ("DeploymentConfigurationRemove", "gone")


def test_idle_stream_sends_heartbeats(live: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(event_stream, "HEARTBEAT_EVERY_S", 0.2)
    received: list[SseEvent] = []
    with stream(live, "/api/v2/events") as response:
        collect(response, 1, received)
    assert (received[0].event, received[0].data) == ("Heartbeat", "{}")


@pytest.mark.parametrize("value", ["abc", "-1"])
def test_bad_last_event_id_is_400(live: LiveServer, value: str) -> None:
    response = requests.get(f"{live.url}/api/v2/events", headers={"Last-Event-ID": value}, timeout=5)
    assert response.status_code == 400 and response.json()["field"] == "Last-Event-ID"
