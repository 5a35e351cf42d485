"""The runtime's settings: every `HYDRO_*` variable it reads, parsed once in `__main__`.

| variable | default | meaning |
| --- | --- | --- |
| `HYDRO_MODEL_URI` | (required) | the model folder: a path, `file://` or `s3://` (`runtimes.fetch`) |
| `PORT` | 8081 | gRPC port (Knative sets it) |
| `HYDRO_RUNTIME_HOST` | 0.0.0.0 | address to listen on |
| `HYDRO_RUNTIME_WORKERS` | 4 | gRPC threads; `HYDRO_BATCH_MAX_SIZE` more for a batched model, so a batch can gather |
| `HYDRO_BATCHING` | auto | `auto`: merge concurrent requests where it is safe (`runtimes.batching`); `off`: never |
| `HYDRO_BATCH_MAX_SIZE` | 64 | most rows in one merged model call; larger requests run alone |
| `HYDRO_BATCH_MAX_DELAY_MS` | 0 | longest a call waits for the rest of a burst (`runtimes.batching`); 0: never waits |
| `HYDRO_GRPC_MAX_MESSAGE_BYTES` | 64 MiB | largest request and response message |
| `HYDRO_DRAIN_SECONDS` | 10 | on SIGTERM, how long in-flight calls may take to finish |
| `HYDRO_MODEL_CACHE` | a new temp dir | where downloaded or unpacked models go |
| `HYDRO_S3_ENDPOINT` | (none) | `host:port`, or `http(s)://host:port` (the scheme sets `secure`) |
| `HYDRO_S3_ACCESS_KEY`, `HYDRO_S3_SECRET_KEY` | (none) | S3 credentials |
| `HYDRO_S3_SECURE` | false | use HTTPS for S3 |
| `HYDRO_S3_REGION` | (none) | S3 region |
| `HYDRO_LOG_LEVEL` | INFO | logging level |
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from runtimes.errors import SettingsError

DEFAULT_PORT = 8081
DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")
BATCHING_MODES = ("auto", "off")
MAX_BATCH_DELAY_MS = 1000


@dataclass(frozen=True)
class S3Settings:
    """How to reach the S3-compatible object store holding `s3://` models."""

    endpoint: str | None = None
    access_key: str | None = None
    secret_key: str | None = None
    secure: bool = False
    region: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> S3Settings:
        endpoint = environ.get("HYDRO_S3_ENDPOINT") or None
        secure = _flag(environ, "HYDRO_S3_SECURE", False)
        if endpoint and "://" in endpoint:
            scheme, _, endpoint = endpoint.partition("://")
            if scheme not in ("http", "https"):
                raise SettingsError("HYDRO_S3_ENDPOINT", f"scheme must be http or https, got {scheme!r}")
            secure = scheme == "https"
            endpoint = endpoint.rstrip("/")
        return cls(
            endpoint=endpoint,
            access_key=environ.get("HYDRO_S3_ACCESS_KEY") or None,
            secret_key=environ.get("HYDRO_S3_SECRET_KEY") or None,
            secure=secure,
            region=environ.get("HYDRO_S3_REGION") or None,
        )


@dataclass(frozen=True)
class BatchSettings:
    """Adaptive batching (`runtimes.batching`): whether it may be used, and its bounds."""

    mode: str = "auto"
    max_rows: int = 64
    max_delay: float = 0.0
    """Seconds."""

    @property
    def enabled(self) -> bool:
        return self.mode != "off"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> BatchSettings:
        mode = (environ.get("HYDRO_BATCHING") or "auto").strip().lower()
        if mode not in BATCHING_MODES:
            raise SettingsError("HYDRO_BATCHING", f"must be one of {', '.join(BATCHING_MODES)}, got {mode!r}")
        delay_ms = _number(environ, "HYDRO_BATCH_MAX_DELAY_MS", 0.0, "milliseconds")
        if delay_ms > MAX_BATCH_DELAY_MS:  # a wait this long is a typo, and would stall every batch
            raise SettingsError("HYDRO_BATCH_MAX_DELAY_MS", f"must be <= {MAX_BATCH_DELAY_MS}, got {delay_ms:g}")
        return cls(mode=mode, max_rows=_integer(environ, "HYDRO_BATCH_MAX_SIZE", 64, minimum=1),
                   max_delay=delay_ms / 1000)


@dataclass(frozen=True)
class RuntimeSettings:
    """Everything the runtime process is configured with; see the module docstring."""

    model_uri: str
    host: str = "0.0.0.0"
    port: int = DEFAULT_PORT
    workers: int = 4
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    drain_seconds: float = 10.0
    model_cache: Path | None = None
    s3: S3Settings = field(default_factory=S3Settings)
    batching: BatchSettings = field(default_factory=BatchSettings)
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RuntimeSettings:
        """Read and validate the variables; `SettingsError` names the first bad one."""
        env = os.environ if environ is None else environ
        model_uri = env.get("HYDRO_MODEL_URI", "").strip()
        if not model_uri:
            raise SettingsError("HYDRO_MODEL_URI", "is required: a model folder path, file:// or s3:// URI")
        cache = env.get("HYDRO_MODEL_CACHE") or None
        return cls(
            model_uri=model_uri,
            host=env.get("HYDRO_RUNTIME_HOST") or "0.0.0.0",
            port=_integer(env, "PORT", DEFAULT_PORT, minimum=0, maximum=65535),
            workers=_integer(env, "HYDRO_RUNTIME_WORKERS", 4, minimum=1),
            max_message_bytes=_integer(
                env, "HYDRO_GRPC_MAX_MESSAGE_BYTES", DEFAULT_MAX_MESSAGE_BYTES, minimum=1024
            ),
            drain_seconds=_seconds(env, "HYDRO_DRAIN_SECONDS", 10.0),
            model_cache=Path(cache) if cache else None,
            s3=S3Settings.from_env(env),
            batching=BatchSettings.from_env(env),
            log_level=_log_level(env),
        )


def _integer(
    env: Mapping[str, str], name: str, default: int, minimum: int, maximum: int | None = None
) -> int:
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


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    return _number(env, name, default, "seconds")


def _number(env: Mapping[str, str], name: str, default: float, unit: str) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(name, f"must be a number of {unit}, got {raw!r}") from None
    if not value >= 0:
        raise SettingsError(name, f"must be >= 0, got {raw}")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise SettingsError(name, f"must be true or false, got {raw!r}")


def _log_level(env: Mapping[str, str]) -> str:
    level = (env.get("HYDRO_LOG_LEVEL") or "INFO").strip().upper()
    if not isinstance(logging.getLevelName(level), int):
        raise SettingsError("HYDRO_LOG_LEVEL", f"must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
    return level
