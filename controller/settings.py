"""The controller's settings: every `HYDRO_*` variable it reads, parsed once in the entry point.

| variable | default | meaning |
| --- | --- | --- |
| `HYDRO_HOME` | `./.hydro` | the controller's folder: SQLite catalog, local artifacts, build envs |
| `HYDRO_DATABASE_URL` | `sqlite:///<HYDRO_HOME>/catalog.db` | SQLAlchemy URL (`postgresql+psycopg://...`) |
| `HYDRO_S3_ENDPOINT` | (none: local artifacts) | `host:port` or `http(s)://host:port` of S3/MinIO |
| `HYDRO_S3_ACCESS_KEY`, `HYDRO_S3_SECRET_KEY` | (none) | S3 credentials |
| `HYDRO_S3_BUCKET` | `hydro` | bucket for artifacts and data |
| `HYDRO_S3_SECURE` | false (true for https://) | use HTTPS |
| `HYDRO_S3_REGION` | (none) | S3 region |
| `HYDRO_REDIS_URL` | (none) | Redis for metric windows and the durable broker queue |
| `HYDRO_BROKER_URL` | (none) | Broker ingress the catalog's changes are relayed to (on a cluster) |
| `HYDRO_NAMESPACE` | `hydro` | the namespace Hydro's Knative objects live in |
| `HYDRO_MAX_UPLOAD_BYTES` | 1 GiB | largest compressed upload |
| `HYDRO_MAX_UPLOAD_FILES` | 10000 | most entries in an upload archive |
| `HYDRO_MAX_UNPACKED_BYTES` | 4 GiB | largest unpacked upload |
| `HYDRO_MAX_CONTRACT_FIELDS` | 1000 | most fields in a contract (inputs, outputs and nested fields) |
| `HYDRO_MAX_CONTRACT_DEPTH` | 8 | deepest nesting of map fields (a field without subfields is depth 1) |
| `HYDRO_MAX_SHAPE_DIMS` | 32 | most dimensions in one field's shape |
| `HYDRO_MAX_CONTRACT_ELEMENTS` | 100000000 | most elements all fields declare together (-1 counts as 1) |
| `HYDRO_MAX_METADATA_ENTRIES` | 100 | most entries in a model's metadata |
| `HYDRO_MAX_METADATA_KEY_LENGTH` | 256 | longest metadata key, in characters |
| `HYDRO_MAX_METADATA_VALUE_LENGTH` | 4096 | longest metadata value, in characters |
| `HYDRO_MAX_METADATA_BYTES` | 65536 | all metadata keys and values together, UTF-8 bytes |
| `HYDRO_BUILD_TIMEOUT_SECONDS` | 1800 | how long an install-command may run |
| `HYDRO_BUILD_WORKERS` | 2 | builds running at the same time |
| `HYDRO_IDLE_WINDOW_SECONDS` | 60 | local engine: idle time before a model version scales to zero |
| `HYDRO_ACTIVATION_TIMEOUT_SECONDS` | 120 | local engine: how long a request waits for a cold start |
| `HYDRO_TARGET_CONCURRENCY` | 8 | local engine: in-flight requests per worker before another starts |
| `HYDRO_MAX_SCALE` | 4 | most workers per model version unless its configuration says otherwise |
| `HYDRO_AUTH` | `enabled` | `enabled`: API calls need a token (docs/api.md); `disabled`: local development only |
| `HYDRO_AUTH_BOOTSTRAP_TOKEN` | (none) | admin token stored (hashed) at start if absent; Knative: Secret `hydro-auth` |
| `HYDRO_GATEWAY_CONTROLLER_TOKEN` | (none) | the gateways' token, stored (hashed, scope `gateway`) at start if absent |
| `HYDRO_FUNCTIONS_CONTROLLER_TOKEN` | (none) | the functions' token, stored (hashed, scope `functions`) if absent |

New settings go here as fields with defaults, read in `from_env`, so callers never touch the
environment themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from controller.errors import InvalidResource
from protos.auth import parse_token

GIB = 1024**3
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingsError(InvalidResource):
    """A `HYDRO_*` variable is malformed; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(variable, problem, source="environment")


