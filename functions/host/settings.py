"""The functions' settings: every `HYDRO_*` variable a function reads, parsed once at start.

| variable | default | meaning |
| --- | --- | --- |
| `HYDRO_FUNCTION` | (required) | which function this process serves (`python -m functions --list`) |
| `PORT` | 8080 | HTTP port (Knative sets it) |
| `HYDRO_FUNCTION_HOST` | 0.0.0.0 | address to listen on |
| `HYDRO_FUNCTION_THREADS` | 8 | concurrent events |
| `HYDRO_FUNCTION_WORKERS` | 1 | 1: a gunicorn worker under its master; 0: served in this one process (`hydro up`) |
| `HYDRO_HOME` | `./.hydro` | local state (the SQLite store when no database URL is set) |
| `HYDRO_FUNCTIONS_DATABASE_URL` | see below | the functions' store (tables `fn_*`) |
| `HYDRO_CONTROLLER_URL` | `http://hydro-controller.hydro.svc.cluster.local` | the manager API |
| `HYDRO_CONTROLLER_TOKEN` | (none) | the functions' token (scope `functions`), sent to the manager API only |
| `HYDRO_BROKER_URL` | (none) | where functions publish events (check failures, alerts) |
| `HYDRO_UPSTREAM` | (none) | `host:port` to dial for every model Service (the local engine's activator) |
| `HYDRO_REDIS_URL` | (none) | Redis, when configured |
| `HYDRO_S3_*` | (none) | object store holding training data (else `<HYDRO_HOME>/artifacts`) |
| `HYDRO_ALERT_WEBHOOK_URLS` | (none) | comma-separated webhooks alerts are sent to |
| `HYDRO_LOG_LEVEL` | INFO | logging level |

The store defaults to `HYDRO_DATABASE_URL` (the catalog's database; the `fn_` prefix keeps the
tables apart), else the SQLite file `<HYDRO_HOME>/functions.db`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from protos.auth import parse_token

DEFAULT_CONTROLLER = "http://hydro-controller.hydro.svc.cluster.local"


class SettingsError(ValueError):
    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True)
class S3Settings:
    endpoint: str
    bucket: str = "hydro"
    access_key: str | None = None
    secret_key: str | None = None
    secure: bool = False
    region: str | None = None


@dataclass(frozen=True)
class FunctionSettings:
    function: str = ""
    port: int = 8080
    host: str = "0.0.0.0"
    threads: int = 8
    workers: int = 1
    home: Path = field(default_factory=lambda: Path(".hydro").resolve())
    database_url: str = ""
    controller_url: str = DEFAULT_CONTROLLER
    controller_token: str | None = field(default=None, repr=False)
    broker_url: str | None = None
    upstream: str | None = None
    redis_url: str | None = None
    s3: S3Settings | None = None
    alert_webhooks: tuple[str, ...] = ()
    log_level: str = "INFO"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'functions.db'}"

    @property
    def artifacts_dir(self) -> Path:
        return self.home / "artifacts"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> FunctionSettings:
        home = Path(environ.get("HYDRO_HOME") or ".hydro").expanduser().resolve()
        return cls(
            function=(environ.get("HYDRO_FUNCTION") or "").strip(),
            port=_int(environ, "PORT", 8080, 1, 65535),
            host=environ.get("HYDRO_FUNCTION_HOST") or "0.0.0.0",
            threads=_int(environ, "HYDRO_FUNCTION_THREADS", 8, 1, 256),
            workers=_int(environ, "HYDRO_FUNCTION_WORKERS", 1, 0, 1),
            home=home,
            database_url=(environ.get("HYDRO_FUNCTIONS_DATABASE_URL") or environ.get("HYDRO_DATABASE_URL")
                          or "").strip(),
            controller_url=_url(environ, "HYDRO_CONTROLLER_URL") or DEFAULT_CONTROLLER,
            controller_token=_token(environ, "HYDRO_CONTROLLER_TOKEN"),
            broker_url=_url(environ, "HYDRO_BROKER_URL"),
            upstream=(environ.get("HYDRO_UPSTREAM") or "").strip() or None,
            redis_url=environ.get("HYDRO_REDIS_URL") or None,
            s3=_s3(environ),
            alert_webhooks=tuple(_webhooks(environ)),
            log_level=(environ.get("HYDRO_LOG_LEVEL") or "INFO").upper(),
        )


def _int(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    value = (environ.get(name) or "").strip()
    if not value:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise SettingsError(name, f"must be an integer from {low} to {high}, got {value!r}")
    return int(value)


def _token(environ: Mapping[str, str], name: str) -> str | None:
    value = (environ.get(name) or "").strip()
    if value and parse_token(value) is None:
        raise SettingsError(name, "is not a Hydro token (hydro_<keyid>_<secret>)")  # never repeat the value
    return value or None


def _url(environ: Mapping[str, str], name: str) -> str | None:
    value = (environ.get(name) or "").strip().rstrip("/")
    if not value:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError(name, f"must be an http(s) URL, got {value!r}")
    return value


def _webhooks(environ: Mapping[str, str]) -> list[str]:
    urls = [u.strip() for u in (environ.get("HYDRO_ALERT_WEBHOOK_URLS") or "").split(",") if u.strip()]
    for url in urls:
        if _url({"HYDRO_ALERT_WEBHOOK_URLS": url}, "HYDRO_ALERT_WEBHOOK_URLS") is None:
            raise SettingsError("HYDRO_ALERT_WEBHOOK_URLS", f"{url!r} is not an http(s) URL")
    return urls


def _s3(environ: Mapping[str, str]) -> S3Settings | None:
    endpoint = (environ.get("HYDRO_S3_ENDPOINT") or "").strip()
    if not endpoint:
        return None
    secure = (environ.get("HYDRO_S3_SECURE") or "").strip().lower() in ("1", "true", "yes", "on")
    if "://" in endpoint:
        parsed = urlparse(endpoint)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise SettingsError("HYDRO_S3_ENDPOINT", f"must be host:port or http(s)://host:port, got {endpoint!r}")
        secure, endpoint = parsed.scheme == "https", parsed.netloc
    return S3Settings(endpoint=endpoint, bucket=environ.get("HYDRO_S3_BUCKET") or "hydro",
                      access_key=environ.get("HYDRO_S3_ACCESS_KEY") or None,
                      secret_key=environ.get("HYDRO_S3_SECRET_KEY") or None, secure=secure,
                      region=environ.get("HYDRO_S3_REGION") or None)
