"""The local engine's settings: a frozen value the controller builds from its own settings.

Nothing here reads the environment; `hydro up` maps its `HYDRO_*` variables onto these fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from controller.errors import InvalidResource


@dataclass(frozen=True)
class EngineSettings:
    """How the engine runs: where it keeps state and logs, and its scaling defaults."""

    state_dir: Path
    """Verified revisions, the model cache of the workers."""
    logs_dir: Path
    """`<service>.log` per Service, one line per worker output line."""
    idle_window_seconds: float = 60.0
    """A worker with no request for this long is stopped (unless the revision says otherwise)."""
    activation_timeout_seconds: float = 120.0
    """How long a held request waits for a worker, and how long a worker may take to start."""
    target_concurrency: int = 8
    """In-flight requests per worker before another starts (unless the revision says otherwise)."""
    default_max_scale: int = 4
    """Most workers per revision when its `max-scale` is absent or 0 (Knative's "unlimited")."""
    verification_concurrency: int = 2
    """First-time revision checks (one worker each) running at the same time."""
    activator_port: int = 0
    """gRPC ingress port; 0 picks a free one."""
    endpoints_port: int = 0
    """HTTP port of the engine's own endpoints (Sequences, dead letters); 0 picks a free one."""
    host: str = "127.0.0.1"
    drain_seconds: float = 10.0
    """After SIGTERM, how long a worker may take to exit before it is killed."""
    crash_backoff_seconds: float = 1.0
    """Delay after the first failed start; doubles with each further failure."""
    crash_backoff_max_seconds: float = 60.0
    step_timeout_seconds: float = 30.0
    """Per Sequence step and PingSource delivery."""
    activator_threads: int = 64
    """Concurrent calls the activator holds or forwards."""
    warm_pools: int = 2
    """Most warm pools (pre-imported runtime processes forking workers, `warm_pool.py`); 0: none."""
    tick_seconds: float = 0.2
    """How often the housekeeper reaps idle workers and notices crashes."""
    base_environment: Mapping[str, str] | None = None
    """The variables every process starts from; None takes PATH, HOME, LANG, TMPDIR... of the
    controller's environment (never anything else of it)."""

    def __post_init__(self) -> None:
        positive = ("activation_timeout_seconds", "target_concurrency", "default_max_scale",
                    "verification_concurrency", "activator_threads", "tick_seconds", "crash_backoff_seconds")
        for item in fields(self):
            value = getattr(self, item.name)
            if not isinstance(value, int | float) or isinstance(value, bool):
                continue
            if value < 0 or (item.name in positive and value <= 0):
                bound = "> 0" if item.name in positive else ">= 0"
                raise InvalidResource(item.name, f"must be {bound}, got {value}", source="EngineSettings")
        if self.crash_backoff_max_seconds < self.crash_backoff_seconds:
            raise InvalidResource("crash_backoff_max_seconds", "must be >= crash_backoff_seconds",
                                  source="EngineSettings")

    @property
    def model_cache(self) -> Path:
        """One model cache shared by every worker (downloads are reused across restarts)."""
        return self.state_dir / "model-cache"

    @property
    def verified_file(self) -> Path:
        return self.state_dir / "verified-revisions.json"
