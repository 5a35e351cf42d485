"""Bad arguments and failing models give errors that name the field and the problem."""

from __future__ import annotations

import numpy as np
import pytest

from functions.interpretability import (
    AnchorConfig,
    FeatureSpec,
    InvalidArgument,
    ModelCallError,
    SaliencyConfig,
    Status,
    explain_anchor,
)

INSTANCE = {"x0": 1.4, "x1": -0.2, "x2": 0.5, "x3": 1.1, "x4": -1.3}


@pytest.mark.parametrize(
    ("instance", "training_change", "field"),
    [
        ({k: v for k, v in INSTANCE.items() if k != "x2"}, {}, "instance.x2"),
        (dict(INSTANCE, x1="high"), {}, "instance.x1"),
        (dict(INSTANCE, x1=float("nan")), {}, "instance.x1"),
        (INSTANCE, {"x4": None}, "training.x4"),
        (INSTANCE, {"x4": np.zeros((10, 2))}, "training.x4"),
        (INSTANCE, {"x4": np.array(["a"] * 3000)}, "training.x4"),
        (INSTANCE, {"x4": np.zeros(10)}, "training"),
    ],
)
def test_bad_anchor_arguments_name_the_field(
    instance, training_change, field, tree_model, tabular_training, tabular_features
):
    training = dict(tabular_training)
    for name, column in training_change.items():
        if column is None:
            del training[name]
        else:
            training[name] = column
    with pytest.raises(InvalidArgument) as error:
        explain_anchor(instance, tree_model, "proba", training, tabular_features)
    assert error.value.field == field
    assert error.value.status is Status.INVALID_ARGUMENT


@pytest.mark.parametrize(
    ("features", "field"),
    [([], "features"), ([FeatureSpec("x0", "numerical")] * 2, "features.x0")],
)
def test_bad_feature_lists_are_rejected(features, field, tree_model, tabular_training):
    with pytest.raises(InvalidArgument) as error:
        explain_anchor(INSTANCE, tree_model, "proba", tabular_training, features)
    assert error.value.field == field


def test_an_unknown_feature_kind_is_rejected():
    with pytest.raises(InvalidArgument, match=r"features\.x0: kind must be one of"):
        FeatureSpec("x0", "ordinalish")  # type: ignore[arg-type]


def test_a_model_without_the_output_field_fails_clearly(tree_model, tabular_training, tabular_features):
    with pytest.raises(ModelCallError, match="output 'label' is missing from the model's answer") as error:
        explain_anchor(INSTANCE, tree_model, "label", tabular_training, tabular_features)
    assert error.value.status is Status.MODEL_FAILED


def test_a_failing_model_is_reported_as_a_model_error(tabular_training, tabular_features):
    def broken(batch):
        raise ConnectionError("servable mv-a-1 unavailable")

    with pytest.raises(ModelCallError, match="failed: ConnectionError: servable mv-a-1 unavailable"):
        explain_anchor(INSTANCE, broken, "proba", tabular_training, tabular_features)


def test_a_model_answering_the_wrong_number_of_rows_fails_clearly(tabular_training, tabular_features):
    with pytest.raises(ModelCallError, match="expected a leading dimension of 101 rows"):
        explain_anchor(INSTANCE, lambda batch: {"y": np.zeros(3)}, "y", tabular_training, tabular_features)


@pytest.mark.parametrize(
    ("data", "field", "problem"),
    [
        ({"threshold": 1.5}, "config.threshold", "must be in (0, 1], got 1.5"),
        ({"threshold": "high"}, "config.threshold", "must be a number, got 'high'"),
        ({"beam_size": 2.5}, "config.beam_size", "must be an integer"),
        ({"beam": 2}, "config.beam", "unknown key"),
        ({"task": "ranking"}, "config.task", "must be one of"),
        ({"quantiles": [0.5, 1.2]}, "config.quantiles", "must be in (0, 1)"),
        ({"quantiles": 0.5}, "config.quantiles", "must be a list"),
        ({"max_anchor_size": None, "tolerance": -1}, "config.tolerance", "must not be negative"),
    ],
)
def test_bad_anchor_configuration_names_the_key(data, field, problem):
    with pytest.raises(InvalidArgument) as error:
        AnchorConfig.from_dict(data)
    assert error.value.field == field
    assert problem in str(error.value)


def test_configuration_from_a_request_fills_the_defaults():
    config = AnchorConfig.from_dict({"threshold": 1, "quantiles": [0.1, 0.9], "max_anchor_size": 3})
    assert (config.threshold, config.quantiles, config.max_anchor_size, config.beam_size) == (1.0, (0.1, 0.9), 3, 2)
    assert SaliencyConfig.from_dict(None) == SaliencyConfig()
    with pytest.raises(InvalidArgument, match=r"config\.probability: must be in"):
        SaliencyConfig.from_dict({"probability": 1})
