"""`dev.hydro.check.failed`: the event the monitoring function emits, validated once, here.

Every problem raises `PermanentError` naming the field (`data.failures[1].value`), so the host
answers 400 and the Broker dead-letters the event instead of retrying it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cloudevents.core.base import BaseCloudEvent

from functions.host.function import PermanentError
from protos import cloudevent_http, events

KINDS = ("check", "metric", "drift")
SUBJECTS = ("field", "metric")
MAX_NAME = 255
MAX_INTEGER = 2**31 - 1  # stored in 32-bit INTEGER columns


@dataclass(frozen=True)
class Failure:
    """One failed check, metric or drift test: `subject_kind` is "field" or "metric"."""

    subject_kind: str
    subject: str
    value: float | None
    threshold: float | None
    comparison: str | None
    message: str


@dataclass(frozen=True)
class CheckFailed:
    """The data of one `dev.hydro.check.failed` event."""

    model_version_id: int
    model_name: str
    model_version: int
    kind: str
    failures: tuple[Failure, ...]
    request_id: str | None
    batch: int | None
    timestamp: datetime


def parse(event: BaseCloudEvent) -> CheckFailed:
    """The event's data as a `CheckFailed`; `PermanentError` naming the first bad field."""
    try:
        data = cloudevent_http.json_data(event)
    except cloudevent_http.InvalidEvent as error:
        raise PermanentError(str(error), "data") from error
    if not isinstance(data, Mapping):
        raise PermanentError("the event data must be a JSON object", "data")
    failed = CheckFailed(
        model_version_id=_integer(data, "modelVersionId"),
        model_name=_text(data, "modelName", "data.modelName"),
        model_version=_integer(data, "modelVersion"),
        kind=_kind(data),
        failures=_failures(data.get("failures")),
        request_id=_optional_text(data, "requestId"),
        batch=_optional_integer(data, "batch"),
        timestamp=_timestamp(data.get("timestamp")),
    )
    if failed.request_id is None and failed.batch is None:
        raise PermanentError("data must carry requestId (a request's checks) or batch (a batch's)", "data.requestId")
    _check_extensions(event, failed)
    return failed


def _check_extensions(event: BaseCloudEvent, failed: CheckFailed) -> None:
    """The routing extensions, when present, must agree with the data they summarise."""
    expected = {events.EXT_MODEL: failed.model_name, events.EXT_VERSION: str(failed.model_version)}
    for name, value in expected.items():
        actual = cloudevent_http.attribute_text(event, name)
        if actual is not None and actual != value:
            raise PermanentError(f"extension {name}={actual!r} disagrees with the data ({value!r})", name)


def _failures(items: Any) -> tuple[Failure, ...]:
    if not isinstance(items, list) or not items:
        raise PermanentError("data.failures must be a non-empty list", "data.failures")
    return tuple(_failure(item, f"data.failures[{index}]") for index, item in enumerate(items))


def _failure(item: Any, path: str) -> Failure:
    if not isinstance(item, Mapping):
        raise PermanentError(f"{path} must be a JSON object", path)
    named = [key for key in SUBJECTS if key in item]
    if len(named) != 1:
        raise PermanentError(f"{path} must name exactly one of 'field' or 'metric'", f"{path}.field")
    subject_kind = named[0]
    return Failure(
        subject_kind=subject_kind,
        subject=_text(item, subject_kind, f"{path}.{subject_kind}"),
        value=_number(item, "value", path),
        threshold=_number(item, "threshold", path),
        comparison=_nullable_text(item, "comparison", path),
        message=_text(item, "message", f"{path}.message", limit=None),
    )


def _kind(data: Mapping[str, Any]) -> str:
    kind = data.get("kind")
    if kind not in KINDS:
        raise PermanentError(f"data.kind must be one of {', '.join(KINDS)}, got {kind!r}", "data.kind")
    return str(kind)


def _integer(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_INTEGER:
        raise PermanentError(f"data.{key} must be an integer from 0 to {MAX_INTEGER}, got {value!r}", f"data.{key}")
    return value


def _optional_integer(data: Mapping[str, Any], key: str) -> int | None:
    return None if data.get(key) is None else _integer(data, key)


def _text(data: Mapping[str, Any], key: str, path: str, limit: int | None = MAX_NAME) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PermanentError(f"{path} must be a non-empty string, got {value!r}", path)
    if limit is not None and len(value) > limit:
        raise PermanentError(f"{path} must be at most {limit} characters", path)
    return value


def _optional_text(data: Mapping[str, Any], key: str) -> str | None:
    return None if data.get(key) is None else _text(data, key, f"data.{key}")


def _nullable_text(item: Mapping[str, Any], key: str, path: str) -> str | None:
    value = item.get(key)
    if value is not None and not isinstance(value, str):
        raise PermanentError(f"{path}.{key} must be a string or null, got {value!r}", f"{path}.{key}")
    return value


def _number(item: Mapping[str, Any], key: str, path: str) -> float | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PermanentError(f"{path}.{key} must be a finite number or null, got {value!r}", f"{path}.{key}")
    return float(value)


def _timestamp(value: Any) -> datetime:
    moment = None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None:
        raise PermanentError(f"data.timestamp must be an RFC 3339 date-time with a zone, got {value!r}",
                             "data.timestamp")
    return moment
