"""The dead-letter function: keeps every event a Trigger gave up on, and lists them.

`GET /dead-letters?type=&limit=` (newest first). Events are stored whole (structured JSON), so an
operator can see what failed and replay it to the Broker.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from cloudevents.core.base import BaseCloudEvent
from flask import Blueprint, jsonify, request
from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from functions.host.function import PermanentError
from functions.host.settings import FunctionSettings
from functions.host.store import FunctionBase, Store, utcnow
from protos import cloudevent_http

NAME = "dead-letter"


class DeadLetterRow(FunctionBase):
    __tablename__ = "fn_dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(255), index=True)
    source: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    event: Mapped[str] = mapped_column(Text)


class DeadLetterFunction:
    name = NAME

    def __init__(self, store: Store) -> None:
        self.store = store

    def handle(self, event: BaseCloudEvent) -> BaseCloudEvent | None:
        with self.store.transaction() as session:
            if not self.store.first_time(session, NAME, f"{event.get_source()}/{event.get_id()}"):
                return None
            session.add(DeadLetterRow(event_id=event.get_id(), type=event.get_type(),
                                      source=event.get_source(), received_at=utcnow(),
                                      event=cloudevent_http.encode(event).decode("utf-8")))
        return None

    def routes(self) -> Blueprint:
        blueprint = Blueprint("dead_letters", __name__)

        @blueprint.get("/dead-letters")
        def listing() -> Any:
            limit = request.args.get("limit", "100")
            if not limit.isdigit() or not 1 <= int(limit) <= 1000:
                raise PermanentError(f"limit must be an integer from 1 to 1000, got {limit!r}", "limit")
            query = select(DeadLetterRow).order_by(DeadLetterRow.id.desc()).limit(int(limit))
            if request.args.get("type"):
                query = query.where(DeadLetterRow.type == request.args["type"])
            with self.store.transaction() as session:
                rows = session.scalars(query).all()
                items = [{"id": r.id, "receivedAt": r.received_at.isoformat(), "event": json.loads(r.event)}
                         for r in rows]
            return jsonify({"items": items})

        @blueprint.errorhandler(PermanentError)
        def bad_request(error: PermanentError) -> Any:
            return jsonify({"error": str(error), "field": error.field}), 400

        return blueprint

    def close(self) -> None:
        self.store.close()


def new(settings: FunctionSettings) -> DeadLetterFunction:
    return DeadLetterFunction(Store(settings.effective_database_url))
