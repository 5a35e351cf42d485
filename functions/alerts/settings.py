"""The alerts function's own settings (`HYDRO_ALERT_*`), beyond the host's `FunctionSettings`.

The table of variables is in the package docstring (`functions.alerts`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from functions.host.settings import SettingsError


@dataclass(frozen=True)
class AlertSettings:
    """Windows and delivery timings, in seconds."""

    dedup_seconds: float = 300.0
    resolve_seconds: float = 600.0
    sweep_seconds: float = 30.0
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 60.0
    webhook_timeout_seconds: float = 10.0
    poll_seconds: float = 1.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> AlertSettings:
        """Read and validate the variables; `SettingsError` names the first bad one."""
        return cls(
            dedup_seconds=_seconds(environ, "HYDRO_ALERT_DEDUP_SECONDS", cls.dedup_seconds),
            resolve_seconds=_seconds(environ, "HYDRO_ALERT_RESOLVE_SECONDS", cls.resolve_seconds),
            sweep_seconds=_seconds(environ, "HYDRO_ALERT_SWEEP_SECONDS", cls.sweep_seconds),
            retry_base_seconds=_seconds(environ, "HYDRO_ALERT_RETRY_BASE_SECONDS", cls.retry_base_seconds),
            retry_max_seconds=_seconds(environ, "HYDRO_ALERT_RETRY_MAX_SECONDS", cls.retry_max_seconds),
            webhook_timeout_seconds=_seconds(environ, "HYDRO_ALERT_WEBHOOK_TIMEOUT_SECONDS",
                                             cls.webhook_timeout_seconds),
            poll_seconds=_seconds(environ, "HYDRO_ALERT_POLL_SECONDS", cls.poll_seconds),
        )


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
