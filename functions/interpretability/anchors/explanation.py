"""`explain_anchor`: the tabular Anchors method (Ribeiro, Singh & Guestrin, AAAI 2018) over a model callable."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from functions.interpretability.anchors.config import AnchorConfig
from functions.interpretability.anchors.predicates import Predicate, instance_predicates
from functions.interpretability.anchors.sampler import PerturbationSampler, concat_columns, instance_column
from functions.interpretability.anchors.search import Arm, Evaluator, SearchResult, beam_search
from functions.interpretability.anchors.target import answers, make_target
from functions.interpretability.errors import InvalidArgument
from functions.interpretability.features import FeatureSpec, check_columns, check_features
from functions.interpretability.model import ModelClient, Predict


@dataclass(frozen=True)
class AnchorExplanation:
    """An anchor: conditions under which the model (almost) always gives the instance's answer.

    `precision` is the share of perturbations satisfying the anchor on which the model agreed
    (`precision_lower` its KL lower confidence bound), `coverage` the share of training rows
    satisfying it. `anchor_found` is False when no anchor reached the threshold; the anchor is
    then the most precise one seen and `message` says so. `covered_true` / `covered_false` are
    perturbations satisfying the anchor where the model did / did not give the target answer.
    """

    predicates: tuple[Predicate, ...]
    precision: float
    precision_lower: float
    coverage: float
    anchor_found: bool
    message: str
    task: str
    target: Any
    tolerance: float | None
    samples: int
    model_calls: int
    model_rows: int
    covered_true: tuple[dict[str, Any], ...]
    covered_false: tuple[dict[str, Any], ...]

    @property
    def text(self) -> str:
        return " AND ".join(p.text() for p in self.predicates) if self.predicates else "(any input)"

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(p.feature for p in self.predicates)

    def to_dict(self) -> dict[str, Any]:
        return {
            "anchor": self.text,
            "predicates": [p.to_dict() for p in self.predicates],
            "precision": self.precision,
            "precisionLower": self.precision_lower,
            "coverage": self.coverage,
            "anchorFound": self.anchor_found,
            "message": self.message,
            "task": self.task,
            "target": self.target,
            "tolerance": self.tolerance,
            "samples": self.samples,
            "modelCalls": self.model_calls,
            "modelRows": self.model_rows,
            "coveredTrue": list(self.covered_true),
            "coveredFalse": list(self.covered_false),
        }


def explain_anchor(
    instance: Mapping[str, Any],
    predict: Predict,
    output_field: str,
    training: Mapping[str, Any],
    features: Sequence[FeatureSpec],
    config: AnchorConfig | Mapping[str, Any] | None = None,
) -> AnchorExplanation:
    """Explain the model's answer for `instance` with an anchor; deterministic for a given `config.seed`.

    `training` holds the features' training columns (perturbations are drawn from them),
    `output_field` names the model output to explain. Raises `InvalidArgument` for unusable
    arguments and `ModelCallError` when the model fails or answers without `output_field`.
    """
    config = config if isinstance(config, AnchorConfig) else AnchorConfig.from_dict(config)
    features = check_features(features)
    columns = check_columns(training, features)
    values = _check_instance(instance, features)
    predicates = instance_predicates(values, columns, features, config.quantiles)
    rng = np.random.default_rng(config.seed)
    sampler = PerturbationSampler(columns, predicates, values, rng, config.coverage_samples)
    evaluator = Evaluator(sampler, ModelClient(predict, output_field, config.max_rows_per_call), config)
    empty = Arm((), 1.0)
    _start(evaluator, empty, values)
    return _explanation(beam_search(evaluator, empty, len(features)), predicates, evaluator)


def _check_instance(instance: Mapping[str, Any], features: Sequence[FeatureSpec]) -> dict[str, Any]:
    if not isinstance(instance, Mapping):
        raise InvalidArgument("instance", f"must map feature names to values, got {type(instance).__name__}")
    missing = [f.name for f in features if f.name not in instance]
    if missing:
        raise InvalidArgument(f"instance.{missing[0]}", "value is missing")
    return {f.name: instance[f.name] for f in features}


def _start(evaluator: Evaluator, empty: Arm, values: Mapping[str, Any]) -> None:
    """One call scores the instance (fixing the target) together with the empty anchor's samples."""
    sampler, config = evaluator.sampler, evaluator.config
    row = {name: instance_column(values[name], sampler.columns[name].dtype, 1) for name in sampler.names}
    sample = sampler.sample((), config.initial_samples)
    raw = evaluator.model(concat_columns([row, sample], sampler.names))
    answered = answers(raw, evaluator.model.output_field)
    vector = raw.ndim == 2 and raw.shape[1] > 1
    evaluator.target = make_target(
        answered[0], answered[1:], config.task, config.tolerance, config.tolerance_fraction, vector
    )
    evaluator.record([empty], config.initial_samples, sample, answered[1:])


def _explanation(result: SearchResult, predicates: Sequence[Predicate], evaluator: Evaluator) -> AnchorExplanation:
    arm, target = result.arm, evaluator.target
    assert target is not None
    return AnchorExplanation(
        predicates=tuple(predicates[i] for i in arm.anchor),
        precision=arm.mean,
        precision_lower=result.lower_bound,
        coverage=arm.coverage,
        anchor_found=result.found,
        message=_message(result, evaluator),
        task=target.task,
        target=target.value,
        tolerance=target.tolerance,
        samples=arm.n,
        model_calls=evaluator.model.calls,
        model_rows=evaluator.model.rows,
        covered_true=tuple(arm.covered_true),
        covered_false=tuple(arm.covered_false),
    )


def _message(result: SearchResult, evaluator: Evaluator) -> str:
    arm, config = result.arm, evaluator.config
    figures = f"precision {arm.mean:.3f} (lower bound {result.lower_bound:.3f}), coverage {arm.coverage:.3f}"
    if result.found and not arm.anchor:
        return f"the model gives this answer on almost all inputs ({figures}); no condition is needed"
    if result.found:
        return f"anchor with {len(arm.anchor)} condition(s): {figures}"
    why = (
        f"the budget of {config.max_model_rows} model rows was spent"
        if evaluator.exhausted()
        else "the search ran out of candidates"
    )
    return f"no anchor reached precision {config.threshold} ({why}); the most precise anchor found has {figures}"
