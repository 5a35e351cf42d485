from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from protos.codec import array_to_tensor, tensors_to_arrays
from protos.contract import Contract
from protos.hydrosphere.serving.contract import types_pb2
from runtimes.dataplane import DataPlane
from runtimes.errors import InvalidRequest, ModelError

CONTRACT = Contract.from_dict({
    "inputs": {"x": {"shape": [-1, 2], "type": "double"}},
    "outputs": {"y": {"shape": [-1], "type": "int64"}, "label": {"shape": "scalar", "type": "string"}},
})
GOOD = {"x": array_to_tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))}


def plane(infer: Any) -> DataPlane:
    return DataPlane(CONTRACT, infer)


def test_outputs_are_cast_to_the_contract_and_extras_dropped() -> None:
    seen: list[dict[str, np.ndarray]] = []

    def infer(inputs: dict[str, np.ndarray]) -> Mapping[str, Any]:
        seen.append(inputs)
        return {"y": inputs["x"].sum(axis=1), "label": "ok", "debug": [1, 2]}

    tensors = plane(infer).predict(GOOD)
    assert set(tensors) == {"y", "label"}
    assert tensors["y"].dtype == types_pb2.DT_INT64
    arrays = tensors_to_arrays(tensors)
    assert arrays["y"].tolist() == [3, 7] and arrays["label"].item() == "ok"
    assert seen[0]["x"].dtype == np.float64


@pytest.mark.parametrize(
    ("tensors", "field"),
    [
        ({}, "x"),
        ({"x": array_to_tensor(np.array([[1, 2]], dtype=np.float32))}, "x"),
        ({"x": array_to_tensor(np.array([1.0, 2.0]))}, "x"),
        ({**GOOD, "z": array_to_tensor(np.array(1.0))}, "z"),
    ],
    ids=["missing", "wrong-dtype", "wrong-shape", "undeclared"],
)
def test_bad_requests_name_the_field(tensors: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidRequest, match=f"field '{field}'") as caught:
        plane(lambda inputs: pytest.fail("the model must not run")).predict(tensors)
    assert caught.value.field == field


def test_model_exception_becomes_a_model_error_with_its_message() -> None:
    def infer(inputs: dict[str, np.ndarray]) -> Mapping[str, Any]:
        raise ZeroDivisionError("no rows to average")

    with pytest.raises(ModelError, match="model raised ZeroDivisionError: no rows to average"):
        plane(infer).predict(GOOD)


def test_missing_output_is_named() -> None:
    with pytest.raises(ModelError, match="model output 'label' is missing"):
        plane(lambda inputs: {"y": [1, 2]}).predict(GOOD)


def test_output_of_the_wrong_type_is_named() -> None:
    with pytest.raises(ModelError, match="model output 'y': expected DT_INT64 values \\(whole numbers\\)"):
        plane(lambda inputs: {"y": [1.5, 2.0], "label": "ok"}).predict(GOOD)


def test_output_of_the_wrong_shape_is_named() -> None:
    with pytest.raises(ModelError, match="model output 'label': expected a scalar, got shape \\[2\\]"):
        plane(lambda inputs: {"y": [1, 2], "label": ["a", "b"]}).predict(GOOD)
