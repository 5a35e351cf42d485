"""LocalBroker: the local engine's Knative Broker (a durable log, Triggers, retries, dead letter)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from cloudevents.core.base import BaseCloudEvent

from controller.errors import InvalidResource
from controller.local.broker import codec
from controller.local.broker.delivery import TriggerDispatcher, TriggerStats
from controller.local.broker.event_store import DeadLetter, EventLog
from controller.local.broker.trigger import DeliveryPolicy, SubscriberResolver, Trigger

logger = logging.getLogger(__name__)


class LocalBroker:
    """One broker (`namespace/name`) over one EventLog.

    Triggers are applied as a desired set (`apply_triggers`); each gets a group in the log the
    moment it is applied, so it sees every event published from then on, even before `start()`.
    A new Trigger does not see older events (as on Knative).
    """

    def __init__(
        self,
        log: EventLog,
        *,
        namespace: str = "default",
        name: str = "default",
        resolve: SubscriberResolver | None = None,
        delivery_defaults: DeliveryPolicy | None = None,
        max_in_flight: int = 4,
        poll_interval: float = 0.1,
        retain_acked: int = 1000,
        trim_interval: float = 5.0,
        stop_grace: float = 10.0,
    ) -> None:
        self.namespace = namespace
        self.name = name
        self._log = log
        self._resolve = resolve
        self._defaults = delivery_defaults or DeliveryPolicy()
        self._max_in_flight = max_in_flight
        self._poll = poll_interval
        self._retain = retain_acked
        self._trim_interval = trim_interval
        self._grace = stop_grace
        self._lock = threading.RLock()
        self._triggers: dict[str, Trigger] = {}
        self._dispatchers: dict[str, TriggerDispatcher] = {}
        self._stats: dict[str, TriggerStats] = {}
        self._published = 0
        self._count_lock = threading.Lock()
        self._running = False
        self._stopping = threading.Event()
        self._housekeeper: threading.Thread | None = None

    def publish(self, event: BaseCloudEvent) -> str:
        """Store an event durably and return its offset; raises EventStoreError if it could not be."""
        offset = self._log.append(codec.encode(event))
        # Not self._lock: replies are published from delivery threads that apply_triggers() may
        # be waiting for while it holds that lock.
        with self._count_lock:
            self._published += 1
        for dispatcher in tuple(self._dispatchers.values()):
            dispatcher.wake()
        return offset

    def apply_triggers(self, manifests: Iterable[Mapping[str, Any]]) -> list[Trigger]:
        """Make these Trigger manifests the broker's whole set: add, update and remove.

        All manifests are validated before anything changes; a manifest for another broker is
        an error. Removing a Trigger drops its pending deliveries, as deleting it on Knative does.
        """
        desired = {t.key: t for t in (self._parse(m) for m in manifests)}
        with self._lock:
            for key in set(self._log.groups()) - set(desired):
                self._remove(key)
            for key, trigger in desired.items():
                if self._triggers.get(key) != trigger:
                    self._put(trigger)
            return list(self._triggers.values())

    def _parse(self, manifest: Mapping[str, Any]) -> Trigger:
        trigger = Trigger.from_manifest(
            manifest, resolve=self._resolve, defaults=self._defaults, default_namespace=self.namespace
        )
        if trigger.broker != self.name:
            raise InvalidResource("spec.broker", f"is {trigger.broker!r}, this broker is {self.name!r}",
                                  source=f"Trigger {trigger.key}")
        return trigger

    def _remove(self, key: str) -> None:
        dispatcher = self._dispatchers.pop(key, None)
        if dispatcher is not None:
            dispatcher.stop(self._grace)
        self._triggers.pop(key, None)
        self._stats.pop(key, None)
        self._log.remove_group(key)
        logger.info("broker %s/%s: trigger %s removed", self.namespace, self.name, key)

    def _put(self, trigger: Trigger) -> None:
        self._log.ensure_group(trigger.key)
        old = self._dispatchers.pop(trigger.key, None)
        if old is not None:
            old.stop(self._grace)
        self._triggers[trigger.key] = trigger
        self._stats.setdefault(trigger.key, TriggerStats())
        if self._running:
            self._spawn(trigger)
        logger.info("broker %s/%s: trigger %s -> %s", self.namespace, self.name, trigger.key,
                    trigger.subscriber_uri)

    def _spawn(self, trigger: Trigger) -> None:
        dispatcher = TriggerDispatcher(
            trigger,
            self._log,
            self.publish,
            max_in_flight=trigger.max_in_flight or self._max_in_flight,
            poll_interval=self._poll,
            stats=self._stats[trigger.key],
        )
        self._dispatchers[trigger.key] = dispatcher
        dispatcher.start()

    def triggers(self) -> list[Trigger]:
        """The Triggers currently applied."""
        with self._lock:
            return list(self._triggers.values())

    def start(self) -> None:
        """Start delivering: one dispatcher per Trigger, plus the retention housekeeper."""
        with self._lock:
            if self._running:
                return
            self._running = True
            self._stopping.clear()
            for trigger in self._triggers.values():
                self._spawn(trigger)
            self._housekeeper = threading.Thread(target=self._housekeep, name="broker-trim", daemon=True)
            self._housekeeper.start()

    def stop(self, grace: float | None = None) -> bool:
        """Stop delivering; deliveries in flight get `grace` seconds to finish.

        Returns whether all finished; unfinished ones stay unacknowledged and are delivered
        again after a restart (at-least-once).
        """
        with self._lock:
            self._running = False
            self._stopping.set()
            dispatchers = list(self._dispatchers.values())
            self._dispatchers.clear()
        finished = all([d.stop(self._grace if grace is None else grace) for d in dispatchers])
        if self._housekeeper is not None:
            self._housekeeper.join()
        return finished

    def _housekeep(self) -> None:
        while not self._stopping.wait(self._trim_interval):
            self.trim()

    def trim(self) -> int:
        """Delete events every Trigger acknowledged, beyond the newest `retain_acked`."""
        try:
            removed = self._log.trim(self._retain)
        except Exception:
            logger.exception("broker %s/%s: trimming the event log failed", self.namespace, self.name)
            return 0
        if removed:
            logger.debug("broker %s/%s: trimmed %d delivered events", self.namespace, self.name, removed)
        return removed

    def dead_letters(self, trigger: str | None = None, limit: int = 100) -> list[DeadLetter]:
        """Dead-lettered events, newest first; `trigger` is a name or `namespace/name`."""
        group = None if trigger is None else (trigger if "/" in trigger else f"{self.namespace}/{trigger}")
        return self._log.dead_letters(group, limit)

    def stats(self) -> dict[str, Any]:
        """Published count and, per Trigger, its counters and backlog."""
        with self._lock:
            per_trigger = {key: stats.snapshot() for key, stats in self._stats.items()}
        with self._count_lock:
            published = self._published
        for key, counters in per_trigger.items():
            counters["backlog"] = self._log.backlog(key)
        return {"broker": f"{self.namespace}/{self.name}", "published": published, "triggers": per_trigger}
