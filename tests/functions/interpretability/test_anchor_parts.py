"""The pieces of the anchor search: KL bounds, KL-LUCB, predicates and the perturbation sampler."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from functions.interpretability.anchors.bandit import kl_bernoulli, kl_lower, kl_lucb, kl_upper
from functions.interpretability.anchors.predicates import Predicate, instance_predicates
from functions.interpretability.anchors.sampler import PerturbationSampler
from functions.interpretability.features import FeatureSpec


@pytest.mark.parametrize("mean", [0.0, 0.3, 0.5, 0.9, 1.0])
def test_kl_bounds_bracket_the_mean_at_the_requested_divergence(mean):
    level = np.array([0.05])
    upper = kl_upper(np.array([mean]), level)[0]
    lower = kl_lower(np.array([mean]), level)[0]

    assert lower <= mean <= upper
    if mean < 1:
        assert kl_bernoulli(np.array(mean), np.array(upper)) == pytest.approx(0.05, abs=1e-6)
    if mean > 0:
        assert kl_bernoulli(np.array(mean), np.array(lower)) == pytest.approx(0.05, abs=1e-6)


def test_kl_bounds_narrow_with_more_samples():
    widths = [kl_upper(np.array([0.9]), np.array([3.0 / n]))[0] - kl_lower(np.array([0.9]), np.array([3.0 / n]))[0]
              for n in (10, 100, 1000)]  # fmt: skip
    assert widths[0] > widths[1] > widths[2]


@dataclass
class BernoulliArm:
    p: float
    n: int = 0
    hits: int = 0


def test_kl_lucb_identifies_the_best_arms():
    rng = np.random.default_rng(0)
    arms = [BernoulliArm(p) for p in (0.5, 0.95, 0.6, 0.9, 0.3, 0.55)]

    def pull(indices: list[int], n: int = 50) -> None:
        for i in indices:
            arms[i].n += n
            arms[i].hits += int(rng.binomial(n, arms[i].p))

    pull(list(range(len(arms))))
    best = kl_lucb(arms, pull, m=2, epsilon=0.1, delta=0.1, exhausted=lambda: False)

    assert sorted(best) == [1, 3]
    assert sum(arm.n for arm in arms) < 20_000


def test_kl_lucb_rounds_sample_several_contested_arms_at_once():
    rng = np.random.default_rng(0)
    arms = [BernoulliArm(p) for p in (0.5, 0.95, 0.6, 0.9, 0.3, 0.55, 0.85, 0.2)]
    rounds: list[list[int]] = []

    def pull(indices: list[int], n: int = 50) -> None:
        rounds.append(indices)
        for i in indices:
            arms[i].n += n
            arms[i].hits += int(rng.binomial(n, arms[i].p))

    pull(list(range(len(arms))))
    best = kl_lucb(arms, pull, m=2, epsilon=0.1, delta=0.1, exhausted=lambda: False, arms_per_round=4)

    assert sorted(best) == [1, 3]
    assert all(len(indices) <= 4 for indices in rounds[1:])
    assert any(len(indices) > 2 for indices in rounds[1:])


def test_kl_lucb_stops_when_the_budget_is_spent():
    arms = [BernoulliArm(0.5, 10, 5), BernoulliArm(0.5, 10, 5), BernoulliArm(0.5, 10, 5)]
    pulls: list[list[int]] = []

    best = kl_lucb(arms, pulls.append, m=1, epsilon=0.0, delta=0.1, exhausted=lambda: len(pulls) >= 3)

    assert len(pulls) == 3 and len(best) == 1


def test_numerical_predicates_are_the_instance_quantile_bins():
    column = np.arange(1, 101, dtype=float)
    features = [FeatureSpec("a", "numerical")]
    low, middle, high = (
        instance_predicates({"a": value}, {"a": column}, features, (0.25, 0.5, 0.75))[0] for value in (3, 40, 99)
    )

    assert (low.op, low.values) == ("<=", (pytest.approx(25.75),))
    assert middle.op == "between" and middle.values == (pytest.approx(25.75), pytest.approx(50.5))
    assert (high.op, high.text()) == (">", "a > 75.25")
    assert middle.text() == "25.75 < a <= 50.5"
    assert middle.holds(column).sum() == 25


def test_a_missing_number_never_satisfies_a_bound():
    assert not Predicate("a", "<=", (1.0,)).holds(np.array([np.nan]))[0]


def test_categorical_predicate_compares_values():
    predicate = Predicate("c", "==", ("red",))
    assert predicate.holds(np.array(["red", "blue", "red"], dtype=object)).tolist() == [True, False, True]
    assert predicate.to_dict() == {"feature": "c", "op": "==", "values": ["red"], "text": "c == 'red'"}


def test_samples_keep_anchored_features_in_the_instance_bins_and_vary_the_rest():
    rng = np.random.default_rng(1)
    training = {"a": rng.normal(size=500), "b": rng.normal(size=500), "c": rng.choice(np.array(["x", "y"]), size=500)}
    features = [FeatureSpec("a", "numerical"), FeatureSpec("b", "numerical"), FeatureSpec("c", "categorical")]
    instance = {"a": 1.5, "b": 0.0, "c": "y"}
    predicates = instance_predicates(instance, training, features, (0.25, 0.5, 0.75))
    sampler = PerturbationSampler(training, predicates, instance, rng, coverage_samples=500)

    batch = sampler.sample((0, 2), 200)

    assert predicates[0].holds(batch["a"]).all() and (batch["c"] == "y").all()
    assert len(np.unique(batch["a"])) > 20  # drawn within the bin, not pinned to the instance
    assert not predicates[1].holds(batch["b"]).all()
    assert sampler.coverage((0, 2)) == pytest.approx(
        np.mean(predicates[0].holds(training["a"]) & (training["c"] == "y"))
    )


def test_an_unseen_category_is_sampled_as_the_instance_value():
    training = {"c": np.array(["a", "b"] * 50)}
    instance = {"c": "a-much-longer-unseen-value"}
    predicates = instance_predicates(instance, training, [FeatureSpec("c", "categorical")], (0.5,))
    sampler = PerturbationSampler(training, predicates, instance, np.random.default_rng(0), coverage_samples=100)

    batch = sampler.sample((0,), 5)

    assert batch["c"].tolist() == ["a-much-longer-unseen-value"] * 5
    assert sampler.coverage((0,)) == 0.0
