"""An open-loop HTTP/1.1 load generator on asyncio streams (keep-alive, no third-party client).

Requests are scheduled at `rate` per second from the start, whatever the server does (open loop),
and served by `connections` keep-alive connections; a request's latency counts from its scheduled
time, so time spent queued behind a slow server is not hidden (no coordinated omission). Requests
still unsent `grace` seconds after the window are shed by the client and reported as such.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

NO_ANSWER = 599
"""Recorded when the connection failed before a status line arrived."""


@dataclass(frozen=True)
class LoadResult:
    offered: int
    sent: int
    window_seconds: float
    elapsed_seconds: float
    statuses: Counter[int]
    latencies_ms: tuple[float, ...]
    accepted: frozenset[str] = field(default_factory=frozenset)

    @property
    def offered_rate(self) -> float:
        return self.offered / self.window_seconds

    @property
    def achieved_rate(self) -> float:
        return sum(self.statuses.values()) / self.elapsed_seconds

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)


@dataclass
class _Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    accepted: set[str] = field(default_factory=set)
    sent: int = 0
    last_answer: float = 0.0


Body = Callable[[int], Mapping[str, object]]


async def run_load(host: str, port: int, path: str, body: Body, *, rate: float, seconds: float,
                   connections: int = 64, grace: float = 20.0) -> LoadResult:
    total = int(rate * seconds)
    queue: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    tally = _Tally()
    start = time.perf_counter()
    shed_after = start + seconds + grace
    workers = [asyncio.create_task(_worker(host, port, path, body, queue, tally, shed_after))
               for _ in range(connections)]
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((i, due))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    return LoadResult(total, tally.sent, seconds, max(tally.last_answer - start, seconds), tally.statuses,
                      tuple(tally.latencies), frozenset(tally.accepted))


async def _worker(host: str, port: int, path: str, body: Body, queue: asyncio.Queue[tuple[int, float] | None],
                  tally: _Tally, shed_after: float) -> None:
    connection: _Connection | None = None
    while (item := await queue.get()) is not None:
        index, due = item
        if time.perf_counter() > shed_after:
            continue
        request_id = f"load-{index}"
        payload = json.dumps(body(index)).encode()
        tally.sent += 1
        try:
            connection = connection or await _Connection.open(host, port)
            status, reusable = await connection.post(path, payload, request_id)
            if not reusable:
                connection.close()
                connection = None
        except (OSError, asyncio.IncompleteReadError, ValueError):
            status = NO_ANSWER
            if connection is not None:
                connection.close()
            connection = None
        now = time.perf_counter()
        tally.statuses[status] += 1
        tally.latencies.append((now - due) * 1000)
        tally.last_answer = now
        if status == 200:
            tally.accepted.add(request_id)
    if connection is not None:
        connection.close()


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self._reader = reader
        self._writer = writer
        self._host = host

    @classmethod
    async def open(cls, host: str, port: int) -> _Connection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer, f"{host}:{port}")

    async def post(self, path: str, payload: bytes, request_id: str) -> tuple[int, bool]:
        """The status, and whether the connection may carry another request."""
        head = (f"POST {path} HTTP/1.1\r\nHost: {self._host}\r\nContent-Type: application/json\r\n"
                f"X-Request-Id: {request_id}\r\nContent-Length: {len(payload)}\r\n\r\n")
        self._writer.write(head.encode() + payload)
        await self._writer.drain()
        status_line = await self._reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        length, close = 0, False
        while (line := await self._reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
            elif name.strip().lower() == "connection" and value.strip().lower() == "close":
                close = True
        await self._reader.readexactly(length)
        return status, not close

    def close(self) -> None:
        self._writer.close()