@dataclass(frozen=True)
class S3Settings:
    endpoint: str
    """`host:port`, without a scheme (the minio client's form)."""
    access_key: str | None = None
    secret_key: str | None = None
    bucket: str = "hydro"
    secure: bool = False
    region: str | None = None


@dataclass(frozen=True)
class UploadLimits:
    max_upload_bytes: int = GIB
    max_files: int = 10_000
    max_unpacked_bytes: int = 4 * GIB
    max_contract_fields: int = 1000
    max_contract_depth: int = 8
    max_shape_dims: int = 32
    max_contract_elements: int = 100_000_000
    max_metadata_entries: int = 100
    max_metadata_key_length: int = 256
    max_metadata_value_length: int = 4096
    max_metadata_bytes: int = 65_536


@dataclass(frozen=True)
class AuthSettings:
    enabled: bool = True
    """Off only when explicitly disabled (`HYDRO_AUTH=disabled`)."""
    bootstrap_token: str | None = field(default=None, repr=False)
    """An admin token to store (hashed) at start; `repr=False` keeps it out of logged settings."""
    gateway_token: str | None = field(default=None, repr=False)
    """The gateways' own token (scope `gateway`), stored at start like the bootstrap token."""
    functions_token: str | None = field(default=None, repr=False)
    """The functions' token (scope `functions`), stored at start like the bootstrap token."""


@dataclass(frozen=True)
class ControllerSettings:
    home: Path = field(default_factory=lambda: Path(".hydro").resolve())
    database_url: str = ""
    """Empty means the SQLite file `<home>/catalog.db` (see `effective_database_url`)."""
    s3: S3Settings | None = None
    redis_url: str | None = None
    broker_url: str | None = None
    namespace: str = "hydro"
    uploads: UploadLimits = field(default_factory=UploadLimits)
    build_timeout_seconds: float = 1800.0
    build_workers: int = 2
    build_environment: Mapping[str, str] = field(default_factory=dict)
    """Environment for install-commands: the controller's, minus `HYDRO_*` (credentials stay
    out of user code) and the controller's own virtualenv markers."""
    idle_window_seconds: float = 60.0
    activation_timeout_seconds: float = 120.0
    target_concurrency: int = 8
    max_scale: int = 4
    auth: AuthSettings = field(default_factory=AuthSettings)

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'catalog.db'}"

    @property
    def artifacts_dir(self) -> Path:
        return self.home / "artifacts"

    @property
    def envs_dir(self) -> Path:
        """Where each model version's own virtual environment lives (`<model>-<version>`)."""
        return self.home / "envs"

    @property
    def builds_dir(self) -> Path:
        return self.home / "builds"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ControllerSettings:
        home = Path(environ.get("HYDRO_HOME") or ".hydro").expanduser().resolve()
        return cls(
            home=home,
            database_url=environ.get("HYDRO_DATABASE_URL", "").strip(),
            s3=_s3(environ),
            redis_url=environ.get("HYDRO_REDIS_URL") or None,
            broker_url=(environ.get("HYDRO_BROKER_URL") or "").strip() or None,
            namespace=(environ.get("HYDRO_NAMESPACE") or "hydro").strip(),
            uploads=_upload_limits(environ),
            build_timeout_seconds=_float(environ, "HYDRO_BUILD_TIMEOUT_SECONDS", 1800.0),
            build_workers=_int(environ, "HYDRO_BUILD_WORKERS", 2),
            build_environment=_build_environment(environ),
            idle_window_seconds=_float(environ, "HYDRO_IDLE_WINDOW_SECONDS", 60.0),
            activation_timeout_seconds=_float(environ, "HYDRO_ACTIVATION_TIMEOUT_SECONDS", 120.0),
            target_concurrency=_int(environ, "HYDRO_TARGET_CONCURRENCY", 8),
            max_scale=_int(environ, "HYDRO_MAX_SCALE", 4),
            auth=_auth(environ),
        )


