"""Errors of the statistics library; each message names the key or argument at fault.

They are `ValueError`s too: every one of them is bad input (values of the wrong type, a malformed
stored profile, a bad drift setting), which a caller maps to HTTP 400 / `INVALID_ARGUMENT`.
"""

from __future__ import annotations


class StatsError(ValueError):
    """Base class. `key` locates the problem (`values`, `profile.sketch`, `drift.alpha`)."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


class BadValues(StatsError):
    """A chunk given to `update()` cannot be profiled (wrong type or shape)."""


class BadProfile(StatsError):
    """A stored profile dict is malformed, or two profiles cannot be merged or compared."""


class BadConfig(StatsError):
    """A drift configuration value is unknown, of the wrong type or out of range."""
