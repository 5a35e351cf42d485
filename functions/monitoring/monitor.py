"""One `dev.hydro.inference.completed` event: check the request, store it, answer with an alert.

Work per event is kept light: the version, its metric specs and its training bounds come from
caches; metric models are called before the transaction, so no lock is held over gRPC; the
write is one processed marker, one counter update, one request row (and, every `batchSize`
requests, a batch row), committed together with the writes of concurrent events (`writer`). A
redelivered event is recognised before any work and answered with the reply it got the first
time. The request that fills a batch hands the batch work to the batch worker's thread.
"""

from __future__ import annotations

import logging
from typing import Any

from cloudevents.core.base import BaseCloudEvent
from sqlalchemy.orm import Session

from functions.host.store import Store
from functions.monitoring import alerts, checks, profile_store
from functions.monitoring.batch_worker import BatchWorker
from functions.monitoring.cache import TtlCache
from functions.monitoring.checks import Bounds
from functions.monitoring.errors import Unavailable
from functions.monitoring.inference import Inference, parse_inference
from functions.monitoring.manager import ManagerApi, MetricSpecInfo, VersionInfo
from functions.monitoring.metrics import MetricCaller, MetricResult
from functions.monitoring.recorder import CheckedRequest, record
from functions.monitoring.settings import MonitoringSettings
from functions.monitoring.versions import VersionDirectory
from functions.monitoring.writer import GroupWriter
from protos import cloudevent_http, dtypes

logger = logging.getLogger(__name__)
NAME = "monitoring"


def event_key(event: BaseCloudEvent) -> str:
    """CloudEvents are unique by source and id."""
    return f"{event.get_source()}/{event.get_id()}"


def stored_reply(store: Store, session: Any, key: str) -> BaseCloudEvent | None:
    reply = store.reply_for(session, NAME, key)
    return None if reply is None else cloudevent_http.decode(reply)


class RequestMonitor:
    def __init__(self, store: Store, settings: MonitoringSettings, directory: VersionDirectory,
                 manager: ManagerApi, metrics: MetricCaller, batches: BatchWorker) -> None:
        self.store = store
        self.writer = GroupWriter(store)
        self.directory = directory
        self.manager = manager
        self.metrics = metrics
        self.batches = batches
        self.specs: TtlCache[int, tuple[MetricSpecInfo, ...]] = TtlCache(settings.spec_ttl_s)
        self.bounds: TtlCache[int, dict[str, Bounds]] = TtlCache(settings.bounds_ttl_s)

    def handle(self, event: BaseCloudEvent) -> BaseCloudEvent | None:
        key = event_key(event)
        inference = parse_inference(event)
        if self.store.seen(NAME, key):  # a redelivery: answer as the first time, before any work
            with self.store.transaction() as session:
                return stored_reply(self.store, session, key)
        if inference.unattributed_failure:
            # Acknowledged, not refused: a refusal would be retried and dead-lettered for nothing.
            # The caller already got the error, and the gateway logged it.
            logger.info("request %s: failed before any model version answered (%s); nothing to record",
                        inference.request_id, inference.error)
            return None
        info = self.directory.resolve(inference)
        checked = self.check(info, inference)
        reply = _alert(info, checked)
        stored = cloudevent_http.encode(reply) if reply is not None else None

        def write(session: Session) -> tuple[bool, BaseCloudEvent | None]:
            if not self.store.first_time(session, NAME, key):
                return False, stored_reply(self.store, session, key)
            filled = record(session, info, checked).filled
            if stored is not None:
                self.store.save_reply(session, NAME, key, stored)
            return filled, reply

        filled, answer = self.writer.write(write)
        if filled:
            self.batches.notify(info.id)
        return answer

    def check(self, info: VersionInfo, inference: Inference) -> CheckedRequest:
        values = inference.values
        raw = checks.raw_checks(values, self.bounds.get(info.id, lambda _: self._load_bounds(info)))
        return CheckedRequest(inference, raw, self._metrics(info, inference, values))

    def forget(self, version_id: int) -> None:
        """Drop what is cached of a version (new training profiles, a new metric spec)."""
        self.specs.invalidate(version_id)
        self.bounds.invalidate(version_id)

    def _metrics(self, info: VersionInfo, inference: Inference, values: dict[str, Any]) -> tuple[MetricResult, ...]:
        if inference.error is not None:
            return ()  # a failed request has no outputs to score (as in Hydrosphere)
        specs = self.specs.get(info.id, self.manager.metric_specs, stale_on=(Unavailable,))
        return tuple(self.metrics.evaluate(spec, values, inference.request_id) for spec in specs)

    def _load_bounds(self, info: VersionInfo) -> dict[str, Bounds]:
        with self.store.transaction() as session:
            return profile_store.training_bounds(session, info.id, _numerical_scalars(info))


def _numerical_scalars(info: VersionInfo) -> set[str]:
    fields = (*info.contract.inputs, *info.contract.outputs)
    return {f.name for f in fields
            if f.is_scalar and f.dtype is not None and dtypes.from_proto(f.dtype).numpy.kind in "iuf"}


def _alert(info: VersionInfo, checked: CheckedRequest) -> BaseCloudEvent | None:
    failures = checks.failures(checked.checks) + [m.failure() for m in checked.metrics if m.failed]
    if not failures:
        return None
    kind = alerts.CHECK if checked.checks_failed else alerts.METRIC
    return alerts.alert(info, kind, failures, checked.inference.timestamp, requestId=checked.inference.request_id)
