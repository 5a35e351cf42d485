"""The local engine's Broker: a durable CloudEvents log delivering to Triggers.

SQLite (`SqliteEventLog`) by default, Redis Streams (`RedisEventLog`) when configured; Trigger
filters, retries with linear or exponential backoff, a dead-letter store, reply events, and an
HTTP ingress. `python -m controller.local.broker` runs one broker standalone.
"""

from __future__ import annotations

from controller.local.broker.broker import LocalBroker
from controller.local.broker.codec import InvalidEvent
from controller.local.broker.event_store import DeadLetter, Delivery, EventLog, EventStoreError
from controller.local.broker.ingress import create_ingress_app, ingress_blueprint
from controller.local.broker.redis_log import RedisEventLog
from controller.local.broker.sqlite_log import SqliteEventLog
from controller.local.broker.trigger import DeliveryPolicy, SubscriberResolver, Trigger

__all__ = [
    "DeadLetter",
    "Delivery",
    "DeliveryPolicy",
    "EventLog",
    "EventStoreError",
    "InvalidEvent",
    "LocalBroker",
    "RedisEventLog",
    "SqliteEventLog",
    "SubscriberResolver",
    "Trigger",
    "create_ingress_app",
    "ingress_blueprint",
]
