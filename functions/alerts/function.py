"""The alerts function: check failures in, alerts and webhook notifications out.

Background threads (one sender per webhook, one sweeper) run in the process that handles the
events. The host builds the function before gunicorn forks its worker, and threads do not survive
a fork, so they start in the forked child (an at-fork hook, which also drops the database
connections inherited from the parent) or, in a process that never forks, with the first event
or an explicit `start()`.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from cloudevents.core.base import BaseCloudEvent
from flask import Blueprint

from functions.alerts import api
from functions.alerts.failures import parse
from functions.alerts.lifecycle import Lifecycle, sweep
from functions.alerts.sender import Sender
from functions.alerts.settings import AlertSettings
from functions.host.function import PermanentError
from functions.host.store import Store, utcnow
from protos import events

logger = logging.getLogger(__name__)

NAME = "alerts"
PING = "dev.knative.sources.ping"
"""What a Knative PingSource sends: time to resolve the stale alerts."""


class AlertsFunction:
    """The `Function` the host serves; `clock` is injectable so tests can move time by hand."""

    name = NAME

    def __init__(self, store: Store, settings: AlertSettings, webhooks: Sequence[str], generator_base: str,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        unique = tuple(dict.fromkeys(webhooks))  # a webhook listed twice still gets each notification once
        self.lifecycle = Lifecycle(unique, generator_base, timedelta(seconds=settings.dedup_seconds),
                                   timedelta(seconds=settings.resolve_seconds))
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._stop = threading.Event()
        self._senders: list[Sender] = []
        self._sweeper: threading.Thread | None = None

    def handle(self, event: BaseCloudEvent) -> BaseCloudEvent | None:
        """Count a check failure (once per event id) or, on a ping, sweep; never replies."""
        self.start()
        if event.get_type() == PING:
            self.sweep()
            return None
        if event.get_type() != events.CHECK_FAILED:
            raise PermanentError(f"the alerts function takes {events.CHECK_FAILED} or {PING} events, "
                                 f"not {event.get_type()!r}", "type")
        failed = parse(event)
        with self.store.transaction() as session:
            if not self.store.first_time(session, NAME, f"{event.get_source()}/{event.get_id()}"):
                return None
            queued = self.lifecycle.observe(session, failed, self.clock())
        if queued:
            self._wake_senders()
        return None

    def sweep(self) -> int:
        """Resolve every stale alert now; how many notifications were queued."""
        queued = sweep(self.store, self.lifecycle, self.clock)
        if queued:
            self._wake_senders()
        return queued

    def routes(self) -> Blueprint:
        return api.blueprint(self.store)

    def start(self) -> None:
        """Start the sender and sweeper threads in this process, once."""
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._stop.clear()
            self._senders = [Sender(self.store, webhook, self.settings, self.clock)
                             for webhook in self.lifecycle.webhooks]
            for sender in self._senders:
                sender.start()
            self._sweeper = threading.Thread(target=self._sweep_forever, name="alerts-sweeper", daemon=True)
            self._sweeper.start()
        logger.info("alerts: sweeping every %gs, sending to %d webhook(s) from process %d",
                    self.settings.sweep_seconds, len(self._senders), os.getpid())

    def close(self) -> None:
        """Stop the threads (a send in flight may finish, up to the webhook timeout) and the store."""
        with self._lock:
            if self._pid == os.getpid():
                self._stop.set()
                for sender in self._senders:
                    sender.stop()
                if self._sweeper is not None:
                    self._sweeper.join(5)
            self._pid, self._senders, self._sweeper = None, [], None
        self.store.close()

    def _sweep_forever(self) -> None:
        while not self._stop.wait(self.settings.sweep_seconds):
            try:
                self.sweep()
            except Exception:  # the store may be briefly unreachable: the next sweep catches up
                logger.exception("alerts sweep failed")

    def _wake_senders(self) -> None:
        for sender in self._senders:
            sender.wake.set()

