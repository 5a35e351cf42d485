"""The parts of one serving process, built from the settings and started after any fork."""

from __future__ import annotations

import logging

from functions.gateway import monitoring
from functions.gateway.async_inference import AsyncInference
from functions.gateway.auth import GatewayAuth, Verifiers, bootstrap_verifiers
from functions.gateway.metrics import GatewayMetrics
from functions.gateway.outbox import Outbox
from functions.gateway.pipeline import Gateway
from functions.gateway.routing_source import PolledRouting, RoutingSource
from functions.gateway.settings import GatewaySettings
from functions.gateway.shadows import ShadowMirror
from functions.gateway.shipper import Shipper
from functions.gateway.step_pass import StepPasses
from functions.gateway.upstream import Upstream

logger = logging.getLogger(__name__)


class Components:
    """Routing source, upstream channels, outbox and shipper, shadows, metrics and the core.

    `routing` replaces the polled controller table (tests and embedding pass a static source).
    """

    def __init__(self, settings: GatewaySettings, routing: RoutingSource | None = None) -> None:
        self.settings = settings
        self.outbox = Outbox(settings.outbox_path, {monitoring.RENDERER: monitoring.render})
        self.metrics = GatewayMetrics(self.outbox.pending, settings.metrics_dir)
        self.shipper = Shipper(self.outbox, settings.broker_url, observer=self.metrics)
        self.verifiers = Verifiers(bootstrap_verifiers(settings))
        self.auth = GatewayAuth(settings, self.verifiers)
        self.routing = routing or self._polled(settings, self.verifiers)
        # Behind the local engine's activator: dial its ready workers directly (`endpoints.py`).
        self.upstream = Upstream(settings.grpc_max_message_bytes, settings.upstream, endpoints=True)
        monitor = monitoring.Monitor(self.outbox)
        self.mirror = ShadowMirror(self.upstream, monitor, timeout=settings.request_timeout_seconds)
        self.gateway = Gateway(self.routing, self.upstream, timeout_seconds=settings.request_timeout_seconds,
                               monitor=monitor, mirror=self.mirror, observer=self.metrics)
        self.async_inference = AsyncInference(self.gateway, self.outbox, settings.broker_url,
                                              StepPasses(settings.controller_token))

    @staticmethod
    def _polled(settings: GatewaySettings, verifiers: Verifiers) -> RoutingSource:
        if settings.routing_url is None:
            return RoutingSource()
        return PolledRouting(settings.routing_url, settings.routing_poll_seconds, token=settings.controller_token,
                             verifiers=verifiers if settings.auth_enabled else None,
                             verifiers_url=settings.verifiers_url)

    def start(self) -> Components:
        self.routing.start()
        self.upstream.start()
        self.shipper.start()
        return self

    def close(self) -> None:
        """Stop background work: shadows finish, the shipper releases the outbox lock."""
        self.routing.stop()
        self.mirror.close(wait=True)
        self.shipper.stop()
        self.upstream.close()
        self.outbox.close()
