"""Server-sent events: the wire format and a streaming Flask response.

One event is `id:`, `event:` and `data:` lines then a blank line; multi-line data becomes one
`data:` line per line, as the SSE spec requires. A comment line (`: ...`) keeps idle connections
alive through proxies and lets the server notice a client that went away.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Response, stream_with_context

KEEP_ALIVE = ": keep-alive\n\n"


def format_event(data: Any, *, event: str | None = None, event_id: str | int | None = None) -> str:
    """One SSE frame; `data` that is not a string is sent as compact JSON."""
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    if event:
        lines.append(f"event: {event}")
    lines.extend(f"data: {line}" for line in (text.splitlines() or [""]))
    return "\n".join(lines) + "\n\n"


def stream(frames: Iterable[str]) -> Response:
    """A `text/event-stream` response that sends each frame as soon as it is produced."""
    response = Response(stream_with_context(_flushed(frames)), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    # Nginx and similar proxies buffer responses unless told not to; SSE must not be buffered.
    response.headers["X-Accel-Buffering"] = "no"
    return response


def _flushed(frames: Iterable[str]) -> Iterator[str]:
    # An initial comment makes the client see the headers and the stream start at once.
    yield KEEP_ALIVE
    yield from frames
