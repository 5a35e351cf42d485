"""`hydro up`: the whole platform on one machine, with nothing but Python.

One process holds the catalog, the manager API, the builds, the Broker and the local engine (which
runs model versions and functions as child processes). The gateway runs as two supervised child
processes: HTTP on `http_port` (which also fronts the manager API and UI through its fallback
proxy, so one address serves everything, as Hydrosphere's did) and gRPC on `grpc_port`.

State lives under `HYDRO_HOME`: the catalog, the Broker's event log, the gateway's outbox and
the engine's state, so a restart loses neither the catalog nor an accepted event. With
`HYDRO_DATABASE_URL`, `HYDRO_REDIS_URL` and `HYDRO_S3_*` set, PostgreSQL, Redis Streams and
MinIO take their places.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from werkzeug.serving import BaseWSGIServer, make_server

from controller.api import plan as plan_api
from controller.api.app import create_app, open_catalog
from controller.auth import TokenStore
from controller.builds import BuildRunner
from controller.catalog import Catalog
from controller.desired_state import DesiredState, PlatformSpec
from controller.errors import NotFound
from controller.local.broker import LocalBroker, RedisEventLog, SqliteEventLog, ingress_blueprint
from controller.local.broker.event_store import EventLog
from controller.local.broker.ingress import create_ingress_app
from controller.local.engine import EngineSettings, LocalApplier
from controller.local.engine.worker import free_port
from controller.local.up import engine_api, readiness
from controller.local.up.children import SupervisedProcess
from controller.local.up.functions import available_functions
from controller.local.up.launch import Launcher
from controller.local.up.reconciler import Reconciler
from controller.local.up.status import CatalogStatusSink
from controller.local.up.tokens import LocalTokens, ensure_local_tokens
from controller.planner import Plan, naming
from controller.relay import OutboxRelay
from controller.settings import ControllerSettings

logger = logging.getLogger(__name__)

BROKER_PREFIX = "/broker"
PLATFORM_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "PYTHONPATH")


@dataclass(frozen=True)
class UpOptions:
    host: str = "127.0.0.1"
    http_port: int = 8080
    grpc_port: int = 9090


@dataclass(frozen=True)
class Endpoints:
    http: str
    grpc: str
    api: str
    broker: str
    activator: str


class LocalPlatform:
    """Start with `start()`, stop with `stop()`; `endpoints` says where everything listens."""

    def __init__(self, settings: ControllerSettings, options: UpOptions) -> None:
        self.settings = settings
        self.options = options
        self.spec = PlatformSpec(idle_window_seconds=int(settings.idle_window_seconds),
                                 default_max_scale=settings.max_scale)
        self.catalog: Catalog = open_catalog(settings)
        self.builds = BuildRunner(self.catalog, settings)
        self.status = CatalogStatusSink(self.catalog)
        self.launcher = Launcher(self.catalog)
        self._log = _event_log(settings, self.spec)
        self.broker = LocalBroker(self._log, namespace=self.spec.namespace, name=self.spec.broker)
        self.relay = OutboxRelay(self.catalog, self.broker.publish, lock_dir=settings.home)
        self._api_server: BaseWSGIServer | None = None
        self._ingress_server: BaseWSGIServer | None = None
        self.tokens: LocalTokens | None = None
        self._gateways: list[SupervisedProcess] = []
        self.engine: LocalApplier | None = None
        self.reconciler: Reconciler | None = None
        self.endpoints: Endpoints | None = None
        # Chosen up front: the functions' settings (HYDRO_UPSTREAM) name it before the engine exists.
        self._activator_port = free_port("127.0.0.1")

    @property
    def logs_dir(self) -> Path:
        return self.settings.home / "logs"

    def start(self) -> Endpoints:
        self.builds.resume_pending()
        if self.settings.auth.enabled:
            self.tokens = ensure_local_tokens(self.settings.home, TokenStore(self.catalog.database))
        api = self._start_api()
        broker_url = self._start_internal_ingress()
        http = f"http://{_url_host(self.options.host)}:{self.options.http_port}"
        # Sequence steps call the gateway like Knative's dispatcher: no token, a step pass.
        self.engine = self._engine(http, broker_url, api)
        self.engine.start()
        self.broker.start()
        self.relay.start()
        functions = available_functions()
        self.reconciler = Reconciler(self.catalog, self.engine, self.spec, functions, self._before_apply)
        self.reconciler.reconcile_once()
        self.reconciler.start()
        activator = self.engine.activator_address
        self._start_gateways(api, broker_url, activator)
        self.endpoints = Endpoints(http=http, grpc=f"{_url_host(self.options.host)}:{self.options.grpc_port}",
                                   api=api, broker=broker_url, activator=activator)
        readiness.wait_http(f"http://127.0.0.1:{self.options.http_port}/v2/health/live", self._gateways[0])
        readiness.wait_grpc(f"127.0.0.1:{self.options.grpc_port}", self._gateways[0])
        return self.endpoints

    def _before_apply(self, state: DesiredState, plan: Plan) -> None:
        self.launcher.track(state)
        self.status.track(plan)

    def _start_api(self) -> str:
        app = create_app(self.settings, self.catalog, builds=self.builds, servable_logs=_EngineLogs(self),
                         function_url=self._function_url)
        plan_api.configure(app, plan_api.PlanSettings(platform=self.spec))
        app.register_blueprint(engine_api.blueprint(lambda: self.engine))
        app.register_blueprint(ingress_blueprint({(self.spec.namespace, self.spec.broker): self.broker}),
                               url_prefix=BROKER_PREFIX)
        self._api_server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=self._api_server.serve_forever, name="api", daemon=True).start()
        return f"http://127.0.0.1:{self._api_server.server_port}"

    def _start_internal_ingress(self) -> str:
        """The Broker's ingress for the platform's own processes, on loopback only and not behind the
        gateway's fallback (like the activator): the API's `/broker` path needs a token."""
        app = create_ingress_app({(self.spec.namespace, self.spec.broker): self.broker})
        self._ingress_server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=self._ingress_server.serve_forever, name="broker-ingress", daemon=True).start()
        return f"http://127.0.0.1:{self._ingress_server.server_port}/{self.spec.namespace}/{self.spec.broker}"

    def _function_url(self, function: str) -> str | None:
        if self.engine is None:
            return None
        try:
            return self.engine.url_for(naming.function_service(function))
        except NotFound:
            return None

    def _engine(self, gateway_url: str, broker_url: str, api: str) -> LocalApplier:
        settings = EngineSettings(
            state_dir=self.settings.home / "engine", logs_dir=self.logs_dir,
            idle_window_seconds=self.settings.idle_window_seconds,
            activation_timeout_seconds=self.settings.activation_timeout_seconds,
            target_concurrency=self.settings.target_concurrency, default_max_scale=self.settings.max_scale,
            activator_port=self._activator_port,
        )
        env_sources = {
            ("secret", self.spec.artifact_secret): _artifact_secret(self.settings),
            ("configMap", self.spec.settings_config_map): self._function_settings(broker_url, api),
        }
        if self.tokens is not None:
            # What the function Services' optional envFrom Secret holds on Knative (planner.eventing).
            env_sources[("secret", self.spec.functions_auth_secret)] = {"HYDRO_CONTROLLER_TOKEN": self.tokens.functions}
        well_known = {self.spec.gateway_service: gateway_url}
        return LocalApplier(settings, self.broker, self.launcher.command_for,
                            env_sources, well_known, self.status, broker_url=broker_url)

    def _function_settings(self, broker_url: str, api: str) -> dict[str, str]:
        """What the functions' ConfigMap would hold on a cluster: where the platform is."""
        values = {"HYDRO_BROKER_URL": broker_url, "HYDRO_HOME": str(self.settings.home), "HYDRO_CONTROLLER_URL": api,
                  "HYDRO_UPSTREAM": f"127.0.0.1:{self._activator_port}",
                  # One process per function, no gunicorn master: the engine already supervises it.
                  "HYDRO_FUNCTION_WORKERS": "0"}
        for name, value in os.environ.items():
            # Where the functions keep state and send alerts: theirs to read, as on a cluster's ConfigMap.
            if name in ("HYDRO_DATABASE_URL", "HYDRO_REDIS_URL") or name.startswith("HYDRO_ALERT_"):
                values[name] = value
        return values

    def _start_gateways(self, api: str, broker_url: str, activator: str) -> None:
        base = {name: os.environ[name] for name in PLATFORM_ENV if name in os.environ}
        common = {
            **base, "HYDRO_CONTROLLER_URL": api, "HYDRO_GATEWAY_UPSTREAM": activator,
            "HYDRO_BROKER_URL": broker_url, "HYDRO_GATEWAY_OUTBOX": str(self.settings.home / "gateway-outbox.db"),
            "HYDRO_GATEWAY_HOST": self.options.host, **self._gateway_auth_env(),
        }
        # One gunicorn worker (16 threads) serving HTTP and gRPC: on one machine, a second worker
        # or a separate gRPC gateway is one more copy of every module (24-35 MB each) for a
        # gateway that mostly waits on the model workers (a second worker measured no faster).
        env = {**common, "HYDRO_GATEWAY_PROTOCOL": "http", "PORT": str(self.options.http_port),
               "HYDRO_GATEWAY_GRPC_PORT": str(self.options.grpc_port), "HYDRO_GATEWAY_FALLBACK_URL": api,
               "HYDRO_GATEWAY_WORKERS": "1"}
        process = SupervisedProcess("gateway", [sys.executable, "-m", "functions.gateway"], env,
                                    self.logs_dir / "gateway.log")
        process.start()
        self._gateways.append(process)

    def _gateway_auth_env(self) -> dict[str, str]:
        if self.tokens is None:
            return {"HYDRO_AUTH": "disabled"}
        trusted = os.environ.get("HYDRO_AUTH_TRUSTED_ADDRESSES", "")
        return {"HYDRO_AUTH": "enabled", "HYDRO_GATEWAY_CONTROLLER_TOKEN": self.tokens.gateway,
                "HYDRO_AUTH_TRUSTED_ADDRESSES": trusted}

    def stop(self) -> None:
        for gateway in self._gateways:
            gateway.stop()
        if self.reconciler is not None:
            self.reconciler.stop()
        if self.engine is not None:
            self.engine.stop()
        self.relay.stop()
        self.broker.stop()
        if self._api_server is not None:
            self._api_server.shutdown()
        if self._ingress_server is not None:
            self._ingress_server.shutdown()
        self.builds.shutdown()
        self._log.close()


