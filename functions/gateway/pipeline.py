"""The transport-free core: validate, walk the stages, mirror shadows, record what happened.

Inputs arrive as Hydrosphere JSON (`{"field": value}`), as a gRPC Tensor map, or as numpy arrays
(the OIP adapter). They are checked against the contract before any model runs; a bad request
raises `InvalidRequest` naming the field and calls no upstream. Stage i's response Tensors are
stage i+1's request Tensors, passed through without decoding. One deadline covers the whole
request; each stage call gets what is left of it.

Every stage execution is recorded (`monitoring.InferenceRecord` into the outbox) unless the call
is shadowless (`ShadowlessPredictServable`); shadows are mirrored by `shadows.ShadowMirror`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np

from functions.gateway.errors import GatewayError, InvalidRequest, NotFound, UpstreamFailed, UpstreamTimeout
from functions.gateway.monitoring import InferenceRecord, Monitor
from functions.gateway.routing import Application, Servable, Stage
from functions.gateway.routing_source import RoutingSource
from functions.gateway.shadows import ShadowMirror
from functions.gateway.upstream import Answer, Upstream
from protos import codec, validation
from protos.contract import Contract
from protos.errors import InvalidInput
from protos.hydrosphere.serving.contract.tensor_pb2 import Tensor

Inputs = Mapping[str, Any]
"""JSON values, Tensors or numpy arrays by input name."""
T = TypeVar("T")


class Observer(Protocol):
    """What the core reports for metrics (`functions.gateway.metrics` implements it)."""

    def request_done(self, kind: str, name: str, seconds: float, code: str | None) -> None: ...

    def stage_done(self, application: str, stage: int, model: str, version: str, seconds: float,
                   code: str | None) -> None: ...


@dataclass(frozen=True)
class Prediction:
    """The final outputs, and the servable that answered the last stage (when known)."""

    outputs: Mapping[str, Tensor]
    request_id: str
    servable: Servable | None = None
    served_by: tuple[str, ...] = ()
    """`model:version` that answered each stage, in order (`X-Hydro-Served-By`)."""


class Deadline:
    """The time left for one request, shared by its stages."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def remaining(self, where: str) -> float:
        left = self._end - time.monotonic()
        if left <= 0:
            raise UpstreamTimeout(f"the request deadline passed before {where} was called")
        return left


def decode_inputs(inputs: Inputs, contract: Contract) -> dict[str, np.ndarray]:
    """Validated arrays of the declared types; `InvalidRequest` naming the field otherwise."""
    try:
        first = next(iter(inputs.values()), None) if isinstance(inputs, Mapping) else None
        if isinstance(first, Tensor):
            return validation.decode_tensor_inputs(inputs, contract)
        if isinstance(first, np.ndarray):
            return validation.validate_arrays(inputs, contract.inputs)
        return validation.decode_json_inputs(inputs, contract)
    except InvalidInput as exc:
        raise InvalidRequest.from_input(exc) from None


def encode_inputs(inputs: Inputs, contract: Contract) -> dict[str, Tensor]:
    """The request Tensors for the first model, after validation."""
    arrays = decode_inputs(inputs, contract)
    try:
        return codec.arrays_to_tensors(arrays, contract.inputs)
    except InvalidInput as exc:
        raise InvalidRequest.from_input(exc) from None


