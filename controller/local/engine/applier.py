"""LocalApplier: realises a Plan's Knative manifests on one machine (what `hydro up` runs).

- model-version Services (h2c): pools of runtime workers behind the activator, scaling from and
  to zero (`serving.py`, `pool.py`);
- function Services (http1): one supervised process each (`functions.py`);
- Routes: the activator's routing table (`routing.py`);
- Triggers: applied to the caller's `LocalBroker` with every reference resolved (`eventing.py`);
- Sequences: engine-hosted HTTP endpoints (`sequence.py`, `endpoints.py`);
- PingSources: a cron scheduler (`ping.py`).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from cloudevents.core.base import BaseCloudEvent

from controller.errors import InvalidResource, NotFound
from controller.local.broker import LocalBroker, Trigger
from controller.local.broker.subscriber import send
from controller.local.engine.activator import Activator
from controller.local.engine.children import ChildProcesses, Process
from controller.local.engine.desired import DesiredObjects, desired_objects
from controller.local.engine.direct import DirectTraffic
from controller.local.engine.endpoints import DeadLetters, EndpointServer, create_endpoints_app
from controller.local.engine.environment import (
    CommandFor,
    EnvSources,
    ProcessCommand,
    minimal_environment,
    worker_environment,
)
from controller.local.engine.eventing import DestinationResolver, resolved, resolved_trigger
from controller.local.engine.functions import FunctionServices
from controller.local.engine.ingress import Ingress
from controller.local.engine.logs import ServiceLogs, ServiceLogWriter, log_path
from controller.local.engine.manifests import PingSourceSpec, SequenceSpec, ServiceSpec
from controller.local.engine.ping import PingJob, PingScheduler
from controller.local.engine.sequence import SequenceRoute, SequenceRunner
from controller.local.engine.serving import ModelServing
from controller.local.engine.settings import EngineSettings
from controller.local.engine.status import StatusReporter, StatusSink, application_status
from controller.local.engine.verified import VerifiedRevisions
from controller.local.engine.warm_pool import WarmPools
from controller.local.engine.worker import Worker, WorkerInfo, free_port
from controller.planner import Plan
from protos.http_post import PostClient

logger = logging.getLogger(__name__)

DEAD_LETTER_SERVICE = "hydro-dead-letter"


class LocalApplier:
    """Applies plans to local processes; `start()` serves, `stop()` drains and ends every process."""

    def __init__(self, settings: EngineSettings, broker: LocalBroker, command_for: CommandFor,
                 env_sources: EnvSources | None = None, well_known: Mapping[str, str] | None = None,
                 status_sink: StatusSink | None = None, *, broker_url: str | None = None) -> None:
        """`well_known`: platform Service name -> base URL (`hydro-gateway`); `broker_url`: the
        broker's ingress, for references to the Broker other than a Sequence's reply."""
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        settings.logs_dir.mkdir(parents=True, exist_ok=True)
        self.settings = settings
        self.logs = ServiceLogs(settings.logs_dir)
        self._broker = broker
        self._broker_url = broker_url
        self._command_for = command_for
        self._env_sources = dict(env_sources or {})
        self._well_known = dict(well_known or {})
        # The only read of the controller's environment: its PATH, HOME, LANG... and nothing else.
        base = settings.base_environment
        self._base_env = dict(base) if base is not None else minimal_environment(os.environ)
        self._children = ChildProcesses()
        self._writers: dict[str, ServiceLogWriter] = {}
        self._writers_lock = threading.Lock()
        self._warm_pools = WarmPools(self._children, self._base_env, self._writer("hydro-warm-pool"),
                                     settings.warm_pools)
        self._serving = ModelServing(settings, self._launch, VerifiedRevisions(settings.verified_file))
        self._functions = FunctionServices(settings, self._launch)
        self._reporter = StatusReporter(status_sink)
        self._desired: DesiredObjects | None = None
        self._apply_lock = threading.Lock()
        self._running = False
        self._stopping = threading.Event()
        self._housekeeper = threading.Thread(target=self._housekeep, name="engine-housekeeper", daemon=True)
        self._bind_servers()

    def _bind_servers(self) -> None:
        """The activator, the endpoints and the ping scheduler: bound now, serving after `start()`."""
        settings = self.settings
        self._activator = Activator(Ingress(self._serving.pool_for), settings.host, settings.activator_port,
                                    settings.activator_threads, DirectTraffic(self._serving.direct_view))
        self._dead_letters = DeadLetters()
        self._sequences: dict[tuple[str, str], SequenceRoute] = {}
        self._runner = SequenceRunner(self._broker.publish, settings.step_timeout_seconds)
        self._ping_client = PostClient(settings.step_timeout_seconds)
        self._endpoints = EndpointServer(create_endpoints_app(self._sequence, self._runner, self._dead_letters),
                                         settings.host, settings.endpoints_port)
        self._pings = PingScheduler(self._ping)

    # ---- addresses ---------------------------------------------------------------------------
    @property
    def activator_address(self) -> str:
        """`host:port` of the gRPC ingress (send `hydro-target` metadata with each call)."""
        return f"{self.settings.host}:{self._activator.port}"

    @property
    def endpoints_url(self) -> str:
        return self._endpoints.url

    def url_for(self, service: str) -> str:
        """`http://127.0.0.1:<port>` of an http1 (function) Service."""
        url = self._functions.url_for(service)
        if url is None:
            raise NotFound(f"no function Service {service!r} is applied", field="service")
        return url

    # ---- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Serve the activator and endpoints; start housekeeping, schedules and function processes."""
        if self._running:
            return
        self._refuse_when_stopped()
        self._running = True
        self._activator.start()
        self._endpoints.start()
        self._pings.start()
        self._functions.tick()
        self._housekeeper.start()

    def stop(self) -> None:
        """Drain: no new calls, in-flight ones finish, every process exits (killed after the grace)."""
        self._stopping.set()
        if self._housekeeper.is_alive():
            self._housekeeper.join()
        self._pings.stop()
        self._ping_client.close()
        self._activator.stop(self.settings.drain_seconds)
        self._endpoints.stop()
        self._runner.close()
        self._serving.close(self.settings.drain_seconds)
        self._functions.stop()
        self._warm_pools.close()
        self._children.close()
        with self._writers_lock:
            for writer in self._writers.values():
                writer.close()
        self._running = False
        logger.info("local engine stopped")

    def _refuse_when_stopped(self) -> None:
        if self._stopping.is_set():
            raise RuntimeError("this engine was stopped; a new LocalApplier is needed to run again")

    # ---- apply -------------------------------------------------------------------------------
    def apply(self, plan: Plan) -> None:
        """Make the engine run exactly `plan` (a `controller.planner.Plan`): add, update, remove.

        Everything is parsed and resolved first; an `InvalidResource` leaves the engine unchanged.
        """
        self._refuse_when_stopped()
        desired = desired_objects(plan)
        with self._apply_lock:
            ports = self._functions.ports_for(desired.function_services)
            resolver = self._resolver(desired, ports)
            table = self._serving.routing_table(desired.model_services, desired.routes)
            sequences = {(s.namespace, s.name): self._sequence_route(s, resolver) for s in desired.sequences}
            triggers = [resolved_trigger(m, resolver, desired.namespace) for m in desired.triggers]
            for manifest in triggers:
                self._check_trigger(manifest, desired.namespace)
            pings = [self._ping_job(p, resolver) for p in desired.ping_sources]
            self._warm_pools.keep(self._pool_commands([*desired.model_services.values(),
                                                        *desired.function_services.values()]))
            self._serving.apply(desired.model_services, table)
            self._functions.apply(desired.function_services, ports, start=self._running)
            self._sequences = sequences
            self._broker.apply_triggers(triggers)
            self._pings.set_jobs(pings)
            self._desired = desired
        self._report()

    def _resolver(self, desired: DesiredObjects, ports: dict[str, int]) -> DestinationResolver:
        sequences = {(s.namespace, s.name) for s in desired.sequences}
        well_known = {DEAD_LETTER_SERVICE: f"{self._endpoints.url}/dead-letter", **self._well_known}
        return DestinationResolver(
            function_url=lambda name: f"http://{self.settings.host}:{ports[name]}" if name in ports else None,
            sequence_url=lambda ns, name: (f"{self._endpoints.url}/sequences/{ns}/{name}"
                                           if (ns, name) in sequences else None),
            well_known=well_known, broker_name=self._broker.name, broker_url=self._broker_url)

    def _sequence_route(self, spec: SequenceSpec, resolver: DestinationResolver) -> SequenceRoute:
        source = f"Sequence {spec.namespace}/{spec.name}"
        steps = tuple(resolved(step, f"spec.steps[{i}]", resolver, spec.namespace, source)
                      for i, step in enumerate(spec.steps))
        ref = (spec.reply or {}).get("ref") or {}
        if ref.get("kind") == "Broker":
            if ref.get("name") != self._broker.name:
                raise InvalidResource("spec.reply.ref.name", f"is {ref.get('name')!r}, the engine's broker is "
                                      f"{self._broker.name!r}", source=source)
            return SequenceRoute(spec.name, spec.namespace, steps, reply_to_broker=True)
        reply = resolved(spec.reply, "spec.reply", resolver, spec.namespace, source) if spec.reply else None
        return SequenceRoute(spec.name, spec.namespace, steps, reply_uri=reply)

    def _check_trigger(self, manifest: dict[str, Any], namespace: str) -> None:
        trigger = Trigger.from_manifest(manifest, default_namespace=namespace)
        if trigger.broker != self._broker.name:
            raise InvalidResource("spec.broker", f"is {trigger.broker!r}, the engine's broker is "
                                  f"{self._broker.name!r}", source=f"Trigger {trigger.key}")

    def _ping_job(self, spec: PingSourceSpec, resolver: DestinationResolver) -> PingJob:
        sink = resolved(spec.sink, "spec.sink", resolver, spec.namespace, f"PingSource {spec.namespace}/{spec.name}")
        return PingJob(spec.name, spec.namespace, spec.schedule, spec.timezone, spec.content_type, spec.data, sink)

    # ---- processes ---------------------------------------------------------------------------
    def _launch(self, spec: ServiceSpec, worker_id: str, port: int | None) -> Worker:
        port = port or free_port(self.settings.host)
        command = self._command_for(spec.manifest)
        env = worker_environment(self._base_env, command, spec, self._env_sources, port, self.settings.model_cache)
        forked = self._warm_pools.fork(command, env)
        process: Process
        if forked is not None:
            self._children.register(forked)
            process = forked
        else:
            process = self._children.spawn(command.argv, env, command.cwd)
        logger.info("service %s: %s worker %s (pid %d, port %d)", spec.name, "forked" if forked else "started",
                    worker_id, process.pid, port)
        return Worker(worker_id, spec.revision, self.settings.host, port, process, self._writer(spec.name),
                      self._children, forked=forked is not None)

    def _pool_commands(self, services: Iterable[ServiceSpec]) -> list[ProcessCommand]:
        commands = []
        for spec in services:
            try:
                commands.append(self._command_for(spec.manifest))
            except Exception:  # reported when a worker of it is started
                continue
        return commands

    def _writer(self, service: str) -> ServiceLogWriter:
        with self._writers_lock:
            if service not in self._writers:
                self._writers[service] = ServiceLogWriter(log_path(self.settings.logs_dir, service))
            return self._writers[service]

    def _sequence(self, namespace: str, name: str) -> SequenceRoute | None:
        return self._sequences.get((namespace, name))

    def _ping(self, uri: str, event: BaseCloudEvent) -> None:
        outcome = send(self._ping_client, uri, event)
        if not outcome.ok:
            logger.warning("ping %s to %s failed: %s", event.get_source(), uri, outcome.error)

    # ---- housekeeping and reporting ----------------------------------------------------------
    def _housekeep(self) -> None:
        while not self._stopping.wait(self.settings.tick_seconds):
            try:
                self._serving.tick()
                self._functions.tick()
                self._report()
            except Exception:  # one bad tick must not end scaling for good
                logger.exception("local engine housekeeping failed")

    def _report(self) -> None:
        desired = self._desired
        if desired is None:
            return
        apps = []
        for name, routes in sorted(desired.application_routes().items()):
            revisions = self._serving.app_revisions(routes)
            apps.append(application_status(name, {r: self._serving.revision_status(r) for r in revisions}))
        self._reporter.report([*self._serving.statuses(), *self._functions.statuses()], apps)

    def stats(self) -> dict[str, Any]:
        """Per Service: revision, ready/starting workers, in-flight, requests, cold starts, last error."""
        return {"services": {**self._serving.stats(), **self._functions.stats()},
                "dead_letters": self._dead_letters.snapshot(), "pings_fired": self._pings.fired,
                "warm_pools": self._warm_pools.snapshot()}

    def workers(self, service: str) -> list[WorkerInfo]:
        """The live workers of a Service (all its revisions), or its one process for a function."""
        return self._serving.workers(service) + self._functions.workers(service)
