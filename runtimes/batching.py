"""Adaptive batching: concurrent small requests to one model merged into one `predict` call.

Some models cost about the same per call whatever the number of rows (a 100-tree RandomForest
takes as long for 1 row as for 64): concurrent single-row requests are served several times
faster when they share a call. `Batcher` is an `Infer` (see `runtimes.dataplane`) around
`Runtime.predict`, so requests are decoded and validated before they reach it, and each caller's
outputs are checked and encoded on its own afterwards.

- One merged call runs at a time. Requests arriving meanwhile queue; when the call ends, the
  oldest queued request leads the next one, taking every queued request with the same input
  signature (names, dtypes, shape after the first dimension) up to `max_rows` rows.
- A request arriving when nothing runs is called at once, with one exception: if the previous
  call ended less than `max_delay` ago and served several requests, this is likely the first of
  those callers asking again, so it waits up to `max_delay` for as many requests as that call
  served. A lone caller never waits; with the default `max_delay` of 0 nobody does (measured on
  2 shared cores, waiting 2 ms for bursts did not raise throughput at concurrency 8).
- Each caller gets exactly its rows back. If the merged call raises, or an output cannot be split
  by rows, every member is called again alone: a bad request fails with its own error, alone.
- A request of more than `max_rows` rows, or whose inputs do not share one first dimension, is
  called alone at once.

`batching_infer` decides at load whether batching is safe for a model (see its docstring).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from itertools import accumulate
from typing import Any

import numpy as np

from protos.contract import Field
from runtimes.base import Runtime
from runtimes.dataplane import Infer
from runtimes.errors import ModelLoadError
from runtimes.settings import BatchSettings

logger = logging.getLogger(__name__)

METADATA_KEY = "hydro.batching"
_LEAD, _DONE, _ALONE = "lead", "done", "alone"
Signature = tuple[tuple[str, str, tuple[int, ...]], ...]


class _Request:
    """One caller's inputs, and how its thread learns what to do next."""

    __slots__ = ("arrived", "inputs", "outputs", "role", "rows", "signature", "woken")

    def __init__(self, inputs: dict[str, np.ndarray], rows: int, signature: Signature) -> None:
        self.inputs, self.rows, self.signature = inputs, rows, signature
        self.arrived = time.monotonic()
        self.role = ""
        self.outputs: Mapping[str, Any] = {}
        self.woken = threading.Event()

    def wake(self, role: str) -> None:
        self.role = role
        self.woken.set()


class Batcher:
    """An `Infer` merging concurrent calls of `predict` (see the module docstring)."""

    def __init__(self, predict: Infer, outputs: Sequence[str], max_rows: int, max_delay: float) -> None:
        self._predict = predict
        self._outputs = tuple(outputs)
        self._max_rows = max_rows
        self._max_delay = max_delay
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._queue: deque[_Request] = deque()
        self._running = False
        self._last_size = 0
        self._last_end = -float("inf")

    def __call__(self, inputs: dict[str, np.ndarray]) -> Mapping[str, Any]:
        shape = _signature(inputs)
        if shape is None or shape[0] > self._max_rows:
            return self._predict(inputs)
        request = _Request(inputs, *shape)
        with self._lock:
            lead = not self._running
            if lead:
                self._running = True
            else:
                self._queue.append(request)
                self._arrived.notify()
        if not lead:
            request.woken.wait()
            if request.role == _DONE:
                return request.outputs
            if request.role == _ALONE:
                return self._predict(inputs)
        return self._lead(request)

    def _lead(self, leader: _Request) -> Mapping[str, Any]:
        batch = self._gather(leader)
        try:
            return self._run(batch)
        finally:
            self._hand_over(len(batch))

    def _gather(self, leader: _Request) -> list[_Request]:
        """The leader and the compatible queued requests, after waiting for a burst to arrive."""
        with self._lock:
            now = time.monotonic()
            deadline = now + self._max_delay
            # Requests queued before the last call ended are not its callers coming back.
            waiting = sum(1 for r in (leader, *self._queue) if r.arrived < self._last_end)
            returning = self._last_size if now - self._last_end <= self._max_delay else 0
            target = min(waiting + returning, self._max_rows)
            while len(self._queue) + 1 < target and sum(r.rows for r in self._queue) + leader.rows < self._max_rows:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._arrived.wait(remaining)
            return [leader, *self._take(leader)]

    def _take(self, leader: _Request) -> list[_Request]:
        room = self._max_rows - leader.rows
        taken: list[_Request] = []
        kept: deque[_Request] = deque()
        for request in self._queue:
            if request.signature == leader.signature and request.rows <= room:
                taken.append(request)
                room -= request.rows
            else:
                kept.append(request)
        self._queue = kept
        return taken

    def _run(self, batch: list[_Request]) -> Mapping[str, Any]:
        """Call the model for `batch`, wake the members, and return the leader's outputs."""
        leader, members = batch[0], batch[1:]
        if not members:
            return self._predict(leader.inputs)
        try:
            merged = {name: np.concatenate([r.inputs[name] for r in batch]) for name in leader.inputs}
            logger.debug("one model call for %d requests", len(batch))
            parts = self._split(self._predict(merged), [r.rows for r in batch])
        except Exception as exc:  # someone's rows made the model raise: each finds out alone
            logger.debug("a merged call of %d requests raised %s; calling each alone", len(batch), exc)
            parts = None
        if parts is None:
            for member in members:
                member.wake(_ALONE)
            return self._predict(leader.inputs)
        for member, part in zip(members, parts[1:], strict=True):
            member.outputs = part
            member.wake(_DONE)
        return parts[0]

    def _split(self, outputs: Any, rows: list[int]) -> list[dict[str, np.ndarray]] | None:
        """Each request's rows of the declared outputs; None when an output is not row-shaped."""
        if not isinstance(outputs, Mapping):
            return None
        offsets = list(accumulate(rows))[:-1]
        parts: list[dict[str, np.ndarray]] = [{} for _ in rows]
        for name in self._outputs:
            value = np.asarray(outputs[name]) if name in outputs else None
            if value is None or value.ndim == 0 or len(value) != sum(rows):
                return None
            for part, piece in zip(parts, np.split(value, offsets), strict=True):
                part[name] = piece
        return parts

    def _hand_over(self, served: int) -> None:
        """Record the call that ended, and wake the oldest queued request to lead the next."""
        with self._lock:
            self._last_size, self._last_end = served, time.monotonic()
            if self._queue:
                self._queue.popleft().wake(_LEAD)
            else:
                self._running = False


