"""Drift of production data against training data, computed from their profiles alone.

Every feature gets a deciding test (KS for numerical, chi-square for categorical); its p-values
are corrected for the number of tested features (Holm or Benjamini-Hochberg). A feature is drifted
when its corrected p-value is below alpha and, for large samples, an effect size also exceeds its
threshold. Text and image fields are compared through their parts (`review.chars`,
`review.tokens`, `review.vocabulary`; `photo.height`, ..., `photo.mean`, `photo.std`), each
counted as one feature.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping

import numpy as np

from functions.stats.categorical import CategoricalProfile
from functions.stats.categorical_drift import compare_categorical
from functions.stats.config import DriftConfig
from functions.stats.correction import correct
from functions.stats.image import ImageProfile
from functions.stats.numerical import NumericalProfile
from functions.stats.numerical_drift import compare_numerical
from functions.stats.profile import Profile
from functions.stats.report import DriftReport, FeatureDrift
from functions.stats.text import TextProfile

_EFFECTS = ("wasserstein_std", "psi", "js")


def drift_report(training: Mapping[str, Profile], production: Mapping[str, Profile],
                 config: DriftConfig | None = None) -> DriftReport:
    """Compare each field's production profile with its training profile."""
    config = config or DriftConfig()
    results = [_compare(name, left, right, config) for name, left, right in _pairs(training, production)]
    return DriftReport(tuple(_decide(results, config)), config)


def _pairs(training: Mapping[str, Profile], production: Mapping[str, Profile]
           ) -> Iterator[tuple[str, Profile | None, Profile | None]]:
    names = list(training) + [name for name in production if name not in training]
    for name in names:
        left, right = training.get(name), production.get(name)
        if isinstance(left, TextProfile | ImageProfile) and type(left) is type(right):
            assert isinstance(right, TextProfile | ImageProfile)
            right_parts = right.components()
            for part, profile in left.components().items():
                yield f"{name}.{part}", profile, right_parts[part]
        else:
            yield name, left, right


def _compare(name: str, left: Profile | None, right: Profile | None, config: DriftConfig) -> FeatureDrift:
    present = left if left is not None else right
    kind = present.kind if present is not None else "unknown"
    if left is None or right is None:
        side = "training" if left is None else "production"
        return FeatureDrift(name, kind, "skipped", f"no {side} profile")
    if type(left) is not type(right):
        return FeatureDrift(name, kind, "skipped", f"profile kinds differ: {left.kind} in training, "
                                                   f"{right.kind} in production")
    if isinstance(left, NumericalProfile) and isinstance(right, NumericalProfile):
        return compare_numerical(name, left, right, config)
    if isinstance(left, CategoricalProfile) and isinstance(right, CategoricalProfile):
        return compare_categorical(name, left, right, config)
    return FeatureDrift(name, kind, "skipped", f"no drift test for {kind} profiles")


def _decide(results: list[FeatureDrift], config: DriftConfig) -> Iterator[FeatureDrift]:
    tested = [r for r in results if r.tested and r.p_value is not None]
    corrected = iter(correct(np.array([r.p_value for r in tested]), config.correction).tolist())
    for result in results:
        if not (result.tested and result.p_value is not None):
            yield result
            continue
        adjusted = next(corrected)
        exceeded = tuple(name for name in _EFFECTS
                         if (value := result.effect_sizes.get(name)) is not None and value > result.thresholds[name])
        significant = adjusted < config.alpha
        drifted = significant and (result.regime == "small" or bool(exceeded))
        yield dataclasses.replace(result, corrected_p_value=adjusted, exceeded=exceeded, drifted=drifted)
