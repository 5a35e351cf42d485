"""The dispatcher: one consumer per Trigger, delivering its events with retries and dead letter.

Each Trigger reads the log through its own group, so a slow or failing subscriber never delays
another Trigger. A failed event is rescheduled with a due time (never a sleep at the head of
the line), so later events keep flowing while it waits for its retry. Up to `max_in_flight`
deliveries run at once per Trigger.

Which failures are retried is Knative's rule (eventing's `SelectiveRetry`): no response, a
transport error, 5xx, 404, 408, 409 and 429. Any other status (400, 401, 403, 413, 422...) says the
subscriber will never take this event, so it is dead-lettered at once instead of being sent
`retry` more times.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, fields

from cloudevents.core.base import BaseCloudEvent

from controller.local.broker import codec
from controller.local.broker.event_store import Delivery, EventLog
from controller.local.broker.subscriber import Outcome, dead_letter_event, send
from controller.local.broker.trigger import Trigger
from protos.http_post import PostClient

logger = logging.getLogger(__name__)

Publish = Callable[[BaseCloudEvent], object]
RETRIED_STATUSES = frozenset({404, 408, 409, 429})
"""4xx answers Knative retries (a pod becoming ready, a timeout, a conflict, throttling)."""
UNREACHABLE_RETRY_MAX = 5.0
"""Longest wait between attempts while a subscriber cannot be connected to at all."""


@dataclass
class TriggerStats:
    """Counters for one Trigger since the broker started (they survive Trigger updates)."""

    delivered: int = 0
    filtered_out: int = 0
    failed_attempts: int = 0
    retries_scheduled: int = 0
    dead_lettered: int = 0
    replies: int = 0
    dead_letter_sink_failures: int = 0
    in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, name: str, amount: int = 1) -> None:
        """Add to one counter, thread-safely."""
        with self._lock:
            setattr(self, name, getattr(self, name) + amount)

    def snapshot(self) -> dict[str, int]:
        """The counters as a plain dict."""
        with self._lock:
            return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}


class TriggerDispatcher:
    """Delivers one Trigger's events from the log to its subscriber until stopped."""

    def __init__(
        self,
        trigger: Trigger,
        log: EventLog,
        publish: Publish,
        *,
        max_in_flight: int = 4,
        poll_interval: float = 0.1,
        lease_margin: float = 5.0,
        stats: TriggerStats | None = None,
    ) -> None:
        self.trigger = trigger
        self.stats = stats or TriggerStats()
        self._log = log
        self._publish = publish
        self._max_in_flight = max_in_flight
        self._poll = poll_interval
        # A lease longer than the HTTP timeout: only a delivery whose worker died is handed out twice.
        self._lease = trigger.delivery.timeout + lease_margin
        self._pool = ThreadPoolExecutor(max_in_flight, thread_name_prefix=f"trigger-{trigger.name}")
        # One kept-alive connection per delivery thread and origin (subscriber, dead-letter sink).
        self._client = PostClient(trigger.delivery.timeout)
        self._stopping = threading.Event()
        self._wakeup = threading.Event()
        self._idle = threading.Condition()
        self._thread = threading.Thread(target=self._run, name=f"dispatch-{trigger.name}", daemon=True)

    def start(self) -> None:
        """Hand out again what a previous run left in flight, then start consuming."""
        recovered = self._log.recover(self.trigger.key)
        if recovered:
            logger.info("trigger %s: %d deliveries left in flight are due again", self.trigger.key, recovered)
        self._thread.start()

    def wake(self) -> None:
        """Look for new events now rather than at the next poll."""
        self._wakeup.set()

    def stop(self, grace: float) -> bool:
        """Stop fetching; wait up to `grace` seconds for deliveries in flight.

        Returns whether they all finished. Those that did not stay unacknowledged in the log
        and are delivered again after a restart.
        """
        self._stopping.set()
        self._wakeup.set()
        if self._thread.is_alive():
            self._thread.join()
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._idle:
            finished = self._idle.wait_for(lambda: self.stats.in_flight == 0, timeout=grace)
        if finished:
            # Not while a delivery still runs: closing its socket would fail it from under it.
            self._client.close()
        return finished

    def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            self._wakeup.clear()
            try:
                fetched = self._fetch_and_dispatch()
                failures = 0
            except Exception:
                failures += 1
                logger.exception("trigger %s: reading the event log failed", self.trigger.key)
                self._stopping.wait(min(self._poll * 2**failures, 5.0))
                continue
            if fetched == 0 or self.stats.in_flight >= self._max_in_flight:
                self._wakeup.wait(self._poll)

    def _fetch_and_dispatch(self) -> int:
        room = self._max_in_flight - self.stats.in_flight
        if room <= 0:
            return 0
        batch = self._log.fetch(self.trigger.key, room, self._lease)
        skipped: list[str] = []
        for delivery in batch:
            event = codec.decode(delivery.payload)
            if not self.trigger.matches(event):
                skipped.append(delivery.offset)
                continue
            self.stats.add("in_flight")
            future = self._pool.submit(self._deliver, delivery, event)
            future.add_done_callback(self._finished)
        self._log.ack(self.trigger.key, skipped)
        self.stats.add("filtered_out", len(skipped))
        return len(batch)

    def _finished(self, _future: Future[None]) -> None:
        # A done-callback also runs for a future cancelled at stop(), so the count stays right.
        with self._idle:
            self.stats.add("in_flight", -1)
            self._idle.notify_all()
        self._wakeup.set()

    def _deliver(self, delivery: Delivery, event: BaseCloudEvent) -> None:
        try:
            outcome = send(self._client, self.trigger.subscriber_uri, event)
            if outcome.ok:
                self._succeed(delivery, outcome)
            else:
                self._fail(delivery, event, outcome)
        except Exception:
            # The delivery stays leased in the log and is handed out again when the lease ends.
            logger.exception("trigger %s: event %s (offset %s) not settled; will be redelivered",
                             self.trigger.key, event.get_id(), delivery.offset)

    def _succeed(self, delivery: Delivery, outcome: Outcome) -> None:
        if outcome.reply is not None:
            # Stored before the ack: a crash in between duplicates the reply, never loses it.
            self._publish(outcome.reply)
            self.stats.add("replies")
        self._log.ack(self.trigger.key, [delivery.offset])
        self.stats.add("delivered")

    def _fail(self, delivery: Delivery, event: BaseCloudEvent, outcome: Outcome) -> None:
        attempts = delivery.attempts + 1
        policy = self.trigger.delivery
        self.stats.add("failed_attempts")
        if outcome.unreachable:
            # The subscriber is down or restarting and never saw the event: wait for it without using
            # up the event's retries, or a function restart longer than the retry budget would
            # dead-letter every event in hand. Removing the Trigger is what stops these retries.
            due = time.time() + min(policy.backoff(attempts), UNREACHABLE_RETRY_MAX)
            self._log.retry_later(self.trigger.key, delivery.offset, due, delivery.attempts, outcome.error)
            self.stats.add("retries_scheduled")
            return
        if attempts <= policy.retry and retried(outcome):
            due = time.time() + policy.backoff(attempts)
            self._log.retry_later(self.trigger.key, delivery.offset, due, attempts, outcome.error)
            self.stats.add("retries_scheduled")
            return
        self._log.dead_letter(delivery, attempts, outcome.error)
        self.stats.add("dead_lettered")
        logger.warning("trigger %s: event %s dead-lettered after %d attempts: %s",
                       self.trigger.key, event.get_id(), attempts, outcome.error)
        if policy.dead_letter_uri:
            self._send_to_sink(policy.dead_letter_uri, event, outcome)

    def _send_to_sink(self, sink: str, event: BaseCloudEvent, outcome: Outcome) -> None:
        letter = dead_letter_event(event, self.trigger.subscriber_uri, outcome)
        result = send(self._client, sink, letter)
        if not result.ok:
            # The dead letter is already stored and queryable; the sink copy is best effort.
            self.stats.add("dead_letter_sink_failures")
            logger.warning("trigger %s: dead-letter sink refused event %s: %s",
                           self.trigger.key, event.get_id(), result.error)


def retried(outcome: Outcome) -> bool:
    """Whether a failed attempt is worth another (see the module docstring)."""
    status = outcome.status
    return status is None or status >= 500 or status in RETRIED_STATUSES