def _upload_limits(environ: Mapping[str, str]) -> UploadLimits:
    defaults = UploadLimits()
    names = {
        "max_upload_bytes": "HYDRO_MAX_UPLOAD_BYTES", "max_files": "HYDRO_MAX_UPLOAD_FILES",
        "max_unpacked_bytes": "HYDRO_MAX_UNPACKED_BYTES", "max_contract_fields": "HYDRO_MAX_CONTRACT_FIELDS",
        "max_contract_depth": "HYDRO_MAX_CONTRACT_DEPTH", "max_shape_dims": "HYDRO_MAX_SHAPE_DIMS",
        "max_contract_elements": "HYDRO_MAX_CONTRACT_ELEMENTS", "max_metadata_entries": "HYDRO_MAX_METADATA_ENTRIES",
        "max_metadata_key_length": "HYDRO_MAX_METADATA_KEY_LENGTH",
        "max_metadata_value_length": "HYDRO_MAX_METADATA_VALUE_LENGTH",
        "max_metadata_bytes": "HYDRO_MAX_METADATA_BYTES",
    }
    return UploadLimits(**{key: _int(environ, variable, getattr(defaults, key)) for key, variable in names.items()})


def _s3(environ: Mapping[str, str]) -> S3Settings | None:
    endpoint = (environ.get("HYDRO_S3_ENDPOINT") or "").strip()
    if not endpoint:
        return None
    secure = _flag(environ, "HYDRO_S3_SECURE", False)
    if "://" in endpoint:
        parsed = urlparse(endpoint)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise SettingsError("HYDRO_S3_ENDPOINT", f"must be host:port or http(s)://host:port, got {endpoint!r}")
        secure = parsed.scheme == "https"
        endpoint = parsed.netloc
    return S3Settings(
        endpoint=endpoint,
        access_key=environ.get("HYDRO_S3_ACCESS_KEY") or None,
        secret_key=environ.get("HYDRO_S3_SECRET_KEY") or None,
        bucket=environ.get("HYDRO_S3_BUCKET") or "hydro",
        secure=secure,
        region=environ.get("HYDRO_S3_REGION") or None,
    )


def _auth(environ: Mapping[str, str]) -> AuthSettings:
    mode = (environ.get("HYDRO_AUTH") or "enabled").strip().lower()
    if mode not in ("enabled", "disabled"):
        raise SettingsError("HYDRO_AUTH", f"must be enabled or disabled, got {mode!r}")
    return AuthSettings(enabled=mode == "enabled", bootstrap_token=_token(environ, "HYDRO_AUTH_BOOTSTRAP_TOKEN"),
                        gateway_token=_token(environ, "HYDRO_GATEWAY_CONTROLLER_TOKEN"),
                        functions_token=_token(environ, "HYDRO_FUNCTIONS_CONTROLLER_TOKEN"))


def _token(environ: Mapping[str, str], name: str) -> str | None:
    value = (environ.get(name) or "").strip() or None
    if value is not None and parse_token(value) is None:
        # The message must not repeat the value: it is a secret.
        raise SettingsError(name, "is not a Hydro token (hydro_<12 hex>_<secret>); `hydro token generate` prints one")
    return value


def _build_environment(environ: Mapping[str, str]) -> dict[str, str]:
    hidden = {"VIRTUAL_ENV", "PYTHONHOME", "PYTHONPATH", "__PYVENV_LAUNCHER__"}
    return {k: v for k, v in environ.items() if not k.startswith("HYDRO_") and k not in hidden}


def _flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    value = environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise SettingsError(name, f"must be true or false, got {value!r}")


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    value = environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = int(value)
    except ValueError:
        raise SettingsError(name, f"must be an integer, got {value!r}") from None
    if number < 1:
        raise SettingsError(name, f"must be >= 1, got {number}")
    return number


def _float(environ: Mapping[str, str], name: str, default: float) -> float:
    value = environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = float(value)
    except ValueError:
        raise SettingsError(name, f"must be a number of seconds, got {value!r}") from None
    if number <= 0:
        raise SettingsError(name, f"must be > 0, got {number}")
    return number
