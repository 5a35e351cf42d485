"""The explainer's and projector's one error hierarchy, with the two tables mapping errors out:
to HTTP statuses (`status`) for the API, and to a request's final state (`outcome`) for a job.

A job never raises out of `handle()`: whatever stops it becomes FAILED or NOT_SUPPORTED with the
error's message as the reason, which is what the person who asked needs to read.
"""

from __future__ import annotations

import logging

from functions.interpretability import InterpretabilityError, Status
from functions.monitoring.errors import MonitoringError

logger = logging.getLogger(__name__)

PENDING, STARTED, SUCCESS, FAILED, NOT_SUPPORTED = "PENDING", "STARTED", "SUCCESS", "FAILED", "NOT_SUPPORTED"
FINAL_STATES = (SUCCESS, FAILED, NOT_SUPPORTED)


class InterpretError(Exception):
    """Base of every error these functions raise on purpose; `field` names a bad input."""

    status = 500

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class BadRequest(InterpretError, ValueError):
    status = 400


class NotFound(InterpretError, LookupError):
    status = 404


class Unavailable(InterpretError):
    """A dependency (manager API, monitoring API, Broker, object store) cannot answer now."""

    status = 503


class Unexplainable(InterpretError):
    """The request cannot be carried out (no training data, model not deployed, a stored request
    that failed): the job ends FAILED with this message."""

    status = 422


class Unsupported(InterpretError):
    """The model's contract does not fit the method: the job ends NOT_SUPPORTED."""

    status = 422


def outcome(error: BaseException) -> tuple[str, str]:
    """(final state, reason) of a job stopped by `error`."""
    if isinstance(error, Unsupported):
        return NOT_SUPPORTED, error.message
    if isinstance(error, InterpretabilityError):
        state = NOT_SUPPORTED if error.status is Status.NOT_SUPPORTED else FAILED
        return state, str(error)
    if isinstance(error, InterpretError | MonitoringError):
        return FAILED, str(error)
    logger.error("request failed unexpectedly", exc_info=error)
    return FAILED, f"internal error: {type(error).__name__}: {error}"