class _EngineLogs:
    """The API's servable log source: the engine's worker logs, by catalog servable name."""

    def __init__(self, platform: LocalPlatform) -> None:
        self._platform = platform

    def lines(self, servable_name: str, follow: bool) -> Iterator[str]:
        service = self._platform.status.service_names().get(servable_name)
        if service is None or self._platform.engine is None:
            raise NotFound(f"servable {servable_name} is not running in this engine")
        return self._platform.engine.logs.lines(service, follow)


def _event_log(settings: ControllerSettings, spec: PlatformSpec) -> EventLog:
    if settings.redis_url:
        return RedisEventLog(settings.redis_url, prefix=f"hydro:broker:{spec.namespace}:{spec.broker}")
    settings.home.mkdir(parents=True, exist_ok=True)
    return SqliteEventLog(settings.home / "broker.db")


def _artifact_secret(settings: ControllerSettings) -> dict[str, str]:
    """The object-store settings a runtime needs to fetch its model (and nothing else)."""
    s3 = settings.s3
    if s3 is None:
        return {}
    values = {"HYDRO_S3_ENDPOINT": s3.endpoint, "HYDRO_S3_BUCKET": s3.bucket,
              "HYDRO_S3_SECURE": "true" if s3.secure else "false"}
    optional = {"HYDRO_S3_ACCESS_KEY": s3.access_key, "HYDRO_S3_SECRET_KEY": s3.secret_key,
                "HYDRO_S3_REGION": s3.region}
    return values | {k: v for k, v in optional.items() if v}


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


__all__ = ["Endpoints", "LocalPlatform", "UpOptions"]
