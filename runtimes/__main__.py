"""`python -m runtimes`: serve the model at HYDRO_MODEL_URI over gRPC until SIGTERM.

Exit codes: 0 after a drain, 1 when the model cannot be fetched or loaded, 2 for bad settings.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from types import FrameType

from runtimes.errors import SettingsError
from runtimes.grpc_server import serve
from runtimes.settings import RuntimeSettings

logger = logging.getLogger("runtimes")


def main() -> int:
    """Read the settings, configure logging, install the signal handlers and serve."""
    try:
        settings = RuntimeSettings.from_env()
    except SettingsError as exc:
        print(f"hydro runtime: invalid settings: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("received %s", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    try:
        return serve(settings, stop)
    except SettingsError as exc:
        logger.error("invalid settings: %s", exc)
        return 2


if __name__ == "__main__":
    sys.exit(main())
