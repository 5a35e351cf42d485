"""Helpers for the API tests: a live server in a thread and uploads shaped as hydrosdk sends them."""

from __future__ import annotations

import io
import json
import tarfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import BaseWSGIServer, make_server

from controller.settings import AuthSettings, ControllerSettings, UploadLimits

UPLOAD_LIMIT = 512 * 1024
SIGNATURE = {
    "signatureName": "predict",
    "inputs": [{"name": "x", "profile": "NUMERICAL", "shape": {"dims": []}, "dtype": "DT_DOUBLE"}],
    "outputs": [{"name": "y", "profile": "NUMERICAL", "shape": {"dims": []}, "dtype": "DT_DOUBLE"}],
}
FUNC_MAIN = "def predict(x):\n    return {'y': x * 2}\n"


def make_settings(home: Path, database_url: str = "") -> ControllerSettings:
    limits = UploadLimits(max_upload_bytes=UPLOAD_LIMIT, max_files=50, max_unpacked_bytes=4 * UPLOAD_LIMIT)
    return ControllerSettings(home=home, database_url=database_url, uploads=limits, build_workers=2,
                              auth=AuthSettings(enabled=False))


@dataclass(frozen=True)
class LiveServer:
    url: str
    server: BaseWSGIServer


def serve(app: Flask) -> Iterator[LiveServer]:
    """Run `app` on a free port in a thread (threaded, so SSE streams do not block others)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{server.server_port}", server)
    server.shutdown()
    thread.join(timeout=5)


def tarball(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in files.items():
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def metadata(name: str, **changes: Any) -> dict[str, Any]:
    """The `metadata` part exactly as hydrosdk 3.0.3's ModelVersionBuilder.build sends it."""
    meta = {
        "name": name,
        "runtime": {"name": "hydrosphere/serving-runtime-python-3.7", "tag": "3.0.0"},
        "modelSignature": SIGNATURE,
        "installCommand": None,
        "metadata": {"team": "tests"},
        "monitoringConfiguration": {"batchSize": 10},
    }
    meta.update(changes)
    return meta


def upload_form(name: str, files: dict[str, bytes | str] | None = None, **changes: Any) -> dict[str, Any]:
    payload = tarball(files or {"src/func_main.py": FUNC_MAIN})
    return {"payload": (io.BytesIO(payload), "payload.tar.gz"), "metadata": json.dumps(metadata(name, **changes))}


def upload(client: FlaskClient, name: str, **changes: Any) -> dict[str, Any]:
    response = client.post("/api/v2/model/upload", data=upload_form(name, **changes),
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def wait_status(client: FlaskClient, version_id: int, timeout: float = 60) -> dict[str, Any]:
    """Poll until the version's build is over; returns its JSON."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/v2/model/version/{version_id}").get_json()
        if body["status"] != "Assembling":
            return body  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError(f"model version {version_id} still Assembling after {timeout}s")


def released(client: FlaskClient, name: str, **changes: Any) -> dict[str, Any]:
    body = wait_status(client, upload(client, name, **changes)["id"])
    assert body["status"] == "Released", body
    return body


def assert_error(response: Any, status: int, field: str | None = None, contains: str = "") -> dict[str, Any]:
    """The error envelope: status, `code`, a `message` naming the problem, and the `field`."""
    body = response.get_json()
    assert response.status_code == status, body
    assert set(body) <= {"code", "message", "field", "error"} and body["code"] and body["message"]
    assert body["error"] in {"InvalidRequest", "NotFound", "MethodNotAllowed", "Conflict", "PayloadTooLarge",
                             "Unavailable", "InternalException"}
    if field is not None:
        assert body.get("field") == field, body
    assert contains in body["message"], body
    return body  # type: ignore[no-any-return]


@dataclass(frozen=True)
class SseEvent:
    id: str | None
    event: str
    data: str


def read_sse(lines: Iterator[str]) -> Iterator[SseEvent]:
    """Events from the lines of a streaming HTTP response (a minimal, independent SSE reader)."""
    event_id, name, data = None, "message", []
    for line in lines:
        if line == "":
            if data:
                yield SseEvent(event_id, name, "\n".join(data))
            event_id, name, data = None, "message", []
        elif line.startswith("id: "):
            event_id = line[4:]
        elif line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
