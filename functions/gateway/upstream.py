"""Calls to the model runtimes: `hydrosphere.serving.runtime.PredictionService/Predict`.

Channels are cached per target (`host:port`). With an override address (`HYDRO_GATEWAY_UPSTREAM`,
the local engine's activator) every target is dialled there over one shared channel, and each
call carries `hydro-target: <the target's host>` so the activator can route it, as Knative's
ingress routes by Host (grpc-python servers cannot read `:authority`).

With `endpoints` (`functions.gateway.endpoints.DirectEndpoints`, the local engine's published
workers), a call whose target host has a ready worker dials that worker directly, skipping the
activator hop; a call refused at connection time (the worker just went away: nothing was sent)
goes to the activator instead.
A worker's channel is closed once the engine no longer publishes it (the worker stopped or is
about to), as soon as the calls in flight on it have ended.

Requests and responses cross the wire as bytes serialized once: `Answer.raw` is the response as
received, which is also the next stage's request (`PredictResponse.outputs` and
`PredictRequest.inputs` are the same field) and what the inference event stores.

A runtime names itself in its initial metadata (`hydro-model`, `hydro-model-version`): behind a
weighted stage Route that is how the gateway learns which variant answered.

Errors map onto the gateway's hierarchy: INVALID_ARGUMENT -> `InvalidRequest` (naming the field
when the runtime did), UNAVAILABLE -> `UpstreamUnavailable`, DEADLINE_EXCEEDED ->
`UpstreamTimeout`, anything else -> `UpstreamFailed` naming the stage and model version. Nothing is
retried: a request that may have reached a model is never sent twice.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from functions.gateway.endpoints import REVISION_METADATA, DirectEndpoints, Pick
from functions.gateway.errors import (
    GatewayError,
    InvalidRequest,
    UpstreamFailed,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from protos.hydrosphere.serving.contract.tensor_pb2 import Tensor
from protos.hydrosphere.serving.runtime import api_pb2

TARGET_METADATA = "hydro-target"
REQUEST_ID_METADATA = "x-request-id"
MODEL_METADATA = "hydro-model"
VERSION_METADATA = "hydro-model-version"
PREDICT_PATH = "/hydrosphere.serving.runtime.PredictionService/Predict"
_FIELD_IN_MESSAGE = re.compile(r"field '([^']+)'")


@dataclass(frozen=True)
class Answer:
    """A runtime's response outputs and the model version that says it answered."""

    outputs: Mapping[str, Tensor]
    model: str | None = None
    version: int | None = None
    raw: bytes = b""
    """The serialized `PredictResponse` as the runtime sent it."""
    request: bytes = b""
    """The serialized `PredictRequest` that was sent."""


