"""Reaching the model: a batched `predict` callable, called in bounded chunks and counted.

The caller supplies `predict(batch) -> outputs` where every input array has a leading batch
dimension (in production an adapter turns it into gRPC calls to the model's Service). Methods here
build their perturbations in bulk and hand them over in chunks of at most `max_rows` rows, so the
number of calls stays low; `calls` and `rows` are reported with each result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from functions.interpretability.errors import InterpretabilityError, InvalidArgument, ModelCallError

Predict = Callable[[dict[str, np.ndarray]], Mapping[str, np.ndarray]]


class ModelClient:
    """Calls `predict` in chunks and returns one output field as a single array."""

    def __init__(self, predict: Predict, output_field: str, max_rows: int) -> None:
        if not callable(predict):
            raise InvalidArgument("predict", f"must be callable, got {type(predict).__name__}")
        if not isinstance(output_field, str) or not output_field:
            raise InvalidArgument("output_field", f"must be a non-empty string, got {output_field!r}")
        self._predict = predict
        self.output_field = output_field
        self.max_rows = max_rows
        self.calls = 0
        self.rows = 0

    def __call__(self, batch: Mapping[str, np.ndarray]) -> np.ndarray:
        """The output field for every row of `batch`, in order (leading dimension = rows)."""
        total = len(next(iter(batch.values())))
        parts = []
        for start in range(0, total, self.max_rows):
            chunk = {name: column[start : start + self.max_rows] for name, column in batch.items()}
            parts.append(self._call(chunk, min(self.max_rows, total - start)))
        return np.concatenate(parts) if parts else np.empty(0)

    def _call(self, chunk: dict[str, np.ndarray], rows: int) -> np.ndarray:
        self.calls += 1
        self.rows += rows
        try:
            outputs = self._predict(chunk)
        except InterpretabilityError:
            raise
        except Exception as exc:
            raise ModelCallError(f"model call with {rows} rows failed: {type(exc).__name__}: {exc}") from exc
        if not isinstance(outputs, Mapping) or self.output_field not in outputs:
            got = sorted(outputs) if isinstance(outputs, Mapping) else type(outputs).__name__
            raise ModelCallError(f"output '{self.output_field}' is missing from the model's answer (got {got})")
        value = np.asarray(outputs[self.output_field])
        if value.ndim == 0 or value.shape[0] != rows:
            raise ModelCallError(
                f"output '{self.output_field}' has shape {value.shape}; expected a leading dimension of {rows} rows"
            )
        return value
