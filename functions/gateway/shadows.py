"""Shadow variants (weight 0): the stage's request mirrored to each, on a bounded background pool.

A shadow never delays or changes the answer: mirroring only submits work, and when the pool's
queue is full the mirror is skipped (and logged) rather than waited for. Each shadow call is
recorded as an `inference.completed` event with `shadow: true`; its failure is only logged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from functions.gateway.errors import GatewayError
from functions.gateway.monitoring import InferenceRecord, Monitor
from functions.gateway.routing import Servable, Stage
from functions.gateway.upstream import Upstream
from protos.hydrosphere.serving.contract.tensor_pb2 import Tensor
from protos.hydrosphere.serving.runtime import api_pb2

logger = logging.getLogger(__name__)


class ShadowMirror:
    """Mirrors stage requests to shadows; at most `max_pending` calls queued or running."""

    def __init__(self, upstream: Upstream, monitor: Monitor, *, timeout: float, workers: int = 4,
                 max_pending: int = 256) -> None:
        self.upstream = upstream
        self.monitor = monitor
        self.timeout = timeout
        self.max_pending = max_pending
        self.skipped = 0
        self._slots = threading.BoundedSemaphore(max_pending)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="shadow")

    def mirror(self, application: str | None, stage: Stage, request: Mapping[str, Tensor], request_id: str) -> None:
        """Submit one call per shadow of `stage`; returns at once."""
        for shadow in stage.shadows:
            if not self._slots.acquire(blocking=False):
                self.skipped += 1
                logger.warning("shadow %s of stage %d skipped: %d mirrors already pending",
                               shadow.label, stage.index, self.max_pending)
                continue
            # A copy the shadow's thread owns: protobuf messages are not safe to share across threads.
            snapshot = api_pb2.PredictRequest(inputs=request).inputs
            try:
                self._pool.submit(self._call, application, stage.index, shadow, snapshot, request_id)
            except RuntimeError:  # the pool is shut down: the process is stopping
                self._slots.release()

    def close(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)

    def _call(self, application: str | None, index: int, shadow: Servable, request: Mapping[str, Tensor],
              request_id: str) -> None:
        where = f"shadow {shadow.label} of stage {index}" + (f" of application '{application}'" if application else "")
        started = time.perf_counter()
        record = InferenceRecord(request_id, application, index, shadow, request, None, 0.0, shadow=True)
        try:
            answer = self.upstream.predict(shadow.grpc_target, request, request_id=request_id,
                                           timeout=self.timeout, where=where)
            record = _finished(record, started, response=answer.outputs)
        except GatewayError as exc:
            logger.warning("%s", exc)
            record = _finished(record, started, error=(exc.code, exc.message))
        except Exception as exc:  # a shadow must never take anything down with it
            logger.exception("%s failed unexpectedly", where)
            record = _finished(record, started, error=("INTERNAL", f"{type(exc).__name__}: {exc}"))
        finally:
            self._slots.release()
        self.monitor.record(record)


def _finished(record: InferenceRecord, started: float, *, response: Mapping[str, Tensor] | None = None,
              error: tuple[str, str] | None = None) -> InferenceRecord:
    return replace(record, response=response, error=error, latency_ms=(time.perf_counter() - started) * 1000)
