"""Which contracts each method supports, and the reason given when it does not."""

from __future__ import annotations

import pytest

from functions.interpretability import FeatureSpec, Kind, NotSupported, features_from_contract, supports_anchor
from functions.interpretability import supports_saliency as saliency
from protos.contract import Contract


def contract(inputs: dict, outputs: dict) -> Contract:
    return Contract.from_dict({"inputs": inputs, "outputs": outputs})


NUM = {"type": "double", "profile": "numerical"}
CAT = {"type": "string", "profile": "categorical"}
IMAGE = {"type": "uint8", "shape": [28, 28], "profile": "image"}


@pytest.mark.parametrize(
    "outputs",
    [
        {"y": {"type": "int64", "profile": "categorical"}},
        {"y": {"type": "string"}},
        {"value": {"type": "double", "profile": "numerical"}},
        {"proba": {"type": "double", "shape": [3]}},
        {"proba": {"type": "float32", "shape": [-1, 3]}},
    ],
)
def test_tabular_models_with_a_class_or_value_output_support_anchors(outputs):
    supported, reason = supports_anchor(contract({"age": NUM, "city": CAT, "n": {"type": "int32"}}, outputs))
    assert supported, reason
    assert "3 tabular input(s)" in reason


@pytest.mark.parametrize(
    ("inputs", "outputs", "reason"),
    [
        ({"age": NUM, "text": {"type": "string", "profile": "text"}}, {"y": NUM}, "input 'text' is string scalar"),
        ({"pixels": IMAGE}, {"y": NUM}, "input 'pixels' is uint8 [28, 28] (profile image)"),
        ({"v": {"type": "double", "shape": [4]}}, {"y": NUM}, "anchors need scalar numerical or categorical inputs"),
        ({"age": NUM}, {"m": {"type": "double", "shape": [2, 2]}}, "output 'm' is double [2, 2]"),
        ({"age": NUM}, {"s": {"type": "string", "shape": [3]}}, "anchors need a scalar or a vector of class scores"),
    ],
)
def test_unsupported_anchor_contracts_say_why(inputs, outputs, reason):
    supported, why = supports_anchor(contract(inputs, outputs))
    assert not supported
    assert reason in why


def test_anchor_support_checks_the_named_output():
    model = contract({"age": NUM}, {"y": NUM, "m": {"type": "double", "shape": [2, 2]}})
    assert supports_anchor(model, "y").supported
    assert not supports_anchor(model, "m").supported
    assert supports_anchor(model, "z") == (False, "the model has no output 'z' (outputs: y, m)")


@pytest.mark.parametrize(
    "image",
    [IMAGE, {"type": "float32", "shape": [-1, 32, 32, 3]}, {"type": "double", "shape": [64, 64, 1]}],
)
def test_image_models_with_scores_support_saliency(image):
    supported, reason = saliency(contract({"image": image}, {"probabilities": {"type": "double", "shape": [10]}}))
    assert supported, reason
    assert "scoring output 'probabilities'" in reason


@pytest.mark.parametrize(
    ("inputs", "outputs", "reason"),
    [
        ({"a": IMAGE, "b": NUM}, {"y": NUM}, "exactly one image input, the model has 2 (a, b)"),
        ({"a": NUM}, {"y": NUM}, "input 'a' is double scalar"),
        ({"a": {"type": "uint8", "shape": [28, 28, 2]}}, {"y": NUM}, "C in 1, 3, 4"),
        ({"a": IMAGE}, {"label": {"type": "string"}}, "saliency needs numeric scores"),
        ({"a": IMAGE}, {"mask": {"type": "double", "shape": [28, 28]}}, "a scalar score or a vector of class scores"),
    ],
)
def test_unsupported_saliency_contracts_say_why(inputs, outputs, reason):
    supported, why = saliency(contract(inputs, outputs))
    assert not supported
    assert reason in why


def test_features_follow_the_contract_profiles_and_dtypes():
    model = contract(
        {
            "age": NUM,
            "city": CAT,
            "count": {"type": "int64"},
            "flag": {"type": "bool"},
            "b": {"type": "int8", "shape": [-1]},
        },
        {"y": NUM},
    )
    assert features_from_contract(model) == [
        FeatureSpec("age", Kind.NUMERICAL),
        FeatureSpec("city", Kind.CATEGORICAL),
        FeatureSpec("count", Kind.NUMERICAL),
        FeatureSpec("flag", Kind.CATEGORICAL),
        FeatureSpec("b", Kind.NUMERICAL),
    ]
    with pytest.raises(NotSupported, match="input 'pixels'"):
        features_from_contract(contract({"pixels": IMAGE}, {"y": NUM}))
