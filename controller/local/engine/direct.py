"""Direct endpoints: gateways dial ready workers themselves; the activator only holds cold calls.

Knative keeps its activator in the path only while a revision has no ready capacity. Here every
gateway process calls `/hydro.engine.Endpoints/Exchange` on the activator's port a few times a
second (raw bytes, JSON both ways: the engine and the gateway share no code):

- it reports, per worker it dialled directly, the average calls in flight since its last report,
  how many calls it started and how long ago the last one ended: the autoscaler counts that
  demand like the calls it holds itself, the request counters include those calls, and a worker
  in use this way does not idle out;
- it receives, per cluster host, the weighted revisions (the Route's traffic split) and the ready
  workers of each revision, minus those within `guard` seconds of their idle timeout (so no
  gateway dials a worker while it is being stopped; a call for such a revision goes through the
  activator, which makes the worker active again), and `ttl`: how long the answer may be used.

A gateway that stops reporting is forgotten after `ttl`; its last figures then count no more.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from controller.errors import InvalidResource
from controller.local.engine.pool import RevisionPool
from controller.local.engine.routing import Destination

EXCHANGE_PATH = "/hydro.engine.Endpoints/Exchange"
View = Callable[[], tuple[Mapping[str, Destination], Mapping[str, RevisionPool]]]
"""The current hosts and the pools of the live revisions (`ModelServing.direct_view`)."""


@dataclass(frozen=True)
class _Report:
    at: float
    loads: Mapping[str, tuple[float, float]]
    """worker id -> (average calls in flight, when the last call ended, monotonic)."""


class DirectTraffic:
    """Answers the exchanges and folds every gateway's report into the pools."""

    def __init__(self, view: View, *, ttl: float = 1.5, guard: float = 1.0) -> None:
        self._view = view
        self.ttl = ttl
        self.guard = guard
        self._lock = threading.Lock()
        self._reports: dict[str, _Report] = {}

    def exchange(self, body: bytes) -> bytes:
        """One gateway's report in, the published endpoints out; `InvalidResource` for a bad report."""
        reporter, loads, started = _parse(body)
        hosts, pools = self._view()
        now = time.monotonic()
        with self._lock:
            self._reports[reporter] = _Report(now, loads)
            self._reports = {k: r for k, r in self._reports.items() if now - r.at < self.ttl}
            totals = _totals(self._reports.values())
        figures = {w: (load, started.get(w, 0), active_at) for w, (load, active_at) in totals.items()}
        for pool in pools.values():  # each pool takes its own workers' figures
            pool.report_direct(figures, self.ttl)
        return json.dumps(self._published(hosts, pools)).encode()

    def _published(self, hosts: Mapping[str, Destination], pools: Mapping[str, RevisionPool]) -> dict[str, Any]:
        guard = self.guard
        workers = {revision: pool.direct_endpoints(min(guard, pool.config.idle_seconds / 2))
                   for revision, pool in pools.items()}
        return {
            "ttl": self.ttl,
            "hosts": {host: [[r, w] for r, w in zip(d.revisions, d.weights, strict=True)]
                      for host, d in hosts.items()},
            "revisions": {revision: [list(w) for w in ws] for revision, ws in workers.items() if ws},
        }


def _totals(reports: Any) -> dict[str, tuple[float, float]]:
    """worker id -> (calls in flight summed over gateways, the latest end of a call)."""
    totals: dict[str, tuple[float, float]] = {}
    for report in reports:
        for worker, (concurrency, active_at) in report.loads.items():
            load, last = totals.get(worker, (0.0, float("-inf")))
            totals[worker] = (load + concurrency, max(last, active_at))
    return totals


def _parse(body: bytes) -> tuple[str, dict[str, tuple[float, float]], dict[str, int]]:
    try:
        doc = json.loads(body)
        reporter = doc["reporter"]
        raw = doc.get("load") or {}
        if not isinstance(reporter, str) or not isinstance(raw, dict):
            raise TypeError("reporter must be text and load an object")
        now = time.monotonic()
        loads = {str(w): (float(v["concurrency"]), now - float(v["idle"])) for w, v in raw.items()}
        started = {str(w): int(v["requests"]) for w, v in raw.items()}
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidResource("load", f"not a direct-endpoints report: {exc}", source="exchange") from None
    return reporter, loads, started
