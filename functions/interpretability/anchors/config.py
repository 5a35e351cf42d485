"""Settings of one anchor explanation (defaults follow the Anchors paper, Ribeiro et al. 2018)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from functions.interpretability.config import config_from_dict, require


@dataclass(frozen=True)
class AnchorConfig:
    """How hard to search and what counts as the same prediction.

    threshold/delta/epsilon: an anchor is accepted when its estimated precision is at least
    `threshold` and its KL lower confidence bound (confidence 1 - delta) is above
    `threshold - epsilon`; epsilon is also the KL-LUCB stopping gap when ranking candidates.
    `task` "auto" reads a float scalar output as regression, anything else as classification
    ("classification" on a float scalar reads it as a probability: the class is p >= 0.5);
    for regression a prediction "holds" within `tolerance` of the instance's (default:
    `tolerance_fraction` x the std of the model's answers on training rows).
    `max_model_rows` is the budget of perturbations scored by the model; `max_rows_per_call`
    bounds one model call.
    """

    threshold: float = 0.95
    delta: float = 0.1
    epsilon: float = 0.15
    beam_size: int = 2
    max_anchor_size: int | None = None
    quantiles: tuple[float, ...] = (0.25, 0.5, 0.75)
    batch_size: int = 100
    initial_samples: int = 100
    max_model_rows: int = 50_000
    max_rows_per_call: int = 1000
    coverage_samples: int = 10_000
    n_examples: int = 5
    task: Literal["auto", "classification", "regression"] = "auto"
    tolerance: float | None = None
    tolerance_fraction: float = 0.1
    seed: int = 0

    def __post_init__(self) -> None:
        require(0 < self.threshold <= 1, "threshold", f"must be in (0, 1], got {self.threshold}")
        require(0 < self.delta < 1, "delta", f"must be in (0, 1), got {self.delta}")
        require(0 <= self.epsilon < 1, "epsilon", f"must be in [0, 1), got {self.epsilon}")
        require(self.beam_size >= 1, "beam_size", f"must be at least 1, got {self.beam_size}")
        size = self.max_anchor_size
        require(size is None or size >= 1, "max_anchor_size", f"must be at least 1, got {size}")
        require(len(self.quantiles) >= 1, "quantiles", "needs at least one quantile")
        require(all(0 < q < 1 for q in self.quantiles), "quantiles", f"must be in (0, 1), got {self.quantiles}")
        for key in ("batch_size", "initial_samples", "max_rows_per_call", "coverage_samples"):
            require(getattr(self, key) >= 1, key, f"must be at least 1, got {getattr(self, key)}")
        require(self.max_model_rows >= self.initial_samples, "max_model_rows", "must be at least initial_samples")
        require(self.n_examples >= 0, "n_examples", f"must not be negative, got {self.n_examples}")
        require(self.task in ("auto", "classification", "regression"), "task", f"unknown task {self.task!r}")
        require(
            self.tolerance is None or self.tolerance >= 0, "tolerance", f"must not be negative, got {self.tolerance}"
        )
        require(self.tolerance_fraction >= 0, "tolerance_fraction", "must not be negative")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> AnchorConfig:
        return config_from_dict(cls, data)
