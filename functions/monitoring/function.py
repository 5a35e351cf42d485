"""The monitoring function: what the host calls (`handle`, `routes`, `close`).

Events: `dev.hydro.inference.completed` (check and store a request, `monitor`),
`dev.hydro.trainingdata.uploaded` (queue a training-data job, `jobs`) and
`dev.knative.sources.ping` (run due batch work, resume jobs, deliver queued alerts). Errors that
can never succeed become `PermanentError` (400, dead-lettered); `Unavailable` propagates (500,
the Broker retries).

Background threads (the routing poller, the job runner, the batch worker) start on the first event or API call of
the serving process, not at construction: the host builds the function before gunicorn forks its
worker, and threads do not survive a fork. For the same reason the store's pooled connections
are dropped (not closed) in a process other than the one that built the function.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cloudevents.core.base import BaseCloudEvent
from flask import Blueprint

from functions.gateway.routing_source import RoutingSource
from functions.gateway.upstream import Upstream
from functions.host.function import PermanentError
from functions.host.store import Store
from functions.monitoring import alerts, api, jobs
from functions.monitoring.batch_worker import BatchWorker
from functions.monitoring.batches import BatchWork
from functions.monitoring.errors import BadRequest, MonitoringError
from functions.monitoring.manager import ManagerApi
from functions.monitoring.metrics import MetricCaller
from functions.monitoring.monitor import NAME, RequestMonitor, event_key, stored_reply
from functions.monitoring.settings import MonitoringSettings
from functions.monitoring.versions import VersionDirectory
from protos import cloudevent_http, events

logger = logging.getLogger(__name__)
PING = "dev.knative.sources.ping"


class MonitoringFunction:
    name = NAME

    def __init__(self, store: Store, settings: MonitoringSettings, manager: ManagerApi, routing: RoutingSource,
                 upstream: Upstream, scratch: Path) -> None:
        self.store = store
        self.settings = settings
        self.manager = manager
        self.routing = routing
        self.upstream = upstream
        self.directory = VersionDirectory(manager, store, settings.version_ttl_s)
        self.publisher = alerts.Publisher(settings.broker_url, settings.http_timeout_s) if settings.broker_url else None
        self.batches = BatchWork(store, settings, on_alert=self.publish_alerts)
        self.batch_worker = BatchWorker(self.batches)
        metrics = MetricCaller(routing, upstream, timeout_s=settings.metric_timeout_s,
                               cooldown_s=settings.metric_cooldown_s)
        self.monitor = RequestMonitor(store, settings, self.directory, manager, metrics, self.batch_worker)
        self.jobs = jobs.JobRunner(store, settings, manager, self.directory, scratch, on_change=self.monitor.forget)
        self._built_in = os.getpid()
        self._started_in: int | None = None
        self._start_lock = threading.Lock()

    def handle(self, event: BaseCloudEvent) -> BaseCloudEvent | None:
        self.start()
        kind = event.get_type()
        try:
            if kind == events.INFERENCE_COMPLETED:
                return self.monitor.handle(event)
            if kind == events.TRAININGDATA_UPLOADED:
                self._training_data(event)
                return None
            if kind == PING:
                return self._ping(event)
        except MonitoringError as error:
            if error.retryable:
                raise
            raise PermanentError(error.message, error.field) from error
        raise PermanentError(f"type: the monitoring function does not handle {kind!r} events", "type")

    def routes(self) -> Blueprint:
        return api.blueprint(self.store, self.settings, self.directory, self.start)

    def start(self) -> None:
        """Start the background threads in this process, once."""
        if self._started_in == os.getpid():
            return
        with self._start_lock:
            if self._started_in == os.getpid():
                return
            if os.getpid() != self._built_in:
                self.store.engine.dispose(close=False)  # connections of the parent process
            self.routing.start()
            self.jobs.start()
            self.batch_worker.start()
            self._started_in = os.getpid()

    def publish_alerts(self) -> None:
        if self.publisher is not None:
            self.publisher.publish_pending(self.store.transaction)

    def close(self) -> None:
        self.batch_worker.stop()
        self.jobs.stop()
        self.routing.stop()
        self.upstream.close()
        self.manager.close()
        if self.publisher is not None:
            self.publisher.close()
        self.store.close()

    def _training_data(self, event: BaseCloudEvent) -> None:
        action, data_id, version_id, uri = _training_data(event)
        key = event_key(event)
        info = self.directory.get(version_id) if action == "created" else None
        with self.store.transaction() as session:
            if self.store.first_time(session, NAME, key) and info is not None:
                jobs.enqueue(session, info.id, data_id, uri, detector=not info.is_metric_model)
        self.jobs.wake()

    def _ping(self, event: BaseCloudEvent) -> BaseCloudEvent | None:
        key = event_key(event)
        if self.store.seen(NAME, key):
            with self.store.transaction() as session:
                return stored_reply(self.store, session, key)
        self.batches.run_due()
        self.jobs.wake()
        self.publish_alerts()
        with self.store.transaction() as session:
            if not self.store.first_time(session, NAME, key):
                return stored_reply(self.store, session, key)
            reply = alerts.take_one(session)
            if reply is not None:
                self.store.save_reply(session, NAME, key, cloudevent_http.encode(reply))
        return reply


def _training_data(event: BaseCloudEvent) -> tuple[str, int | None, int, str]:
    """(action, training data id, model version id, uri) of a training data event."""
    try:
        data = cloudevent_http.json_data(event)
    except cloudevent_http.InvalidEvent as error:
        raise BadRequest(str(error), "data") from None
    record = data.get("object") if isinstance(data, Mapping) else None
    if not isinstance(record, Mapping):
        raise BadRequest("data.object: expected the training data record", "data.object")
    version_id = _key(record, "modelVersionId", "model_version_id")
    uri = record.get("uri")
    if not isinstance(version_id, int) or isinstance(version_id, bool):
        raise BadRequest(f"data.object.modelVersionId: expected an integer, got {version_id!r}",
                         "data.object.modelVersionId")
    if not isinstance(uri, str) or not uri:
        raise BadRequest(f"data.object.uri: expected the training data URI, got {uri!r}", "data.object.uri")
    data_id = record.get("id")
    return str(data.get("action") or "created"), data_id if isinstance(data_id, int) else None, version_id, uri


def _key(record: Mapping[str, Any], camel: str, snake: str) -> Any:
    return record[camel] if camel in record else record.get(snake)
