"""Anchors on real scikit-learn models: the right features, precision checked on held-out data."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from functions.interpretability import AnchorConfig, AnchorExplanation, FeatureSpec, explain_anchor
from tests.functions.interpretability.conftest import RELEVANT, TABULAR, RecordingModel, columns


def held_out_precision(explanation: AnchorExplanation, answer, rows: int = 40_000) -> tuple[float, int]:
    """The model's agreement with the target on fresh data where every predicate holds."""
    fresh = columns(np.random.default_rng(2024).normal(size=(rows, 5)), TABULAR)
    holds = np.ones(rows, dtype=bool)
    for predicate in explanation.predicates:
        holds &= predicate.holds(fresh[predicate.feature])
    matrix = np.column_stack([fresh[name] for name in TABULAR])[holds]
    return float(np.mean(answer(matrix) == explanation.target)), int(holds.sum())


@pytest.mark.parametrize(
    ("instance", "expected"),
    [
        ({"x0": 1.4, "x1": -0.2, "x2": 0.5, "x3": 1.1, "x4": -1.3}, set(RELEVANT)),
        ({"x0": -1.5, "x1": 0.9, "x2": -0.1, "x3": 0.7, "x4": 0.3}, {"x0"}),
    ],
)
def test_anchor_names_the_features_the_model_uses(
    instance, expected, tree_model, two_feature_tree, tabular_training, tabular_features
):
    explanation = explain_anchor(instance, tree_model, "proba", tabular_training, tabular_features)

    assert explanation.anchor_found, explanation.message
    assert set(explanation.features) == expected
    precision, support = held_out_precision(explanation, two_feature_tree.predict)
    assert support >= 500
    assert precision >= 0.95


def test_anchor_precision_and_coverage_are_reported(tree_model, tabular_training, tabular_features):
    instance = {"x0": 1.4, "x1": -0.2, "x2": 0.5, "x3": 1.1, "x4": -1.3}
    explanation = explain_anchor(instance, tree_model, "proba", tabular_training, tabular_features)

    assert explanation.precision >= 0.95
    assert 0.8 <= explanation.precision_lower <= explanation.precision
    # Both features in their top quartile: about 1/16 of the training rows.
    assert explanation.coverage == pytest.approx(1 / 16, abs=0.02)
    assert explanation.task == "classification" and explanation.target == 1
    assert " AND " in explanation.text and "x0 >" in explanation.text


def test_anchor_examples_satisfy_the_anchor_and_carry_the_model_answer(tree_model, tabular_training, tabular_features):
    instance = {"x0": 0.2, "x1": 0.1, "x2": 0.5, "x3": 0.3, "x4": -1.3}
    config = AnchorConfig(max_anchor_size=2, n_examples=4)
    explanation = explain_anchor(instance, tree_model, "proba", tabular_training, tabular_features, config)

    examples = [(e, True) for e in explanation.covered_true] + [(e, False) for e in explanation.covered_false]
    assert explanation.covered_true and len(explanation.covered_true) <= 4
    for example, agrees in examples:
        for predicate in explanation.predicates:
            assert predicate.holds(np.array([example["inputs"][predicate.feature]]))[0]
        assert (example["prediction"] == explanation.target) is agrees


def test_anchor_is_deterministic_under_a_seed(tree_model, tabular_training, tabular_features):
    instance = {"x0": 0.2, "x1": 0.1, "x2": 0.5, "x3": 0.3, "x4": -1.3}
    first = explain_anchor(instance, tree_model, "proba", tabular_training, tabular_features, {"seed": 3})
    second = explain_anchor(instance, tree_model, "proba", tabular_training, tabular_features, {"seed": 3})

    assert first.to_dict() == second.to_dict()


def test_anchor_batches_model_calls(tree_model, tabular_training, tabular_features):
    instance = {"x0": 1.4, "x1": -0.2, "x2": 0.5, "x3": 1.1, "x4": -1.3}
    config = AnchorConfig(max_rows_per_call=300)
    explanation = explain_anchor(instance, tree_model, "proba", tabular_training, tabular_features, config)

    assert explanation.model_calls == len(tree_model.calls)
    assert explanation.model_rows == sum(tree_model.calls)
    assert max(tree_model.calls) <= 300
    assert explanation.model_rows / explanation.model_calls >= 100


