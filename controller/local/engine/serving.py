"""The model-version Services: a pool per live revision, the routing table, first-time verification.

A changed template is a new revision: its pool starts serving as soon as the Routes point at
it; a revision no Route or Service points at any more is retired and its workers stop once
their in-flight calls finished. A revision seen for the first time is verified (one worker
proves the model loads, as Knative's initial scale does); verified names persist across restarts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from controller.local.engine.errors import ServiceUnavailable
from controller.local.engine.manifests import RouteSpec, ServiceSpec
from controller.local.engine.pool import PoolConfig, RevisionPool
from controller.local.engine.routing import Destination, RoutingTable
from controller.local.engine.settings import EngineSettings
from controller.local.engine.status import ServiceStatus
from controller.local.engine.verified import VerifiedRevisions
from controller.local.engine.worker import Worker, WorkerInfo, grpc_ready

logger = logging.getLogger(__name__)

WorkerLauncher = Callable[[ServiceSpec, str, "int | None"], Worker]
"""(service, worker id, fixed port or None for a free one) -> a started worker."""


class ModelServing:
    def __init__(self, settings: EngineSettings, launch: WorkerLauncher, verified: VerifiedRevisions) -> None:
        self._settings = settings
        self._launch = launch
        self._verified = verified
        self._lock = threading.RLock()
        self._services: dict[str, ServiceSpec] = {}
        self._pools: dict[str, RevisionPool] = {}
        self._draining: list[RevisionPool] = []
        self._table = RoutingTable((), ())
        self._verifier = ThreadPoolExecutor(settings.verification_concurrency, thread_name_prefix="verify")
        self._closed = False

    def routing_table(self, services: dict[str, ServiceSpec], routes: Iterable[RouteSpec]) -> RoutingTable:
        """The table for a desired state (validates the Routes' targets; changes nothing)."""
        with self._lock:
            known = set(self._pools)
        return RoutingTable(services.values(), routes, known)

    def apply(self, services: dict[str, ServiceSpec], table: RoutingTable) -> None:
        with self._lock:
            for spec in services.values():
                if spec.revision not in self._pools:
                    self._add_pool(spec)
            needed = table.revisions() | {s.revision for s in services.values()}
            for revision in set(self._pools) - needed:
                pool = self._pools.pop(revision)
                pool.retire()
                self._draining.append(pool)
                logger.info("service %s: revision %s retired", pool.config.service, revision)
            self._services = dict(services)
            self._table = table
        self._verified.keep_only(needed)

    def _add_pool(self, spec: ServiceSpec) -> None:
        settings, scale = self._settings, spec.scaling
        config = PoolConfig(
            service=spec.name, revision=spec.revision, min_scale=scale.min_scale,
            max_scale=max(scale.max_scale or settings.default_max_scale, scale.min_scale, 1),
            target=scale.target or settings.target_concurrency,
            idle_seconds=scale.retention or settings.idle_window_seconds,
            activation_timeout=settings.activation_timeout_seconds, backoff_initial=settings.crash_backoff_seconds,
            backoff_max=settings.crash_backoff_max_seconds, drain_seconds=settings.drain_seconds,
        )
        verified = spec.revision in self._verified
        pool = RevisionPool(config, lambda worker_id: self._launch(spec, worker_id, None), grpc_ready,
                            verified=verified)
        self._pools[spec.revision] = pool
        if not verified:
            self._verifier.submit(self._verify, pool)

    def _verify(self, pool: RevisionPool) -> None:
        if pool.verify():
            self._verified.add(pool.config.revision)
            logger.info("service %s: revision %s verified", pool.config.service, pool.config.revision)
        elif pool.status()[0] is False:  # (not when the pool was closed or retired meanwhile)
            logger.warning("service %s: revision %s failed verification: %s", pool.config.service,
                           pool.config.revision, pool.status()[1])

    def pool_for(self, host: str, pinned: str | None = None) -> RevisionPool:
        """The pool serving `host` (a weighted draw for a Route, unless `pinned` is one of its revisions)."""
        with self._lock:
            revision = self._table.resolve(host, pinned)
            pool = self._pools.get(revision)
        if pool is None:
            raise ServiceUnavailable(f"revision {revision} for target {host!r} is not running")
        return pool

    def direct_view(self) -> tuple[dict[str, Destination], dict[str, RevisionPool]]:
        """The hosts and the live revisions' pools, for `direct.DirectTraffic`."""
        with self._lock:
            return dict(self._table.hosts), dict(self._pools)

    def tick(self) -> None:
        with self._lock:
            pools = list(self._pools.values())
            draining = list(self._draining)
        for pool in pools + draining:
            pool.tick()
            if pool.status()[0] is True and pool.config.revision not in self._verified:
                self._verified.add(pool.config.revision)  # verified by a request's cold start
        with self._lock:
            self._draining = [p for p in self._draining if not p.drained]

    def revision_status(self, revision: str) -> tuple[bool | None, str]:
        with self._lock:
            pool = self._pools.get(revision)
        return pool.status() if pool is not None else (None, f"revision {revision} is not running")

    def app_revisions(self, routes: Iterable[RouteSpec]) -> set[str]:
        with self._lock:
            return {rev for r in routes for rev in self._table.route_revisions.get((r.namespace, r.name), ())}

    def statuses(self) -> list[ServiceStatus]:
        with self._lock:
            current = [(spec, self._pools[spec.revision]) for spec in self._services.values()]
        out = []
        for spec, pool in current:
            ready, message = pool.status()
            out.append(ServiceStatus(spec.name, dict(spec.labels), ready, pool.ready_count(), message))
        return out

    def stats(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            current = {name: self._pools[spec.revision] for name, spec in self._services.items()}
            others = [p for p in [*self._pools.values(), *self._draining] if p not in current.values()]
        out = {name: pool.snapshot() for name, pool in current.items()}
        for pool in others:
            entry = out.setdefault(pool.config.service, {"revision": None})
            entry.setdefault("other_revisions", {})[pool.config.revision] = pool.snapshot()
        return out

    def workers(self, service: str) -> list[WorkerInfo]:
        with self._lock:
            pools = [p for p in [*self._pools.values(), *self._draining] if p.config.service == service]
        return [info for pool in pools for info in pool.workers()]

    def close(self, grace: float) -> None:
        """Stop every worker of every revision (in parallel) and the verifications."""
        with self._lock:
            pools = [*self._pools.values(), *self._draining]
            self._pools, self._draining, self._services = {}, [], {}
        threads = [threading.Thread(target=p.close, args=(grace,), daemon=True) for p in pools]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self._verifier.shutdown(wait=True, cancel_futures=True)
