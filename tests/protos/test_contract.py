"""Parsing serving.yaml `contract:` sections, and the ModelSignature round trip."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from protos import dtypes
from protos.contract import PROFILES, Contract, Field, parse_shape
from protos.errors import ContractError
from protos.hydrosphere.serving.contract import signature_pb2, types_pb2

SERVING_YAML = """
kind: Model
name: census
contract:
  name: infer
  inputs:
    age:
      shape: scalar
      type: int64
      profile: numerical
    pixels:
      shape: [-1, 28, 28]
      type: float32
      profile: image
    user:
      shape: [-1]
      fields:
        name: {type: string, profile: text}
        score: {shape: [2], type: double}
  outputs:
    label:
      shape: [-1]
      type: int32
      profile: categorical
"""


def contract_with(field_spec: Any) -> dict[str, Any]:
    return {"inputs": {"x": field_spec}, "outputs": {"y": {"type": "double"}}}


def test_parses_a_serving_yaml_contract() -> None:
    contract = Contract.from_dict(yaml.safe_load(SERVING_YAML)["contract"])
    assert contract.name == "infer"
    assert [f.name for f in contract.inputs] == ["age", "pixels", "user"]
    age, pixels, user = contract.inputs
    assert (age.dtype, age.shape, age.profile, age.is_scalar) == (types_pb2.DT_INT64, None, types_pb2.NUMERICAL, True)
    assert (pixels.dtype, pixels.shape, pixels.profile) == (types_pb2.DT_FLOAT, (-1, 28, 28), types_pb2.IMAGE)
    assert user.dtype is None and user.shape == (-1,)
    assert [(sub.name, sub.dtype, sub.shape) for sub in user.subfields] == [
        ("name", types_pb2.DT_STRING, None),
        ("score", types_pb2.DT_DOUBLE, (2,)),
    ]
    assert contract.output("label") == Field("label", types_pb2.DT_INT32, (-1,), types_pb2.CATEGORICAL)
    assert contract.input("nope") is None


@pytest.mark.parametrize("alias", dtypes.ALIASES)
def test_every_dtype_alias(alias: str) -> None:
    field = Contract.from_dict(contract_with({"type": alias})).inputs[0]
    assert field.dtype == dtypes.BY_ALIAS[alias].proto


@pytest.mark.parametrize("info", dtypes.DTYPES, ids=lambda info: dtypes.proto_name(info.proto))
def test_proto_names_are_accepted_as_types(info: dtypes.DTypeInfo) -> None:
    field = Contract.from_dict(contract_with({"type": dtypes.proto_name(info.proto)})).inputs[0]
    assert field.dtype == info.proto


@pytest.mark.parametrize(
    ("shape", "expected"),
    [("scalar", None), ([], None), ([3], (3,)), ([-1], (-1,)), ([-1, 2, 3], (-1, 2, 3)), ({"dims": [4, 1]}, (4, 1))],
)
def test_shapes(shape: Any, expected: tuple[int, ...] | None) -> None:
    assert parse_shape(shape, "x.shape") == expected


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_profile_name(profile: str) -> None:
    field = Contract.from_dict(contract_with({"type": "double", "profile": profile.upper()})).inputs[0]
    assert field.profile == types_pb2.DataProfileType.Value(profile.upper())
    assert field.profile_name == profile


def test_defaults_are_scalar_none_profile_and_predict() -> None:
    contract = Contract.from_dict(contract_with({"type": "int"}))
    assert contract.name == "predict"
    assert contract.inputs[0] == Field("x", types_pb2.DT_INT64, None, types_pb2.NONE)


@pytest.mark.parametrize(
    ("spec", "path", "problem"),
    [
        ([1], "contract", "must be a mapping"),
        ({"inputs": {}, "outputs": {}, "extra": 1}, "contract.extra", "unknown key"),
        ({"name": "not valid", "inputs": {}, "outputs": {}}, "contract.name", "identifier"),
        ({"outputs": {"y": {"type": "int"}}}, "contract.inputs", "at least one input"),
        ({"inputs": {"x": {"type": "int"}}}, "contract.outputs", "at least one output"),
        ({"inputs": [1], "outputs": {}}, "contract.inputs", "must map field names"),
        (contract_with("int"), "contract.inputs.x", "must be a mapping"),
        (contract_with({"type": "int", "colour": 1}), "contract.inputs.x.colour", "unknown key"),
        (contract_with({"shape": [1]}), "contract.inputs.x.type", "is required"),
        (contract_with({"type": "float128"}), "contract.inputs.x.type", "unknown type 'float128'"),
        (contract_with({"type": 3}), "contract.inputs.x.type", "must be a type name"),
        (contract_with({"type": "int", "shape": [2, -1]}), "contract.inputs.x.shape", "only the first dimension"),
        (contract_with({"type": "int", "shape": [0]}), "contract.inputs.x.shape", "must be positive"),
        (contract_with({"type": "int", "shape": "matrix"}), "contract.inputs.x.shape", "list of integers"),
        (contract_with({"type": "int", "shape": [1.5]}), "contract.inputs.x.shape", "list of integers"),
        (contract_with({"type": "int", "profile": "loud"}), "contract.inputs.x.profile", "unknown profile"),
        (contract_with({"type": "int", "fields": {}}), "contract.inputs.x", "either a type or nested fields"),
        (
            contract_with({"fields": {"inner": {"type": "nope"}}}),
            "contract.inputs.x.fields.inner.type",
            "unknown type 'nope'",
        ),
    ],
)
def test_rejections_name_the_field_path(spec: Any, path: str, problem: str) -> None:
    with pytest.raises(ContractError) as caught:
        Contract.from_dict(spec)
    assert caught.value.path == path
    assert problem in caught.value.problem
    assert str(caught.value).startswith(f"{path}: ")


def test_model_signature_round_trip_through_the_wire() -> None:
    contract = Contract.from_dict(yaml.safe_load(SERVING_YAML)["contract"])
    message = signature_pb2.ModelSignature.FromString(contract.to_proto().SerializeToString())
    assert message.signature_name == "infer"
    assert message.inputs[2].WhichOneof("type_or_subfields") == "subfields"
    assert list(message.inputs[1].shape.dims) == [-1, 28, 28]
    assert Contract.from_proto(message) == contract


def test_dict_round_trip() -> None:
    contract = Contract.from_dict(yaml.safe_load(SERVING_YAML)["contract"])
    assert Contract.from_dict(contract.to_dict()) == contract


def test_signature_with_unsupported_dtype_is_rejected_with_its_path() -> None:
    message = signature_pb2.ModelSignature(signature_name="p")
    message.inputs.add(name="x", dtype=types_pb2.DT_ANY)
    with pytest.raises(ContractError) as caught:
        Contract.from_proto(message)
    assert caught.value.path == "inputs.x.dtype"
