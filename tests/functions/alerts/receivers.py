"""Real webhook receivers for the tests: werkzeug servers in a thread, one of them checking every
body against Alertmanager's API v2 `postableAlerts` schema (and answering 400 as it would)."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from flask import Flask, request
from werkzeug.serving import BaseWSGIServer, make_server

from tests.conftest import free_port

POSTABLE_ALERT_KEYS = {"labels", "annotations", "startsAt", "endsAt", "generatorURL"}


def postable_alerts_problems(body: Any) -> list[str]:
    """What makes `body` an invalid `postableAlerts` (Alertmanager's OpenAPI v2); empty when valid."""
    if not isinstance(body, list):
        return ["the body is not a JSON list"]
    problems = []
    for index, alert in enumerate(body):
        if not isinstance(alert, dict):
            problems.append(f"[{index}] is not an object")
            continue
        problems += [f"[{index}].{key}: unknown property" for key in set(alert) - POSTABLE_ALERT_KEYS]
        for key in ("labels", "annotations"):
            value = alert.get(key, {} if key == "annotations" else None)
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                problems.append(f"[{index}].{key}: not a label set (string to string)")
        for key in ("startsAt", "endsAt"):
            if key in alert and not _date_time(alert[key]):
                problems.append(f"[{index}].{key}: not an RFC 3339 date-time: {alert[key]!r}")
        if "generatorURL" in alert and not urlparse(str(alert["generatorURL"])).scheme:
            problems.append(f"[{index}].generatorURL: not a URI")
    return problems


def _date_time(value: Any) -> bool:
    try:
        return isinstance(value, str) and datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return False


class Receiver:
    """Records the JSON bodies POSTed to `path` on 127.0.0.1:`port` (`start` may come late) and
    answers `statuses` in turn, then 200."""

    def __init__(self, path: str, *, alertmanager: bool = False, port: int | None = None,
                 statuses: list[int] | None = None) -> None:
        self.path = path
        self.alertmanager = alertmanager
        self.statuses = list(statuses or [])
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}{path}"
        self.bodies: list[Any] = []
        self.problems: list[str] = []
        self._lock = threading.Lock()
        self._server: BaseWSGIServer | None = None
        self._app = Flask(__name__)
        self._app.add_url_rule(path, view_func=self._receive, methods=["POST"])

    def start(self) -> Receiver:
        self._server = make_server("127.0.0.1", self.port, self._app, threaded=True)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Any]:
        """The bodies received, once there are at least `count` of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.bodies) >= count:
                    return list(self.bodies)
            time.sleep(0.05)
        raise AssertionError(f"{self.url} received {len(self.bodies)} bodies, expected {count}")

    def _receive(self) -> tuple[str, int]:
        body = json.loads(request.get_data())
        problems = postable_alerts_problems(body) if self.alertmanager else []
        with self._lock:
            self.bodies.append(body)
            self.problems += problems
            status = self.statuses.pop(0) if self.statuses else 200
        return ("invalid alerts", 400) if problems else (f"answered {status}", status)
