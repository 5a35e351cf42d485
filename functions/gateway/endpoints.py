"""Direct endpoints: dial a ready worker of the local engine instead of going through its activator.

Knative keeps the activator in the data path only while a revision has no ready capacity; once
warm, traffic goes straight to the pods. The local engine does the same through one exchange,
`/hydro.engine.Endpoints/Exchange` on the activator's address (raw bytes, JSON both ways, so
the engine and the gateway share no code), made every `interval` seconds by each gateway process:

- request: `{"reporter": id, "load": {worker id: {"concurrency", "requests", "idle"}}}`: for every
  worker this process dialled directly since the last exchange, the average number of calls in
  flight over the interval, how many calls started, and the seconds since the last one ended (or 0
  while one is in flight). The engine's autoscaler counts this demand as it counts the calls it
  holds itself, and a worker still used this way is not idle.
- answer: `{"hosts": {host: [[revision, weight], ...]}, "revisions": {revision: [[worker id,
  "host:port"], ...]}, "ttl": seconds}`: the weighted revisions behind each cluster host and the
  ready workers of each. The engine leaves out a worker close to its idle timeout, so nobody dials
  a worker while it is being stopped.

`pick` draws a revision by weight (as the activator would) and answers the least loaded of its
workers, or just the revision when it has none (the caller then goes through the activator,
pinned to that revision with `hydro-revision`, so a cold revision keeps its share). An answer
older than `ttl` (the engine unreachable, the poller stuck) is not used: every call goes through
the activator until a fresh one arrives.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import grpc

logger = logging.getLogger(__name__)

EXCHANGE_PATH = "/hydro.engine.Endpoints/Exchange"
REVISION_METADATA = "hydro-revision"


@dataclass(frozen=True)
class Pick:
    """Where one call goes: a worker (`address`), or the activator pinned to `revision`."""

    revision: str | None
    worker: str | None = None
    address: str | None = None


@dataclass
class _Load:
    """Calls this process sent one worker directly: in flight now, and since the last exchange."""

    in_flight: int = 0
    started: int = 0
    area: float = 0.0
    """Integral of calls in flight over time (call-seconds) since the last exchange."""
    changed_at: float = field(default_factory=time.monotonic)
    ended_at: float = field(default_factory=time.monotonic)

    def advance(self, now: float) -> None:
        self.area += self.in_flight * (now - self.changed_at)
        self.changed_at = now


class DirectEndpoints:
    """The engine's published workers for this process, refreshed by a background exchange."""

    def __init__(self, channel: grpc.Channel, *, interval: float = 0.25, timeout: float = 2.0,
                 rng: random.Random | None = None,
                 on_published: Callable[[frozenset[str]], None] | None = None) -> None:
        self.reporter = uuid.uuid4().hex
        self.on_published = on_published
        """Told every worker address published by each answer (the upstream closes the others' channels)."""
        self.interval = interval
        self.timeout = timeout
        self._exchange = channel.unary_unary(EXCHANGE_PATH)
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._hosts: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {}
        self._workers: dict[str, tuple[tuple[str, str], ...]] = {}
        self._fresh_until = 0.0
        self._loads: dict[str, _Load] = {}
        self._last_exchange = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="direct-endpoints", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.timeout + 1)
            self._thread = None

    def pick(self, host: str) -> Pick | None:
        """A worker for a call to `host`, the revision to pin when it has none, or None (no fresh
        answer, or a host the engine does not publish)."""
        with self._lock:
            if time.monotonic() >= self._fresh_until:
                return None
            destination = self._hosts.get(host)
            if destination is None:
                return None
            revisions, weights = destination
            revision = revisions[0] if len(revisions) == 1 else self._rng.choices(revisions, weights=weights)[0]
            workers = self._workers.get(revision, ())
            if not workers:
                return Pick(revision)
            worker, address = min(workers, key=lambda w: self._in_flight(w[0]))
            return Pick(revision, worker, address)

    def begin(self, worker: str) -> None:
        with self._lock:
            load = self._loads.setdefault(worker, _Load())
            load.advance(time.monotonic())
            load.in_flight += 1
            load.started += 1

    def end(self, worker: str) -> None:
        with self._lock:
            load = self._loads[worker]
            now = time.monotonic()
            load.advance(now)
            load.in_flight -= 1
            load.ended_at = now

    def forget(self, worker: str) -> None:
        """Stop dialling a worker that refused a connection, until the engine publishes it again."""
        with self._lock:
            self._workers = {rev: tuple(w for w in ws if w[0] != worker) for rev, ws in self._workers.items()}

    def exchange(self) -> None:
        """One report-and-fetch; keeps the last answer (until it goes stale) on failure."""
        body = json.dumps({"reporter": self.reporter, "load": self._report()}).encode()
        try:
            answer = json.loads(self._exchange(body, timeout=self.timeout))
        except (grpc.RpcError, ValueError) as exc:
            if not self._failing:
                logger.warning("engine endpoints unavailable (%s); calls go through the activator", exc)
            self._failing = True
            return
        self._failing = False
        self._apply(answer)

    def _in_flight(self, worker: str) -> int:
        load = self._loads.get(worker)
        return 0 if load is None else load.in_flight

    def _report(self) -> dict[str, dict[str, float]]:
        with self._lock:
            now = time.monotonic()
            window = max(now - self._last_exchange, 1e-3)
            self._last_exchange = now
            report = {}
            for worker, load in list(self._loads.items()):
                load.advance(now)
                report[worker] = {"concurrency": round(load.area / window, 3), "requests": load.started,
                                  "idle": 0.0 if load.in_flight else round(now - load.ended_at, 3)}
                load.area, load.started = 0.0, 0
                if load.in_flight == 0 and report[worker]["requests"] == 0:
                    del self._loads[worker]  # reported idle once; nothing more to say about it
        return report

    def _apply(self, answer: Any) -> None:
        hosts = {host: (tuple(r for r, _ in pairs), tuple(int(w) for _, w in pairs))
                 for host, pairs in answer.get("hosts", {}).items() if pairs}
        workers = {rev: tuple((str(w), str(a)) for w, a in ws) for rev, ws in answer.get("revisions", {}).items()}
        with self._lock:
            self._hosts, self._workers = hosts, workers
            self._fresh_until = time.monotonic() + float(answer.get("ttl", 1.0))
        if self.on_published is not None:
            self.on_published(frozenset(address for ws in workers.values() for _, address in ws))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.exchange()
            self._stop.wait(self.interval)
