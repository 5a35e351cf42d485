"""The functions' read APIs as the UI fetches them: always answered, the outcome in an envelope.

Monitoring, alerts, explanations and projections are served by functions that may not be running
(or may have nothing yet for a model version: the monitoring function answers 404 "no monitoring
data yet"). A browser logs every 4xx/5xx response as a console error, and a page must say *why*
something is missing, so the UI reads those APIs through `/ui/reads/<path>`: the answer is 200 with
`{"ok", "status", "function", "body", "message"}`, where `status` and `body` are the function's and
`message` explains a failure in words (the function's own message when it gave one).

Only the functions' read paths are forwarded (`READ_PREFIXES`, the same table as the controller's
`function_proxy`), to the function's base URL and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from controller.errors import NotFound

READ_PREFIXES: tuple[tuple[str, str], ...] = (
    ("monitoring/", "monitoring"), ("stat/", "monitoring"), ("api/v2/alerts", "alerts"),
    ("rootcause/", "explainer"), ("visualization/", "projector"),
)
"""Path prefix (without the leading slash) -> the function that answers it."""
TIMEOUT_S = 60.0
Locate = Callable[[str], str | None]


@dataclass(frozen=True)
class ReadResult:
    """One forwarded read: the function's status and JSON body, or why there is none."""

    function: str
    status: int
    body: Any = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "status": self.status, "function": self.function, "body": self.body,
                "message": self.message}


def function_for(path: str) -> str:
    """The function answering `path` (no leading slash); NotFound for any other path."""
    segments = path.split("/")
    if any(segment in ("", ".", "..") for segment in segments[:-1]) or "\\" in path:
        raise NotFound(f"/ui/reads/{path}: not a function read path")
    for prefix, function in READ_PREFIXES:
        if path == prefix.rstrip("/") or path.startswith(prefix):
            return function
    known = ", ".join(f"/{prefix}" for prefix, _ in READ_PREFIXES)
    raise NotFound(f"/ui/reads/{path}: the UI reads only the functions' APIs ({known})")


class FunctionReader:
    """Forwards reads to the functions `locate` finds (base URL by function name, None when absent)."""

    def __init__(self, locate: Locate | None, session: requests.Session | None = None,
                 timeout_s: float = TIMEOUT_S) -> None:
        self._locate = locate
        self._session = session or requests.Session()
        self._timeout_s = timeout_s

    def read(self, method: str, path: str, query: Mapping[str, str] | None = None,
             body: bytes | None = None) -> ReadResult:
        function = function_for(path)
        base = self._locate(function) if self._locate is not None else None
        if base is None:
            return ReadResult(function, 503, message=f"The {function} function is not running here.")
        headers = {"Content-Type": "application/json"} if body else {}
        try:
            answer = self._session.request(method, f"{base.rstrip('/')}/{path}", params=dict(query or {}),
                                           data=body or None, headers=headers, timeout=self._timeout_s)
        except requests.RequestException as error:
            return ReadResult(function, 503, message=f"The {function} function did not answer ({_reason(error)}).")
        payload = _json(answer)
        if answer.ok:
            return ReadResult(function, answer.status_code, payload)
        return ReadResult(function, answer.status_code, payload, _message(payload, answer))


def _json(answer: requests.Response) -> Any:
    if not answer.content:
        return None
    try:
        return answer.json()
    except ValueError:
        return None


def _message(payload: Any, answer: requests.Response) -> str:
    """The function's own words (`error` or `message`), else the status line."""
    if isinstance(payload, Mapping):
        for key in ("message", "error"):
            if isinstance(payload.get(key), str) and payload[key]:
                return str(payload[key])
    text = answer.text.strip() if payload is None else ""
    return text[:300] if text and "<" not in text else f"HTTP {answer.status_code} {answer.reason}"


def _reason(error: requests.RequestException) -> str:
    if isinstance(error, requests.Timeout):
        return "timed out"
    if isinstance(error, requests.ConnectionError):
        return "connection refused or reset"
    return type(error).__name__
