"""What a worker process runs with: its command (from the caller) and a clean environment.

A worker never inherits the controller's environment: a model is user code, and the controller
holds `HYDRO_DATABASE_URL` and object-store credentials. It gets a minimal base (PATH, HOME,
LANG...), the command's own variables, its Service's `envFrom` sources and `env`, and what the
engine decides (`PORT`, the model cache), in that order of precedence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from controller.local.engine.errors import ServiceUnavailable
from controller.local.engine.manifests import H2C, ServiceSpec

BASE_VARIABLES = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ",
                  "SYSTEMROOT")
EnvSources = Mapping[tuple[str, str], Mapping[str, str]]
"""`{("secret" | "configMap", name): {key: value}}`: what `envFrom` entries read."""


@dataclass(frozen=True)
class ProcessCommand:
    """How to start a Service's process: argv, extra variables, working directory."""

    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    warm_pool: tuple[str, ...] | None = None
    """argv of a warm pool that can fork this command's process pre-imported (`warm_pool.py`)."""


CommandFor = Callable[[Mapping[str, Any]], ProcessCommand]
"""Maps a Service manifest to its command (`hydro up` maps images to `python -m runtimes`...)."""


def minimal_environment(source: Mapping[str, str]) -> dict[str, str]:
    """The base variables of `source`, nothing else."""
    return {name: source[name] for name in BASE_VARIABLES if name in source}


def worker_environment(base: Mapping[str, str], command: ProcessCommand, service: ServiceSpec,
                       sources: EnvSources, port: int, model_cache: Path) -> dict[str, str]:
    """The full environment of one worker of `service`; a missing required source is an error."""
    env = {**base, **command.env}
    for ref in service.env_from:
        values = sources.get((ref.kind, ref.name))
        if values is None:
            if ref.optional:
                continue
            raise ServiceUnavailable(f"service {service.name}: envFrom {ref.kind} {ref.name!r} does not exist",
                                     field="envFrom")
        env.update(values)
    env.update(service.env)
    env["PORT"] = str(port)
    if service.protocol == H2C:
        env["HYDRO_MODEL_CACHE"] = str(model_cache)
        # Knative's pod network is private; locally the runtime must not listen beyond loopback.
        env["HYDRO_RUNTIME_HOST"] = "127.0.0.1"
    return env
