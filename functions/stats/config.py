"""Drift settings: plain values with defaults, checked once, loaded from a model's configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from functions.stats.errors import BadConfig

CORRECTIONS = ("holm", "bh")


@dataclass(frozen=True)
class DriftConfig:
    """How a drift report decides. The defaults suit tabular data compared in batches."""

    alpha: float = 0.05
    """Significance level for the corrected p-values."""
    correction: str = "holm"
    """Multiple-testing correction over the tested features: `holm` (family-wise error, the
    safe default) or `bh` (Benjamini-Hochberg false discovery rate, more sensitive)."""
    small_sample_limit: int = 1000
    """Below this effective sample size n*m/(n+m) (about the production count when training is
    much larger) the corrected p-value alone decides; at or above it a feature is drifted only when
    an effect size also exceeds its threshold, because with many rows tiny, harmless shifts become
    significant."""
    wasserstein_threshold: float = 0.1
    """Wasserstein-1 distance in units of the training standard deviation."""
    js_threshold: float = 0.1
    """Jensen-Shannon distance (base 2, 0..1) over the shared bins or categories."""
    psi_threshold: float = 0.2
    """Population stability index over the shared bins or categories (0.2 is the usual 'major shift')."""
    share_threshold: float = 0.5
    """The data set is drifted when at least this share of tested features is."""
    bins: int = 10
    """Equal-frequency bins to derive when the training profile has no reference bins."""

    def __post_init__(self) -> None:
        _check_range("alpha", self.alpha, 0.0, 1.0, open_low=True, open_high=True)
        if self.correction not in CORRECTIONS:
            raise BadConfig("correction", f"must be one of {', '.join(CORRECTIONS)}, got {self.correction!r}")
        if self.small_sample_limit < 1:
            raise BadConfig("small_sample_limit", f"must be at least 1, got {self.small_sample_limit}")
        for key in ("wasserstein_threshold", "js_threshold", "psi_threshold"):
            _check_range(key, getattr(self, key), 0.0, float("inf"), open_low=True, open_high=True)
        _check_range("share_threshold", self.share_threshold, 0.0, 1.0, open_low=True, open_high=False)
        if not 1 <= self.bins <= 1000:
            raise BadConfig("bins", f"must be between 1 and 1000, got {self.bins}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> DriftConfig:
        """Parse a per-model configuration; absent keys keep their defaults."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise BadConfig("drift", f"must be a mapping, got {type(data).__name__}")
        types = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in types:
                raise BadConfig(str(key), f"unknown key; allowed: {', '.join(types)}")
            values[key] = _typed(key, value, str(types[key]))
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _typed(key: str, value: Any, kind: str) -> Any:
    if kind == "str":
        if isinstance(value, str):
            return value
    elif isinstance(value, bool):
        pass
    elif kind == "int" and isinstance(value, int):
        return value
    elif kind == "float" and isinstance(value, int | float):
        return float(value)
    raise BadConfig(key, f"must be a{'n' if kind == 'int' else ''} {kind}, got {value!r}")


def _check_range(key: str, value: float, low: float, high: float, *, open_low: bool, open_high: bool) -> None:
    above = value > low if open_low else value >= low
    below = value < high if open_high else value <= high
    if not (above and below):
        left, right = "(" if open_low else "[", ")" if open_high else "]"
        raise BadConfig(key, f"must be in {left}{low}, {high}{right}, got {value}")
