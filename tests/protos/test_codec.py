"""JSON <-> numpy <-> Tensor round trips for every Hydrosphere dtype, through the protobuf wire."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from protos import codec, dtypes, validation
from protos.contract import Contract, Field
from protos.errors import InvalidInput
from protos.hydrosphere.serving.contract import tensor_pb2, types_pb2

DTYPE_IDS = [dtypes.proto_name(info.proto) for info in dtypes.DTYPES]
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=8)  # no lone surrogates


def elements(info: dtypes.DTypeInfo, finite: bool) -> st.SearchStrategy[Any]:
    kind = info.numpy.kind
    if kind == "O":
        return TEXT
    if kind == "b":
        return st.booleans()
    if kind in "iu":
        limits = np.iinfo(info.numpy)
        return st.integers(int(limits.min), int(limits.max))
    width = info.numpy.itemsize * 8
    if kind == "c":
        return st.complex_numbers(width=width, allow_nan=not finite, allow_infinity=not finite)
    return st.floats(width=width, allow_nan=not finite, allow_infinity=not finite)


# Scalar, 1-D, 2-D and 3-D, with an empty leading dimension among the choices.
SHAPES = st.one_of(
    st.just(()),
    st.tuples(st.integers(0, 4)),
    st.tuples(st.integers(0, 3), st.integers(1, 3)),
    st.tuples(st.integers(0, 2), st.integers(1, 3), st.integers(1, 2)),
)


def arrays(info: dtypes.DTypeInfo, finite: bool = False) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(info.numpy, SHAPES, elements=elements(info, finite))


def through_wire(tensor: tensor_pb2.Tensor) -> tensor_pb2.Tensor:
    return tensor_pb2.Tensor.FromString(tensor.SerializeToString())


def assert_same(actual: np.ndarray, expected: np.ndarray) -> None:
    assert actual.dtype == expected.dtype
    assert actual.shape == expected.shape
    np.testing.assert_array_equal(actual, expected)  # NaN equals NaN here
    if expected.dtype.kind == "f":  # the sign of zero and the exact bits survive too
        np.testing.assert_array_equal(np.signbit(actual), np.signbit(expected))


@pytest.mark.parametrize("info", dtypes.DTYPES, ids=DTYPE_IDS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_numpy_tensor_round_trip(info: dtypes.DTypeInfo, data: st.DataObject) -> None:
    array = data.draw(arrays(info))
    tensor = through_wire(codec.array_to_tensor(array, info.proto))
    assert tensor.dtype == info.proto
    assert list(tensor.tensor_shape.dims) == list(array.shape)
    assert_same(codec.tensor_to_array(tensor), array)


@pytest.mark.parametrize("info", dtypes.DTYPES, ids=DTYPE_IDS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_json_numpy_tensor_round_trip(info: dtypes.DTypeInfo, data: st.DataObject) -> None:
    array = data.draw(arrays(info, finite=True))
    body = json.loads(json.dumps({"x": codec.array_to_json(array)}))
    shape = (-1, *array.shape[1:]) if array.ndim else None
    contract = Contract(inputs=(Field("x", info.proto, shape),), outputs=(Field("y", info.proto),))
    decoded = validation.decode_json_inputs(body, contract)["x"]
    assert_same(decoded, array)
    back = codec.tensor_to_array(through_wire(codec.array_to_tensor(decoded, info.proto)))
    assert codec.array_to_json(back) == body["x"]


@pytest.mark.parametrize("info", [i for i in dtypes.DTYPES if i.numpy.kind in "iu"], ids=lambda i: i.aliases[0])
def test_integer_extremes_round_trip(info: dtypes.DTypeInfo) -> None:
    limits = np.iinfo(info.numpy)
    array = np.array([limits.min, limits.max, 0], dtype=info.numpy)
    assert_same(codec.tensor_to_array(through_wire(codec.array_to_tensor(array, info.proto))), array)
    assert codec.array_to_json(array) == [int(limits.min), int(limits.max), 0]


@given(items=st.lists(st.dictionaries(st.sampled_from(["a", "b"]), st.integers(-5, 5), min_size=2), max_size=3))
@settings(max_examples=30, deadline=None)
def test_map_round_trip(items: list[dict[str, int]]) -> None:
    # An empty list says nothing about maps, so the dtype is forced here.
    tensor = through_wire(codec.array_to_tensor(items, types_pb2.DT_MAP))
    assert tensor.dtype == types_pb2.DT_MAP
    assert list(tensor.tensor_shape.dims) == [len(items)]
    decoded = codec.tensor_to_array(tensor)
    assert decoded.dtype == object and decoded.shape == (len(items),)
    assert codec.array_to_json(decoded) == items


def test_scalar_map_is_one_map_value_with_no_dims() -> None:
    tensor = codec.array_to_tensor({"age": np.int32(3), "name": "ann"})
    assert tensor.dtype == types_pb2.DT_MAP and list(tensor.tensor_shape.dims) == []
    assert len(tensor.map_val) == 1
    assert tensor.map_val[0].subtensors["age"].dtype == types_pb2.DT_INT32
    decoded = codec.tensor_to_array(through_wire(tensor))
    assert decoded.shape == () and decoded[()]["name"] == np.array("ann", dtype=object)


@pytest.mark.parametrize(
    ("value", "dtype", "shape"),
    [
        (1, types_pb2.DT_INT64, []),
        (1.5, types_pb2.DT_DOUBLE, []),
        (True, types_pb2.DT_BOOL, []),
        ("a", types_pb2.DT_STRING, []),
        ([[1, 2, 3]], types_pb2.DT_INT64, [1, 3]),
        (np.float32(2.0), types_pb2.DT_FLOAT, []),
        (np.array([1j]), types_pb2.DT_COMPLEX128, [1]),
        (np.array([b"raw"]), types_pb2.DT_STRING, [1]),
    ],
)
def test_inferred_dtype_and_shape(value: Any, dtype: int, shape: list[int]) -> None:
    tensor = codec.array_to_tensor(value)
    assert (tensor.dtype, list(tensor.tensor_shape.dims)) == (dtype, shape)


def test_half_travels_as_bit_patterns() -> None:
    tensor = codec.array_to_tensor(np.array([1.0, -2.0], dtype=np.float16))
    assert list(tensor.half_val) == [0x3C00, 0xC000]


def test_complex_travels_as_pairs() -> None:
    tensor = codec.array_to_tensor(np.array([1 + 2j, -3 - 4j], dtype=np.complex64))
    assert list(tensor.scomplex_val) == [1.0, 2.0, -3.0, -4.0]
    assert codec.array_to_json(codec.tensor_to_array(tensor)) == [[1.0, 2.0], [-3.0, -4.0]]


def test_strings_are_utf8_and_undecodable_bytes_stay_bytes() -> None:
    tensor = tensor_pb2.Tensor(dtype=types_pb2.DT_STRING, tensor_shape={"dims": [2]}, string_val=[b"\xc3\xa9", b"\xff"])
    decoded = codec.tensor_to_array(tensor)
    assert decoded.tolist() == ["é", b"\xff"]
    assert codec.array_to_json(decoded) == ["é", "/w=="]  # base64 for bytes JSON cannot carry
    assert list(codec.array_to_tensor(["é"]).string_val) == ["é".encode()]


def test_arrays_to_tensors_uses_declared_field_dtype() -> None:
    fields = [Field("x", types_pb2.DT_FLOAT, (2,)), Field("m", None, None, subfields=(Field("k", types_pb2.DT_INT8),))]
    tensors = codec.arrays_to_tensors({"x": [1, 2], "m": {"k": 3}, "extra": [0.5]}, fields)
    assert tensors["x"].dtype == types_pb2.DT_FLOAT and list(tensors["x"].float_val) == [1.0, 2.0]
    assert tensors["m"].map_val[0].subtensors["k"].dtype == types_pb2.DT_INT8
    assert tensors["extra"].dtype == types_pb2.DT_DOUBLE
    assert codec.tensors_to_arrays(tensors)["x"].dtype == np.float32


@pytest.mark.parametrize(
    ("tensor", "expected"),
    [
        (tensor_pb2.Tensor(dtype=types_pb2.DT_DOUBLE, tensor_shape={"dims": [2, 2]}, double_val=[1, 2, 3]), "4 values"),
        (tensor_pb2.Tensor(dtype=types_pb2.DT_INT64, int64_val=[1, 2]), "1 values for shape []"),
        (tensor_pb2.Tensor(dtype=types_pb2.DT_COMPLEX64, tensor_shape={"dims": [1]}, scomplex_val=[1]), "2 values"),
        (tensor_pb2.Tensor(dtype=types_pb2.DT_MAP, tensor_shape={"dims": [2]}), "2 maps"),
        (tensor_pb2.Tensor(dtype=types_pb2.DT_UINT8, int_val=[300]), "[0, 255]"),
        (tensor_pb2.Tensor(dtype=types_pb2.DT_INVALID), "a data type among"),
        (tensor_pb2.Tensor(dtype=types_pb2.DT_FLOAT, tensor_shape={"dims": [-1]}), "non-negative"),
    ],
)
def test_malformed_tensor_is_invalid_input(tensor: tensor_pb2.Tensor, expected: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        codec.tensor_to_array(tensor)
    assert caught.value.field == "tensor"
    assert expected in caught.value.expected


def test_malformed_tensor_names_its_entry_and_map_key() -> None:
    bad = tensor_pb2.Tensor(dtype=types_pb2.DT_DOUBLE, tensor_shape={"dims": [3]}, double_val=[1])
    outer = tensor_pb2.Tensor(dtype=types_pb2.DT_MAP, tensor_shape={"dims": [1]})
    outer.map_val.add().subtensors["k"].CopyFrom(bad)
    with pytest.raises(InvalidInput, match=r"field 'features\[0\]\.k'"):
        codec.tensors_to_arrays({"features": outer})


@pytest.mark.parametrize(
    ("value", "dtype", "expected", "got"),
    [
        ([300], types_pb2.DT_UINT8, "[0, 255]", "300"),
        ([-1], types_pb2.DT_UINT32, "[0, 4294967295]", "-1"),
        ([1.5], types_pb2.DT_INT32, "whole numbers", "1.5"),
        ([1e39], types_pb2.DT_FLOAT, "DT_FLOAT values within", "1e+39"),
        ([True], types_pb2.DT_DOUBLE, "DT_DOUBLE values", "booleans"),
        ([1], types_pb2.DT_BOOL, "DT_BOOL values", "integers"),
        ([1], types_pb2.DT_STRING, "strings", "integers"),
        (["1"], types_pb2.DT_INT64, "DT_INT64 values", "'1' (str)"),
        ([1j], types_pb2.DT_DOUBLE, "DT_DOUBLE values", "complex numbers"),
        ([[1, 2], [3]], types_pb2.DT_INT64, "rectangular", "inhomogeneous"),
    ],
)
def test_forced_dtype_is_a_checked_conversion(value: Any, dtype: int, expected: str, got: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        codec.array_to_tensor(value, dtype)
    assert expected in caught.value.expected and got in caught.value.got
