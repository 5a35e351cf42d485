"""Asynchronous inference over CloudEvents (transport-free; `http_cloudevents` adapts it).

Ingress: a `dev.hydro.prediction.request` event (extension `hydroapp` required, data = the
Hydrosphere JSON inputs) is checked against the application's contract and forwarded to the
Broker through the outbox, where the application's Trigger feeds its Sequence.

Sequence step `i`: the incoming event's data are stage i's inputs (JSON; stage 0 checks the
application's contract, later stages their own); the stage runs as in the synchronous path and
the reply is a `dev.hydro.prediction.response` event whose data are the stage's outputs.

Authorisation: the stored request event and every step's reply carry a step pass for the next
stage (`step_pass.py`), which is what lets a step called without a token (Knative's Sequence
dispatcher) run.

Correlation: every event of one asynchronous request carries the extension `hydrorequestid`,
the id of the original request event (set at the ingress when absent, copied by every step). It
is also the `requestId` of the steps' `inference.completed` events.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.bindings.http import HTTPMessage

from functions.gateway import cloudevent_http
from functions.gateway.errors import InvalidRequest, NotReady, Unauthenticated
from functions.gateway.outbox import Outbox, OutboxEvent
from functions.gateway.pipeline import Gateway, outputs_json
from functions.gateway.step_pass import StepPasses
from protos import events

EXT_REQUEST_ID = events.EXT_REQUEST_ID


class AsyncInference:
    """Accepts prediction requests for the Broker and runs Sequence steps."""

    def __init__(self, gateway: Gateway, outbox: Outbox, broker_url: str | None,
                 passes: StepPasses | None = None) -> None:
        self.gateway = gateway
        self.outbox = outbox
        self.broker_url = broker_url
        self.passes = passes or StepPasses(None)

    def accept(self, event: BaseCloudEvent) -> str:
        """Validate a prediction request and store it for the Broker; its correlation id."""
        if event.get_type() != events.PREDICTION_REQUEST:
            raise InvalidRequest(f"type must be {events.PREDICTION_REQUEST}, got {event.get_type()!r}", field="type")
        application = cloudevent_http.extension(event, events.EXT_APP)
        if not application:
            raise InvalidRequest(f"the extension {events.EXT_APP} (the application to run) is required",
                                 field=events.EXT_APP)
        data = _inputs(event)
        self.gateway.check_application_inputs(application, data)
        if self.broker_url is None:
            raise NotReady("HYDRO_BROKER_URL is not set: this gateway cannot forward events to a Broker")
        attributes = {name: _text(value) for name, value in event.get_attributes().items()}
        attributes["datacontenttype"] = cloudevent_http.JSON
        attributes.setdefault(EXT_REQUEST_ID, event.get_id())
        attributes.pop(events.EXT_STEP_PASS, None)  # only the gateway's own pass, never the caller's
        step_pass = self.passes.mint(application, 0, attributes[EXT_REQUEST_ID], data)
        if step_pass is not None:
            attributes[events.EXT_STEP_PASS] = step_pass
        self.outbox.put(OutboxEvent(attributes, json.dumps(data).encode("utf-8")))
        return attributes[EXT_REQUEST_ID]

    def step(self, application: str, index: int, event: BaseCloudEvent,
             refused: Unauthenticated | None = None) -> HTTPMessage:
        """Run stage `index` on the event's data; the reply event in binary mode. `refused`: the
        caller had no valid token, so the event's step pass must admit exactly this step."""
        correlation = cloudevent_http.extension(event, EXT_REQUEST_ID) or event.get_id()
        inputs = _inputs(event)
        if refused is not None and not self.passes.admits(
                cloudevent_http.extension(event, events.EXT_STEP_PASS), application, index, correlation, inputs):
            raise Unauthenticated(f"{refused.message}; or the event's {events.EXT_STEP_PASS} must admit stage "
                                  f"{index} of application '{application}' for this request and data")
        prediction = self.gateway.predict_stage(application, index, inputs, correlation)
        attributes = {
            "specversion": "1.0", "id": str(uuid.uuid4()), "source": events.SOURCE_GATEWAY,
            "type": events.PREDICTION_RESPONSE, "time": cloudevent_http.now_text(),
            "datacontenttype": cloudevent_http.JSON, events.EXT_APP: application, events.EXT_STAGE: str(index),
            EXT_REQUEST_ID: correlation,
        }
        if prediction.servable is not None:
            attributes[events.EXT_MODEL] = prediction.servable.model
            attributes[events.EXT_VERSION] = str(prediction.servable.version)
        outputs = outputs_json(prediction.outputs, f"stage {index} of application '{application}'")
        step_pass = self.passes.mint(application, index + 1, correlation, outputs)
        if step_pass is not None:
            attributes[events.EXT_STEP_PASS] = step_pass
        return cloudevent_http.to_binary(attributes, json.dumps(outputs).encode("utf-8"))


def _inputs(event: BaseCloudEvent) -> Mapping[str, Any]:
    data = event.get_data()
    if not isinstance(data, Mapping):
        raise InvalidRequest("the event data must be a JSON object mapping input names to values", field="data")
    return data


def _text(value: Any) -> str:
    return cloudevent_http.rfc3339(value) if isinstance(value, datetime) else str(value)