def test_anchor_on_a_regression_output_uses_a_tolerance_band():
    rng = np.random.default_rng(5)
    matrix = rng.normal(size=(3000, 5))
    model = DecisionTreeRegressor(random_state=0).fit(matrix, 5.0 * (matrix[:, 2] > 0))
    predict = RecordingModel(lambda m: {"value": model.predict(m)}, TABULAR)
    features = [FeatureSpec(name, "numerical") for name in TABULAR]
    instance = {"x0": 0.0, "x1": 0.4, "x2": 1.6, "x3": -0.5, "x4": 0.9}

    explanation = explain_anchor(instance, predict, "value", columns(matrix, TABULAR), features)

    assert explanation.task == "regression"
    assert explanation.target == pytest.approx(5.0)
    assert explanation.tolerance == pytest.approx(0.1 * 2.5, rel=0.2)
    assert explanation.anchor_found and explanation.features == ("x2",)


def test_a_single_probability_read_as_a_class_uses_the_half_threshold(
    two_feature_tree, tabular_training, tabular_features
):
    predict = RecordingModel(lambda m: {"p": two_feature_tree.predict_proba(m)[:, 1].astype(np.float32)}, TABULAR)
    instance = {"x0": 1.4, "x1": -0.2, "x2": 0.5, "x3": 1.1, "x4": -1.3}

    explanation = explain_anchor(instance, predict, "p", tabular_training, tabular_features, {"task": "classification"})

    assert (explanation.task, explanation.target) == ("classification", True)
    assert explanation.anchor_found and set(explanation.features) == set(RELEVANT)


def test_anchor_over_categorical_and_numerical_features():
    rng = np.random.default_rng(9)
    colors = rng.choice(np.array(["red", "green", "blue"]), size=3000)
    size = rng.normal(size=3000)
    weight = rng.normal(size=3000)
    labels = np.where((colors == "red") & (size > 0), "yes", "no")
    encode = ColumnTransformer([("color", OneHotEncoder(), [0])], remainder="passthrough")
    model = make_pipeline(encode, DecisionTreeClassifier(random_state=0))
    model.fit(np.column_stack([colors, size, weight]).astype(object), labels)

    def predict(batch):
        return {
            "label": model.predict(np.column_stack([batch["color"], batch["size"], batch["weight"]]).astype(object))
        }

    features = [
        FeatureSpec("color", "categorical"),
        FeatureSpec("size", "numerical"),
        FeatureSpec("weight", "numerical"),
    ]
    training = {"color": colors, "size": size, "weight": weight}
    explanation = explain_anchor({"color": "red", "size": 1.5, "weight": 0.1}, predict, "label", training, features)

    assert explanation.target == "yes"
    assert explanation.anchor_found
    assert set(explanation.features) == {"color", "size"}
    assert "color == 'red'" in explanation.text


def test_anchor_reports_the_best_found_when_no_anchor_reaches_the_threshold(tabular_training, tabular_features):
    # A model whose answer depends on the fourth decimal of x0: no quartile-bin anchor can pin it.
    predict = RecordingModel(lambda m: {"label": np.floor(np.abs(m[:, 0]) * 1e4).astype(int) % 2}, TABULAR)
    config = AnchorConfig(max_model_rows=4000, max_anchor_size=2)
    instance = {"x0": 0.12345, "x1": 0.0, "x2": 0.0, "x3": 0.0, "x4": 0.0}

    explanation = explain_anchor(instance, predict, "label", tabular_training, tabular_features, config)

    assert not explanation.anchor_found
    assert explanation.message.startswith("no anchor reached precision 0.95")
    assert explanation.precision < 0.95
    assert explanation.covered_false
    # The budget is checked between search steps, so it is exceeded by at most one step.
    assert 4000 <= explanation.model_rows <= 4000 + 10 * config.initial_samples
