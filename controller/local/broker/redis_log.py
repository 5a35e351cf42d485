"""EventLog on Redis Streams: one stream per broker, one consumer group per Trigger.

Keys under `prefix`: `events` (the stream), `dead` (the dead-letter stream), and per group
`due:<group>` (sorted set of offsets waiting for a retry, scored by due time in ms) and
`attempts:<group>` (hash offset -> failed attempts and last error). Every handed-out delivery
sits in the group's pending entries list (PEL) until XACK, so a crash loses nothing: `recover`
and XAUTOCLAIM hand such entries out again. Durability is Redis's: an event is accepted once
XADD returns; configure Redis persistence (appendonly) for it to survive a Redis restart.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import redis

from controller.local.broker.event_store import DeadLetter, Delivery, EventStoreError

CONSUMER = "broker"
_PAGE = 200


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _parse_id(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def _next_id(entry_id: str) -> str:
    ms, seq = _parse_id(entry_id)
    return f"{ms}-{seq + 1}"


class RedisEventLog:
    """An EventLog in Redis Streams (consumer groups, XADD/XREADGROUP/XACK/XAUTOCLAIM)."""

    def __init__(self, url: str, *, prefix: str = "hydro:broker", dead_letter_limit: int = 10_000) -> None:
        # Any: redis-py types each sync command as `Awaitable[Any] | Any` (stubs shared with the
        # asyncio client), which mypy cannot narrow.
        self._redis: Any = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
        self._url = url
        self._prefix = prefix
        self._stream = f"{prefix}:events"
        self._dead = f"{prefix}:dead"
        self._dead_limit = dead_letter_limit
        self._claim_cursor: dict[str, str] = {}
        self._last_reclaim: dict[str, float] = {}

    def _due(self, group: str) -> str:
        return f"{self._prefix}:due:{group}"

    def _attempts(self, group: str) -> str:
        return f"{self._prefix}:attempts:{group}"

    def append(self, payload: bytes) -> str:
        try:
            return _text(self._redis.xadd(self._stream, {"event": payload}))
        except redis.RedisError as exc:
            raise EventStoreError(f"event log {self._prefix} at Redis: event not stored: {exc}") from exc

    def ensure_group(self, group: str) -> None:
        try:
            self._redis.xgroup_create(self._stream, group, id="$", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def remove_group(self, group: str) -> None:
        if group in self.groups():
            self._redis.xgroup_destroy(self._stream, group)
        self._redis.delete(self._due(group), self._attempts(group))
        self._claim_cursor.pop(group, None)
        self._last_reclaim.pop(group, None)

    def _group_infos(self) -> list[dict[str, Any]]:
        try:
            return list(self._redis.xinfo_groups(self._stream))
        except redis.ResponseError:  # the stream does not exist yet
            return []

    def groups(self) -> set[str]:
        return {_text(info["name"]) for info in self._group_infos()}

    def recover(self, group: str) -> int:
        now_ms = int(time.time() * 1000)
        start, recovered = "0-0", 0
        while True:
            # min-idle 0: every pending entry not waiting for a retry was in flight when the
            # previous process stopped; take it over and make it due now.
            response = self._redis.xautoclaim(self._stream, group, CONSUMER, 0, start, count=_PAGE)
            next_start, entries = response[0], response[1]
            for entry_id, _fields in entries:
                if self._redis.zadd(self._due(group), {_text(entry_id): now_ms}, nx=True):
                    recovered += 1
            start = _text(next_start)
            if start == "0-0":
                return recovered

    def fetch(self, group: str, limit: int, lease: float) -> list[Delivery]:
        out = self._fetch_due(group, limit)
        if len(out) < limit:
            out += self._reclaim_stuck(group, limit - len(out), lease)
        if len(out) < limit:
            out += self._read_new(group, limit - len(out))
        return out

    def _fetch_due(self, group: str, limit: int) -> list[Delivery]:
        ids = self._redis.zrangebyscore(self._due(group), "-inf", int(time.time() * 1000), 0, limit)
        if not ids:
            return []
        self._redis.zrem(self._due(group), *ids)
        # XCLAIM with min-idle 0 resets the idle time, so XAUTOCLAIM leaves it alone while in flight.
        entries = self._redis.xclaim(self._stream, group, CONSUMER, 0, ids)
        return self._deliveries(group, entries)

    def _reclaim_stuck(self, group: str, limit: int, lease: float) -> list[Delivery]:
        # A lease only expires when a worker died, so scanning the PEL twice per lease is plenty.
        now = time.monotonic()
        if now - self._last_reclaim.get(group, 0.0) < min(lease / 2, 1.0):
            return []
        self._last_reclaim[group] = now
        start = self._claim_cursor.get(group, "0-0")
        response = self._redis.xautoclaim(
            self._stream, group, CONSUMER, int(lease * 1000), start, count=limit
        )
        self._claim_cursor[group] = _text(response[0])
        entries = response[1]
        due_key = self._due(group)
        stuck = [(i, f) for i, f in entries if self._redis.zscore(due_key, i) is None]
        return self._deliveries(group, stuck)

    def _read_new(self, group: str, limit: int) -> list[Delivery]:
        response = self._redis.xreadgroup(group, CONSUMER, {self._stream: ">"}, count=limit)
        entries = [entry for _stream, batch in response or [] for entry in batch]
        return [Delivery(group, _text(i), fields[b"event"], 0) for i, fields in entries]

    def _deliveries(self, group: str, entries: list) -> list[Delivery]:
        # An entry deleted from the stream comes back as (None, None); nothing is left to deliver.
        entries = [(entry_id, fields) for entry_id, fields in entries if fields]
        if not entries:
            return []
        ids = [_text(entry_id) for entry_id, _ in entries]
        states = self._redis.hmget(self._attempts(group), ids)
        return [
            Delivery(group, entry_id, fields[b"event"], json.loads(state)["attempts"] if state else 0)
            for entry_id, (_, fields), state in zip(ids, entries, states, strict=True)
        ]

    def ack(self, group: str, offsets: Sequence[str]) -> None:
        if not offsets:
            return
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.xack(self._stream, group, *offsets)
            pipe.hdel(self._attempts(group), *offsets)
            pipe.zrem(self._due(group), *offsets)
            pipe.execute()

    def retry_later(self, group: str, offset: str, due: float, attempts: int, error: str) -> None:
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._attempts(group), offset, json.dumps({"attempts": attempts, "error": error}))
            pipe.zadd(self._due(group), {offset: int(due * 1000)})
            pipe.execute()

    def dead_letter(self, delivery: Delivery, attempts: int, error: str) -> None:
        record = {
            "group": delivery.group,
            "offset": delivery.offset,
            "payload": delivery.payload,
            "attempts": attempts,
            "error": error,
            "dead_at": repr(time.time()),
        }
        with self._redis.pipeline(transaction=True) as pipe:
            pipe.xadd(self._dead, record, maxlen=self._dead_limit, approximate=True)
            pipe.xack(self._stream, delivery.group, delivery.offset)
            pipe.hdel(self._attempts(delivery.group), delivery.offset)
            pipe.zrem(self._due(delivery.group), delivery.offset)
            pipe.execute()

    def dead_letters(self, group: str | None = None, limit: int = 100) -> list[DeadLetter]:
        found: list[DeadLetter] = []
        upper = "+"
        while len(found) < limit:
            page = self._redis.xrevrange(self._dead, max=upper, min="-", count=_PAGE)
            for _entry_id, f in page:
                if group is None or _text(f[b"group"]) == group:
                    found.append(
                        DeadLetter(
                            _text(f[b"group"]), _text(f[b"offset"]), f[b"payload"],
                            int(f[b"attempts"]), _text(f[b"error"]), float(f[b"dead_at"]),
                        )
                    )
            if len(page) < _PAGE:
                break
            upper = "(" + _text(page[-1][0])
        return found[:limit]

    def backlog(self, group: str) -> int:
        for info in self._group_infos():
            if _text(info["name"]) == group:
                return int(info.get("pending") or 0) + int(info.get("lag") or 0)
        return 0

    def _acked_bound(self) -> str:
        """Exclusive upper bound of the ids every group has acknowledged ("+" when no group)."""
        bounds: list[str] = []
        for info in self._group_infos():
            if int(info.get("pending") or 0):
                bounds.append(_text(self._redis.xpending(self._stream, info["name"])["min"]))
            else:
                bounds.append(_next_id(_text(info["last-delivered-id"])))
        return "(" + min(bounds, key=_parse_id) if bounds else "+"

    def trim(self, keep: int) -> int:
        newest_acked = self._redis.xrevrange(self._stream, max=self._acked_bound(), min="-", count=keep + 1)
        if len(newest_acked) <= keep:
            return 0
        return int(self._redis.xtrim(self._stream, minid=_next_id(_text(newest_acked[keep][0])),
                                     approximate=False))

    def count(self) -> int:
        return int(self._redis.xlen(self._stream))

    def close(self) -> None:
        self._redis.close()
