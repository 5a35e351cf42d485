"""The drift report: one result per feature and a verdict for the data set, JSON-able."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from functions.stats.config import DriftConfig
from functions.stats.errors import BadProfile
from functions.stats.profile import finite
from functions.stats.significance import TestResult


@dataclass(frozen=True)
class FeatureDrift:
    """The comparison of one feature. `status` is `tested` or `skipped` (then `reason` says why).

    `test` is `ks` (numerical) or `chi2` (categorical); the decision uses its corrected p-value and,
    in the `large` regime, the effect sizes against `thresholds`. `histogram` holds the two
    sides' counts in shared bins: numerical `edges` (counts[0] is below edges[0], counts[-1] above
    edges[-1]) or categorical `categories` plus an `other` count per side.
    """

    feature: str
    kind: str
    status: str
    reason: str | None = None
    training_count: int = 0
    production_count: int = 0
    test: str | None = None
    statistic: float | None = None
    p_value: float | None = None
    corrected_p_value: float | None = None
    regime: str | None = None
    effect_sizes: Mapping[str, float | None] = field(default_factory=dict)
    thresholds: Mapping[str, float] = field(default_factory=dict)
    exceeded: tuple[str, ...] = ()
    drifted: bool = False
    hydrosphere_tests: Mapping[str, TestResult] = field(default_factory=dict)
    histogram: Mapping[str, Any] = field(default_factory=dict)

    @property
    def tested(self) -> bool:
        return self.status == "tested"

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "kind": self.kind,
            "status": self.status,
            "reason": self.reason,
            "training_count": self.training_count,
            "production_count": self.production_count,
            "test": self.test,
            "statistic": finite(self.statistic),
            "p_value": finite(self.p_value),
            "corrected_p_value": finite(self.corrected_p_value),
            "regime": self.regime,
            "effect_sizes": {name: finite(value) for name, value in self.effect_sizes.items()},
            "thresholds": dict(self.thresholds),
            "exceeded": list(self.exceeded),
            "drifted": self.drifted,
            "hydrosphere_tests": {name: result.to_dict() for name, result in self.hydrosphere_tests.items()},
            "histogram": dict(self.histogram),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureDrift:
        try:
            values = dict(data)
            values["exceeded"] = tuple(values.get("exceeded", ()))
            values["hydrosphere_tests"] = {name: TestResult.from_dict(result)
                                           for name, result in values.get("hydrosphere_tests", {}).items()}
            return cls(**values)
        except (TypeError, AttributeError) as exc:
            raise BadProfile("report.features", f"malformed feature result: {exc}") from None


@dataclass(frozen=True)
class DriftReport:
    """Per-feature results and the data-set verdict: drifted when the share of drifted features
    among the tested ones reaches `config.share_threshold`."""

    features: tuple[FeatureDrift, ...]
    config: DriftConfig

    @property
    def tested(self) -> tuple[FeatureDrift, ...]:
        return tuple(f for f in self.features if f.tested)

    @property
    def drifted_features(self) -> tuple[str, ...]:
        return tuple(f.feature for f in self.features if f.drifted)

    @property
    def share(self) -> float:
        return len(self.drifted_features) / len(self.tested) if self.tested else 0.0

    @property
    def drifted(self) -> bool:
        return bool(self.tested) and self.share >= self.config.share_threshold

    @property
    def skipped_reasons(self) -> dict[str, int]:
        return dict(Counter(f.reason or "" for f in self.features if not f.tested))

    def feature(self, name: str) -> FeatureDrift:
        return next(f for f in self.features if f.feature == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "drifted": self.drifted,
            "share": self.share,
            "share_threshold": self.config.share_threshold,
            "tested": len(self.tested),
            "skipped": len(self.features) - len(self.tested),
            "skipped_reasons": self.skipped_reasons,
            "drifted_features": list(self.drifted_features),
            "config": self.config.to_dict(),
            "features": [f.to_dict() for f in self.features],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DriftReport:
        """Rebuild a stored report (the derived counts and verdict are recomputed)."""
        if not isinstance(data, Mapping) or not isinstance(data.get("features"), list):
            raise BadProfile("report", "expected a mapping with a list of features")
        features = tuple(FeatureDrift.from_dict(f) for f in data["features"])
        return cls(features, DriftConfig.from_dict(data.get("config")))
