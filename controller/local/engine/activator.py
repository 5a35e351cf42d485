"""The activator: the engine's gRPC ingress (a generic raw-bytes Predict proxy) and its health.

Calls carry `hydro-target` (a cluster-local host, as the gateway sets it), and may carry
`hydro-revision` to pin one of that host's revisions (a gateway that drew the revision itself,
see `direct.py`); the worker's initial metadata (`hydro-model`, `hydro-model-version`) and status
come back unchanged. With a `DirectTraffic`, the same port answers the gateways' endpoint
exchanges (`/hydro.engine.Endpoints/Exchange`). Engine errors
map to gRPC codes in `GRPC_CODES`, the one place that knows both.
"""

from __future__ import annotations

import logging
from concurrent import futures
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from controller.errors import HydroError, InvalidResource, NotFound, Unavailable
from controller.local.engine.direct import EXCHANGE_PATH, DirectTraffic
from controller.local.engine.errors import DeadlineExceeded, MissingTarget
from controller.local.engine.ingress import PREDICT_PATH, Ingress, Metadata, UpstreamError
from controller.local.engine.worker import MAX_MESSAGE_BYTES

logger = logging.getLogger(__name__)

TARGET_HEADER = "hydro-target"
REVISION_HEADER = "hydro-revision"
GRPC_CODES: tuple[tuple[type[HydroError], grpc.StatusCode], ...] = (
    (NotFound, grpc.StatusCode.NOT_FOUND),
    (Unavailable, grpc.StatusCode.UNAVAILABLE),
    (DeadlineExceeded, grpc.StatusCode.DEADLINE_EXCEEDED),
    (MissingTarget, grpc.StatusCode.INVALID_ARGUMENT),
    (InvalidResource, grpc.StatusCode.INVALID_ARGUMENT),
)
_NOT_FORWARDED = ("grpc-", ":")
_NOT_FORWARDED_KEYS = {TARGET_HEADER, REVISION_HEADER, "user-agent", "content-type", "te"}


def grpc_code(error: HydroError) -> grpc.StatusCode:
    return next((code for kind, code in GRPC_CODES if isinstance(error, kind)), grpc.StatusCode.INTERNAL)


class Activator:
    """A gRPC server on a loopback port serving `PredictionService/Predict` and `grpc.health.v1`."""

    def __init__(self, ingress: Ingress, host: str, port: int, threads: int,
                 direct: DirectTraffic | None = None) -> None:
        self._ingress = ingress
        self._direct = direct
        handler = grpc.unary_unary_rpc_method_handler(self._predict)  # no (de)serializers: raw bytes
        service = grpc.method_handlers_generic_handler(PREDICT_PATH.split("/")[1], {"Predict": handler})
        handlers = [service]
        if direct is not None:
            service_name, method = EXCHANGE_PATH.strip("/").split("/")
            handlers.append(grpc.method_handlers_generic_handler(
                service_name, {method: grpc.unary_unary_rpc_method_handler(self._exchange)}))
        options = [("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                   ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)]
        self._server = grpc.server(futures.ThreadPoolExecutor(threads, thread_name_prefix="activator"),
                                   handlers=handlers, options=options)
        self._health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._server)
        self.port = self._server.add_insecure_port(f"{host}:{port}")
        self.host = host

    def start(self) -> None:
        self._server.start()
        self._health.set("", health_pb2.HealthCheckResponse.SERVING)
        logger.info("activator listening on %s:%d", self.host, self.port)

    def stop(self, grace: float) -> None:
        self._health.enter_graceful_shutdown()
        self._server.stop(grace).wait()

    def _predict(self, request: bytes, context: grpc.ServicerContext) -> Any:
        metadata = tuple(context.invocation_metadata())
        try:
            reply = self._ingress.call(_target(metadata), request, _forwarded(metadata), context.time_remaining(),
                                       revision=_value(metadata, REVISION_HEADER))
        except UpstreamError as exc:
            if exc.initial_metadata:
                context.send_initial_metadata(exc.initial_metadata)
            context.set_trailing_metadata(exc.trailing_metadata)
            context.abort(exc.code, exc.details)
        except HydroError as exc:
            context.abort(grpc_code(exc), exc.message)
        if reply.initial_metadata:
            context.send_initial_metadata(reply.initial_metadata)
        return reply.payload


    def _exchange(self, request: bytes, context: grpc.ServicerContext) -> Any:
        assert self._direct is not None
        try:
            return self._direct.exchange(request)
        except HydroError as exc:
            context.abort(grpc_code(exc), exc.message)


def _value(metadata: Metadata, wanted: str) -> str | None:
    for key, value in metadata:
        if key == wanted:
            return value.decode() if isinstance(value, bytes) else value
    return None


def _target(metadata: Metadata) -> str:
    target = _value(metadata, TARGET_HEADER)
    if target is not None:
        return target
    raise MissingTarget(f"the call has no '{TARGET_HEADER}' metadata naming the Route, tag or Service to call",
                        field=TARGET_HEADER)


def _forwarded(metadata: Metadata) -> Metadata:
    return tuple((k, v) for k, v in metadata if k not in _NOT_FORWARDED_KEYS and not k.startswith(_NOT_FORWARDED))
