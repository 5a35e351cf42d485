"""`dev.hydro.inference.completed`: one CloudEvent per stage execution (and per shadow call).

Binary-mode attributes: `id` (uuid4), `source` `/hydro/gateway`, `type`, `time`, the extensions
`hydroapp` (absent for `/gateway/servable/...`), `hydrostage` (the stage index as text),
`hydromodel`, `hydroversion`, and `datacontenttype: application/json`. The data:

    {"requestId", "application", "stage", "servable", "modelName", "modelVersion",
     "modelVersionId", "shadow", "latencyMs", "timestamp",
     "request": {field: JSON value}, "response": {field: JSON value} | null,
     "error": {"code", "message"} | null}

JSON values are those of `protos.codec.arrays_to_json`. On the request path `Monitor.record`
only stores serialized protobuf in the outbox (one SQLite INSERT); `render` turns it into the
JSON above on the shipper's thread. A monitoring failure is logged, never raised.
"""

from __future__ import annotations

import json
import logging
import struct
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from functions.gateway import cloudevent_http
from functions.gateway.outbox import Outbox, OutboxEvent
from functions.gateway.routing import Servable
from protos import codec, events
from protos.errors import InvalidInput
from protos.hydrosphere.serving.contract.tensor_pb2 import Tensor
from protos.hydrosphere.serving.runtime import api_pb2

logger = logging.getLogger(__name__)

RENDERER = "inference-v1"
_HEADER = struct.Struct(">III")  # lengths of: metadata JSON, PredictRequest, PredictResponse


@dataclass(frozen=True)
class InferenceRecord:
    """What happened in one stage execution. `servable` is None when the answering variant is
    unknown; `model`/`version` then carry what the runtime said, if anything."""

    request_id: str
    application: str | None
    stage: int
    servable: Servable | None
    request: Mapping[str, Tensor]
    response: Mapping[str, Tensor] | None
    latency_ms: float
    shadow: bool = False
    error: tuple[str, str] | None = None
    model: str | None = None
    version: int | None = None
    request_bytes: bytes | None = None
    """`request` as the serialized `PredictRequest` that was sent, when the caller has it."""
    response_bytes: bytes | None = None
    """`response` as the serialized `PredictResponse` received, when the caller has it."""

    @property
    def model_name(self) -> str | None:
        return self.servable.model if self.servable else self.model

    @property
    def model_version(self) -> int | None:
        return self.servable.version if self.servable else self.version


def to_outbox_event(record: InferenceRecord, moment: datetime | None = None) -> OutboxEvent:
    """The record as an outbox row: attributes now, data rendered later by `render`."""
    time = cloudevent_http.rfc3339(moment or datetime.now(UTC))
    attributes = {"specversion": "1.0", "id": str(uuid.uuid4()), "source": events.SOURCE_GATEWAY,
                  "type": events.INFERENCE_COMPLETED, "time": time, "datacontenttype": cloudevent_http.JSON,
                  events.EXT_STAGE: str(record.stage)}
    if record.application:
        attributes[events.EXT_APP] = record.application
    if record.model_name:
        attributes[events.EXT_MODEL] = record.model_name
    if record.model_version is not None:
        attributes[events.EXT_VERSION] = str(record.model_version)
    return OutboxEvent(attributes, _pack(record, time), RENDERER)


def render(packed: bytes) -> bytes:
    """The event data (JSON bytes) from what `to_outbox_event` stored."""
    meta_size, request_size, response_size = _HEADER.unpack_from(packed)
    offset = _HEADER.size
    meta = json.loads(packed[offset:offset + meta_size])
    offset += meta_size
    request = api_pb2.PredictRequest.FromString(packed[offset:offset + request_size])
    offset += request_size
    meta["request"] = _json(request.inputs)
    if meta.pop("hasResponse"):
        meta["response"] = _json(api_pb2.PredictResponse.FromString(packed[offset:offset + response_size]).outputs)
    else:
        meta["response"] = None
    return json.dumps(meta).encode("utf-8")


class Monitor:
    """Puts inference records into the outbox; never raises into the prediction."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    def record(self, record: InferenceRecord) -> None:
        try:
            self.outbox.put(to_outbox_event(record))
        except Exception:
            logger.exception("inference event of request %s (stage %d) not stored", record.request_id, record.stage)


def _pack(record: InferenceRecord, time: str) -> bytes:
    servable = record.servable
    meta: dict[str, Any] = {
        "requestId": record.request_id,
        "application": record.application,
        "stage": record.stage,
        "servable": servable.name if servable else None,
        "modelName": record.model_name,
        "modelVersion": record.model_version,
        "modelVersionId": servable.model_version_id if servable else None,
        "shadow": record.shadow,
        "latencyMs": round(record.latency_ms, 3),
        "timestamp": time,
        "error": {"code": record.error[0], "message": record.error[1]} if record.error else None,
        "hasResponse": record.response is not None,
    }
    meta_bytes = json.dumps(meta).encode("utf-8")
    # Bytes already on the wire are stored as they are: no second serialization on the request path.
    request = record.request_bytes or api_pb2.PredictRequest(inputs=record.request).SerializeToString()
    response = b"" if record.response is None else (
        record.response_bytes or api_pb2.PredictResponse(outputs=record.response).SerializeToString())
    return _HEADER.pack(len(meta_bytes), len(request), len(response)) + meta_bytes + request + response


def _json(tensors: Mapping[str, Tensor]) -> dict[str, Any] | None:
    try:
        return codec.arrays_to_json(codec.tensors_to_arrays(tensors))
    except InvalidInput as exc:  # a model's malformed answer still makes an event, without values
        logger.warning("inference event values cannot be decoded: %s", exc)
        return None
