"""Helpers for the engine tests: a recording status sink, gRPC calls through the activator,
a real HTTP server standing in for the gateway's CloudEvents stage endpoints, and waiting."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import grpc
import numpy as np
from cloudevents.core.v1.event import CloudEvent
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from controller.local.broker import codec
from controller.local.engine import ApplicationStatus, ProcessCommand, ServiceStatus
from controller.planner.images import RUNTIME_IMAGE
from protos import events
from protos.codec import arrays_to_tensors, tensors_to_arrays
from protos.hydrosphere.serving.runtime import api_pb2, api_pb2_grpc

REPO = Path(__file__).resolve().parents[4]
HERE = Path(__file__).resolve().parent
RECORDER_IMAGE = "test/recorder:1"
NAMESPACE = "hydro"
T = TypeVar("T")


def command_for(manifest: Mapping[str, Any]) -> ProcessCommand:
    """What `hydro up` does: the runtime image runs `python -m runtimes`; here the functions
    image is the recorder script."""
    image = manifest["spec"]["template"]["spec"]["containers"][0]["image"]
    env = {"PYTHONPATH": str(REPO)}
    if image == RUNTIME_IMAGE:
        return ProcessCommand((sys.executable, "-m", "runtimes"), env, REPO,
                              warm_pool=(sys.executable, "-m", "runtimes.zygote"))
    if image == RECORDER_IMAGE:
        return ProcessCommand((sys.executable, str(HERE / "recorder_function.py")), env, REPO)
    raise LookupError(f"no command for image {image}")


def host(name: str) -> str:
    return f"{name}.{NAMESPACE}.svc.cluster.local"


class RecordingSink:
    """A StatusSink keeping every call."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.services: list[ServiceStatus] = []
        self.applications: list[ApplicationStatus] = []

    def service_status(self, status: ServiceStatus) -> None:
        with self.lock:
            self.services.append(status)

    def application_status(self, status: ApplicationStatus) -> None:
        with self.lock:
            self.applications.append(status)

    def last_service(self, name: str) -> ServiceStatus | None:
        with self.lock:
            return next((s for s in reversed(self.services) if s.name == name), None)

    def last_application(self, name: str) -> ApplicationStatus | None:
        with self.lock:
            return next((a for a in reversed(self.applications) if a.name == name), None)


@dataclass(frozen=True)
class Answer:
    outputs: dict[str, np.ndarray]
    metadata: dict[str, str]


class Client:
    """Predict calls through the activator, addressed with `hydro-target`."""

    def __init__(self, address: str) -> None:
        self.channel = grpc.insecure_channel(address)
        self.stub = api_pb2_grpc.PredictionServiceStub(self.channel)

    def predict(self, target: str, arrays: dict[str, Any], timeout: float = 30.0) -> Answer:
        request = api_pb2.PredictRequest(inputs=arrays_to_tensors(arrays))
        response, call = self.stub.Predict.with_call(request, metadata=[("hydro-target", target)], timeout=timeout)
        return Answer(tensors_to_arrays(response.outputs), {k: v for k, v in call.initial_metadata()})

    def close(self) -> None:
        self.channel.close()


def wait_until(predicate: Callable[[], T], timeout: float = 20.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout}s")
        time.sleep(0.05)


class StageServer:
    """The gateway's `/gateway/cloudevents/stage/<app>/<i>` endpoints, as a real HTTP server.

    Each stage replies with a `dev.hydro.prediction.response` event whose data lists the stages
    passed so far; data `{"fail": <status>}` makes stage 0 answer that status instead.
    """

    def __init__(self) -> None:
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @Request.application
    def _app(self, request: Request) -> Response:
        event = codec.parse_http(dict(request.headers.items()), request.get_data())
        data = event.get_data()
        data = json.loads(data) if isinstance(data, bytes | str) else dict(data or {})
        stage = int(request.path.rsplit("/", 1)[1])
        if stage == 0 and "fail" in data:
            return Response(f"stage refused the event: {data}", status=int(data["fail"]))
        attributes = {"id": f"{event.get_id()}-{stage}", "source": "/hydro/gateway", "specversion": "1.0",
                      "type": events.PREDICTION_RESPONSE, "datacontenttype": "application/json",
                      events.EXT_APP: str(event.get_attributes().get(events.EXT_APP))}
        reply = codec.to_binary(CloudEvent(attributes, {**data, "stages": [*data.get("stages", []), stage]}))
        return Response(reply.body, status=200, headers=dict(reply.headers))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def read_records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def environ_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode("utf-8", "replace").split("\0") if "=" in item)
