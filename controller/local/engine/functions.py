"""The http1 Services (monitoring functions): one supervised process each, on a port fixed at apply."""

from __future__ import annotations

import threading
from typing import Any

from controller.local.engine.manifests import ServiceSpec
from controller.local.engine.serving import WorkerLauncher
from controller.local.engine.settings import EngineSettings
from controller.local.engine.status import ServiceStatus
from controller.local.engine.supervisor import SupervisedProcess
from controller.local.engine.worker import WorkerInfo, free_port


class FunctionServices:
    def __init__(self, settings: EngineSettings, launch: WorkerLauncher) -> None:
        self._settings = settings
        self._launch = launch
        self._lock = threading.Lock()
        self._specs: dict[str, ServiceSpec] = {}
        self._processes: dict[str, SupervisedProcess] = {}

    def ports_for(self, services: dict[str, ServiceSpec]) -> dict[str, int]:
        """A port per Service: the one it already has, or a free one (changes nothing)."""
        with self._lock:
            return {name: self._processes[name].port if name in self._processes else free_port(self._settings.host)
                    for name in services}

    def apply(self, services: dict[str, ServiceSpec], ports: dict[str, int], start: bool) -> None:
        """Start new Services, restart changed ones (same port), stop removed ones."""
        with self._lock:
            changed = {name for name, spec in services.items() if self._specs.get(name) != spec}
            stale = [self._processes.pop(name) for name in set(self._processes) - (set(services) - changed)]
        for process in stale:  # stopped first: a changed Service's new process reuses the port
            process.stop()
        with self._lock:
            self._specs = dict(services)
            for name in changed:
                self._processes[name] = self._process(services[name], ports[name])
        if start:
            self.tick()

    def _process(self, spec: ServiceSpec, port: int) -> SupervisedProcess:
        settings = self._settings
        return SupervisedProcess(spec.name, spec.revision, port,
                                 lambda worker_id: self._launch(spec, worker_id, port),
                                 settings.crash_backoff_seconds, settings.crash_backoff_max_seconds,
                                 settings.drain_seconds)

    def tick(self) -> None:
        with self._lock:
            processes = list(self._processes.values())
        for process in processes:
            process.tick()

    def url_for(self, service: str) -> str | None:
        with self._lock:
            process = self._processes.get(service)
        return None if process is None else f"http://{self._settings.host}:{process.port}"

    def statuses(self) -> list[ServiceStatus]:
        with self._lock:
            items = [(self._specs[name], process) for name, process in self._processes.items()]
        out = []
        for spec, process in items:
            ready, replicas, message = process.status()
            out.append(ServiceStatus(spec.name, dict(spec.labels), ready, replicas, message))
        return out

    def stats(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            processes = dict(self._processes)
        return {name: process.snapshot() for name, process in processes.items()}

    def workers(self, service: str) -> list[WorkerInfo]:
        with self._lock:
            process = self._processes.get(service)
        return [] if process is None else process.workers()

    def stop(self) -> None:
        with self._lock:
            processes = list(self._processes.values())
            self._processes.clear()
            self._specs.clear()
        threads = [threading.Thread(target=p.stop, daemon=True) for p in processes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