class Gateway:
    """Serves applications, servables and single stages; see the module docstring."""

    def __init__(self, routing: RoutingSource, upstream: Upstream, *, timeout_seconds: float,
                 monitor: Monitor | None = None, mirror: ShadowMirror | None = None,
                 observer: Observer | None = None) -> None:
        self.routing = routing
        self.upstream = upstream
        self.timeout_seconds = timeout_seconds
        self.monitor = monitor
        self.mirror = mirror
        self.observer = observer

    def predict_application(self, name: str, inputs: Inputs, request_id: str,
                            timeout: float | None = None) -> Prediction:
        """Validate against the application's contract, then run every stage in order."""
        return self._observed("application", name, lambda: self._application(name, inputs, request_id, timeout))

    def predict_servable(self, name: str, inputs: Inputs, request_id: str, shadowless: bool = False,
                         timeout: float | None = None) -> Prediction:
        """Call one servable directly; `shadowless` calls record no event."""
        def run() -> Prediction:
            servable = self.routing.servable(name)
            tensors = encode_inputs(inputs, servable.contract)
            deadline = Deadline(self._timeout(timeout))
            answer, who = self._stage(None, Stage.of_servable(servable), tensors, request_id, deadline,
                                      monitored=not shadowless)
            return Prediction(answer.outputs, request_id, who, _served_by([who]))
        return self._observed("servable", name, run)

    def predict_stage(self, application: str, index: int, inputs: Inputs, request_id: str,
                      timeout: float | None = None) -> Prediction:
        """Run stage `index` alone (a Sequence step); stage 0 checks the application's contract."""
        def run() -> Prediction:
            app = self.routing.application(application)
            stage = app.stage(index)
            if stage is None:
                raise NotFound(f"application '{application}' has no stage {index} (it has {len(app.stages)})")
            tensors = encode_inputs(inputs, app.contract if index == 0 else stage.contract)
            answer, who = self._stage(app.name, stage, tensors, request_id, Deadline(self._timeout(timeout)),
                                      monitored=True)
            return Prediction(answer.outputs, request_id, who, _served_by([who]))
        return self._observed("stage", f"{application}/{index}", run)

    def check_application_inputs(self, name: str, inputs: Inputs) -> Application:
        """The application, once `inputs` satisfy its contract (for the CloudEvents ingress)."""
        app = self.routing.application(name)
        decode_inputs(inputs, app.contract)
        return app

    def _application(self, name: str, inputs: Inputs, request_id: str, timeout: float | None) -> Prediction:
        app = self.routing.application(name)
        tensors: Mapping[str, Tensor] = encode_inputs(inputs, app.contract)
        deadline = Deadline(self._timeout(timeout))
        answered: list[Servable | None] = []
        sent: bytes | None = None
        for stage in app.stages:
            answer, who = self._stage(app.name, stage, tensors, request_id, deadline, monitored=True, raw=sent)
            answered.append(who)
            tensors, sent = answer.outputs, answer.raw  # the response bytes are the next request's
        return Prediction(tensors, request_id, answered[-1] if answered else None, _served_by(answered))

    def _stage(self, application: str | None, stage: Stage, tensors: Mapping[str, Tensor], request_id: str,
               deadline: Deadline, monitored: bool, raw: bytes | None = None) -> tuple[Answer, Servable | None]:
        """One stage call; `raw` is `tensors` already serialized as a `PredictRequest`, when known."""
        where = stage.describe(application)
        if monitored and stage.shadows and self.mirror is not None:
            self.mirror.mirror(application, stage, tensors, request_id)
        timeout = deadline.remaining(where)  # an expired deadline sends (and records) nothing
        started = time.perf_counter()
        try:
            answer = self.upstream.predict(stage.grpc_target, raw or tensors, request_id=request_id,
                                           timeout=timeout, where=where)
        except GatewayError as exc:
            record = InferenceRecord(request_id, application, stage.index, stage.answered_by(None, None), tensors,
                                     None, _ms(started), error=(exc.code, exc.message))
            self._report(record, monitored)
            raise
        who = stage.answered_by(answer.model, answer.version)
        record = InferenceRecord(request_id, application, stage.index, who, tensors, answer.outputs, _ms(started),
                                 model=answer.model, version=answer.version, request_bytes=answer.request or None,
                                 response_bytes=answer.raw or None)
        self._report(record, monitored)
        return answer, who

    def _report(self, record: InferenceRecord, monitored: bool) -> None:
        if self.observer is not None:
            self.observer.stage_done(record.application or "", record.stage, record.model_name or "",
                                     "" if record.model_version is None else str(record.model_version),
                                     record.latency_ms / 1000, record.error[0] if record.error else None)
        if monitored and self.monitor is not None:
            self.monitor.record(record)

    def _observed(self, kind: str, name: str, run: Callable[[], T]) -> T:
        started = time.perf_counter()
        code: str | None = None
        try:
            return run()
        except GatewayError as exc:
            code = exc.code
            if isinstance(exc, NotFound):
                name = "(unknown)"  # a label per mistyped name would grow the metrics without bound
            raise
        finally:
            if self.observer is not None:
                self.observer.request_done(kind, name, time.perf_counter() - started, code)

    def _timeout(self, requested: float | None) -> float:
        return self.timeout_seconds if requested is None else min(requested, self.timeout_seconds)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def output_arrays(outputs: Mapping[str, Tensor], where: str = "the model") -> dict[str, np.ndarray]:
    """Response Tensors as arrays; a malformed answer is the model's fault (502), not the client's."""
    try:
        return codec.tensors_to_arrays(outputs)
    except InvalidInput as exc:
        raise UpstreamFailed(f"{where} answered outputs that cannot be decoded: {exc}") from None


def outputs_json(outputs: Mapping[str, Tensor], where: str = "the model") -> dict[str, Any]:
    """Response Tensors as Hydrosphere JSON (`protos.codec.arrays_to_json`)."""
    return codec.arrays_to_json(output_arrays(outputs, where))


def _served_by(servables: list[Servable | None]) -> tuple[str, ...]:
    return tuple(s.label if s is not None else "?" for s in servables)
