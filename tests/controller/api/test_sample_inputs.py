from __future__ import annotations

import random

import numpy as np
import pytest

from controller.api.sample_inputs import generate_inputs
from protos import codec
from protos.contract import Contract

TYPES = ["bool", "string", "half", "float32", "double", "int8", "int16", "int32", "int64", "uint8",
         "uint16", "uint32", "uint64", "qint8", "quint8", "qint16", "quint16", "qint32", "complex64",
         "complex128"]


@pytest.mark.parametrize("dtype", TYPES)
@pytest.mark.parametrize("shape", ["scalar", [3], [-1, 2]])
def test_generated_values_satisfy_the_contract(dtype: str, shape: object) -> None:
    contract = Contract.from_dict({"inputs": {"x": {"type": dtype, "shape": shape}},
                                   "outputs": {"y": {"type": "double"}}})
    sample = generate_inputs(contract, random.Random(7))
    field = contract.inputs[0]
    array = codec.cast_array(sample["x"] if not field.dtype_name.startswith("DT_COMPLEX")
                             else _complex(sample["x"]), field.dtype or 0, "x")
    expected = () if shape == "scalar" else tuple(1 if d == -1 else d for d in shape)  # type: ignore[union-attr]
    assert array.shape == expected


def _complex(value: object) -> object:
    array = np.asarray(value, dtype=float)
    return array[..., 0] + 1j * array[..., 1]


def test_map_fields_get_nested_objects() -> None:
    contract = Contract.from_dict({"inputs": {"m": {"fields": {"a": {"type": "int32", "shape": [2]}}}},
                                   "outputs": {"y": {"type": "double"}}})
    sample = generate_inputs(contract, random.Random(1))
    assert set(sample) == {"m"} and len(sample["m"]["a"]) == 2
