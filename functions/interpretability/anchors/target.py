"""What "the same prediction" means: the instance's class, or a band around its regression value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from functions.interpretability.errors import InvalidArgument, ModelCallError


def answers(outputs: np.ndarray, field: str) -> np.ndarray:
    """One answer per row: the value of a scalar output, the argmax of a probability/one-hot vector."""
    if outputs.ndim == 2 and outputs.shape[1] == 1:
        return outputs[:, 0]
    if outputs.ndim == 1:
        return outputs
    if outputs.ndim == 2 and outputs.dtype.kind in "biuf":
        return np.argmax(outputs, axis=1)
    raise ModelCallError(
        f"output '{field}' has shape {outputs.shape[1:]} per row; anchors need a scalar or a vector of class scores"
    )


@dataclass(frozen=True)
class Target:
    """`value` is the instance's class or regression value. `binary` marks a classification read
    from a single probability per row: the class is then whether it is at least 0.5."""

    task: str
    value: Any
    tolerance: float | None = None
    binary: bool = False

    def hits(self, answered: np.ndarray) -> np.ndarray:
        if self.task == "regression":
            return np.abs(answered.astype(float) - float(self.value)) <= float(self.tolerance or 0.0)
        if self.binary:
            return (answered.astype(float) >= 0.5) == self.value
        return np.asarray(np.asarray(answered, dtype=object) == self.value, dtype=bool)


def make_target(
    instance_answer: Any,
    reference: np.ndarray,
    task: str,
    tolerance: float | None,
    fraction: float,
    vector_output: bool,
) -> Target:
    """The target for the instance's answer; `reference` are the model's answers on training rows."""
    if task == "auto":
        is_float = isinstance(instance_answer, float | np.floating)
        task = "regression" if is_float and not vector_output else "classification"
    if task == "classification":
        if isinstance(instance_answer, float | np.floating) and not vector_output:
            if not 0.0 <= instance_answer <= 1.0:
                raise InvalidArgument(
                    "config.task", f"a float output read as a class must be a probability, got {instance_answer}"
                )
            return Target("classification", bool(instance_answer >= 0.5), binary=True)
        return Target("classification", _plain(instance_answer))
    if vector_output:
        raise InvalidArgument("config.task", "regression needs a scalar output, the model answers with a vector")
    try:
        value = float(instance_answer)
    except (TypeError, ValueError):
        raise InvalidArgument("config.task", f"regression needs a numeric output, got {instance_answer!r}") from None
    if tolerance is None:
        tolerance = fraction * float(np.std(reference.astype(float))) if reference.size else 0.0
    return Target("regression", value, float(tolerance))


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
