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
| `HYDRO_BUILD_TIMEOUT_SECONDS` | 1800 | how long an install-command may run |
| `HYDRO_BUILD_WORKERS` | 2 | builds running at the same time |
| `HYDRO_IDLE_WINDOW_SECONDS` | 60 | local engine: idle time before a model version scales to zero |
| `HYDRO_ACTIVATION_TIMEOUT_SECONDS` | 120 | local engine: how long a request waits for a cold start |
| `HYDRO_TARGET_CONCURRENCY` | 8 | local engine: in-flight requests per worker before another starts |
| `HYDRO_MAX_SCALE` | 4 | most workers per model version unless its configuration says otherwise |

New settings go here as fields with defaults, read in `from_env`, so callers never touch the
environment themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from controller.errors import InvalidResource

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
            uploads=UploadLimits(
                max_upload_bytes=_int(environ, "HYDRO_MAX_UPLOAD_BYTES", GIB),
                max_files=_int(environ, "HYDRO_MAX_UPLOAD_FILES", 10_000),
                max_unpacked_bytes=_int(environ, "HYDRO_MAX_UNPACKED_BYTES", 4 * GIB),
            ),
            build_timeout_seconds=_float(environ, "HYDRO_BUILD_TIMEOUT_SECONDS", 1800.0),
            build_workers=_int(environ, "HYDRO_BUILD_WORKERS", 2),
            build_environment=_build_environment(environ),
            idle_window_seconds=_float(environ, "HYDRO_IDLE_WINDOW_SECONDS", 60.0),
            activation_timeout_seconds=_float(environ, "HYDRO_ACTIVATION_TIMEOUT_SECONDS", 120.0),
            target_concurrency=_int(environ, "HYDRO_TARGET_CONCURRENCY", 8),
            max_scale=_int(environ, "HYDRO_MAX_SCALE", 4),
        )


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
