"""Serving a function in one process (`HYDRO_FUNCTION_WORKERS=0`): what `hydro up` runs.

gunicorn's master process exists to supervise workers; on one machine the local engine already
supervises the function process (restarts it with back-off), so the master only doubled the
memory of every function (a second interpreter with the same imports; Python's reference counts
dirty most shared pages after a fork). Here one process serves on a pool of
`HYDRO_FUNCTION_THREADS` threads (as many concurrent events as a gunicorn gthread worker), with
the same routes and the same lifecycle: the function is built and started before the first
request, SIGTERM or SIGINT stops accepting, the requests in flight finish (up to the grace), then
`close()` runs.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import FrameType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler

from functions.host.app import create_app
from functions.host.function import Function
from functions.host.settings import FunctionSettings

logger = logging.getLogger(__name__)
GRACE_SECONDS = 20.0
"""How long requests in flight may run after SIGTERM (gunicorn's `graceful_timeout` in the other mode)."""


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request (gunicorn's `accesslog` is off in the other mode too)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class PooledWSGIServer(BaseWSGIServer):
    """werkzeug's WSGI server with a bounded thread pool: one connection per pool thread."""

    daemon_threads = True

    def __init__(self, host: str, port: int, app: Any, threads: int) -> None:
        super().__init__(host, port, app, handler=_QuietHandler)
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="function-request")

    def process_request(self, request: Any, client_address: Any) -> None:
        self.pool.submit(self._serve_one, request, client_address)

    def _serve_one(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:  # as socketserver does: one broken connection is logged, not fatal
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)



class InProcessServer:
    """`run()` blocks until SIGTERM/SIGINT (or `stop()`), then drains and closes the function."""

    def __init__(self, factory: Callable[[], Function], settings: FunctionSettings,
                 grace_seconds: float = GRACE_SECONDS) -> None:
        self._factory = factory
        self._settings = settings
        self._grace = grace_seconds
        self._server: PooledWSGIServer | None = None
        self._stopping = threading.Event()

    def run(self) -> None:
        function = self._factory()
        try:
            start = getattr(function, "start", None)
            if callable(start):
                start()
            self._server = PooledWSGIServer(self._settings.host, self._settings.port, create_app(function),
                                            self._settings.threads)
            previous = self._handle_signals()
            if self._stopping.is_set():  # stop() came while the function was starting: serve nothing
                threading.Thread(target=self._server.shutdown, daemon=True).start()
            try:
                self._server.serve_forever(poll_interval=0.5)
            finally:
                for signum, handler in previous.items():
                    signal.signal(signum, handler)
                self._drain()
        finally:
            function.close()

    def _handle_signals(self) -> dict[int, Any]:
        """SIGTERM/SIGINT stop the server; only the main thread can install handlers (else: `stop()`)."""
        if threading.current_thread() is not threading.main_thread():
            return {}
        return {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}

    @property
    def port(self) -> int | None:
        """The bound port once serving (the settings' port, or the one chosen for port 0)."""
        return None if self._server is None else self._server.server_port

    def stop(self) -> None:
        """Stop accepting; callable from any thread but the serving one (a signal handler uses a thread)."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if not self._stopping.is_set():
            logger.info("function %s: signal %d, finishing the requests in flight", self._settings.function, signum)
            # shutdown() waits for serve_forever, which runs in this very (main) thread: ask from another.
            threading.Thread(target=self.stop, name="function-stop", daemon=True).start()

    def _drain(self) -> None:
        assert self._server is not None
        self._server.server_close()
        done = threading.Thread(target=self._server.pool.shutdown, kwargs={"wait": True}, daemon=True)
        done.start()
        done.join(self._grace)
        if done.is_alive():
            logger.warning("function %s: requests still running after %.0f s; closing anyway",
                           self._settings.function, self._grace)
