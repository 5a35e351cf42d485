"""PingSources: a scheduler thread POSTing `dev.knative.sources.ping` events on cron schedules.

Schedules are croniter expressions (five fields, or six with seconds last), evaluated in the
source's `timezone` or the local one. A tick that fires while the previous delivery of the same
source is still running is still sent (deliveries run on a small pool); a failed delivery is
logged and not retried, as Knative's PingSource does without a delivery spec.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.v1.event import CloudEvent
from croniter import croniter

logger = logging.getLogger(__name__)

PING_TYPE = "dev.knative.sources.ping"


@dataclass(frozen=True)
class PingJob:
    name: str
    namespace: str
    schedule: str
    timezone: str | None
    content_type: str
    data: str
    sink: str

    def event(self, at: datetime) -> BaseCloudEvent:
        attributes = {"id": str(uuid.uuid4()), "specversion": "1.0", "type": PING_TYPE,
                      "source": f"/apis/v1/namespaces/{self.namespace}/pingsources/{self.name}",
                      "datacontenttype": self.content_type, "time": at}
        return CloudEvent(attributes, self.data.encode("utf-8"))

    def now(self) -> datetime:
        return datetime.now(ZoneInfo(self.timezone)) if self.timezone else datetime.now().astimezone()

    def next_after(self, moment: datetime) -> datetime:
        return croniter(self.schedule, moment).get_next(datetime)


Sender = Callable[[str, BaseCloudEvent], object]
"""POSTs one event to a sink URL (the engine passes the broker's binary-mode `send`)."""


class PingScheduler:
    """Fires every job on its schedule until stopped; `set_jobs` replaces the set at any time."""

    def __init__(self, send: Sender, max_parallel: int = 4) -> None:
        self._send = send
        self._lock = threading.Lock()
        self._jobs: dict[str, tuple[PingJob, datetime]] = {}
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._pool = ThreadPoolExecutor(max_parallel, thread_name_prefix="ping")
        self._thread = threading.Thread(target=self._run, name="ping-scheduler", daemon=True)
        self.fired = 0

    def set_jobs(self, jobs: Iterable[PingJob]) -> None:
        with self._lock:
            current = {f"{j.namespace}/{j.name}": j for j in jobs}
            self._jobs = {key: (job, self._jobs[key][1] if key in self._jobs and self._jobs[key][0] == job
                                else job.next_after(job.now()))
                          for key, job in current.items()}
        self._wake.set()

    def start(self) -> None:
        if not self._thread.is_alive():
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            self._wake.wait(self._fire_due())

    def _fire_due(self) -> float:
        """Fire the jobs that are due; seconds until the next one (at most a minute)."""
        wait = 60.0
        with self._lock:
            for key, (job, due) in list(self._jobs.items()):
                now = job.now()
                if due <= now:
                    self._pool.submit(self._deliver, job, due)
                    due = job.next_after(now)
                    self._jobs[key] = (job, due)
                wait = min(wait, max((due - now).total_seconds(), 0.0))
        return wait

    def _deliver(self, job: PingJob, at: datetime) -> None:
        with self._lock:
            self.fired += 1
        try:
            self._send(job.sink, job.event(at))
        except Exception:
            logger.exception("pingsource %s/%s: delivery to %s failed", job.namespace, job.name, job.sink)
