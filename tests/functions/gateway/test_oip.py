"""Open Inference Protocol v2 conversions (no I/O)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from functions.gateway import oip
from functions.gateway.errors import InvalidRequest
from protos.contract import Contract

CONTRACT = Contract.from_dict({
    "inputs": {"age": {"shape": "scalar", "type": "int32"}, "name": {"shape": [-1], "type": "string"},
               "flag": {"shape": [2], "type": "bool"}},
    "outputs": {"score": {"shape": [-1], "type": "float32"}},
})


def request(**overrides: Any) -> dict[str, Any]:
    inputs = {
        "age": {"name": "age", "shape": [1], "datatype": "INT64", "data": [42]},
        "name": {"name": "name", "shape": [2], "datatype": "BYTES", "data": ["a", "b"]},
        "flag": {"name": "flag", "shape": [2], "datatype": "BOOL", "data": [True, False]},
    }
    for name, change in overrides.items():
        inputs[name] = {**inputs[name], **change}
    return {"inputs": list(inputs.values())}


def test_decodes_every_input_and_squeezes_a_scalar() -> None:
    arrays, request_id = oip.decode_request({**request(), "id": "x"}, CONTRACT)
    assert request_id == "x"
    assert arrays["age"].shape == () and arrays["age"].item() == 42
    assert arrays["name"].tolist() == ["a", "b"] and arrays["flag"].tolist() == [True, False]


def test_nested_data_is_accepted() -> None:
    contract = Contract.from_dict({"inputs": {"m": {"shape": [2, 2], "type": "double"}},
                                   "outputs": {"o": {"shape": "scalar", "type": "double"}}})
    body = {"inputs": [{"name": "m", "shape": [2, 2], "datatype": "FP64", "data": [[1, 2], [3, 4]]}]}
    arrays, _ = oip.decode_request(body, contract)
    assert arrays["m"].tolist() == [[1.0, 2.0], [3.0, 4.0]]


@pytest.mark.parametrize(("body", "field", "needle"), [
    ([], "body", "JSON object"),
    ({"inputs": []}, "inputs", "non-empty"),
    ({"inputs": [1]}, "inputs[0]", "must be an object"),
    (request(age={"datatype": "INT128"}), "age", "INT128"),
    (request(age={"shape": [2]}), "age", "needs 2 values"),
    (request(age={"shape": [-1]}), "age", "non-negative"),
    (request(flag={"data": [1, 0]}), "flag", "DT_BOOL"),
    (request(name={"data": [1, 2]}), "name", "DT_STRING"),
    ({**request(), "id": 7}, "id", "string"),
])
def test_bad_requests_name_the_field(body: Any, field: str, needle: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        oip.decode_request(body, CONTRACT)
    assert caught.value.field == field and needle in str(caught.value)


def test_duplicate_inputs_are_refused() -> None:
    body = request()
    body["inputs"].append(body["inputs"][0])
    with pytest.raises(InvalidRequest, match="given twice"):
        oip.decode_request(body, CONTRACT)


def test_complex_fields_are_refused_before_any_model_runs() -> None:
    contract = Contract.from_dict({"inputs": {"z": {"shape": "scalar", "type": "complex64"}},
                                   "outputs": {"o": {"shape": "scalar", "type": "double"}}})
    with pytest.raises(InvalidRequest, match="COMPLEX64") as caught:
        oip.decode_request({"inputs": [{"name": "z", "shape": [], "datatype": "FP32", "data": [1]}]}, contract)
    assert caught.value.field == "z"


def test_encodes_flat_outputs_with_the_declared_datatype() -> None:
    encoded = oip.encode_response("app", "r", {"score": np.array([0.5, 0.25], dtype=np.float32)}, CONTRACT)
    assert encoded == {"model_name": "app", "id": "r",
                       "outputs": [{"name": "score", "datatype": "FP32", "shape": [2], "data": [0.5, 0.25]}]}


def test_outputs_follow_the_contracts_order() -> None:
    contract = Contract.from_dict({"inputs": {"x": {"shape": "scalar", "type": "double"}},
                                   "outputs": {"b": {"shape": "scalar", "type": "double"},
                                               "a": {"shape": "scalar", "type": "double"}}})
    encoded = oip.encode_response("m", "r", {"a": np.array(1.0), "b": np.array(2.0)}, contract)
    assert [o["name"] for o in encoded["outputs"]] == ["b", "a"]


def test_datatype_table_covers_the_oip_types() -> None:
    assert set(oip.PROTO_BY_OIP) == {"BOOL", "BYTES", "FP16", "FP32", "FP64", "INT8", "INT16", "INT32", "INT64",
                                     "UINT8", "UINT16", "UINT32", "UINT64"}
