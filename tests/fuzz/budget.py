"""How much each fuzz test tries, and the properties every fuzz batch checks.

The normal suite runs a small, derandomized batch per test (reproducible in CI, a few seconds
each); `HYDRO_FUZZ_EXAMPLES=<n>` (what `make reliability` sets) runs `n` examples per test instead,
still derandomized so a failure found there can be replayed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, settings

ENV = "HYDRO_FUZZ_EXAMPLES"
REQUEST_TIMEOUT_S = 20.0
"""Per request: a server that takes longer has hung, as far as these tests are concerned."""
RSS_GROWTH_LIMIT = 64 * 1024 * 1024
"""Bound on a server process's resident memory growth over one fuzz batch."""

F = TypeVar("F", bound=Callable[..., Any])


def examples(default: int) -> int:
    """`HYDRO_FUZZ_EXAMPLES` when set (a big run), else `default` (the suite's budget)."""
    value = os.environ.get(ENV, "").strip()
    return int(value) if value else default


def big_run() -> bool:
    return bool(os.environ.get(ENV, "").strip())


def fuzz_settings(default: int) -> Callable[[F], F]:
    """Hypothesis settings for a fuzz test: bounded, derandomized, no per-example deadline.

    Explicit examples (schemathesis's coverage phase: every boundary value of every parameter, a
    few hundred requests per operation) run in the big run only."""
    phases = [Phase.generate, Phase.shrink] if not big_run() else [Phase.explicit, Phase.generate, Phase.shrink]
    applied: Callable[[F], F] = settings(
        max_examples=examples(default), deadline=None, derandomize=True, database=None, phases=phases,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    return applied


def rss_bytes(pid: int | str = "self") -> int:
    """Resident set size of a process (Linux `/proc/<pid>/status`)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for process {pid}")
