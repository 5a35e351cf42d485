"""The gRPC transport: Hydrosphere's `PredictionService` plus `grpc.health.v1`, and drain.

Health reports NOT_SERVING (for "" and for the PredictionService) from the moment the port opens
until the model has loaded, SERVING afterwards, and NOT_SERVING again once draining starts.
Runtime errors map to gRPC codes in `GRPC_CODES`, the only place that knows both.

Drain stops accepting calls at once and waits up to the grace period for open ones; an open
health `Watch` stream counts as one, so probes should use `Check` (as Kubernetes' gRPC probe does).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent import futures
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from protos.grpc_decode import DecodeErrorsAreInvalid
from protos.hydrosphere.serving.runtime import api_pb2, api_pb2_grpc
from protos.shutdown import wait_for_stop
from runtimes.dataplane import DataPlane
from runtimes.errors import HydroRuntimeError, ModelNotReady, SettingsError, Status
from runtimes.loader import load_model
from runtimes.settings import RuntimeSettings

logger = logging.getLogger(__name__)

SERVICE_NAME = "hydrosphere.serving.runtime.PredictionService"
GRPC_CODES: dict[Status, grpc.StatusCode] = {
    Status.INVALID_REQUEST: grpc.StatusCode.INVALID_ARGUMENT,
    Status.MODEL_FAILED: grpc.StatusCode.INTERNAL,
    Status.NOT_READY: grpc.StatusCode.UNAVAILABLE,
    Status.MISCONFIGURED: grpc.StatusCode.FAILED_PRECONDITION,
}


class PredictionServicer(api_pb2_grpc.PredictionServiceServicer):
    """Adapter from `PredictRequest` to `DataPlane.predict`; UNAVAILABLE until a model is attached."""

    def __init__(self) -> None:
        self.dataplane: DataPlane | None = None

    def Predict(self, request: api_pb2.PredictRequest, context: grpc.ServicerContext) -> Any:
        try:
            if self.dataplane is None:
                raise ModelNotReady("the model is still loading")
            outputs = self.dataplane.predict(request.inputs)
            if self.dataplane.identity:
                context.send_initial_metadata(self.dataplane.identity)
            return api_pb2.PredictResponse(outputs=outputs)
        except HydroRuntimeError as exc:
            context.abort(GRPC_CODES[exc.status], str(exc))


def server_threads(settings: RuntimeSettings, batched: bool) -> int:
    """gRPC threads: the workers, plus, when the model's calls are merged, room for a full batch
    of requests waiting on one model call (a call waits in its thread, so fewer threads would cap
    the batch below its size). No more than that: every extra thread is one more contender for the
    GIL (at concurrency 8, 68 threads instead of 4 cost a 1-row call 10-15% more CPU)."""
    return settings.workers + (settings.batching.max_rows if batched else 0)


class WorkerPool(futures.Executor):
    """The server's thread pool, resized once the model has loaded and `server_threads` is known.

    grpcio only calls `submit`. A resize swaps in a new pool; the old one finishes what it runs,
    then its threads exit.
    """

    def __init__(self, size: int) -> None:
        self._lock = threading.Lock()
        self._pool = self._new(size)
        self.size = size

    @staticmethod
    def _new(size: int) -> futures.ThreadPoolExecutor:
        return futures.ThreadPoolExecutor(max_workers=size, thread_name_prefix="predict")

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> futures.Future[Any]:
        with self._lock:  # never into a pool that a resize has just shut down
            return self._pool.submit(fn, *args, **kwargs)

    def resize(self, size: int) -> None:
        if size == self.size:
            return
        with self._lock:
            old, self._pool, self.size = self._pool, self._new(size), size
        old.shutdown(wait=False)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


class RuntimeServer:
    """The gRPC server of one runtime process: start, attach the model, drain."""

    def __init__(self, settings: RuntimeSettings) -> None:
        self.settings = settings
        size = settings.max_message_bytes
        self._pool = WorkerPool(server_threads(settings, batched=False))  # health only, until attach()
        self._server = grpc.server(
            self._pool,
            options=[("grpc.max_send_message_length", size), ("grpc.max_receive_message_length", size)],
            interceptors=[DecodeErrorsAreInvalid()],
        )
        self._servicer = PredictionServicer()
        self._health = health.HealthServicer()
        api_pb2_grpc.add_PredictionServiceServicer_to_server(self._servicer, self._server)
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
        logger.info("gRPC listening on %s:%d (health NOT_SERVING until the model loads)",
                    self.settings.host, self.port)

    def attach(self, dataplane: DataPlane) -> None:
        """Serve predictions with `dataplane` and report SERVING."""
        self._pool.resize(server_threads(self.settings, dataplane.batched))
        self._servicer.dataplane = dataplane
        self._set_health(health_pb2.HealthCheckResponse.SERVING)
        logger.info("serving %s", SERVICE_NAME)

    def drain(self, grace: float) -> None:
        """NOT_SERVING, refuse new calls, let in-flight calls finish within `grace` seconds."""
        self._health.enter_graceful_shutdown()
        logger.info("draining: up to %.1fs for in-flight calls", grace)
        self._server.stop(grace).wait()
        logger.info("stopped")

    def _set_health(self, status: int) -> None:
        for service in ("", SERVICE_NAME):
            self._health.set(service, status)


def serve(settings: RuntimeSettings, stop: threading.Event) -> int:
    """Run the runtime until `stop` is set; the process exit code (1 when the model cannot load)."""
    server = RuntimeServer(settings)
    server.start()
    try:
        dataplane = load_model(settings)
    except HydroRuntimeError as exc:
        logger.error("the model cannot be served: %s", exc)
        server.drain(0)
        return 1
    if not stop.is_set():  # a SIGTERM during a long load goes straight to the drain
        server.attach(dataplane)
    wait_for_stop(stop)
    server.drain(settings.drain_seconds)
    return 0
