"""The controller's one error hierarchy. Each error carries its HTTP status; the API maps it once."""

from __future__ import annotations


class HydroError(Exception):
    """Base of every error the controller reports to a client."""

    status: int = 500
    code: str = "internal"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class BadRequest(HydroError, ValueError):
    status = 400
    code = "bad_request"


class InvalidResource(BadRequest):
    """A resource definition (YAML or JSON) is malformed; `field` is the dotted path to the problem."""

    code = "invalid_resource"

    def __init__(self, path: str, problem: str, *, source: str | None = None) -> None:
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{path}: {problem}" if path else f"{where}{problem}", field=path)
        self.path = path
        self.problem = problem
        self.source = source


class Unauthorized(HydroError):
    """No token, or one that is unknown, revoked or wrong; answered with `WWW-Authenticate`."""

    status = 401
    code = "unauthorized"


class Forbidden(HydroError):
    """A valid token without the scope the request needs; the message names the scope."""

    status = 403
    code = "forbidden"


class NotFound(HydroError, LookupError):
    status = 404
    code = "not_found"


class Conflict(HydroError):
    status = 409
    code = "conflict"


class PayloadTooLarge(BadRequest):
    status = 413
    code = "payload_too_large"


class Unavailable(HydroError):
    """A dependency (database, object store, cluster) is down; the client may retry."""

    status = 503
    code = "unavailable"
