"""`/api/v2/events`: every catalog state change as server-sent events."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from controller.api import event_stream, parse
from controller.api.context import context
from controller.api.sse import stream

blueprint = Blueprint("events", __name__)


@blueprint.get("/api/v2/events")
def events() -> ResponseReturnValue:
    """From now on, or after `Last-Event-ID` (header) / `?since=` when the client resumes."""
    ctx = context()
    resume = parse.last_event_id(request.headers.get("Last-Event-ID") or request.args.get("since"))
    cursor = ctx.catalog.last_event_id() if resume is None else resume
    return stream(event_stream.frames(ctx.catalog, cursor, ctx.poll_seconds))
