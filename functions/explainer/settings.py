"""Settings of the explainer and projector functions, beyond the host's `FunctionSettings`.

| variable | default | meaning |
| --- | --- | --- |
| `HYDRO_MONITORING_URL` | `HYDRO_CONTROLLER_URL` | where stored requests are read (`/monitoring/checks/...`) |
| `HYDRO_INTERPRET_MAX_TRAINING_ROWS` | 20000 | training rows read from the CSV (a uniform sample) |
| `HYDRO_INTERPRET_MODEL_TIMEOUT_SECONDS` | 30 | deadline of one model call (covers a scale-from-zero start) |
| `HYDRO_INTERPRET_MODEL_CONCURRENCY` | 8 | concurrent calls when a model takes one row per call |
| `HYDRO_INTERPRET_WORKERS` | 2 | background threads running requests when no Broker is configured |

The controller forwards `/monitoring/...` to the monitoring function, so by default stored
requests are read through it; `HYDRO_MONITORING_URL` addresses the monitoring Service directly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from functions.host.settings import FunctionSettings, S3Settings, SettingsError


@dataclass(frozen=True)
class InterpretSettings:
    controller_url: str
    monitoring_url: str
    broker_url: str | None = None
    upstream: str | None = None
    s3: S3Settings | None = None
    max_training_rows: int = 20_000
    model_timeout_s: float = 30.0
    model_concurrency: int = 8
    workers: int = 2
    http_timeout_s: float = 10.0
    routing_poll_s: float = 5.0
    lease_s: float = 900.0
    """A STARTED request not finished after this long is taken over by a redelivery (its process died)."""

    @classmethod
    def from_env(cls, base: FunctionSettings, environ: Mapping[str, str]) -> InterpretSettings:
        """`SettingsError` names the first bad variable."""
        monitoring = (environ.get("HYDRO_MONITORING_URL") or "").strip().rstrip("/")
        if monitoring and not monitoring.startswith(("http://", "https://")):
            raise SettingsError("HYDRO_MONITORING_URL", f"must be an http(s) URL, got {monitoring!r}")
        return cls(
            controller_url=base.controller_url, monitoring_url=monitoring or base.controller_url,
            broker_url=base.broker_url, upstream=base.upstream, s3=base.s3,
            max_training_rows=_int(environ, "HYDRO_INTERPRET_MAX_TRAINING_ROWS", 20_000, 10, 10_000_000),
            model_timeout_s=_seconds(environ, "HYDRO_INTERPRET_MODEL_TIMEOUT_SECONDS", 30.0),
            model_concurrency=_int(environ, "HYDRO_INTERPRET_MODEL_CONCURRENCY", 8, 1, 256),
            workers=_int(environ, "HYDRO_INTERPRET_WORKERS", 2, 1, 64),
        )


def _int(environ: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = (environ.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise SettingsError(name, f"must be an integer from {low} to {high}, got {text!r}")
    return int(text)


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    text = (environ.get(name) or "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise SettingsError(name, f"must be a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise SettingsError(name, f"must be a positive number of seconds, got {text!r}")
    return value
