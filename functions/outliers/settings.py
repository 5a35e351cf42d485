"""Training settings: plain values with defaults, checked once when built."""

from __future__ import annotations

from dataclasses import dataclass

from functions.outliers.errors import BadSettings


@dataclass(frozen=True)
class TrainingSettings:
    """How the detector is trained and chosen. The defaults suit most tabular training sets."""

    contamination: float = 0.03
    """Expected share of outliers in the training data: the threshold flags this share."""
    max_rows: int = 100_000
    """At most this many CSV rows are kept (uniform reservoir sample of the whole file)."""
    top_categories: int = 20
    """Per categorical column, the most frequent values kept; the rest share one 'other' value."""
    seed: int = 0
    n_estimators: int = 100
    n_neighbors: int = 20
    lof_max_rows: int = 20_000
    """LOF keeps its training rows for serving; beyond this, it fits on a seeded subsample."""
    min_rows: int = 20
    criterion_train_rows: int = 4_000
    criterion_test_rows: int = 2_000
    volume_points: int = 10_000
    """Monte-Carlo points for the mass-volume criterion's volume estimate."""
    max_volume_features: int = 8
    """Above this many columns the criterion averages over random column subsets (Goix 2016)."""
    subset_features: int = 5
    feature_subsets: int = 5
    alpha_min: float = 0.9
    alpha_max: float = 0.999
    alpha_steps: int = 100

    def __post_init__(self) -> None:
        if not 0.0 < self.contamination <= 0.5:
            raise BadSettings(f"contamination: must be in (0, 0.5], got {self.contamination}")
        if not 0.0 < self.alpha_min < self.alpha_max < 1.0:
            raise BadSettings(f"alpha_min, alpha_max: need 0 < min < max < 1, got {self.alpha_min}, {self.alpha_max}")
        if self.subset_features > self.max_volume_features:
            raise BadSettings("subset_features: must not exceed max_volume_features")
        for name in ("max_rows", "top_categories", "n_estimators", "n_neighbors", "lof_max_rows",
                     "criterion_train_rows", "criterion_test_rows", "volume_points", "max_volume_features",
                     "subset_features", "feature_subsets", "alpha_steps"):
            if getattr(self, name) < 1:
                raise BadSettings(f"{name}: must be at least 1, got {getattr(self, name)}")
        if self.min_rows < 10:
            raise BadSettings(f"min_rows: must be at least 10, got {self.min_rows}")
