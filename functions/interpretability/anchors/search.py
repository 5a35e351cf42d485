"""Beam search over anchors with KL-LUCB ranking and adaptive precision checks (Anchors paper, Alg. 2).

At each anchor size the beam's anchors are extended by one predicate; candidates that cannot beat
the best coverage found so far are dropped (adding predicates never raises coverage); KL-LUCB
keeps the `beam_size` most precise; each kept anchor is sampled until its precision is decided.
Among accepted anchors the one with the largest coverage wins. All perturbations of one step are
scored in a single (chunked) model call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from functions.interpretability.anchors.bandit import kl_lower, kl_lucb, kl_upper
from functions.interpretability.anchors.config import AnchorConfig
from functions.interpretability.anchors.sampler import Anchor, PerturbationSampler, concat_columns
from functions.interpretability.anchors.target import Target, answers
from functions.interpretability.model import ModelClient


@dataclass
class Arm:
    """One candidate anchor and what its perturbations showed so far."""

    anchor: Anchor
    coverage: float
    n: int = 0
    hits: int = 0
    covered_true: list[dict[str, Any]] = field(default_factory=list)
    covered_false: list[dict[str, Any]] = field(default_factory=list)

    @property
    def mean(self) -> float:
        return self.hits / self.n if self.n else 0.0


class Evaluator:
    """Draws perturbations for several arms and scores them with one batched model call."""

    def __init__(self, sampler: PerturbationSampler, model: ModelClient, config: AnchorConfig) -> None:
        self.sampler = sampler
        self.model = model
        self.config = config
        self.target: Target | None = None

    def exhausted(self) -> bool:
        return self.model.rows >= self.config.max_model_rows

    def pull(self, arms: Sequence[Arm], n: int) -> None:
        batches = [self.sampler.sample(arm.anchor, n) for arm in arms]
        batch = concat_columns(batches, self.sampler.names)
        self.record(arms, n, batch, answers(self.model(batch), self.model.output_field))

    def record(self, arms: Sequence[Arm], n: int, batch: dict[str, np.ndarray], answered: np.ndarray) -> None:
        assert self.target is not None, "the target is set from the instance's answer before any pull"
        hits = self.target.hits(answered)
        for position, arm in enumerate(arms):
            rows = range(position * n, (position + 1) * n)
            arm.n += n
            arm.hits += int(hits[rows.start : rows.stop].sum())
            self._examples(arm, rows, batch, answered, hits)

    def _examples(
        self, arm: Arm, rows: range, batch: dict[str, np.ndarray], answered: np.ndarray, hits: np.ndarray
    ) -> None:
        limit = self.config.n_examples
        for bucket, mask in ((arm.covered_true, hits), (arm.covered_false, ~hits)):
            need = limit - len(bucket)
            if need <= 0:
                continue
            for row in rows.start + np.flatnonzero(mask[rows.start : rows.stop])[:need]:
                inputs = {name: _plain(column[row]) for name, column in batch.items()}
                bucket.append({"inputs": inputs, "prediction": _plain(answered[row])})


@dataclass(frozen=True)
class SearchResult:
    arm: Arm
    found: bool
    lower_bound: float


def beam_search(evaluator: Evaluator, empty: Arm, n_features: int) -> SearchResult:
    """The widest-coverage accepted anchor, or the most precise one seen when none is accepted."""
    config = evaluator.config
    checker = _Checker(evaluator, n_features)
    checker.settle([empty])
    if checker.accepted(empty):
        return SearchResult(empty, True, checker.lower(empty))
    best: Arm | None = None
    beam, seen = [empty], [empty]
    for _size in range(1, (config.max_anchor_size or n_features) + 1):
        floor = best.coverage if best else -1.0
        candidates = [arm for arm in _extend(beam, n_features, evaluator.sampler) if arm.coverage > floor]
        if not candidates or evaluator.exhausted():
            break
        evaluator.pull(candidates, config.initial_samples)
        beam = _most_precise(evaluator, candidates)
        checker.settle(beam)
        seen.extend(beam)
        for arm in beam:
            if checker.accepted(arm) and arm.coverage > (best.coverage if best else -1.0):
                best = arm
        if best is not None and best.coverage >= 1.0:
            break
    if best is not None:
        return SearchResult(best, True, checker.lower(best))
    fallback = max(seen, key=lambda arm: (arm.mean, arm.coverage))
    return SearchResult(fallback, False, checker.lower(fallback))


def _most_precise(evaluator: Evaluator, candidates: list[Arm]) -> list[Arm]:
    config = evaluator.config

    def pull(indices: list[int]) -> None:
        evaluator.pull([candidates[i] for i in indices], config.batch_size)

    m = min(config.beam_size, len(candidates))
    per_round = config.max_rows_per_call // config.batch_size  # one model call per round
    keep = kl_lucb(candidates, pull, m, config.epsilon, config.delta, evaluator.exhausted, per_round)
    return [candidates[i] for i in keep]


class _Checker:
    """Decides each kept anchor: sample until its KL bound settles on one side of the threshold."""

    def __init__(self, evaluator: Evaluator, n_features: int) -> None:
        config = evaluator.config
        self.evaluator = evaluator
        self.threshold = config.threshold
        self.epsilon = config.epsilon
        # A union bound over the candidates a search can keep.
        self.beta = float(np.log((1 + (config.beam_size - 1) * n_features) / config.delta))

    def lower(self, arm: Arm) -> float:
        return float(kl_lower(np.array([arm.mean]), np.array([self.beta / max(arm.n, 1)]))[0])

    def upper(self, arm: Arm) -> float:
        return float(kl_upper(np.array([arm.mean]), np.array([self.beta / max(arm.n, 1)]))[0])

    def undecided(self, arm: Arm) -> bool:
        if arm.mean >= self.threshold:
            return self.lower(arm) < self.threshold - self.epsilon
        return self.upper(arm) >= self.threshold + self.epsilon

    def accepted(self, arm: Arm) -> bool:
        return arm.mean >= self.threshold and self.lower(arm) > self.threshold - self.epsilon

    def settle(self, arms: Sequence[Arm]) -> None:
        pending = [arm for arm in arms if self.undecided(arm)]
        while pending and not self.evaluator.exhausted():
            self.evaluator.pull(pending, self.evaluator.config.batch_size)
            pending = [arm for arm in pending if self.undecided(arm)]


def _extend(beam: Sequence[Arm], n_features: int, sampler: PerturbationSampler) -> list[Arm]:
    grown = {tuple(sorted({*arm.anchor, f})) for arm in beam for f in range(n_features) if f not in arm.anchor}
    anchors = sorted(grown)
    return [Arm(anchor, sampler.coverage(anchor)) for anchor in anchors]


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
