"""What a function is to the host."""

from __future__ import annotations

from typing import Protocol

from cloudevents.core.base import BaseCloudEvent
from flask import Blueprint


class PermanentError(ValueError):
    """The event can never be processed (malformed, unknown model version...): answered 400, so
    the Broker dead-letters it instead of retrying; `field` names what is wrong."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Function(Protocol):
    """One function instance per process; `handle` is called from many threads."""

    name: str

    def handle(self, event: BaseCloudEvent) -> BaseCloudEvent | None:
        """Process one event; return a reply event or None. Raise `PermanentError` for an event
        that can never succeed; any other exception means "try again later" (the Broker retries)."""
        ...

    def routes(self) -> Blueprint | None:
        """The function's own HTTP read API (mounted at `/`), if any."""
        ...

    def close(self) -> None:
        """Release resources at shutdown."""
        ...
