"""The engine's own HTTP endpoints, on one threaded werkzeug server on a loopback port.

- `POST /sequences/<namespace>/<name>`: run a Sequence on the CloudEvent (binary or structured);
- `POST /dead-letter`: log an event a Trigger gave up on and answer 202 (the broker already
  keeps its own copy, queryable with `LocalBroker.dead_letters`).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.serving import BaseWSGIServer, make_server

from controller.errors import HydroError, NotFound
from controller.local.broker import codec
from controller.local.engine.sequence import SequenceRoute, SequenceRunner

logger = logging.getLogger(__name__)

MAX_EVENT_BYTES = 10 * 1024 * 1024
SequenceLookup = Callable[[str, str], "SequenceRoute | None"]


class DeadLetters:
    """What reached the dead-letter endpoint: a count and the newest few, for `stats()`."""

    def __init__(self, keep: int = 20) -> None:
        self._lock = threading.Lock()
        self.count = 0
        self.recent: deque[dict[str, Any]] = deque(maxlen=keep)

    def add(self, attributes: dict[str, Any]) -> None:
        with self._lock:
            self.count += 1
            self.recent.append(attributes)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"count": self.count, "recent": list(self.recent)}


def create_endpoints_app(sequences: SequenceLookup, runner: SequenceRunner, dead_letters: DeadLetters) -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_EVENT_BYTES

    @app.post("/sequences/<namespace>/<name>")
    def run_sequence(namespace: str, name: str) -> tuple[Response, int]:
        sequence = sequences(namespace, name)
        if sequence is None:
            raise NotFound(f"Sequence {namespace}/{name} does not exist")
        result = runner.run(sequence, codec.parse_http(dict(request.headers.items()), request.get_data()))
        return jsonify({"message": result.message}), result.status

    @app.post("/dead-letter")
    def dead_letter() -> tuple[str, int]:
        event = codec.parse_http(dict(request.headers.items()), request.get_data())
        attributes = {k: str(v) for k, v in event.get_attributes().items()}
        dead_letters.add(attributes)
        logger.warning("dead letter: event %s (%s) from %s, destination %s, HTTP %s", attributes.get("id"),
                       attributes.get("type"), attributes.get("source"), attributes.get("knativeerrordest"),
                       attributes.get("knativeerrorcode", "none"))
        return "", 202

    @app.errorhandler(HydroError)
    def hydro_error(error: HydroError) -> tuple[Response, int]:
        return jsonify(error.to_dict()), error.status

    return app


class EndpointServer:
    """A threaded werkzeug server for one WSGI app; bound at construction, served after `start()`."""

    def __init__(self, app: Flask, host: str, port: int) -> None:
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True)
        self.port = int(self._server.server_port)
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,), name="engine-endpoints",
                                        daemon=True)

    def start(self) -> None:
        if not self._thread.is_alive():
            self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()
