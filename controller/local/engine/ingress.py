"""One call through the engine: target host -> revision -> a worker (held while one starts) -> reply.

Bytes in, bytes out: the engine never parses the protobuf messages it forwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import grpc

from controller.local.engine.errors import ServiceUnavailable
from controller.local.engine.pool import RevisionPool
from controller.local.engine.worker import Worker, describe_exit

PREDICT_PATH = "/hydrosphere.serving.runtime.PredictionService/Predict"
Metadata = Sequence[tuple[str, str | bytes]]


@dataclass(frozen=True)
class Reply:
    payload: bytes
    initial_metadata: Metadata


class UpstreamError(Exception):
    """The worker answered with a gRPC error: relayed to the caller as it is."""

    def __init__(self, code: grpc.StatusCode, details: str, initial: Metadata, trailing: Metadata) -> None:
        super().__init__(f"{code.name}: {details}")
        self.code = code
        self.details = details
        self.initial_metadata = initial
        self.trailing_metadata = trailing


SEND_ATTEMPTS = 3
"""Workers tried for one call when each turns out closed before anything was sent."""


class _NeverSent(Exception):
    """The worker's channel was closed before the call went out."""


class Ingress:
    """Routes a call to a revision's pool (via `pool_for(host, pinned revision)`) and forwards it to a worker."""

    def __init__(self, pool_for: Callable[[str, str | None], RevisionPool]) -> None:
        self._pool_for = pool_for

    def call(self, target: str, payload: bytes, metadata: Metadata, timeout: float | None,
             revision: str | None = None) -> Reply:
        """Forward one Predict call (to `revision` when it is one of the target's); the caller's
        deadline covers the wait for a worker too."""
        deadline = None if timeout is None else time.monotonic() + timeout
        pool = self._pool_for(target, revision)
        for attempt in range(SEND_ATTEMPTS):
            remaining = None if deadline is None else max(deadline - time.monotonic(), 0.001)
            worker = pool.acquire(remaining)
            try:
                return self._send(pool, worker, payload, metadata, deadline)
            except _NeverSent:
                # The worker died between being handed out and the call (its channel closed):
                # nothing reached it, so another worker may take the call.
                pool.lost(worker)
                if attempt == SEND_ATTEMPTS - 1:
                    raise ServiceUnavailable(f"service {pool.config.service}: its workers kept exiting before "
                                             "the call could be sent") from None
            finally:
                pool.release(worker)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _send(self, pool: RevisionPool, worker: Worker, payload: bytes, metadata: Metadata,
              deadline: float | None) -> Reply:
        remaining = None if deadline is None else max(deadline - time.monotonic(), 0.001)
        try:
            stub = worker.channel.unary_unary(PREDICT_PATH)
            response, call = stub.with_call(payload, metadata=tuple(metadata), timeout=remaining)
        except grpc.RpcError as exc:
            raise self._failure(pool, worker, exc) from None
        except ValueError as exc:  # grpc: "Cannot invoke RPC on closed channel!"
            raise _NeverSent() from exc
        return Reply(response, tuple(call.initial_metadata() or ()))

    @staticmethod
    def _failure(pool: RevisionPool, worker: Worker, exc: grpc.RpcError) -> Exception:
        if not isinstance(exc, grpc.Call):  # every error of a finished call is one
            return ServiceUnavailable(f"service {pool.config.service}: call failed: {exc}")
        code = exc.code()
        if code is grpc.StatusCode.UNAVAILABLE:
            exit_code = pool.lost(worker)
            if exit_code is not None:
                return ServiceUnavailable(f"worker of {pool.config.service} exited with {describe_exit(exit_code)} "
                                          "during the request; it was not completed")
        return UpstreamError(code, exc.details() or "", tuple(exc.initial_metadata() or ()),
                             tuple(exc.trailing_metadata() or ()))
