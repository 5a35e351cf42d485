"""Waiting in the main thread for a stop that a signal handler requests."""

from __future__ import annotations

import threading

POLL_SECONDS = 0.5


def wait_for_stop(stop: threading.Event) -> None:
    """Block until `stop` is set by a SIGTERM/SIGINT handler.

    A process-directed signal may be delivered to any thread (gRPC's, the HTTP server's). CPython
    then only flags it, and runs the handler when the main thread next executes bytecode; an
    untimed `Event.wait()` in the main thread never returns to do so, and the process ignores
    Ctrl-C. A timed wait comes back regularly, so the handler runs within `POLL_SECONDS`.
    """
    while not stop.wait(POLL_SECONDS):
        pass
