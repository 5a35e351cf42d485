"""Projected requests as the API returns them: id, place on the map, answer and metric results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from functions.interpretability.errors import InvalidArgument


@dataclass(frozen=True)
class ProjectionPoint:
    request_id: str
    x: float
    y: float
    prediction: Any = None
    outlier: bool | None = None
    metrics: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "requestId": self.request_id,
            "x": self.x,
            "y": self.y,
            "prediction": self.prediction,
            "outlier": self.outlier,
            "metrics": self.metrics,
        }


def projection_points(
    coords: np.ndarray,
    request_ids: Sequence[str],
    predictions: Sequence[Any] | None = None,
    outliers: Sequence[bool | None] | None = None,
    metrics: Mapping[str, Sequence[float]] | None = None,
) -> list[ProjectionPoint]:
    """One point per row of `coords`; every given sequence must have one entry per row."""
    coords = np.asarray(coords, dtype=float)
    if coords.ndim != 2 or coords.shape[1] != 2:
        raise InvalidArgument("coords", f"must be an (n, 2) array, got shape {coords.shape}")
    n = coords.shape[0]
    given: dict[str, Sequence[Any]] = {"request_ids": request_ids}
    given |= {"predictions": predictions} if predictions is not None else {}
    given |= {"outliers": outliers} if outliers is not None else {}
    given |= {f"metrics.{name}": values for name, values in (metrics or {}).items()}
    for name, values in given.items():
        if len(values) != n:
            raise InvalidArgument(name, f"has {len(values)} entries for {n} points")
    return [
        ProjectionPoint(
            request_id=str(request_ids[i]),
            x=float(coords[i, 0]),
            y=float(coords[i, 1]),
            prediction=_plain(predictions[i]) if predictions is not None else None,
            outlier=None if outliers is None or outliers[i] is None else bool(outliers[i]),
            metrics={name: float(values[i]) for name, values in (metrics or {}).items()},
        )
        for i in range(n)
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value.item() if isinstance(value, np.generic) else value
