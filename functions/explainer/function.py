"""The explainer function: explanation requests in through the API, run on their event.

`submit` stores a request PENDING and publishes `dev.hydro.explanation.requested`; `handle` (the
Broker's delivery, or the local thread's) claims it, runs it and stores the final state.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

from cloudevents.core.base import BaseCloudEvent
from flask import Blueprint
from sqlalchemy import select

from functions.explainer import api, jobs
from functions.explainer.dispatch import Dispatcher, request_event
from functions.explainer.errors import FAILED, PENDING, InterpretError, Unavailable
from functions.explainer.methods import Explainer
from functions.explainer.requests import ExplanationRequest
from functions.explainer.settings import InterpretSettings
from functions.explainer.tables import ExplanationRow
from functions.gateway.routing_source import RoutingSource
from functions.host.function import PermanentError
from functions.host.store import Store, utcnow
from protos import cloudevent_http, events

logger = logging.getLogger(__name__)
NAME = "explainer"


class ExplainerFunction:
    name = NAME

    def __init__(self, store: Store, settings: InterpretSettings, explainer: Explainer,
                 routing: RoutingSource) -> None:
        self.store = store
        self.settings = settings
        self.explainer = explainer
        self.routing = routing
        self.dispatcher = Dispatcher(settings.broker_url, self.handle, settings.workers)
        self._started_in: int | None = None
        self._lock = threading.Lock()

    def submit(self, request: ExplanationRequest) -> tuple[dict[str, Any], bool]:
        """(`{"id", "state"}`, created): an equal request still PENDING, running or done is
        answered instead of a new one; a FAILED one is asked again."""
        with self.store.transaction() as session:
            candidates = session.scalars(_same(request).where(ExplanationRow.state != FAILED)
                                         .order_by(ExplanationRow.id.desc()))
            existing = next((row for row in candidates if (row.config or {}) == request.config), None)
            if existing is not None:
                return {"id": existing.id, "state": existing.state}, False
            row = ExplanationRow(model_version_id=request.model_version_id,
                                 explained_request_id=request.explained_request_id, method=request.method,
                                 output_field=request.output_field, config=request.config, state=PENDING,
                                 created_at=utcnow())
            session.add(row)
            session.flush()
            job_id = row.id
        self._publish(job_id)
        return {"id": job_id, "state": PENDING}, True

    def handle(self, event: BaseCloudEvent) -> BaseCloudEvent | None:
        """Run the request the event names, once; never replies."""
        self.start()
        if event.get_type() != events.EXPLANATION_REQUESTED:
            raise PermanentError(f"the explainer takes {events.EXPLANATION_REQUESTED} events, "
                                 f"not {event.get_type()!r}", "type")
        job_id = job_id_of(event)
        with self.store.transaction() as session:
            row = session.get(ExplanationRow, job_id)
            if row is None:
                raise PermanentError(f"explanation {job_id} does not exist", "data.id")
            request = ExplanationRequest(row.method, row.model_version_id, row.explained_request_id,
                                         row.output_field, dict(row.config or {}))
        jobs.deliver(self.store, NAME, ExplanationRow, event_key(event), job_id, self.settings.lease_s,
                     lambda: self.explainer.run(job_id, request))
        return None

    def routes(self) -> Blueprint:
        return api.blueprint(self)

    def start(self) -> None:
        """Start polling the routing table in this process, once."""
        with self._lock:
            if self._started_in != os.getpid():
                self._started_in = os.getpid()
                self.routing.start()

    def close(self) -> None:
        self.dispatcher.close()
        self.routing.stop()
        self.explainer.models.upstream.close()
        self.explainer.catalog.close()
        self.explainer.monitoring.close()
        self.store.close()

    def _publish(self, job_id: int) -> None:
        try:
            self.dispatcher.publish(request_event(NAME, events.EXPLANATION_REQUESTED, job_id, {}))
        except InterpretError as error:
            jobs.fail(self.store, ExplanationRow, job_id, error.message)
            raise Unavailable(f"explanation {job_id} could not be queued: {error.message}") from None


def _same(request: ExplanationRequest) -> Any:
    return select(ExplanationRow).where(
        ExplanationRow.model_version_id == request.model_version_id,
        ExplanationRow.explained_request_id == request.explained_request_id,
        ExplanationRow.method == request.method, ExplanationRow.output_field.is_(None) if request.output_field is None
        else ExplanationRow.output_field == request.output_field)


def job_id_of(event: BaseCloudEvent) -> int:
    """The request id the event carries; `PermanentError` when it carries none."""
    try:
        return jobs.event_job_id(cloudevent_http.json_data(event))
    except (cloudevent_http.InvalidEvent, ValueError) as error:
        raise PermanentError(str(error), "data.id") from None


def event_key(event: BaseCloudEvent) -> str:
    return f"{event.get_source()}/{event.get_id()}"


def scratch_dir(home: Path) -> Path:
    return home / "interpret"
