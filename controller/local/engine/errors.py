"""The engine's errors: what a caller of the activator or of `apply` can be told.

They are `HydroError`s (HTTP status for the controller's API); `activator.GRPC_CODES` maps them
to gRPC status codes, the one place that knows both.
"""

from __future__ import annotations

from controller.errors import HydroError, NotFound, Unavailable


class ServiceUnavailable(Unavailable):
    """No worker can take the call: a start failed, timed out, crash-loops, or a worker died."""

    code = "service_unavailable"


class UnknownTarget(NotFound):
    """`hydro-target` names no Route, tag or Service the engine serves."""

    code = "unknown_target"


class MissingTarget(HydroError, ValueError):
    """A call without the `hydro-target` metadata."""

    status = 400
    code = "missing_target"


class DeadlineExceeded(HydroError):
    """The caller's deadline passed while its call was held for a worker."""

    status = 504
    code = "deadline_exceeded"
