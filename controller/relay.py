"""The outbox relay: every catalog change, in commit order, as a CloudEvent on the Broker.

The catalog writes each change into its `events` table in the change's own transaction; this
relay follows that table and publishes each row (`dev.hydro.trainingdata.uploaded`,
`dev.hydro.modelversion.changed`, ...), saving its position after every delivery. Event ids are
stable (`catalog-<row id>`), so a row published twice (a crash between publishing and saving the
position) is recognised by the functions, which are idempotent on the id. A Broker that refuses
or is down stops the relay at that row and it tries again with back-off: nothing is skipped.

Only one relay per catalog delivers at a time (a PostgreSQL advisory lock, or a file lock next to
a SQLite catalog), so several gunicorn workers do not publish everything several times.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from cloudevents.core.base import BaseCloudEvent
from sqlalchemy import Connection, text

from controller.catalog import Catalog
from controller.catalog.records import EventRecord
from controller.catalog_loop import CatalogLoop
from protos import cloudevent_http, events

logger = logging.getLogger(__name__)

Publish = Callable[[BaseCloudEvent], object]
BATCH = 200
POLL_S = 1.0
MAX_BACKOFF_S = 30.0
_LOCK_KEY = 0x4859_4452_52  # "HYDRR": the relay's advisory lock


def http_publisher(broker_url: str, timeout: float = 10.0) -> Publish:
    """Publish by POSTing binary-mode events to a Broker ingress (Knative's or the local one)."""
    session = requests.Session()

    def publish(event: BaseCloudEvent) -> None:
        message = cloudevent_http.to_binary(event)
        answer = session.post(broker_url, data=message.body, headers=dict(message.headers), timeout=timeout)
        if not 200 <= answer.status_code < 300:
            raise RuntimeError(f"the Broker at {broker_url} answered {answer.status_code}: {answer.text[:200]}")

    return publish


def to_cloudevent(record: EventRecord) -> BaseCloudEvent:
    """One outbox row as a CloudEvent; the changed object's top-level keys in camelCase."""
    data = dict(record.data)
    if isinstance(data.get("object"), dict):
        data["object"] = {_camel(k): v for k, v in data["object"].items()}
    return cloudevent_http.new_event({
        "id": f"catalog-{record.id}", "source": events.SOURCE_CONTROLLER, "type": record.type,
        "subject": record.subject, "time": record.created_at, "datacontenttype": "application/json",
    }, data)


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.capitalize() for part in rest)


class OutboxRelay:
    def __init__(self, catalog: Catalog, publish: Publish, *, name: str = "broker",
                 lock_dir: Path | None = None) -> None:
        self._catalog = catalog
        self._publish = publish
        self.name = name
        self._leadership = _Leadership(catalog, lock_dir)
        self._loop = CatalogLoop(catalog, self._step, name=f"relay-{name}", period=POLL_S)
        self._backoff = 0.5
        self.published = 0
        self.last_error: str | None = None

    def start(self) -> None:
        self._loop.start()

    def stop(self) -> None:
        self._loop.stop()
        self._leadership.release()

    def relay_once(self) -> int:
        """Publish everything after the saved position (on this thread); how many were published."""
        count = 0
        while batch := self._catalog.events_since(self._catalog.relay_position(self.name), BATCH):
            for record in batch:
                self._publish(to_cloudevent(record))
                self._catalog.save_relay_position(self.name, record.id)
                count += 1
                self.published += 1
        return count

    def _step(self) -> None:
        if not self._leadership.acquire():
            return
        try:
            self.relay_once()
            self.last_error, self._backoff = None, 0.5
        except Exception as error:
            self.last_error = f"{type(error).__name__}: {error}"
            logger.warning("relaying catalog events failed (%s); retrying in %.1f s", self.last_error, self._backoff)
            self._loop.pause(self._backoff)
            self._backoff = min(self._backoff * 2, MAX_BACKOFF_S)
            self._loop.wake()


class _Leadership:
    """Holds the relay lock for this process once acquired."""

    def __init__(self, catalog: Catalog, lock_dir: Path | None) -> None:
        self._catalog = catalog
        self._lock_dir = lock_dir
        self._held: Any = None

    def acquire(self) -> bool:
        if self._held is not None:
            return True
        engine = self._catalog.database.engine
        if engine.dialect.name == "postgresql":
            connection = engine.connect()
            if connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": _LOCK_KEY}):
                self._held = connection
            else:
                connection.close()
        else:
            self._held = self._file_lock()
        return self._held is not None

    def _file_lock(self) -> Any:
        path = (self._lock_dir or Path(".")) / "relay.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return None
        return handle

    def release(self) -> None:
        if self._held is None:
            return
        if isinstance(self._held, Connection):
            # A pooled connection outlives close(), and with it a session-level advisory lock.
            self._held.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _LOCK_KEY})
        self._held.close()
        self._held = None
