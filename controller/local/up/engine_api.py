"""The local engine's figures: `GET /api/v2/engine` (JSON) and `GET /api/v2/engine/metrics`
(Prometheus text: replicas, in-flight and held calls, requests, cold starts per Service)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from flask import Blueprint, Response, jsonify
from flask.typing import ResponseReturnValue
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from controller.errors import Unavailable
from controller.local.engine import LocalApplier

Engine = Callable[[], LocalApplier | None]


def blueprint(engine: Engine) -> Blueprint:
    routes = Blueprint("engine", __name__, url_prefix="/api/v2/engine")
    registry = CollectorRegistry()
    registry.register(EngineCollector(engine))

    @routes.get("")
    def stats() -> ResponseReturnValue:
        return jsonify(_running(engine).stats())

    @routes.get("/metrics")
    def metrics() -> ResponseReturnValue:
        _running(engine)
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)

    return routes


def _running(engine: Engine) -> LocalApplier:
    current = engine()
    if current is None:
        raise Unavailable("the local engine is starting")
    return current


class EngineCollector(Collector):
    """Reads `LocalApplier.stats()` at each scrape."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def collect(self) -> Iterator[Any]:
        current = self._engine()
        services = current.stats()["services"] if current is not None else {}
        gauges = {key: GaugeMetricFamily(f"hydro_engine_{key}", help_text, labels=["service"])
                  for key, help_text in (("ready", "Ready workers"), ("starting", "Workers starting"),
                                         ("in_flight", "Calls being served"), ("held", "Calls held for a worker"))}
        requests = CounterMetricFamily("hydro_engine_requests", "Calls routed to the Service", labels=["service"])
        cold = CounterMetricFamily("hydro_engine_cold_starts", "Starts that held calls", labels=["service"])
        cold_seconds = CounterMetricFamily("hydro_engine_cold_start_seconds", "Time those starts took",
                                           labels=["service"])
        for name, service in services.items():
            for key, gauge in gauges.items():
                gauge.add_metric([name], float(service.get(key) or 0))
            requests.add_metric([name], float(service.get("requests") or 0))
            starts = service.get("cold_starts") or {}
            cold.add_metric([name], float(starts.get("count") or 0))
            cold_seconds.add_metric([name], float(starts.get("total_ms") or 0) / 1000)
        yield from (*gauges.values(), requests, cold, cold_seconds)
