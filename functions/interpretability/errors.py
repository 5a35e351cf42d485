"""The interpretability library's one error hierarchy.

Every error carries a transport-neutral `Status`; the function that wires this library maps it
to its job states (INVALID_ARGUMENT and MODEL_FAILED -> FAILED, NOT_SUPPORTED -> NOT_SUPPORTED)
and to HTTP/gRPC codes in one place. Messages name the field or key and the problem.
"""

from __future__ import annotations

import enum


class Status(enum.Enum):
    """What kind of failure an error is, independent of the transport that reports it."""

    INVALID_ARGUMENT = "invalid_argument"
    NOT_SUPPORTED = "not_supported"
    MODEL_FAILED = "model_failed"


class InterpretabilityError(Exception):
    """Base of every error this library raises on purpose."""

    status: Status = Status.INVALID_ARGUMENT


class InvalidArgument(InterpretabilityError, ValueError):
    """An argument (an instance field, a training column, a configuration key) is unusable.

    `field` names it: `instance.age`, `training.age`, `config.threshold`, `image`.
    """

    status = Status.INVALID_ARGUMENT

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class NotSupported(InterpretabilityError):
    """The model's contract does not fit the requested method; the message says why."""

    status = Status.NOT_SUPPORTED


class ModelCallError(InterpretabilityError):
    """The model raised, or answered without the expected output or with the wrong row count."""

    status = Status.MODEL_FAILED