def _signature(inputs: Mapping[str, np.ndarray]) -> tuple[int, Signature] | None:
    """(rows, signature) of a request that can share a call; None for one that cannot."""
    rows: int | None = None
    signature = []
    for name, array in inputs.items():
        if not isinstance(array, np.ndarray) or array.ndim == 0 or rows not in (None, len(array)):
            return None
        rows = len(array)
        # Strings of different widths concatenate into the wider one: same values, same rows.
        dtype = array.dtype.kind if array.dtype.kind in "USO" else array.dtype.str
        signature.append((name, dtype, array.shape[1:]))
    return (rows, tuple(signature)) if rows else None


def batching_infer(runtime: Runtime, metadata: Mapping[str, str], settings: BatchSettings) -> Infer:
    """`runtime.predict`, behind a `Batcher` when batching is safe for this model.

    Safe means: `HYDRO_BATCHING` is not `off`; the model's metadata `hydro.batching` is `"true"`,
    or is unset and the runtime declares its rows independent (scikit-learn does, user python
    code does not); and every input and output of the contract is a tensor with a leading -1.
    Unless the metadata asks for it, a loaded runtime whose calls are too cheap for merging to pay
    (`Runtime.batching_pays`, false for linear models) is not batched either.
    """
    reason = _why_not(runtime, metadata, settings)
    if reason is not None:
        logger.info("adaptive batching off: %s", reason)
        return runtime.predict
    logger.info("adaptive batching on: up to %d rows per call, waiting up to %g ms for a burst",
                settings.max_rows, settings.max_delay * 1000)
    outputs = [f.name for f in runtime.contract.outputs]
    return Batcher(runtime.predict, outputs, settings.max_rows, settings.max_delay)


def _why_not(runtime: Runtime, metadata: Mapping[str, str], settings: BatchSettings) -> str | None:
    if not settings.enabled:
        return "HYDRO_BATCHING is off"
    chosen = _opted(metadata)
    if chosen is False:
        return f"the model's metadata sets {METADATA_KEY} to false"
    if chosen is None and not runtime.rows_independent:
        return (f"{type(runtime).__name__} may compute rows together; "
                f"the model's metadata {METADATA_KEY}: \"true\" allows batching")
    contract = runtime.contract
    unbatched = next((f for f in (*contract.inputs, *contract.outputs) if not _leading_batch(f)), None)
    if unbatched is not None:
        return f"field '{unbatched.name}' has shape {unbatched.shape_text()}, without a leading -1"
    if chosen is None and not runtime.batching_pays:
        return f"this model's {type(runtime).__name__} calls cost too little for merging them to pay"
    return None


def _opted(metadata: Mapping[str, str]) -> bool | None:
    raw = metadata.get(METADATA_KEY)
    if raw is None:
        return None
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise ModelLoadError(f"metadata {METADATA_KEY} must be \"true\" or \"false\", got {raw!r}")
    return value == "true"


def _leading_batch(field: Field) -> bool:
    return field.dtype is not None and bool(field.shape) and (field.shape or (0,))[0] == -1