class Upstream:
    """gRPC clients of the runtimes, one cached channel per address (see the module docstring)."""

    def __init__(self, max_message_bytes: int, override: str | None = None, *,
                 endpoints: bool = False) -> None:
        self.override = override
        self._options = [
            ("grpc.max_send_message_length", max_message_bytes),
            ("grpc.max_receive_message_length", max_message_bytes),
        ]
        self._calls: dict[str, Any] = {}
        self._channels: dict[str, grpc.Channel] = {}
        self._lock = threading.Lock()
        self._direct_in_flight: dict[str, int] = {}
        """Calls in flight per worker address dialled directly (every such address has an entry)."""
        self._retired: set[str] = set()
        """Worker addresses no longer published, whose channel closes when their last call ends."""
        self.endpoints: DirectEndpoints | None = None
        if endpoints and override is not None:
            self.endpoints = DirectEndpoints(self._channel(override), on_published=self.retire_unpublished)

    def start(self) -> None:
        if self.endpoints is not None:
            self.endpoints.start()

    def predict(self, target: str, inputs: Mapping[str, Tensor] | bytes, *, request_id: str, timeout: float,
                where: str) -> Answer:
        """Call Predict on `target` with Tensors or a serialized `PredictRequest`; `where` names
        the stage and model version(s) in errors."""
        payload = inputs if isinstance(inputs, bytes) else api_pb2.PredictRequest(inputs=inputs).SerializeToString()
        metadata: tuple[tuple[str, str], ...] = ((REQUEST_ID_METADATA, request_id),)
        address = target
        if self.override is not None:
            host = target.rpartition(":")[0]
            pick = self.endpoints.pick(host) if self.endpoints is not None else None
            if pick is not None and pick.address is not None:
                answer = self._direct(pick, payload, metadata, timeout, where)
                if answer is not None:
                    return answer
            address, metadata = self.override, (*metadata, (TARGET_METADATA, host))
            if pick is not None and pick.revision is not None:
                metadata = (*metadata, (REVISION_METADATA, pick.revision))
        try:
            raw, call = self._call(address).with_call(payload, timeout=timeout, metadata=metadata)
        except grpc.RpcError as exc:
            raise upstream_error(exc, where) from None
        return _answer(raw, payload, call)

    def _direct(self, pick: Pick, payload: bytes, metadata: tuple[tuple[str, str], ...], timeout: float,
                where: str) -> Answer | None:
        """The worker's answer; None when it refused the connection (the call was never sent)."""
        assert self.endpoints is not None and pick.worker is not None and pick.address is not None
        self.endpoints.begin(pick.worker)
        stub = self._begin_direct(pick.address)
        try:
            raw, call = stub.with_call(payload, timeout=timeout, metadata=metadata)
        except grpc.RpcError as exc:
            if _never_sent(exc):
                self.endpoints.forget(pick.worker)
                return None
            raise upstream_error(exc, where) from None
        finally:
            self._end_direct(pick.address)
            self.endpoints.end(pick.worker)
        return _answer(raw, payload, call)

    def retire_unpublished(self, published: frozenset[str]) -> None:
        """Close the channels of workers no longer in `published`, each once its calls have ended."""
        with self._lock:
            for address in [a for a in self._direct_in_flight if a not in published]:
                if self._direct_in_flight[address]:
                    self._retired.add(address)
                else:
                    self._drop(address)
            self._retired &= self._direct_in_flight.keys() - published

    def _begin_direct(self, address: str) -> Any:
        # Counted under the lock that `retire_unpublished` takes: a channel never closes under a call.
        with self._lock:
            self._direct_in_flight[address] = self._direct_in_flight.get(address, 0) + 1
            self._retired.discard(address)  # dialled again: published again (or about to be told)
            return self._call_locked(address)

    def _end_direct(self, address: str) -> None:
        with self._lock:
            left = self._direct_in_flight[address] = self._direct_in_flight[address] - 1
            if not left and address in self._retired:
                self._drop(address)

    def _drop(self, address: str) -> None:
        """Close one worker's channel; the caller holds `_lock`."""
        self._retired.discard(address)
        self._direct_in_flight.pop(address, None)
        self._calls.pop(address, None)
        channel = self._channels.pop(address, None)
        if channel is not None:
            channel.close()

    def close(self) -> None:
        if self.endpoints is not None:
            self.endpoints.stop()
        with self._lock:
            for channel in self._channels.values():
                channel.close()
            self._channels.clear()
            self._calls.clear()

    def _call(self, address: str) -> Any:
        call = self._calls.get(address)
        if call is None:
            with self._lock:
                call = self._call_locked(address)
        return call

    def _call_locked(self, address: str) -> Any:
        call = self._calls.get(address)
        if call is None:
            # No (de)serializers: bytes in, bytes out (see the module docstring).
            call = self._calls[address] = self._channel(address).unary_unary(PREDICT_PATH)
        return call

    def _channel(self, address: str) -> grpc.Channel:
        """The channel to `address`; the caller holds `_lock` or is the constructor."""
        channel = self._channels.get(address)
        if channel is None:
            channel = self._channels[address] = grpc.insecure_channel(address, options=self._options)
        return channel


def _answer(raw: bytes, payload: bytes, call: Any) -> Answer:
    try:
        outputs = api_pb2.PredictResponse.FromString(raw).outputs
    except DecodeError as exc:
        raise UpstreamFailed(f"the model's answer is not a PredictResponse: {exc}") from None
    model, version = _identity(call.initial_metadata() or ())
    return Answer(outputs, model, version, raw, payload)


def _never_sent(exc: grpc.RpcError) -> bool:
    """A connection refused before the call went out: safe to send elsewhere."""
    if not isinstance(exc, grpc.Call) or exc.code() != grpc.StatusCode.UNAVAILABLE:
        return False
    details = (exc.details() or "").lower()
    return "failed to connect" in details or "connection refused" in details


def upstream_error(exc: grpc.RpcError, where: str) -> GatewayError:
    """The gateway error for a failed upstream call (see the module docstring)."""
    code = exc.code() if isinstance(exc, grpc.Call) else grpc.StatusCode.UNKNOWN
    details = (exc.details() if isinstance(exc, grpc.Call) else None) or str(exc)
    error = _classify(code, details, where)
    error.upstream_code = code.name
    return error


def _classify(code: grpc.StatusCode, details: str, where: str) -> GatewayError:
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        found = _FIELD_IN_MESSAGE.search(details)
        return InvalidRequest(f"{where} rejected the request: {details}", field=found.group(1) if found else None)
    if code == grpc.StatusCode.UNAVAILABLE:
        return UpstreamUnavailable(f"{where} is unavailable: {details}")
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return UpstreamTimeout(f"{where} did not answer before the request deadline: {details}")
    return UpstreamFailed(f"{where} failed with {code.name}: {details}")


def _identity(metadata: Any) -> tuple[str | None, int | None]:
    values = {key: value for key, value in metadata}
    version = values.get(VERSION_METADATA)
    model = values.get(MODEL_METADATA)
    return (model if isinstance(model, str) else None,
            int(version) if isinstance(version, str) and version.isdigit() else None)
