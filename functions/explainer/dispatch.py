"""Handing a stored request to whatever runs it: the Broker, or a local background thread.

With `HYDRO_BROKER_URL` set, the request's CloudEvent is POSTed there (binary mode); the Broker's
Trigger delivers it back to this function's `POST /`, on any replica, with retries. Without a
Broker (a function run on its own, or tests) the event is handed straight to `handle()` on a small
thread pool in this process: nothing is retried, and a request in flight when the process stops
stays STARTED until a later delivery of the same event takes it over (after the lease).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from cloudevents.core.base import BaseCloudEvent

from functions.explainer.errors import Unavailable
from protos import cloudevent_http, events

logger = logging.getLogger(__name__)


def request_event(function: str, event_type: str, job_id: int, data: dict[str, Any]) -> BaseCloudEvent:
    """The event carrying request `job_id`; its id is stable, so a republish is the same event."""
    attributes = {"id": f"{function}-{job_id}", "source": f"{events.SOURCE_FUNCTIONS}/{function}",
                  "type": event_type, "datacontenttype": "application/json", "time": cloudevent_http.now_text()}
    return cloudevent_http.new_event(attributes, {"id": job_id, **data})


class Dispatcher:
    def __init__(self, broker_url: str | None, run: Callable[[BaseCloudEvent], Any], workers: int,
                 timeout_s: float = 10.0) -> None:
        self.broker_url = broker_url
        self._run = run
        self._workers = workers
        self._timeout_s = timeout_s
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._session = requests.Session()

    def publish(self, event: BaseCloudEvent) -> None:
        """Send the event on; `Unavailable` when the Broker does not accept it."""
        if self.broker_url is None:
            self._local().submit(self._run_logged, event)
            return
        message = cloudevent_http.to_binary(event)
        try:
            answer = self._session.post(self.broker_url, data=message.body, headers=dict(message.headers),
                                        timeout=self._timeout_s)
        except requests.RequestException as error:
            raise Unavailable(f"the Broker at {self.broker_url} cannot be reached: {error}") from None
        if not 200 <= answer.status_code < 300:
            raise Unavailable(f"the Broker at {self.broker_url} refused the event: HTTP {answer.status_code} "
                              f"{answer.text[:300]}")

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
        self._session.close()

    def _local(self) -> ThreadPoolExecutor:
        # Created on first use, so the threads belong to the process that serves (after the fork).
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="interpret")
            return self._pool

    def _run_logged(self, event: BaseCloudEvent) -> None:
        try:
            self._run(event)
        except Exception:
            logger.exception("event %s failed in the local worker", event.get_id())
