"""Request validation: every way a body or a Tensor map can break its contract, and what passes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from protos import codec, validation
from protos.contract import Contract
from protos.errors import InvalidInput
from protos.hydrosphere.serving.contract import tensor_pb2, types_pb2

CONTRACT = Contract.from_dict(
    {
        "inputs": {
            "features": {"shape": [-1, 3], "type": "double"},
            "count": {"shape": "scalar", "type": "int64"},
            "small": {"shape": [2], "type": "uint8"},
            "u32": {"shape": "scalar", "type": "uint32"},
            "f32": {"shape": "scalar", "type": "float32"},
            "flag": {"shape": "scalar", "type": "bool"},
            "name": {"shape": "scalar", "type": "string"},
            "z": {"shape": "scalar", "type": "complex64"},
            "user": {"shape": "scalar", "fields": {"age": {"type": "int32"}, "tags": {"shape": [-1], "type": "str"}}},
        },
        "outputs": {"score": {"shape": [-1], "type": "float32"}},
    }
)
GOOD: dict[str, Any] = {
    "features": [[1, 2.5, 3], [4, 5, 6]],
    "count": 7,
    "small": [0, 255],
    "u32": 4294967295,
    "f32": 0.5,
    "flag": True,
    "name": "héllo",
    "z": [1.0, -2.0],
    "user": {"age": 42, "tags": ["a", "b"]},
}


def test_a_good_body_decodes_to_declared_dtypes() -> None:
    arrays = validation.decode_json_inputs(GOOD, CONTRACT)
    assert {name: arrays[name].dtype.name for name in GOOD} == {
        "features": "float64", "count": "int64", "small": "uint8", "u32": "uint32", "f32": "float32",
        "flag": "bool", "name": "object", "z": "complex64", "user": "object",
    }
    assert arrays["features"].shape == (2, 3)
    assert arrays["z"][()] == np.complex64(1 - 2j)
    assert arrays["user"][()]["tags"].tolist() == ["a", "b"]
    assert arrays["user"][()]["age"].dtype == np.int32


@pytest.mark.parametrize(
    ("name", "value", "field", "expected", "got"),
    [
        ("missing", None, "count", "DT_INT64 value of shape scalar", "missing"),
        ("unknown", 1, "unknown", "declared fields", "undeclared"),
        ("count", "7", "count", "DT_INT64: numbers", "'7' (string)"),
        ("count", 1.5, "count", "whole numbers", "1.5"),
        ("count", True, "count", "numbers", "True (boolean)"),
        ("count", None, "count", "numbers", "null"),
        ("count", 2**63, "count", "[-9223372036854775808, 9223372036854775807]", str(2**63)),
        ("count", 2**70 + 0.5, "count", "[-9223372036854775808, 9223372036854775807]", "1.1805916207174113e+21"),
        ("small", [0, 300], "small", "DT_UINT8 values in [0, 255]", "300"),
        ("small", [-1, 0], "small", "[0, 255]", "-1"),
        ("u32", -1, "u32", "DT_UINT32 values in [0, 4294967295]", "-1"),
        ("f32", 1e39, "f32", "DT_FLOAT values within", "1e+39"),
        ("f32", float("nan"), "f32", "finite numbers", "nan"),
        ("f32", float("inf"), "f32", "finite numbers", "inf"),
        ("features", [[1, 2, float("-inf")]], "features", "finite numbers", "-inf"),
        ("features", [[1, 2, True]], "features", "numbers", "True (boolean)"),
        ("features", [[1, 2, "3"]], "features", "numbers", "'3' (string)"),
        ("features", [[1, 2, 3], [4, 5]], "features", "rectangular", "ragged"),
        ("features", [[1, 2, 3], 4], "features", "rectangular", "ragged"),
        ("features", [1, 2, 3], "features", "shape [-1, 3]", "shape [3]"),
        ("features", [[1, 2]], "features", "shape [-1, 3]", "shape [1, 2]"),
        ("features", [[[1, 2, 3]]], "features", "shape [-1, 3]", "shape [1, 1, 3]"),
        ("features", {"a": 1}, "features", "numbers", "an object"),
        ("small", [1, 2, 3], "small", "shape [2]", "shape [3]"),
        ("count", [7], "count", "a scalar", "shape [1]"),
        ("flag", 1, "flag", "booleans", "1 (number)"),
        ("flag", "true", "flag", "booleans", "'true' (string)"),
        ("name", 5, "name", "DT_STRING: strings", "5 (number)"),
        ("name", ["a"], "name", "a scalar", "shape [1]"),
        ("z", 1.0, "z", "[re, im] pairs", "shape []"),
        ("z", [1, 2, 3], "z", "[re, im] pairs", "shape [3]"),
        ("user", [{"age": 1, "tags": []}], "user", "a scalar", "shape [1]"),
        ("user", "bob", "user", "a map", "str"),
        ("user", {"age": 1}, "user.tags", "DT_STRING value of shape [-1]", "missing"),
        ("user", {"age": 1, "tags": [], "x": 0}, "user.x", "declared fields ['age', 'tags']", "undeclared"),
        ("user", {"age": 2**31, "tags": []}, "user.age", "DT_INT32 values in", "2147483648"),
        ("user", {"age": 1, "tags": [1]}, "user.tags", "strings", "1 (number)"),
    ],
)
def test_bad_json_input_names_field_expected_and_got(
    name: str, value: Any, field: str, expected: str, got: str
) -> None:
    body = dict(GOOD)
    if name == "missing":
        del body[field]
    else:
        body[name] = value
    with pytest.raises(InvalidInput) as caught:
        validation.decode_json_inputs(body, CONTRACT)
    error = caught.value
    assert (error.field, expected in error.expected, got in error.got) == (field, True, True), str(error)
    assert str(error).startswith(f"field '{field}': expected ")


@pytest.mark.parametrize("body", [[1, 2], "text", 3, None], ids=["array", "string", "number", "null"])
def test_body_must_be_an_object(body: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        validation.decode_json_inputs(body, CONTRACT)
    assert caught.value.field == "body" and "JSON object" in caught.value.expected


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("features", [], (0, 3)),  # an empty batch
        ("features", [[1, 2, 3]] * 5, (5, 3)),
        ("count", 7.0, ()),  # a whole float is a fine integer
        ("count", -(2**63), ()),
        ("f32", 3, ()),  # JSON ints fill float fields
        ("u32", 0, ()),
        ("z", [0, 0], ()),
    ],
)
def test_accepted_edge_values(name: str, value: Any, expected: tuple[int, ...]) -> None:
    arrays = validation.decode_json_inputs(dict(GOOD, **{name: value}), CONTRACT)
    assert arrays[name].shape == expected


def test_json_int_keeps_precision_in_int64() -> None:
    arrays = validation.decode_json_inputs(dict(GOOD, count=2**63 - 1), CONTRACT)
    assert int(arrays["count"]) == 2**63 - 1


def good_tensors() -> dict[str, tensor_pb2.Tensor]:
    return codec.arrays_to_tensors(validation.decode_json_inputs(GOOD, CONTRACT), CONTRACT.inputs)


def test_good_tensors_decode_like_json() -> None:
    from_tensors = validation.decode_tensor_inputs(good_tensors(), CONTRACT)
    from_json = validation.decode_json_inputs(GOOD, CONTRACT)
    assert codec.arrays_to_json(from_tensors) == codec.arrays_to_json(from_json)


def test_tensor_dtype_must_match_exactly() -> None:
    tensors = dict(good_tensors(), count=codec.array_to_tensor(np.int32(7)))
    with pytest.raises(InvalidInput) as caught:
        validation.decode_tensor_inputs(tensors, CONTRACT)
    error = caught.value
    assert (error.field, error.expected, error.got) == ("count", "dtype DT_INT64", "dtype DT_INT32")


def test_map_subtensor_dtype_must_match_exactly() -> None:
    tensors = dict(good_tensors(), user=codec.array_to_tensor({"age": np.int64(1), "tags": ["a"]}))
    with pytest.raises(InvalidInput) as caught:
        validation.decode_tensor_inputs(tensors, CONTRACT)
    assert (caught.value.field, caught.value.got) == ("user.age", "dtype DT_INT64")


@pytest.mark.parametrize(
    ("name", "tensor", "expected", "got"),
    [
        ("features", codec.array_to_tensor(np.zeros((2, 4))), "shape [-1, 3]", "shape [2, 4]"),
        ("count", codec.array_to_tensor(np.array([7])), "a scalar", "shape [1]"),
        ("unknown", codec.array_to_tensor(1), "declared fields", "undeclared"),
        ("user", codec.array_to_tensor(1), "dtype DT_MAP", "dtype DT_INT64"),
        (
            "features",
            tensor_pb2.Tensor(dtype=types_pb2.DT_DOUBLE, tensor_shape={"dims": [1, 3]}, double_val=[1.0]),
            "3 values for shape [1, 3]",
            "1 values",
        ),
    ],
)
def test_bad_tensor_input(name: str, tensor: tensor_pb2.Tensor, expected: str, got: str) -> None:
    tensors = dict(good_tensors(), **{name: tensor})
    with pytest.raises(InvalidInput) as caught:
        validation.decode_tensor_inputs(tensors, CONTRACT)
    error = caught.value
    assert (error.field, expected in error.expected, got in error.got) == (name, True, True), str(error)


def test_missing_tensor_is_named() -> None:
    tensors = good_tensors()
    del tensors["flag"]
    with pytest.raises(InvalidInput, match="field 'flag': expected a DT_BOOL value of shape scalar"):
        validation.decode_tensor_inputs(tensors, CONTRACT)


def test_non_finite_floats_pass_in_tensors() -> None:
    tensors = dict(good_tensors(), features=codec.array_to_tensor(np.array([[np.nan, np.inf, -np.inf]])))
    arrays = validation.decode_tensor_inputs(tensors, CONTRACT)
    assert np.isnan(arrays["features"][0, 0]) and np.isinf(arrays["features"][0, 1:]).all()


def test_outputs_are_cast_to_declared_dtype() -> None:
    outputs = validation.validate_arrays({"score": np.array([0.25, 1.0])}, CONTRACT.outputs)
    assert outputs["score"].dtype == np.float32 and outputs["score"].tolist() == [0.25, 1.0]


@pytest.mark.parametrize(
    ("value", "expected", "got"),
    [
        (np.array([1e300]), "DT_FLOAT values within", "1e+300"),
        (np.array(["a"]), "DT_FLOAT values", "'a' (str)"),
        (np.array([True]), "DT_FLOAT values", "booleans"),
        (np.array(0.5), "shape [-1]", "shape []"),
    ],
)
def test_bad_outputs_are_named(value: np.ndarray, expected: str, got: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validation.validate_arrays({"score": value}, CONTRACT.outputs)
    assert (caught.value.field, expected in caught.value.expected, got in caught.value.got) == ("score", True, True)


def test_map_with_dimensions_names_the_index() -> None:
    contract = Contract.from_dict(
        {"inputs": {"rows": {"shape": [-1], "fields": {"v": {"type": "int8"}}}}, "outputs": {"o": {"type": "bool"}}}
    )
    assert validation.decode_json_inputs({"rows": [{"v": 1}, {"v": 2}]}, contract)["rows"].shape == (2,)
    with pytest.raises(InvalidInput, match=r"field 'rows\[1\]\.v': expected DT_INT8 values in \[-128, 127\], got 999"):
        validation.decode_json_inputs({"rows": [{"v": 1}, {"v": 999}]}, contract)
