"""The gRPC adapter: `hydrosphere.serving.gateway.GatewayService` plus `grpc.health.v1`.

Health is NOT_SERVING until a routing table has loaded, SERVING afterwards, and NOT_SERVING again
once draining starts. Errors map to gRPC codes through `errors.GRPC_CODES`. The request id comes
from the `x-request-id` metadata (or is new); the client's deadline, when shorter than the
gateway's request timeout, bounds the request.

`AuthInterceptor` guards the GatewayService (health stays open): the `authorization` metadata
(`Bearer <token>`) must hold a token with scope `predict`, else UNAUTHENTICATED / PERMISSION_DENIED;
a caller from `HYDRO_AUTH_TRUSTED_ADDRESSES` needs none (docs/api.md, Authentication). With
`HYDRO_AUTH=disabled` it is not installed at all: it would admit every call, after building a
new method handler and reading the metadata and peer of each.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from concurrent import futures
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from functions.gateway.auth import GatewayAuth
from functions.gateway.components import Components
from functions.gateway.errors import GatewayError, SettingsError
from functions.gateway.pipeline import Prediction
from functions.gateway.settings import GatewaySettings
from protos.auth import credential
from protos.grpc_decode import DecodeErrorsAreInvalid
from protos.hydrosphere.serving.gateway import api_pb2, api_pb2_grpc
from protos.hydrosphere.serving.runtime import api_pb2 as runtime_pb2
from protos.shutdown import wait_for_stop

logger = logging.getLogger(__name__)

SERVICE_NAME = "hydrosphere.serving.gateway.GatewayService"


class GatewayServicer(api_pb2_grpc.GatewayServiceServicer):
    """Thin adapter from `GatewayPredictRequest` to the core."""

    def __init__(self, parts: Components) -> None:
        self.gateway = parts.gateway

    def PredictApplication(self, request: api_pb2.GatewayPredictRequest, context: grpc.ServicerContext) -> Any:
        return _serve(context, lambda rid, timeout: self.gateway.predict_application(
            request.name, request.data, rid, timeout))

    def PredictServable(self, request: api_pb2.GatewayPredictRequest, context: grpc.ServicerContext) -> Any:
        return _serve(context, lambda rid, timeout: self.gateway.predict_servable(
            request.name, request.data, rid, timeout=timeout))

    def ShadowlessPredictServable(self, request: api_pb2.GatewayPredictRequest,
                                  context: grpc.ServicerContext) -> Any:
        return _serve(context, lambda rid, timeout: self.gateway.predict_servable(
            request.name, request.data, rid, shadowless=True, timeout=timeout))


def _serve(context: grpc.ServicerContext, call: Callable[[str, float | None], Prediction]) -> Any:
    metadata = dict(context.invocation_metadata() or ())
    rid = str(metadata.get("x-request-id") or uuid.uuid4().hex)
    try:
        prediction = call(rid, context.time_remaining())
    except GatewayError as exc:
        context.abort(exc.grpc_code, exc.message)
    context.set_trailing_metadata((("x-request-id", rid),))
    return runtime_pb2.PredictResponse(outputs=prediction.outputs)


class AuthInterceptor(grpc.ServerInterceptor):
    """Checks every GatewayService call's token before the servicer runs (see the module docstring)."""

    def __init__(self, auth: GatewayAuth) -> None:
        self.auth = auth

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        handler = continuation(details)
        if handler is None or handler.unary_unary is None or not details.method.startswith(f"/{SERVICE_NAME}/"):
            return handler
        token = credential(dict(details.invocation_metadata or ()).get("authorization"))
        inner = handler.unary_unary

        def guarded(request: Any, context: grpc.ServicerContext) -> Any:
            try:
                self.auth.check(token, peer_address(context.peer()), details.method)
            except GatewayError as exc:
                context.abort(exc.grpc_code, exc.message)
            return inner(request, context)

        return grpc.unary_unary_rpc_method_handler(guarded, request_deserializer=handler.request_deserializer,
                                                   response_serializer=handler.response_serializer)


def peer_address(peer: str | None) -> str | None:
    """The IP in a gRPC peer string (`ipv4:127.0.0.1:5000`, `ipv6:[::1]:5000`); None otherwise."""
    kind, _, rest = (peer or "").partition(":")
    if kind == "ipv4":
        return rest.rpartition(":")[0]
    if kind == "ipv6":
        return rest.rpartition(":")[0].strip("[]")
    return None


class GatewayGrpcServer:
    """The gRPC server of one gateway process: start, report health, drain."""

    def __init__(self, settings: GatewaySettings, parts: Components) -> None:
        self.settings = settings
        self.parts = parts
        size = settings.grpc_max_message_bytes
        self._server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=settings.threads, thread_name_prefix="gateway"),
            options=[("grpc.max_send_message_length", size), ("grpc.max_receive_message_length", size)],
            interceptors=[*([AuthInterceptor(parts.auth)] if parts.auth.enabled else []), DecodeErrorsAreInvalid()],
        )
        self._health = health.HealthServicer()
        api_pb2_grpc.add_GatewayServiceServicer_to_server(GatewayServicer(parts), self._server)
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._server)
        self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
        self.port = self._bind(settings.host, settings.port)

    def _bind(self, host: str, port: int) -> int:
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        try:
            bound = self._server.add_insecure_port(address)
        except RuntimeError as exc:
            raise SettingsError("PORT", f"cannot listen on {address}: {exc}") from exc
        if not bound:
            raise SettingsError("PORT", f"cannot listen on {address}")
        return int(bound)

    def start(self) -> None:
        self._server.start()
        threading.Thread(target=self._serving_when_routed, name="health", daemon=True).start()
        logger.info("hydro gateway (gRPC) listening on %s:%d", self.settings.host, self.port)

    def drain(self, grace: float) -> None:
        """NOT_SERVING, refuse new calls, let in-flight calls finish within `grace` seconds."""
        self._health.enter_graceful_shutdown()
        self._server.stop(grace).wait()

    def _serving_when_routed(self) -> None:
        self.parts.routing.wait_ready()
        self._set_health(health_pb2.HealthCheckResponse.SERVING)

    def _set_health(self, status: int) -> None:
        for service in ("", SERVICE_NAME):
            self._health.set(service, status)


def serve(settings: GatewaySettings, stop: threading.Event) -> int:
    """Serve gRPC until `stop` is set, then drain; the process exit code."""
    parts = Components(settings).start()
    try:
        server = GatewayGrpcServer(settings, parts)
    except SettingsError:
        parts.close()
        raise
    server.start()
    wait_for_stop(stop)
    logger.info("draining: up to %.1fs for in-flight calls", settings.drain_seconds)
    server.drain(settings.drain_seconds)
    parts.close()
    logger.info("stopped")
    return 0
