"""The `hydro` CLI's only way to the controller: HTTP calls to the manager API.

Every non-2xx answer becomes an `ApiError` carrying the server's `{code, message, field}`
envelope; a refused connection becomes an `ApiError` with status 0, so commands report both the
same way. Uploads stream from disk with a known length and report progress as they go.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests

Progress = Callable[[int], None]
"""Called with the number of bytes just sent."""

DEFAULT_TIMEOUT_S = 30.0
CHUNK = 64 * 1024


class ApiError(Exception):
    """The API answered with an error (or could not be reached: status 0)."""

    def __init__(self, status: int, message: str, code: str = "", field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


class StreamedBody:
    """A request body read piece by piece from bytes and files, with a known total length.

    requests sends a body that has `__len__` with a Content-Length header, which lets the server
    reject an oversized upload before reading it.
    """

    def __init__(self, parts: list[bytes | Path], progress: Progress | None = None) -> None:
        self._parts = parts
        self._length = sum(p.stat().st_size if isinstance(p, Path) else len(p) for p in parts)
        self._progress = progress
        self._chunks = self._iterate()

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        chunk, from_file = next(self._chunks, (b"", False))
        # Progress counts file bytes only: the bar's total is the file's size, not the envelope's.
        if self._progress and from_file:
            self._progress(len(chunk))
        return chunk

    def _iterate(self) -> Iterator[tuple[bytes, bool]]:
        for part in self._parts:
            if isinstance(part, bytes):
                yield part, False
                continue
            with part.open("rb") as handle:
                for chunk in iter(lambda h=handle: h.read(CHUNK), b""):  # type: ignore[misc]
                    yield chunk, True


class ApiClient:
    """Thin JSON-over-HTTP client for one controller at `server` (e.g. http://127.0.0.1:8080)."""

    def __init__(self, server: str, timeout: float = DEFAULT_TIMEOUT_S, token: str | None = None) -> None:
        self.server = server.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        try:
            response = self.session.request(method, f"{self.server}{path}", **kwargs)
        except requests.ConnectionError:
            raise ApiError(0, f"cannot reach the controller at {self.server}") from None
        if response.status_code >= 400:
            raise _error_from(response)
        return response

    def get(self, path: str) -> Any:
        return self.request("GET", path).json()

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, json=body).json()

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, json=body).json()

    def delete(self, path: str) -> Any:
        response = self.request("DELETE", path)
        return response.json() if response.content else None

    def upload_model(self, tarball: Path, metadata: dict[str, Any], progress: Progress | None = None) -> Any:
        """POST the multipart upload (`payload` tar.gz + `metadata` JSON) hydrosdk sends."""
        boundary = uuid.uuid4().hex
        head = (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n"
            f"Content-Type: application/json\r\n\r\n{json.dumps(metadata)}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"payload\"; filename=\"payload.tar.gz\"\r\n"
            "Content-Type: application/gzip\r\n\r\n"
        ).encode()
        body = StreamedBody([head, tarball, f"\r\n--{boundary}--\r\n".encode()], progress)
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        return self.request("POST", "/api/v2/model/upload", data=body, headers=headers, timeout=None).json()

    def upload_file(self, path: str, file: Path, progress: Progress | None = None) -> Any:
        """POST a file as the raw request body (training data CSV)."""
        body = StreamedBody([file], progress)
        response = self.request("POST", path, data=body, headers={"Content-Type": "text/csv"}, timeout=None)
        return response.json() if response.content else None

    def events(self, path: str) -> Iterator[tuple[str, str]]:
        """Read a server-sent event stream until the server ends it: yields (event, data).

        Heartbeats and the closing `EndOfStream` are protocol, not content: they are skipped.
        """
        response = self.request("GET", path, stream=True, timeout=(self.timeout, None))
        with response:
            for event, data in parse_sse(response.iter_lines(decode_unicode=True)):
                if event not in ("Heartbeat", "EndOfStream"):
                    yield event, data


def parse_sse(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """(event, data) pairs from SSE lines; comments and ids are skipped."""
    event, data = "message", list[str]()
    for line in lines:
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", list[str]()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        elif line.startswith("event:"):
            event = line[6:].strip()
    if data:
        yield event, "\n".join(data)


def _error_from(response: requests.Response) -> ApiError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "message" in body:
        return ApiError(response.status_code, str(body["message"]), str(body.get("code", "")), body.get("field"))
    text = response.text.strip()[:200] or response.reason
    return ApiError(response.status_code, f"HTTP {response.status_code}: {text}")

