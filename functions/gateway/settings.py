"""The gateway's settings: every variable it reads, parsed once by `GatewaySettings.from_env`.

| variable | default | meaning |
| --- | --- | --- |
| `HYDRO_GATEWAY_PROTOCOL` | http | `http` (gunicorn: Hydrosphere JSON, OIP v2, CloudEvents) or `grpc` |
| `PORT` | 8080 | where to listen (Knative sets it) |
| `HYDRO_GATEWAY_GRPC_PORT` | (none) | `http` with one worker: the worker serves gRPC here too (one process) |
| `HYDRO_GATEWAY_HOST` | 0.0.0.0 | address to listen on |
| `HYDRO_CONTROLLER_URL` | (required) | the controller; the routing table is `<url>/api/v2/plan/routing` |
| `HYDRO_ROUTING_POLL_SECONDS` | 1.0 | how often to poll the routing table |
| `HYDRO_GATEWAY_UPSTREAM` | (none) | `host:port` every model call is dialled at (the local activator) |
| `HYDRO_BROKER_URL` | (none) | where events are POSTed; unset keeps them in the outbox |
| `HYDRO_GATEWAY_OUTBOX` | `<tempdir>/hydro-gateway-outbox.db` | the SQLite outbox |
| `HYDRO_MAX_REQUEST_BYTES` | 200 MiB | largest HTTP request body (413 above) |
| `HYDRO_GRPC_MAX_MESSAGE_BYTES` | 200 MiB | largest gRPC message, both directions |
| `HYDRO_REQUEST_TIMEOUT_SECONDS` | 60 | deadline of one request across all its stages |
| `HYDRO_GATEWAY_WORKERS` / `HYDRO_GATEWAY_THREADS` | 2 / 16 | gunicorn processes / threads each (gRPC: threads) |
| `HYDRO_GATEWAY_FALLBACK_URL` | (none) | base URL every HTTP path the gateway does not own is proxied to |
| `HYDRO_DRAIN_SECONDS` | 10 | on SIGTERM, how long in-flight requests may take |
| `HYDRO_LOG_LEVEL` | INFO | logging level |
| `HYDRO_AUTH` | `enabled` | `enabled`: inference needs a `predict` (or `admin`) token; `disabled`: local dev |
| `HYDRO_AUTH_BOOTSTRAP_TOKEN` | (none) | the bootstrap admin token, accepted until the first verifiers arrive |
| `HYDRO_GATEWAY_CONTROLLER_TOKEN` | (none) | this gateway's own token (scope `gateway`): routing table + verifiers |
| `HYDRO_AUTH_TRUSTED_ADDRESSES` | (none) | CIDRs (comma-separated) that may predict without a token: local dev only |
| `PROMETHEUS_MULTIPROC_DIR` | (none) | prometheus-client multi-process folder (set by `__main__` for several workers) |
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from functions.gateway.errors import SettingsError
from protos.auth import Network, parse_networks, parse_token

MIB = 1024 * 1024
DEFAULT_PORT = 8080
DEFAULT_MAX_BYTES = 200 * MIB
PROTOCOLS = ("http", "grpc")


def default_outbox() -> Path:
    return Path(tempfile.gettempdir()) / "hydro-gateway-outbox.db"


@dataclass(frozen=True)
class GatewaySettings:
    """Everything one gateway process is configured with; see the module docstring."""

    controller_url: str | None = None
    protocol: str = "http"
    host: str = "0.0.0.0"
    port: int = DEFAULT_PORT
    grpc_port: int | None = None
    """HTTP mode, one worker: also serve GatewayService on this port from the same process (as
    `hydro up` does: a second gateway process would be a second copy of every module)."""
    routing_poll_seconds: float = 1.0
    upstream: str | None = None
    broker_url: str | None = None
    outbox_path: Path = field(default_factory=default_outbox)
    max_request_bytes: int = DEFAULT_MAX_BYTES
    grpc_max_message_bytes: int = DEFAULT_MAX_BYTES
    request_timeout_seconds: float = 60.0
    workers: int = 2
    threads: int = 16
    fallback_url: str | None = None
    drain_seconds: float = 10.0
    log_level: str = "INFO"
    metrics_dir: str | None = None
    auth_enabled: bool = True
    """Off only when explicitly disabled (`HYDRO_AUTH=disabled`)."""
    bootstrap_token: str | None = field(default=None, repr=False)
    controller_token: str | None = field(default=None, repr=False)
    """Secrets: `repr=False` keeps them out of anything that prints the settings."""
    trusted_networks: tuple[Network, ...] = ()

    @property
    def verifiers_url(self) -> str | None:
        """Where the token verifiers are polled from (with the routing table)."""
        return None if self.controller_url is None else self.controller_url.rstrip("/") + "/api/v2/auth/verifiers"

    @property
    def routing_url(self) -> str | None:
        """Where the routing table is polled from."""
        return None if self.controller_url is None else self.controller_url.rstrip("/") + "/api/v2/plan/routing"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> GatewaySettings:
        """Read and validate the variables; `SettingsError` names the first bad one."""
        controller = _url(environ, "HYDRO_CONTROLLER_URL")
        if controller is None:
            raise SettingsError("HYDRO_CONTROLLER_URL", "is required: the controller's base URL (routing source)")
        settings = cls(
            controller_url=controller,
            protocol=_choice(environ, "HYDRO_GATEWAY_PROTOCOL", PROTOCOLS),
            host=environ.get("HYDRO_GATEWAY_HOST", "").strip() or "0.0.0.0",
            port=_integer(environ, "PORT", DEFAULT_PORT, 0, 65535),
            grpc_port=_optional_port(environ, "HYDRO_GATEWAY_GRPC_PORT"),
            routing_poll_seconds=_seconds(environ, "HYDRO_ROUTING_POLL_SECONDS", 1.0, positive=True),
            upstream=_host_port(environ, "HYDRO_GATEWAY_UPSTREAM"),
            broker_url=_url(environ, "HYDRO_BROKER_URL"),
            outbox_path=Path(environ.get("HYDRO_GATEWAY_OUTBOX", "").strip() or default_outbox()),
            max_request_bytes=_integer(environ, "HYDRO_MAX_REQUEST_BYTES", DEFAULT_MAX_BYTES, 1),
            grpc_max_message_bytes=_integer(environ, "HYDRO_GRPC_MAX_MESSAGE_BYTES", DEFAULT_MAX_BYTES, 1024),
            request_timeout_seconds=_seconds(environ, "HYDRO_REQUEST_TIMEOUT_SECONDS", 60.0, positive=True),
            workers=_integer(environ, "HYDRO_GATEWAY_WORKERS", 2, 1),
            threads=_integer(environ, "HYDRO_GATEWAY_THREADS", 16, 1),
            fallback_url=_url(environ, "HYDRO_GATEWAY_FALLBACK_URL"),
            drain_seconds=_seconds(environ, "HYDRO_DRAIN_SECONDS", 10.0),
            log_level=_log_level(environ),
            metrics_dir=environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip() or None,
            auth_enabled=_choice(environ, "HYDRO_AUTH", ("enabled", "disabled")) == "enabled",
            bootstrap_token=_token(environ, "HYDRO_AUTH_BOOTSTRAP_TOKEN"),
            controller_token=_token(environ, "HYDRO_GATEWAY_CONTROLLER_TOKEN"),
            trusted_networks=_networks(environ, "HYDRO_AUTH_TRUSTED_ADDRESSES"),
        )
        _check_grpc_port(settings)
        return settings


def _check_grpc_port(settings: GatewaySettings) -> None:
    if settings.grpc_port is None:
        return
    if settings.protocol != "http":
        raise SettingsError("HYDRO_GATEWAY_GRPC_PORT", "is for HYDRO_GATEWAY_PROTOCOL=http (gRPC uses PORT)")
    if settings.workers != 1:
        raise SettingsError("HYDRO_GATEWAY_GRPC_PORT", f"needs HYDRO_GATEWAY_WORKERS=1 (each of the {settings.workers} "
                            "workers would bind it)")


def _optional_port(env: Mapping[str, str], name: str) -> int | None:
    return _integer(env, name, 0, 0, 65535) if env.get(name, "").strip() else None


def _integer(env: Mapping[str, str], name: str, default: int, minimum: int, maximum: int | None = None) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(name, f"must be an integer, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f">= {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise SettingsError(name, f"must be {bounds}, got {value}")
    return value


def _seconds(env: Mapping[str, str], name: str, default: float, positive: bool = False) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(name, f"must be a number of seconds, got {raw!r}") from None
    if not (value > 0 if positive else value >= 0) or value == float("inf"):
        raise SettingsError(name, f"must be a finite number {'> 0' if positive else '>= 0'}, got {raw}")
    return value


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    raw = env.get(name, "").strip().lower() or choices[0]
    if raw not in choices:
        raise SettingsError(name, f"must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _url(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError(name, f"must be an absolute http(s) URL, got {raw!r}")
    return raw.rstrip("/")


def _host_port(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    host, _, port = raw.rpartition(":")
    if not host or "/" in raw or not port.isdigit() or not 0 < int(port) < 65536:
        raise SettingsError(name, f"must be host:port (e.g. 127.0.0.1:8090), got {raw!r}")
    return raw


def _token(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name, "").strip()
    if raw and parse_token(raw) is None:
        raise SettingsError(name, "is not a Hydro token (hydro_<keyid>_<secret>)")  # never repeat the value
    return raw or None


def _networks(env: Mapping[str, str], name: str) -> tuple[Network, ...]:
    try:
        return parse_networks(env.get(name, ""))
    except ValueError as exc:
        raise SettingsError(name, str(exc)) from None


def _log_level(env: Mapping[str, str]) -> str:
    level = (env.get("HYDRO_LOG_LEVEL") or "INFO").strip().upper()
    if not isinstance(logging.getLevelName(level), int):
        raise SettingsError("HYDRO_LOG_LEVEL", f"must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
    return level
