"""Prometheus metrics of the gateway (`GET /metrics`).

Requests, errors (by code) and latency per endpoint kind and name; per stage execution, latency
and errors by application, stage, model and version; upstream UNAVAILABLE answers (cold starts
show up as latency; the local engine exports its own replica figures); the outbox's pending
events (counted in the shared file at scrape time), shipped events and failed delivery attempts.

With several gunicorn workers, `PROMETHEUS_MULTIPROC_DIR` must be set before prometheus-client
is first imported (`functions.gateway.__main__` does it); the scrape then aggregates every
process's files.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
STAGE_LABELS = ("application", "stage", "model", "version")
UNAVAILABLE = "UNAVAILABLE"


class _Pending(Collector):
    def __init__(self, count: Callable[[], int]) -> None:
        self._count = count

    def collect(self) -> Iterator[Metric]:
        try:
            count = self._count()
        except sqlite3.Error:  # a busy or broken outbox must not fail the whole scrape
            return
        yield GaugeMetricFamily("hydro_gateway_outbox_pending", "Events waiting in the outbox for the Broker",
                                value=count)


class GatewayMetrics:
    """The gateway's metrics; implements `pipeline.Observer` and `shipper.ShipperObserver`."""

    def __init__(self, pending: Callable[[], int] | None = None, multiprocess_dir: str | None = None) -> None:
        self.multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry(auto_describe=True)
        self._pending = pending
        self.requests = Counter("hydro_gateway_requests", "Prediction requests", ("kind", "name"),
                                registry=self.registry)
        self.request_errors = Counter("hydro_gateway_request_errors", "Prediction requests that failed",
                                      ("kind", "name", "code"), registry=self.registry)
        self.request_seconds = Histogram("hydro_gateway_request_seconds", "Prediction request latency",
                                         ("kind", "name"), buckets=BUCKETS, registry=self.registry)
        self.stage_seconds = Histogram("hydro_gateway_stage_seconds", "Latency of one stage's model call",
                                       STAGE_LABELS, buckets=BUCKETS, registry=self.registry)
        self.stage_errors = Counter("hydro_gateway_stage_errors", "Stage calls that failed",
                                    (*STAGE_LABELS, "code"), registry=self.registry)
        self.upstream_unavailable = Counter("hydro_gateway_upstream_unavailable",
                                            "Model calls answered UNAVAILABLE", STAGE_LABELS, registry=self.registry)
        self.outbox_shipped_total = Counter("hydro_gateway_outbox_shipped", "Events delivered to the Broker",
                                            registry=self.registry)
        self.outbox_failed_total = Counter("hydro_gateway_outbox_failed_attempts",
                                           "Failed attempts to deliver an event", registry=self.registry)

    def request_done(self, kind: str, name: str, seconds: float, code: str | None) -> None:
        self.requests.labels(kind, name).inc()
        self.request_seconds.labels(kind, name).observe(seconds)
        if code is not None:
            self.request_errors.labels(kind, name, code).inc()

    def stage_done(self, application: str, stage: int, model: str, version: str, seconds: float,
                   code: str | None) -> None:
        labels = (application, str(stage), model, version)
        self.stage_seconds.labels(*labels).observe(seconds)
        if code is not None:
            self.stage_errors.labels(*labels, code).inc()
        if code == UNAVAILABLE:
            self.upstream_unavailable.labels(*labels).inc()

    def outbox_shipped(self) -> None:
        self.outbox_shipped_total.inc()

    def outbox_failed_attempt(self) -> None:
        self.outbox_failed_total.inc()

    def exposition(self) -> tuple[bytes, str]:
        """The text format and its content type: this process's metrics, or every process's."""
        registry = self.registry
        if self.multiprocess_dir:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=self.multiprocess_dir)
        if self._pending is not None:
            scrape = CollectorRegistry(auto_describe=False)
            scrape.register(_Merged(registry))
            scrape.register(_Pending(self._pending))
            registry = scrape
        return generate_latest(registry), CONTENT_TYPE_LATEST


class _Merged(Collector):
    """Another registry's metrics, so the per-scrape pending gauge can sit next to them."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self._registry.collect()
