"""A tiny real gRPC proxy for PredictionService/Predict: forwards raw bytes and records each call.

With a table of backends it routes by the `hydro-target` metadata, as the local engine's
activator does; with one address it forwards everything there (a call counter in front of a
runtime).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from concurrent import futures
from typing import Any

import grpc

SERVICE = "hydrosphere.serving.runtime.PredictionService"
METHOD = f"/{SERVICE}/Predict"


class GrpcProxy:
    def __init__(self, backends: Mapping[str, str] | str) -> None:
        self.backends = backends
        self.calls: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._channels: dict[str, grpc.Channel] = {}
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        predict = grpc.unary_unary_rpc_method_handler(self._predict)  # no (de)serializers: raw bytes
        handler = grpc.method_handlers_generic_handler(SERVICE, {"Predict": predict})
        self._server.add_generic_rpc_handlers((handler,))
        self.port = self._server.add_insecure_port("127.0.0.1:0")
        self.address = f"127.0.0.1:{self.port}"
        self._server.start()

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.calls)

    def _backend(self, metadata: Mapping[str, str]) -> str | None:
        if isinstance(self.backends, str):
            return self.backends
        return self.backends.get(metadata.get("hydro-target", ""))

    def _predict(self, request: bytes, context: grpc.ServicerContext) -> Any:
        metadata = {key: value for key, value in context.invocation_metadata()}
        with self._lock:
            self.calls.append(metadata)
        address = self._backend(metadata)
        if address is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"no backend for hydro-target {metadata.get('hydro-target')!r}")
        with self._lock:
            channel = self._channels.get(address) or self._channels.setdefault(address, grpc.insecure_channel(address))
        forward = [(k, v) for k, v in metadata.items() if k == "x-request-id"]
        try:
            response, call = channel.unary_unary(METHOD).with_call(request, metadata=forward,
                                                                   timeout=context.time_remaining())
        except grpc.RpcError as exc:
            context.abort(exc.code(), exc.details())
        context.send_initial_metadata(call.initial_metadata())
        return response

    def close(self) -> None:
        self._server.stop(0).wait()
        for channel in self._channels.values():
            channel.close()
