"""`python -m functions.gateway`: serve HTTP (gunicorn) or gRPC per HYDRO_GATEWAY_PROTOCOL.

Exit codes: 0 after a drain, 2 for bad settings. SIGTERM (or SIGINT) drains.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
from dataclasses import replace
from types import FrameType

from functions.gateway.errors import SettingsError
from functions.gateway.settings import GatewaySettings

logger = logging.getLogger("functions.gateway")


def main() -> int:
    """Read the settings, configure logging, and run the server the protocol asks for."""
    try:
        settings = GatewaySettings.from_env(os.environ)
    except SettingsError as exc:
        print(f"hydro gateway: invalid settings: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    try:
        if settings.protocol == "grpc":
            return _serve_grpc(settings)
        return _serve_http(settings)
    except SettingsError as exc:
        logger.error("invalid settings: %s", exc)
        return 2


def _serve_grpc(settings: GatewaySettings) -> int:
    from functions.gateway.grpc_server import serve

    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("received %s", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    return serve(settings, stop)


def _serve_http(settings: GatewaySettings) -> int:
    created = None
    if settings.workers > 1 and settings.metrics_dir is None:
        # prometheus-client picks its multi-process mode when first imported: set it up before.
        created = tempfile.mkdtemp(prefix="hydro-gateway-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = created
        settings = replace(settings, metrics_dir=created)
    from functions.gateway.http_server import GatewayHTTPServer

    master = os.getpid()
    try:
        GatewayHTTPServer(settings).run()
    finally:
        # gunicorn workers leave through here too (SystemExit after the fork): only the master cleans up.
        if created is not None and os.getpid() == master:
            shutil.rmtree(created, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
