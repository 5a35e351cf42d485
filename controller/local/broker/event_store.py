"""The broker's durable event log: the port and the records it hands out.

One log holds one broker's events. Each Trigger reads it through its own *group* (a cursor plus
the deliveries it has not acknowledged yet), so one slow subscriber never holds back another.
A delivery handed out by `fetch` stays pending until it is acknowledged, dead-lettered or
rescheduled; if the process dies first, `recover` hands it out again (at-least-once).

A store is owned by one broker process at a time: `recover` assumes that every delivery still
marked in flight belongs to a process that is gone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from controller.errors import Unavailable


class EventStoreError(Unavailable):
    """The event store could not durably record an event; the publisher should retry."""

    code = "broker_unavailable"


@dataclass(frozen=True)
class Delivery:
    """One stored event handed to one Trigger's group.

    `attempts` counts the failed delivery attempts already made (0 for a fresh event).
    """

    group: str
    offset: str
    payload: bytes
    attempts: int = 0


@dataclass(frozen=True)
class DeadLetter:
    """An event a Trigger gave up on, with why."""

    group: str
    offset: str
    payload: bytes
    attempts: int
    last_error: str
    dead_at: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; `event` is the event in CloudEvents structured JSON."""
        return {
            "trigger": self.group,
            "offset": self.offset,
            "attempts": self.attempts,
            "lastError": self.last_error,
            "deadAt": self.dead_at,
            "event": json.loads(self.payload),
        }


class EventLog(Protocol):
    """A durable, multi-group event log (SQLite or Redis Streams)."""

    def append(self, payload: bytes) -> str:
        """Store one event; returns its offset only once it is durable (raises EventStoreError)."""
        ...

    def ensure_group(self, group: str) -> None:
        """Create a group if missing; a new group starts after the newest stored event."""
        ...

    def remove_group(self, group: str) -> None:
        """Forget a group with its cursor, pending deliveries and scheduled retries."""
        ...

    def groups(self) -> set[str]:
        """Names of the existing groups."""
        ...

    def recover(self, group: str) -> int:
        """Make deliveries left in flight by a previous process due now; returns how many."""
        ...

    def fetch(self, group: str, limit: int, lease: float) -> list[Delivery]:
        """Up to `limit` deliveries: due retries and expired leases first, then new events.

        Each is leased for `lease` seconds: if not acknowledged or rescheduled by then it is
        handed out again. Pass the same lease on every call for a group (Redis measures it
        when reclaiming, SQLite when handing out).
        """
        ...

    def ack(self, group: str, offsets: Sequence[str]) -> None:
        """Mark deliveries done for this group."""
        ...

    def retry_later(self, group: str, offset: str, due: float, attempts: int, error: str) -> None:
        """Keep a delivery pending until the wall-clock time `due`, recording the failure."""
        ...

    def dead_letter(self, delivery: Delivery, attempts: int, error: str) -> None:
        """Move a delivery to the dead-letter store and acknowledge it, atomically."""
        ...

    def dead_letters(self, group: str | None = None, limit: int = 100) -> list[DeadLetter]:
        """The newest dead letters first, optionally for one group only."""
        ...

    def backlog(self, group: str) -> int:
        """Events this group has not finished: pending plus not yet read."""
        ...

    def trim(self, keep: int) -> int:
        """Delete events every group has acknowledged, keeping the newest `keep` of them."""
        ...

    def count(self) -> int:
        """Events currently stored, acknowledged or not."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
