"""What should be running: the planner's input, built from the catalog.

These are frozen snapshots, so the planner stays pure (no database rows, no I/O). A servable is
one model version deployed with one deployment configuration (or none): it becomes one Knative
Service. Applications reference servables by stage and weight.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from controller.resources.deployment_configuration import DeploymentConfiguration
from protos.contract import Contract


@dataclass(frozen=True)
class ServableSpec:
    model_name: str
    model_version: int
    model_version_id: int
    runtime: str
    """The runtime as named in serving.yaml (e.g. hydrosphere/serving-runtime-python-3.7:3.0.0)."""
    image: str
    """The container image that runs this model version on a cluster."""
    artifact_uri: str
    """Where the runtime fetches the model folder at start (HYDRO_MODEL_URI): s3://, file:// or a path."""
    contract: Contract
    deployment_configuration: DeploymentConfiguration | None = None
    is_metric: bool = False
    """Metric models score other models' traffic and are not monitored themselves."""
    name: str = ""
    """The catalog's servable name (`/gateway/servable/<name>`); empty outside the catalog."""

    @property
    def key(self) -> tuple[str, int, str | None]:
        config = self.deployment_configuration.name if self.deployment_configuration else None
        return (self.model_name, self.model_version, config)


@dataclass(frozen=True)
class VariantSpec:
    servable: ServableSpec
    weight: int

    @property
    def is_shadow(self) -> bool:
        return self.weight == 0


@dataclass(frozen=True)
class StageSpec:
    variants: tuple[VariantSpec, ...]


@dataclass(frozen=True)
class ApplicationSpec:
    name: str
    stages: tuple[StageSpec, ...]
    contract: Contract
    """The application's own signature: the first stage's inputs and the last stage's outputs."""
    metadata: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FunctionSpec:
    """A monitoring or interpretability function: a Service behind a Trigger on the Broker."""

    name: str
    image: str
    event_types: tuple[str, ...]
    schedule: str | None = None
    """Cron schedule for periodic work (a PingSource), when the function has any."""


@dataclass(frozen=True)
class PlatformSpec:
    """Cluster-wide choices the planner needs; read from the controller's settings."""

    namespace: str = "hydro"
    broker: str = "hydro"
    gateway_service: str = "hydro-gateway"
    artifact_secret: str = "hydro-artifacts"
    """Secret holding HYDRO_S3_* for runtimes: the only Secret a model's pod reads."""
    database_secret: str = "hydro-database"
    """Secret holding HYDRO_DATABASE_URL (and a password-carrying HYDRO_REDIS_URL), for the
    functions only: model code shares the runtime's environment, so runtimes never get it."""
    functions_auth_secret: str = "hydro-functions-auth"
    """Secret holding HYDRO_CONTROLLER_TOKEN, the functions' manager-API token (scope `functions`);
    the controller stores the same value at start. Functions only, never a model's pod."""
    dead_letter_service: str = "hydro-dead-letter"
    settings_config_map: str = "hydro-settings"
    """ConfigMap with the functions' HYDRO_* settings (Redis, database, broker URLs)."""
    idle_window_seconds: int = 60
    default_max_scale: int = 10


@dataclass(frozen=True)
class DesiredState:
    servables: tuple[ServableSpec, ...] = ()
    applications: tuple[ApplicationSpec, ...] = ()
    functions: tuple[FunctionSpec, ...] = ()
    platform: PlatformSpec = field(default_factory=PlatformSpec)
