"""A revision's pool of workers and its autoscaler: Knative's KPA and activator on one machine.

- Scale from zero: a call finding no ready worker is held while one starts; if that start
  fails (the model does not load, the process exits, it is not ready in time) every held call
  fails at once with the reason.
- Scale up: demand (calls in flight plus held) over `target` per worker asks for more workers,
  up to `max_scale`; a call never waits for a scale-up when a worker is ready.
- Scale down: a worker idle for the retention period stops (SIGTERM: the runtime drains),
  never below `min_scale`.
- Failed starts back off exponentially (a crash loop), and the status says so.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from controller.local.engine.errors import DeadlineExceeded, ServiceUnavailable
from controller.local.engine.worker import Worker, WorkerInfo, WorkerState

logger = logging.getLogger(__name__)

Launcher = Callable[[str], Worker]
"""Starts the process of a new worker with this id (raises when it cannot even be started)."""
Probe = Callable[[Worker, float], bool]
"""Whether the worker became ready, waiting up to the given seconds."""


@dataclass(frozen=True)
class PoolConfig:
    service: str
    revision: str
    min_scale: int
    max_scale: int
    target: float
    idle_seconds: float
    activation_timeout: float
    backoff_initial: float
    backoff_max: float
    drain_seconds: float


class RevisionPool:
    """The workers of one revision. Thread-safe; every field below is guarded by `_cond`."""

    def __init__(self, config: PoolConfig, launch: Launcher, probe: Probe, *, verified: bool = False) -> None:
        self.config = config
        self._launch = launch
        self._probe = probe
        self._cond = threading.Condition()
        self._workers: dict[str, Worker] = {}
        self._stopping: set[Worker] = set()
        self._threads: set[threading.Thread] = set()
        self._launching = 0
        self._serial = 0
        self._waiting = 0
        self._verified = verified
        self._failure: str | None = None
        self._failures = 0
        self._failures_seen = 0
        self._next_start_at = 0.0
        self._retired = False
        self._closed = False
        self._requests = 0
        self._cold: dict[str, Any] = {"count": 0, "last_ms": None, "total_ms": 0.0}
        self._last_error: str | None = None
        self._direct: dict[str, float] = {}
        """Worker id -> calls in flight sent to it directly by gateways (`direct.py`), reported."""
        self._direct_until = 0.0

    # ---- calls -------------------------------------------------------------------------------
    def acquire(self, timeout: float | None = None) -> Worker:
        """The least-loaded ready worker, holding the call while one starts (see the module doc)."""
        activation = self.config.activation_timeout
        deadline = time.monotonic() + (activation if timeout is None else min(timeout, activation))
        with self._cond:
            self._requests += 1
            seen = self._failures_seen
            self._waiting += 1
            try:
                while True:
                    worker = self._ready_worker()
                    if worker is not None:
                        return worker
                    self._check_can_wait(seen)
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise self._timed_out(timeout)
                    self._cond.wait(remaining)
            finally:
                self._waiting -= 1
                self._scale()

    def _ready_worker(self) -> Worker | None:
        if self._retired or self._closed:
            raise ServiceUnavailable(f"service {self.config.service}: revision {self.config.revision} was removed")
        ready = [w for w in self._workers.values() if w.state is WorkerState.READY]
        if not ready:
            return None
        worker = min(ready, key=lambda w: w.in_flight)
        worker.in_flight += 1
        worker.last_active = time.monotonic()
        return worker

    def _check_can_wait(self, seen: int) -> None:
        """Raise when no start is under way for the held call to wait for."""
        if self._failures_seen > seen and self._starting() == 0:
            raise ServiceUnavailable(f"service {self.config.service}: {self._failure}")
        self._scale()
        if self._starting() == 0:
            raise ServiceUnavailable(self._crash_loop_text())

    def _timed_out(self, timeout: float | None) -> Exception:
        if timeout is not None and timeout < self.config.activation_timeout:
            return DeadlineExceeded(f"service {self.config.service}: the call's deadline passed while it was "
                                    "held for a worker")
        return ServiceUnavailable(f"service {self.config.service}: no worker became ready within "
                                  f"{self.config.activation_timeout:g}s")

    def release(self, worker: Worker) -> None:
        with self._cond:
            worker.in_flight -= 1
            worker.last_active = time.monotonic()

    def lost(self, worker: Worker) -> int | None:
        """After a failed call: the worker's exit code if it died (it is then removed), else None."""
        code = worker.exit_code(wait=0.5)
        if code is not None:
            self._remove_dead(worker, code)
        return code

    # ---- scaling -----------------------------------------------------------------------------
    def _starting(self) -> int:
        return self._launching + sum(1 for w in self._workers.values() if w.state is WorkerState.STARTING)

    def _scale(self) -> None:
        """Start workers until the live count meets demand (within min/max scale and backoff)."""
        if self._retired or self._closed or time.monotonic() < self._next_start_at:
            return
        demand = sum(w.in_flight + self._direct_load(w.id) for w in self._workers.values()) + self._waiting
        desired = min(max(self.config.min_scale, math.ceil(demand / self.config.target)), self.config.max_scale)
        ready = sum(1 for w in self._workers.values() if w.state is WorkerState.READY)
        for _ in range(desired - ready - self._starting()):
            self._start_async(cold=ready == 0 and self._waiting > 0)

    def _start_async(self, cold: bool) -> None:
        self._serial += 1
        self._launching += 1
        worker_id = f"{self.config.revision}-{self._serial}"
        self._spawn_thread(self._start, f"start-{worker_id}", worker_id, cold)

    def _start(self, worker_id: str, cold: bool) -> None:
        began = time.monotonic()
        try:
            worker = self._launch(worker_id)
        except Exception as exc:  # a missing envFrom source, an unusable interpreter, the engine stopping
            with self._cond:
                self._launching -= 1
                self._start_failed(f"worker {worker_id} could not be started: {exc}")
            return
        with self._cond:
            self._launching -= 1
            self._workers[worker_id] = worker
            if self._closed:
                self._stop_async(worker)
                return
        reason = worker.wait_ready(self._probe, began + self.config.activation_timeout)
        with self._cond:
            if reason is None and self._workers.get(worker_id) is worker:
                self._started(worker, cold, began)
                return
            self._workers.pop(worker_id, None)
            # In the same critical section as the removal: a held call never sees "nothing
            # starting" without also seeing the failure (it would start another attempt instead).
            self._start_failed(f"worker {worker_id} {reason or 'was stopped while starting'}")
        worker.stop(0)

    def _started(self, worker: Worker, cold: bool, began: float) -> None:
        worker.state = WorkerState.READY
        worker.last_active = time.monotonic()
        self._verified, self._failure, self._failures, self._next_start_at = True, None, 0, 0.0
        if cold or self._waiting > 0:  # calls were held for it, whoever asked for it
            elapsed = (worker.last_active - began) * 1000
            self._cold["count"] += 1
            self._cold["last_ms"] = round(elapsed, 1)
            self._cold["total_ms"] = round(self._cold["total_ms"] + elapsed, 1)
        logger.info("service %s: worker %s ready on port %d", self.config.service, worker.id, worker.port)
        self._cond.notify_all()

    def _start_failed(self, message: str) -> None:
        """Record a failed start and back off (called with the lock held)."""
        if self._closed:
            return
        self._failures += 1
        self._failures_seen += 1
        delay = min(self.config.backoff_initial * 2 ** (self._failures - 1), self.config.backoff_max)
        self._next_start_at = time.monotonic() + delay
        self._failure = message
        self._last_error = message
        self._cond.notify_all()
        logger.warning("service %s: %s (next start in %.1fs)", self.config.service, message, delay)

    def _crash_loop_text(self) -> str:
        wait = max(self._next_start_at - time.monotonic(), 0.0)
        return (f"service {self.config.service} is crash-looping: {self._failures} failed start(s), next attempt "
                f"in {wait:.1f}s; last failure: {self._failure}")

    # ---- housekeeping ------------------------------------------------------------------------
    def verify(self) -> bool:
        """Start one worker (unless one is ready) and wait: does the model load?"""
        with self._cond:
            seen = self._failures_seen
            while not (self._retired or self._closed):
                if any(w.state is WorkerState.READY for w in self._workers.values()):
                    return True
                if self._failures_seen > seen and self._starting() == 0:
                    return False
                if self._starting() == 0:
                    if time.monotonic() < self._next_start_at:
                        return False
                    self._start_async(cold=False)
                self._cond.wait(0.5)
            return False

    def tick(self) -> None:
        """Notice crashed workers, stop idle ones, keep min-scale: called periodically."""
        with self._cond:
            for worker in list(self._workers.values()):
                code = worker.exit_code() if worker.state is WorkerState.READY else None
                if code is not None:
                    self._remove_dead_locked(worker, code)
            self._reap_idle()
            self._scale()

    def _reap_idle(self) -> None:
        now = time.monotonic()
        keep = 0 if self._retired else self.config.min_scale
        ready = sorted((w for w in self._workers.values() if w.state is WorkerState.READY),
                       key=lambda w: w.last_active)
        live = len(ready) + self._starting()
        for worker in ready:
            unused = worker.in_flight == 0 and not self._direct_load(worker.id)
            idle = unused and (self._retired or now - worker.last_active >= self.config.idle_seconds)
            if idle and live > keep:
                logger.info("service %s: stopping idle worker %s", self.config.service, worker.id)
                self._stop_async(worker)
                live -= 1

    def _remove_dead(self, worker: Worker, code: int) -> None:
        with self._cond:
            self._remove_dead_locked(worker, code)

    def _remove_dead_locked(self, worker: Worker, code: int) -> None:
        if self._workers.get(worker.id) is not worker:
            return
        del self._workers[worker.id]
        worker.close()
        self._last_error = f"worker {worker.id} {worker.exit_reason(code)}"
        logger.warning("service %s: %s", self.config.service, self._last_error)
        self._cond.notify_all()

    def _stop_async(self, worker: Worker) -> None:
        worker.state = WorkerState.STOPPING
        self._workers.pop(worker.id, None)
        self._stopping.add(worker)

        def stop() -> None:
            worker.stop(self.config.drain_seconds)
            with self._cond:
                self._stopping.discard(worker)

        self._spawn_thread(stop, f"stop-{worker.id}")

    def _spawn_thread(self, target: Callable[..., None], name: str, *args: Any) -> None:
        self._threads = {t for t in self._threads if t.is_alive()}
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads.add(thread)
        thread.start()

    def retire(self) -> None:
        """No new calls; workers stop as their in-flight calls finish (see `tick`)."""
        with self._cond:
            self._retired = True
            self._cond.notify_all()

    @property
    def drained(self) -> bool:
        with self._cond:
            return self._retired and not self._workers and not self._stopping and self._launching == 0

    def close(self, grace: float) -> None:
        """Stop every worker now (SIGTERM, SIGKILL after `grace`), and wait for them."""
        with self._cond:
            self._closed = True
            for worker in list(self._workers.values()):
                self._stop_async(worker)
            threads = list(self._threads)
            self._cond.notify_all()
        for thread in threads:
            thread.join(grace + self.config.activation_timeout)

    # ---- direct calls (gateways dialling ready workers, see `direct.py`) ----------------------
    def direct_endpoints(self, guard: float) -> list[tuple[str, str]]:
        """(worker id, host:port) of the ready workers that may be dialled directly: not those
        within `guard` seconds of their idle timeout, so none is dialled while being stopped."""
        with self._cond:
            if self._retired or self._closed:
                return []
            now, limit = time.monotonic(), self.config.idle_seconds - guard
            return [(w.id, f"{w.host}:{w.port}") for w in self._workers.values()
                    if w.state is WorkerState.READY and (self._direct_load(w.id) or now - w.last_active < limit)]

    def report_direct(self, loads: dict[str, tuple[float, int, float]], ttl: float) -> None:
        """Worker id -> (calls in flight, calls started since the last report, when the last
        one ended, monotonic) over every gateway; the figures count for `ttl` seconds."""
        with self._cond:
            self._direct, self._direct_until = {}, time.monotonic() + ttl
            for worker_id, (concurrency, started, active_at) in loads.items():
                worker = self._workers.get(worker_id)
                if worker is None:
                    continue
                self._direct[worker_id] = concurrency
                self._requests += started
                worker.last_active = max(worker.last_active, active_at)
            self._scale()

    def _direct_load(self, worker_id: str) -> float:
        return self._direct.get(worker_id, 0.0) if time.monotonic() < self._direct_until else 0.0

    # ---- reporting ---------------------------------------------------------------------------
    def status(self) -> tuple[bool | None, str]:
        """(ready, message): False with the reason after a failed start, True once a worker loaded."""
        with self._cond:
            if self._failure is not None:
                return False, self._crash_loop_text() if self._failures > 1 else self._failure
            if self._verified:
                return True, ""
            return None, "waiting for the first worker to load the model"

    def ready_count(self) -> int:
        with self._cond:
            return sum(1 for w in self._workers.values() if w.state is WorkerState.READY)

    def snapshot(self) -> dict[str, Any]:
        with self._cond:
            states = [w.state for w in self._workers.values()]
            return {
                "revision": self.config.revision,
                "ready": states.count(WorkerState.READY),
                "starting": self._starting(),
                "in_flight": sum(w.in_flight for w in self._workers.values()),
                "held": self._waiting,
                "requests": self._requests,
                "cold_starts": dict(self._cold),
                "last_error": self._last_error,
                "crash_looping": self._failure is not None and time.monotonic() < self._next_start_at,
                "workers": [dataclasses.asdict(w.info()) for w in self._workers.values()],
            }

    def workers(self) -> list[WorkerInfo]:
        with self._cond:
            return [w.info() for w in self._workers.values()]
