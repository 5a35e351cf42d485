"""The monitoring function's tunables: derived from the host's `FunctionSettings`, never from env.

The values are internal windows and timeouts, chosen for a function that must keep up with the
gateway: caches keep per-request work to local reads, and every wait on another service is bounded.
"""

from __future__ import annotations

from dataclasses import dataclass

from functions.host.settings import FunctionSettings, S3Settings

DEFAULT_BATCH_SIZE = 100


@dataclass(frozen=True)
class MonitoringSettings:
    controller_url: str
    broker_url: str | None = None
    upstream: str | None = None
    """`host:port` every metric model is dialled at (the local engine's activator), if set."""
    s3: S3Settings | None = None
    version_ttl_s: float = 60.0
    """How long a model version's JSON (contract, batch size, metadata) is cached."""
    spec_ttl_s: float = 10.0
    """How long a model version's metric specs are cached: a new spec is used within this time."""
    bounds_ttl_s: float = 30.0
    """How long training min/max bounds are cached (a new training profile clears them at once)."""
    routing_poll_s: float = 5.0
    metric_timeout_s: float = 10.0
    """Deadline of one metric model call (covers a scale-from-zero start)."""
    metric_cooldown_s: float = 15.0
    """After a metric model is unreachable, its checks are recorded `unavailable` without a call
    for this long, so an undeployed metric model does not slow every request down."""
    http_timeout_s: float = 10.0
    drift_min_window: int = 100
    """A drift window holds at least this many requests (whole batches, at least one)."""
    latency_window: int = 1000
    """The summary's latency percentiles cover this many most recent requests."""
    job_poll_s: float = 2.0
    job_lease_s: float = 600.0
    """A started job not renewed for this long is taken over (its process died)."""
    job_max_attempts: int = 5
    release_timeout_s: float = 900.0
    """How long an uploaded detector may build before the job fails."""
    release_poll_s: float = 0.5
    batch_max_attempts: int = 3

    @classmethod
    def from_function_settings(cls, settings: FunctionSettings) -> MonitoringSettings:
        return cls(controller_url=settings.controller_url, broker_url=settings.broker_url,
                   upstream=settings.upstream, s3=settings.s3)
