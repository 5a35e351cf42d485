"""Calls to the model runtimes: `hydrosphere.serving.runtime.PredictionService/Predict`.

Channels are cached per target (`host:port`). With an override address (`HYDRO_GATEWAY_UPSTREAM`,
the local engine's activator) every target is dialled there over one shared channel, and each
call carries `hydro-target: <the target's host>` so the activator can route it, as Knative's
ingress routes by Host (grpc-python servers cannot read `:authority`).

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

from functions.gateway.errors import (
    GatewayError,
    InvalidRequest,
    UpstreamFailed,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from protos.hydrosphere.serving.contract.tensor_pb2 import Tensor
from protos.hydrosphere.serving.runtime import api_pb2, api_pb2_grpc

TARGET_METADATA = "hydro-target"
REQUEST_ID_METADATA = "x-request-id"
MODEL_METADATA = "hydro-model"
VERSION_METADATA = "hydro-model-version"
_FIELD_IN_MESSAGE = re.compile(r"field '([^']+)'")


@dataclass(frozen=True)
class Answer:
    """A runtime's response outputs and the model version that says it answered."""

    outputs: Mapping[str, Tensor]
    model: str | None = None
    version: int | None = None


class Upstream:
    """gRPC clients of the runtimes, one cached channel per target (or one shared override)."""

    def __init__(self, max_message_bytes: int, override: str | None = None) -> None:
        self.override = override
        self._options = [
            ("grpc.max_send_message_length", max_message_bytes),
            ("grpc.max_receive_message_length", max_message_bytes),
        ]
        self._stubs: dict[str, Any] = {}
        self._channels: list[grpc.Channel] = []
        self._lock = threading.Lock()

    def predict(self, target: str, inputs: Mapping[str, Tensor], *, request_id: str, timeout: float,
                where: str) -> Answer:
        """Call Predict on `target`; `where` names the stage and model version(s) in errors."""
        metadata = [(REQUEST_ID_METADATA, request_id)]
        if self.override is not None:
            metadata.append((TARGET_METADATA, target.rpartition(":")[0]))
        request = api_pb2.PredictRequest(inputs=inputs)
        try:
            response, call = self._stub(target).Predict.with_call(request, timeout=timeout, metadata=metadata)
        except grpc.RpcError as exc:
            raise upstream_error(exc, where) from None
        model, version = _identity(call.initial_metadata() or ())
        return Answer(response.outputs, model, version)

    def close(self) -> None:
        with self._lock:
            for channel in self._channels:
                channel.close()
            self._channels.clear()
            self._stubs.clear()

    def _stub(self, target: str) -> Any:
        address = self.override or target
        stub = self._stubs.get(address)
        if stub is None:
            with self._lock:
                stub = self._stubs.get(address)
                if stub is None:
                    channel = grpc.insecure_channel(address, options=self._options)
                    self._channels.append(channel)
                    stub = self._stubs[address] = api_pb2_grpc.PredictionServiceStub(channel)
        return stub


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
