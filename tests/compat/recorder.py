"""A request recorder for client-contract tests: a real HTTP server that answers from a table.

It is not an implementation of Hydro's API. Each test states the few answers the client needs to
go on (a JSON body, an SSE stream) and then asserts on what the real client sent: method, path,
query, content type, JSON body or multipart parts.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Request, Response, request
from werkzeug.serving import BaseWSGIServer, make_server

Reply = Callable[[Request], Response]


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str
    query: str
    content_type: str | None
    body: bytes
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str | None, bytes]] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)


def json_reply(payload: Any, status: int = 200) -> Reply:
    """Answer with a JSON document."""
    return lambda _req: Response(json.dumps(payload), status=status, mimetype="application/json")


def sse_reply(events: list[tuple[str, str]]) -> Reply:
    """Answer with a finite `text/event-stream`: one `event:`/`data:` block per (name, data)."""

    def stream() -> Iterator[str]:
        for index, (name, data) in enumerate(events):
            yield f"id: {index}\nevent: {name}\ndata: {data}\n\n"

    return lambda _req: Response(stream(), mimetype="text/event-stream")


class Recorder:
    """Serves `routes` ((METHOD, path) -> reply) on 127.0.0.1 and records every request."""

    def __init__(self, routes: dict[tuple[str, str], Reply]) -> None:
        self.routes = routes
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "recorder is not started"
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> Recorder:
        self._server = make_server("127.0.0.1", 0, self._app(), threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def calls(self) -> list[tuple[str, str]]:
        """(method, path) of every recorded request, in arrival order."""
        with self._lock:
            return [(r.method, r.path) for r in self.requests]

    def find(self, method: str, path: str) -> RecordedRequest:
        """The first recorded request with that method and path."""
        with self._lock:
            for recorded in self.requests:
                if (recorded.method, recorded.path) == (method, path):
                    return recorded
        raise AssertionError(f"no {method} {path} among {self.calls()}")

    def _app(self) -> Flask:
        app = Flask("hydro-compat-recorder")

        @app.route("/", defaults={"path": ""}, methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
        @app.route("/<path:path>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
        def handle(path: str) -> Response:
            recorded = _record(request)
            with self._lock:
                self.requests.append(recorded)
            reply = self.routes.get((recorded.method, recorded.path))
            if reply is None:
                return Response(json.dumps({"error": "NotFound"}), 404, mimetype="application/json")
            return reply(request)

        return app


def _record(req: Request) -> RecordedRequest:
    if req.mimetype == "multipart/form-data":
        files = {name: (part.filename, part.read()) for name, part in req.files.items()}
        return RecordedRequest(
            req.method,
            req.path,
            req.query_string.decode(),
            req.content_type,
            b"",
            form=dict(req.form),
            files=files,
        )
    return RecordedRequest(req.method, req.path, req.query_string.decode(), req.content_type, req.get_data())
