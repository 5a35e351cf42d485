"""The gateway's one error hierarchy, and the only table mapping it to HTTP and gRPC.

Every error carries a transport-neutral `Status`; the adapters look the status up in
`HTTP_STATUS` / `GRPC_CODES`. Messages name the object and the problem; an invalid request also
names the offending `field` (`features`, `user[1].age`, a CloudEvent attribute, ...).
"""

from __future__ import annotations

import enum

import grpc

from protos.errors import InvalidInput


class Status(enum.Enum):
    """What kind of failure an error is, independent of the transport that reports it."""

    INVALID_REQUEST = "invalid_request"
    NOT_FOUND = "not_found"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    NOT_READY = "not_ready"
    UNAVAILABLE = "unavailable"
    TIMEOUT = "timeout"
    UPSTREAM_FAILED = "upstream_failed"
    MISCONFIGURED = "misconfigured"
    UNAUTHENTICATED = "unauthenticated"
    PERMISSION_DENIED = "permission_denied"


HTTP_STATUS: dict[Status, int] = {
    Status.INVALID_REQUEST: 400,
    Status.NOT_FOUND: 404,
    Status.PAYLOAD_TOO_LARGE: 413,
    Status.UNSUPPORTED_MEDIA_TYPE: 415,
    Status.NOT_READY: 503,
    Status.UNAVAILABLE: 503,
    Status.TIMEOUT: 504,
    Status.UPSTREAM_FAILED: 502,
    Status.MISCONFIGURED: 500,
    Status.UNAUTHENTICATED: 401,
    Status.PERMISSION_DENIED: 403,
}
GRPC_CODES: dict[Status, grpc.StatusCode] = {
    Status.INVALID_REQUEST: grpc.StatusCode.INVALID_ARGUMENT,
    Status.NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    Status.PAYLOAD_TOO_LARGE: grpc.StatusCode.RESOURCE_EXHAUSTED,
    Status.UNSUPPORTED_MEDIA_TYPE: grpc.StatusCode.INVALID_ARGUMENT,
    Status.NOT_READY: grpc.StatusCode.UNAVAILABLE,
    Status.UNAVAILABLE: grpc.StatusCode.UNAVAILABLE,
    Status.TIMEOUT: grpc.StatusCode.DEADLINE_EXCEEDED,
    Status.UPSTREAM_FAILED: grpc.StatusCode.INTERNAL,
    Status.MISCONFIGURED: grpc.StatusCode.FAILED_PRECONDITION,
    Status.UNAUTHENTICATED: grpc.StatusCode.UNAUTHENTICATED,
    Status.PERMISSION_DENIED: grpc.StatusCode.PERMISSION_DENIED,
}


class GatewayError(Exception):
    """Base of every error the gateway raises on purpose. `field` names a bad input, if any."""

    status: Status = Status.UPSTREAM_FAILED
    upstream_code: str | None = None
    """The gRPC code name a model answered with, when the error came from one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.status]

    @property
    def grpc_code(self) -> grpc.StatusCode:
        return GRPC_CODES[self.status]

    @property
    def code(self) -> str:
        """A short code for events and metrics: the model's gRPC code, else the gateway's."""
        return self.upstream_code or self.grpc_code.name


class InvalidRequest(GatewayError, ValueError):
    """The request breaks its contract or the protocol; nothing was sent to any model."""

    status = Status.INVALID_REQUEST

    @classmethod
    def from_input(cls, exc: InvalidInput) -> InvalidRequest:
        return cls(str(exc), field=exc.field)


class NotFound(GatewayError, LookupError):
    """No application or servable of that name is in the routing table."""

    status = Status.NOT_FOUND


class PayloadTooLarge(GatewayError):
    status = Status.PAYLOAD_TOO_LARGE


class UnsupportedMediaType(GatewayError):
    status = Status.UNSUPPORTED_MEDIA_TYPE


class NotReady(GatewayError):
    """The gateway cannot serve yet: no routing table, or no broker to forward events to."""

    status = Status.NOT_READY


class UpstreamUnavailable(GatewayError):
    """A model could not be reached (cold start, crash, no endpoints)."""

    status = Status.UNAVAILABLE


class UpstreamTimeout(GatewayError, TimeoutError):
    """The request's deadline passed before a model answered."""

    status = Status.TIMEOUT


class UpstreamFailed(GatewayError):
    """A model answered with an error other than a bad request or unavailability."""

    status = Status.UPSTREAM_FAILED


class Unauthenticated(GatewayError):
    """No token, or one that is unknown, revoked or wrong (`protos.auth.Unauthenticated`)."""

    status = Status.UNAUTHENTICATED


class Forbidden(GatewayError):
    """A valid token without the `predict` scope (`protos.auth.PermissionDenied`)."""

    status = Status.PERMISSION_DENIED


class SettingsError(GatewayError, ValueError):
    """An environment variable has an invalid value; `variable` names it."""

    status = Status.MISCONFIGURED

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


class RoutingError(GatewayError, ValueError):
    """The routing table is malformed; `path` locates the offending entry."""

    status = Status.MISCONFIGURED

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"routing table: {path}: {problem}")
        self.path = path
