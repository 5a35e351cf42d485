"""A projection request's optional JSON body, validated once; errors name the key.

`n_neighbors`, `min_dist`, `metric`, `n_epochs`, `max_fit_rows` (UMAP's settings, see
`functions.interpretability.ProjectionConfig`), `max_points` (production requests placed on the
map, newest first, default 5000) and `refit` (fit the map again even when a stored one has the
same settings).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from functions.explainer.errors import BadRequest
from functions.interpretability import InvalidArgument, ProjectionConfig

FIT_KEYS = ("n_neighbors", "min_dist", "metric", "n_epochs", "max_fit_rows")
KEYS = (*FIT_KEYS, "max_points", "refit")
MAX_POINTS = 10_000
DEFAULT_POINTS = 5000


@dataclass(frozen=True)
class ProjectionRequest:
    fit: dict[str, Any] = field(default_factory=dict)
    max_points: int = DEFAULT_POINTS
    refit: bool = False

    @property
    def projection_config(self) -> ProjectionConfig:
        return ProjectionConfig.from_dict(self.fit)

    def to_json(self) -> dict[str, Any]:
        return {**self.fit, "max_points": self.max_points, "refit": self.refit}

    @classmethod
    def from_json(cls, body: Any, ignore: tuple[str, ...] = ()) -> ProjectionRequest:
        """From the body (None or {} for the defaults); keys in `ignore` are skipped."""
        if body is None:
            return cls()
        if not isinstance(body, Mapping):
            raise BadRequest(f"body: expected a JSON object of projection settings, got {body!r}", "body")
        body = {key: value for key, value in body.items() if key not in ignore}
        unknown = sorted(str(key) for key in body if key not in KEYS)
        if unknown:
            raise BadRequest(f"{unknown[0]}: unknown key; allowed: {', '.join(KEYS)}", unknown[0])
        fit = {key: body[key] for key in FIT_KEYS if key in body}
        try:
            ProjectionConfig.from_dict(fit)
        except InvalidArgument as error:
            key = error.field.removeprefix("config.")
            raise BadRequest(f"{key}: {error.problem}", key) from None
        return cls(fit, _points(body.get("max_points", DEFAULT_POINTS)), _flag(body.get("refit", False)))


def _points(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_POINTS:
        raise BadRequest(f"max_points: must be an integer from 1 to {MAX_POINTS}, got {value!r}", "max_points")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise BadRequest(f"refit: must be true or false, got {value!r}", "refit")
    return value
