"""The HTTP server: gunicorn (gthread workers) as a programmatic `BaseApplication`.

Each worker builds its own `Components` after the fork (routing poller, outbox shipper, upstream
channels and gRPC threads must not cross a fork) and closes them when it exits. SIGTERM to the
master drains: workers stop accepting and finish in-flight requests within the grace period.

With `HYDRO_GATEWAY_GRPC_PORT` (one worker), the worker also runs the gRPC gateway over the same
`Components`, started after the fork like every gRPC object, drained before they close.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from gunicorn.app.base import BaseApplication

from functions.gateway.settings import GatewaySettings

if TYPE_CHECKING:
    from functions.gateway.components import Components
    from functions.gateway.grpc_server import GatewayGrpcServer

logger = logging.getLogger(__name__)


def wsgi_app(parts: Components) -> Any:
    """The gateway's Flask app, behind the fallback proxy when one is configured."""
    from functions.gateway.http_app import create_app
    from functions.gateway.proxy import FallbackProxy, PathDispatcher

    fallback_url = parts.settings.fallback_url
    return PathDispatcher(create_app(parts), FallbackProxy(fallback_url) if fallback_url else None)


class GatewayHTTPServer(BaseApplication):
    """`GatewayHTTPServer(settings).run()` serves until SIGTERM."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.parts: Components | None = None
        self.grpc: GatewayGrpcServer | None = None
        super().__init__()

    def load_config(self) -> None:
        s = self.settings
        host = f"[{s.host}]" if ":" in s.host else s.host
        options = {
            "bind": f"{host}:{s.port}",
            "workers": s.workers,
            "threads": s.threads,
            "worker_class": "gthread",
            "graceful_timeout": max(1, round(s.drain_seconds)),
            "timeout": max(30, int(s.request_timeout_seconds) + 30),
            "keepalive": 75,  # longer than the idle timeouts of the usual load balancers
            "loglevel": s.log_level.lower(),
            "accesslog": None,
            "when_ready": self._when_ready,
            "worker_exit": self._worker_exit,
            "child_exit": self._child_exit,
        }
        for key, value in options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Imported here, in the worker: the master only supervises, and a copy of the app's
        # modules in it would be that much memory for nothing (about 20 MB of 60).
        from functions.gateway.components import Components
        from functions.gateway.grpc_server import GatewayGrpcServer

        self.parts = Components(self.settings).start()
        if self.settings.grpc_port is not None:
            self.grpc = GatewayGrpcServer(replace(self.settings, port=self.settings.grpc_port), self.parts)
            self.grpc.start()
        return wsgi_app(self.parts)

    def _when_ready(self, _server: Any) -> None:
        logger.info("hydro gateway (HTTP) listening on http://%s:%d with %d workers x %d threads",
                    self.settings.host, self.settings.port, self.settings.workers, self.settings.threads)

    def _worker_exit(self, _server: Any, _worker: Any) -> None:
        if self.grpc is not None:
            self.grpc.drain(self.settings.drain_seconds)
            self.grpc = None
        if self.parts is not None:
            self.parts.close()
            self.parts = None

    def _child_exit(self, _server: Any, worker: Any) -> None:
        if self.settings.metrics_dir:
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(worker.pid, self.settings.metrics_dir)
