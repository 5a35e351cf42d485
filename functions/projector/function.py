"""The projector function: projection requests in through the API, run on their event.

`submit` stores a request PENDING and publishes `dev.hydro.projection.requested`; `handle` (the
Broker's delivery, or the local thread's) claims it, runs it and stores the final state.
"""

from __future__ import annotations

from typing import Any

from cloudevents.core.base import BaseCloudEvent
from flask import Blueprint
from sqlalchemy import select

from functions.explainer import jobs
from functions.explainer.dispatch import Dispatcher, request_event
from functions.explainer.errors import PENDING, STARTED, InterpretError, Unavailable
from functions.explainer.function import event_key, job_id_of
from functions.explainer.settings import InterpretSettings
from functions.host.function import PermanentError
from functions.host.store import Store, utcnow
from functions.projector import api
from functions.projector.projection import Projections
from functions.projector.requests import ProjectionRequest
from functions.projector.tables import ProjectionRow
from protos import events

NAME = "projector"


class ProjectorFunction:
    name = NAME

    def __init__(self, store: Store, settings: InterpretSettings, projections: Projections) -> None:
        self.store = store
        self.settings = settings
        self.projections = projections
        self.dispatcher = Dispatcher(settings.broker_url, self.handle, settings.workers)

    def submit(self, version_id: int, request: ProjectionRequest) -> dict[str, Any]:
        """`{"id", "state"}` of a new request; one still queued or running with the same settings is
        answered instead (a projection is asked again each time the page opens)."""
        with self.store.transaction() as session:
            running = session.scalars(select(ProjectionRow).where(
                ProjectionRow.model_version_id == version_id, ProjectionRow.state.in_((PENDING, STARTED)))
                .order_by(ProjectionRow.id.desc())).all()
            same = next((row for row in running if row.config == request.to_json()), None)
            if same is not None:
                return {"id": same.id, "state": same.state}
            row = ProjectionRow(model_version_id=version_id, config=request.to_json(), state=PENDING,
                                created_at=utcnow())
            session.add(row)
            session.flush()
            job_id = row.id
        try:
            self.dispatcher.publish(request_event(NAME, events.PROJECTION_REQUESTED, job_id, {}))
        except InterpretError as error:
            jobs.fail(self.store, ProjectionRow, job_id, error.message)
            raise Unavailable(f"projection {job_id} could not be queued: {error.message}") from None
        return {"id": job_id, "state": PENDING}

    def handle(self, event: BaseCloudEvent) -> BaseCloudEvent | None:
        """Run the request the event names, once; never replies."""
        if event.get_type() != events.PROJECTION_REQUESTED:
            raise PermanentError(f"the projector takes {events.PROJECTION_REQUESTED} events, "
                                 f"not {event.get_type()!r}", "type")
        job_id = job_id_of(event)
        with self.store.transaction() as session:
            row = session.get(ProjectionRow, job_id)
            if row is None:
                raise PermanentError(f"projection {job_id} does not exist", "data.id")
            version_id, request = row.model_version_id, ProjectionRequest.from_json(row.config)
        jobs.deliver(self.store, NAME, ProjectionRow, event_key(event), job_id, self.settings.lease_s,
                     lambda: self.projections.run(version_id, request))
        return None

    def routes(self) -> Blueprint:
        return api.blueprint(self)

    def close(self) -> None:
        self.dispatcher.close()
        self.projections.catalog.close()
        self.projections.monitoring.close()
        self.store.close()
