"""Real HTTP servers for the tests: werkzeug in a thread (routing source, receivers, upstreams)."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

from flask import Flask, Response, request, stream_with_context
from werkzeug.serving import BaseWSGIServer, make_server


class ThreadedServer:
    """Any WSGI app on 127.0.0.1:<free port>, served by a thread until `close`."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class RoutingServer(ThreadedServer):
    """A controller stand-in: `GET /api/v2/plan/routing` as the controller serves it (ETag, 304 on
    If-None-Match), and `GET /api/v2/events`, an SSE stream whose second event waits for `sse_gate`."""

    def __init__(self, table: dict[str, Any] | None = None) -> None:
        self.table: dict[str, Any] = table or {"namespace": "hydro", "applications": {}, "servables": {}}
        self.down = False
        self.requests: list[str | None] = []  # the If-None-Match of each request
        self.sse_gate = threading.Event()
        app = Flask(__name__)
        app.add_url_rule("/api/v2/plan/routing", view_func=self._routing)
        app.add_url_rule("/api/v2/events", view_func=self._events)
        super().__init__(app)

    def close(self) -> None:
        self.sse_gate.set()
        super().close()

    def _events(self) -> Response:
        def stream() -> Iterator[str]:
            yield 'event: ModelUpdate\ndata: {"id": 1}\n\n'
            if self.sse_gate.wait(10):
                yield 'event: ModelUpdate\ndata: {"id": 2}\n\n'
        return Response(stream_with_context(stream()), content_type="text/event-stream")

    @property
    def etag(self) -> str:
        return hashlib.sha256(json.dumps(self.table, sort_keys=True).encode()).hexdigest()[:16]

    def _routing(self) -> Response:
        self.requests.append(request.headers.get("If-None-Match"))
        if self.down:
            return Response("controller down", status=503)
        if request.if_none_match.contains(self.etag):
            unchanged = Response(status=304)
            unchanged.set_etag(self.etag)
            return unchanged
        response = Response(json.dumps(self.table), content_type="application/json")
        response.set_etag(self.etag)
        return response


class Receiver(ThreadedServer):
    """Records every POST (headers, body); answers `statuses` in turn, then 202."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses = list(statuses or [])
        self._lock = threading.Lock()
        app = Flask(__name__)
        app.add_url_rule("/", view_func=self._receive, methods=["POST"])
        super().__init__(app)

    def _receive(self) -> Response:
        with self._lock:
            status = self.statuses.pop(0) if self.statuses else 202
            if status < 300:
                self.received.append(({k.lower(): v for k, v in request.headers.items()}, request.get_data()))
        return Response(status=status)
