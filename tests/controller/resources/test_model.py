from __future__ import annotations

from typing import Any

import pytest

from controller.errors import InvalidResource
from controller.resources import ModelDefinition
from protos.hydrosphere.serving.contract import types_pb2


def model_spec(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "kind": "Model",
        "name": "claims-model",
        "runtime": "hydrosphere/serving-runtime-python-3.7:3.0.0",
        "payload": ["src/", "model.joblib"],
        "contract": {
            "name": "predict",
            "inputs": {"age": {"shape": "scalar", "type": "int64", "profile": "numerical"}},
            "outputs": {"claim": {"shape": "scalar", "type": "double", "profile": "numerical"}},
        },
    }
    spec.update(overrides)
    return spec


def test_full_model_definition_is_parsed() -> None:
    definition = ModelDefinition.from_dict(model_spec(**{
        "install-command": "pip install -r requirements.txt",
        "training-data": "s3://bucket/train.csv",
        "metadata": {"team": "claims", "retrained": True, "rows": 10},
        "monitoring-configuration": {"batch-size": 50},
        "monitoring": [{"name": "ae", "config": {"monitoring-model": "ae:2", "threshold": 0.3,
                                                  "operator": ">="}}],
    }))
    assert definition.install_command == "pip install -r requirements.txt"
    assert definition.training_data == "s3://bucket/train.csv"
    assert definition.metadata == {"team": "claims", "retrained": "true", "rows": "10"}
    assert definition.batch_size == 50
    metric = definition.monitoring[0]
    assert (metric.monitoring_model, metric.threshold, metric.operator) == (("ae", 2), 0.3, "GreaterEq")
    assert definition.contract.inputs[0].dtype == types_pb2.DT_INT64


def test_snake_and_camel_case_keys_are_accepted() -> None:
    snake = ModelDefinition.from_dict(model_spec(install_command="make", monitoring_configuration={"batch_size": 7}))
    camel = ModelDefinition.from_dict(model_spec(installCommand="make", monitoringConfiguration={"batchSize": 7}))
    assert snake == camel
    assert snake.batch_size == 7


@pytest.mark.parametrize(
    ("overrides", "path", "problem"),
    [
        ({"name": "Claims Model"}, "name", "not a valid name"),
        ({"name": None}, "name", "is required"),
        ({"runtime": ""}, "runtime", "non-empty string"),
        ({"payload": []}, "payload", "non-empty list"),
        ({"payload": "src/"}, "payload", "non-empty list"),
        ({"colour": "red"}, "colour", "unknown field"),
        ({"contract": {"inputs": {"age": {"type": "int65"}}, "outputs": {}}}, "contract.inputs.age.type",
         "unknown type 'int65'"),
        ({"contract": {"inputs": {"x": {"type": "int8", "shape": [2, -1]}}, "outputs": {}}},
         "contract.inputs.x.shape", "only the first dimension may be -1"),
        ({"contract": {"inputs": {"x": {"type": "int8", "profile": "loud"}}, "outputs": {}}},
         "contract.inputs.x.profile", "unknown profile"),
        ({"monitoring-configuration": {"batch-size": 0}}, "monitoring-configuration.batch-size", ">= 1"),
        ({"monitoring": [{"name": "m", "config": {"monitoring-model": "ae"}}]},
         "monitoring[0].config.monitoring-model", "model-name:version"),
        ({"monitoring": [{"name": "m", "config": {"monitoring-model": "ae:1", "operator": "about"}}]},
         "monitoring[0].config.operator", "unknown operator"),
        ({"metadata": {"nested": {"a": 1}}}, "metadata.nested", "must be a string"),
    ],
)
def test_invalid_model_names_the_field(overrides: dict[str, Any], path: str, problem: str) -> None:
    with pytest.raises(InvalidResource) as caught:
        ModelDefinition.from_dict(model_spec(**overrides), source="serving.yaml#1")
    assert caught.value.path == path
    assert problem in caught.value.problem
    assert str(caught.value).startswith(f"serving.yaml#1: {path}: ")
