"""`dev.hydro.inference.completed` as a typed value, checked once (see functions/gateway/monitoring.py).

Data: `{"requestId", "application", "stage", "servable", "modelName", "modelVersion",
"modelVersionId", "shadow", "latencyMs", "timestamp", "request": {field: JSON value},
"response": {field: JSON value} | null, "error": {"code", "message"} | null}`. The model and
version may also come from the `hydromodel`/`hydroversion` extensions. A malformed event is a
`BadRequest` naming the field, so the Broker dead-letters it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cloudevents.core.base import BaseCloudEvent

from functions.monitoring.errors import BadRequest
from protos import cloudevent_http, events


@dataclass(frozen=True)
class Inference:
    request_id: str
    model_version_id: int | None
    model_name: str | None
    model_version: int | None
    timestamp: datetime
    request: Mapping[str, Any]
    response: Mapping[str, Any] | None
    error: str | None
    latency_ms: float | None = None
    shadow: bool = False
    application: str | None = None
    stage: int | None = None

    @property
    def values(self) -> dict[str, Any]:
        return field_values(self.request, self.response)

    @property
    def unattributed_failure(self) -> bool:
        """A failed call to a weighted stage whose variant never answered: the gateway cannot say
        which model version it reached, so there is no version to count it against."""
        return self.error is not None and self.model_version_id is None and (
            self.model_name is None or self.model_version is None)


def field_values(request: Mapping[str, Any], response: Mapping[str, Any] | None) -> dict[str, Any]:
    """Request inputs and response outputs by field name, as checks, metric models and profiles
    see them. On a name clash the input wins: training data (what ranges, profiles and the outlier
    detector come from) describes a model's inputs, and a model that transforms its inputs in place
    (a scaler answering `alcohol` with the scaled `alcohol`) must still be checked on what it got."""
    return {**(response or {}), **request}


def parse_inference(event: BaseCloudEvent) -> Inference:
    try:
        data = cloudevent_http.json_data(event)
    except cloudevent_http.InvalidEvent as error:
        raise BadRequest(str(error), "data") from None
    if not isinstance(data, Mapping):
        raise BadRequest(f"data: expected a JSON object, got {type(data).__name__}", "data")
    extensions = event.get_attributes()
    return Inference(
        request_id=_text(data.get("requestId"), "data.requestId") or event.get_id(),
        model_version_id=_integer(data.get("modelVersionId"), "data.modelVersionId"),
        model_name=_text(data.get("modelName"), "data.modelName") or _text(extensions.get(events.EXT_MODEL),
                                                                         events.EXT_MODEL),
        model_version=_integer(data.get("modelVersion"), "data.modelVersion")
        or _integer(_digits(extensions.get(events.EXT_VERSION)), events.EXT_VERSION),
        timestamp=_moment(data.get("timestamp"), event),
        request=_object(data.get("request"), "data.request", required=True) or {},
        response=_object(data.get("response"), "data.response", required=False),
        error=_error(data.get("error")),
        latency_ms=_number(data.get("latencyMs"), "data.latencyMs"),
        shadow=data.get("shadow") is True,
        application=_text(data.get("application"), "data.application"),
        stage=_integer(data.get("stage"), "data.stage"),
    )


def _text(value: Any, path: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{path}: expected a string, got {value!r}", path)
    return value


def _integer(value: Any, path: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest(f"{path}: expected an integer, got {value!r}", path)
    return value


def _digits(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.isdigit() else value


def _number(value: Any, path: str) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise BadRequest(f"{path}: expected a number, got {value!r}", path)
    return float(value)


def _object(value: Any, path: str, *, required: bool) -> Mapping[str, Any] | None:
    if value is None and not required:
        return None
    if not isinstance(value, Mapping):
        raise BadRequest(f"{path}: expected an object of field values, got {value!r}", path)
    return value


def _error(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return f"{value.get('code', 'ERROR')}: {value.get('message', '')}"
    raise BadRequest(f"data.error: expected {{code, message}} or null, got {value!r}", "data.error")


def _moment(value: Any, event: BaseCloudEvent) -> datetime:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise BadRequest(f"data.timestamp: expected an RFC 3339 time, got {value!r}", "data.timestamp") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    time = event.get_time()
    return time.astimezone(UTC) if time is not None else datetime.now(UTC)
