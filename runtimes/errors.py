"""The runtime's one error hierarchy.

Every error carries a transport-neutral `Status`; `runtimes.grpc_server` maps it to a gRPC code in
one table. Messages name the object and the problem (`field 'age': expected ...`).
"""

from __future__ import annotations

import enum


class Status(enum.Enum):
    """What kind of failure an error is, independent of the transport that reports it."""

    INVALID_REQUEST = "invalid_request"
    MODEL_FAILED = "model_failed"
    NOT_READY = "not_ready"
    MISCONFIGURED = "misconfigured"


class HydroRuntimeError(Exception):
    """Base of every error the runtime raises on purpose."""

    status: Status = Status.MODEL_FAILED


class SettingsError(HydroRuntimeError, ValueError):
    """An environment variable has an invalid value. `variable` names it."""

    status = Status.MISCONFIGURED

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


class ModelLoadError(HydroRuntimeError):
    """The model could not be fetched, read or loaded; the process cannot serve it."""

    status = Status.MISCONFIGURED


class ArtifactError(ModelLoadError):
    """The model artifact is missing, unreachable, malformed or unsafe to unpack."""


class UnknownRuntimeError(ModelLoadError, LookupError):
    """The model names a runtime that this image does not provide."""


class InvalidRequest(HydroRuntimeError, ValueError):
    """A request does not satisfy the model's contract. `field` names the offending input."""

    status = Status.INVALID_REQUEST

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ModelError(HydroRuntimeError):
    """The model raised, or returned outputs that do not satisfy its contract."""

    status = Status.MODEL_FAILED


class ModelNotReady(HydroRuntimeError):
    """A prediction arrived before the model finished loading, or while the server drains."""

    status = Status.NOT_READY
