"""The monitoring function's one error hierarchy, and the only table mapping it to HTTP.

Events: `BadRequest` and `NotFound` mean the event can never be processed (the host answers 400
and the Broker dead-letters it); `Unavailable` means "try again later" (500, the Broker retries).
The read API answers each with its `status`. Every message names the object and the problem.
"""

from __future__ import annotations


class MonitoringError(Exception):
    """Base of every error the monitoring function raises on purpose; `field` names a bad input."""

    status = 500
    retryable = False

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class BadRequest(MonitoringError, ValueError):
    """An event or API request is malformed: names the field and the problem."""

    status = 400


class NotFound(MonitoringError, LookupError):
    """The model version (or check, field, job) does not exist."""

    status = 404


class Unavailable(MonitoringError):
    """A dependency (the manager API, the object store) cannot answer now: worth retrying."""

    status = 503
    retryable = True


class JobFailed(MonitoringError):
    """A training-data job cannot succeed (bad CSV, no usable column, a build that failed)."""

    status = 422
