from __future__ import annotations

from typing import Any

import pytest

from controller.api.signature import contract_from_json, contract_to_json
from controller.errors import InvalidResource
from protos.contract import Contract

CONTRACT = Contract.from_dict({
    "name": "infer",
    "inputs": {
        "age": {"shape": "scalar", "type": "int64", "profile": "numerical"},
        "pixels": {"shape": [-1, 2, 2], "type": "float32", "profile": "image"},
        "meta": {"fields": {"tag": {"type": "string"}}},
    },
    "outputs": {"amount": {"shape": "scalar", "type": "double"}},
})

# Exactly what hydrosdk 3.0.3's ModelSignature_to_signature_dict produces for a scalar int64 field.
HYDROSDK_SIGNATURE = {
    "signatureName": "predict",
    "inputs": [{"name": "x", "profile": "NUMERICAL", "shape": {"dims": []}, "dtype": "DT_INT64"}],
    "outputs": [{"name": "y", "profile": "NONE", "shape": {"dims": [-1, 3]}, "dtype": "DT_DOUBLE"}],
}


def test_round_trip_keeps_every_field() -> None:
    assert contract_from_json(contract_to_json(CONTRACT), "sig") == CONTRACT


def test_hydrosdk_signature_parses() -> None:
    contract = contract_from_json(HYDROSDK_SIGNATURE, "metadata.modelSignature")
    assert contract.name == "predict"
    assert contract.inputs[0].dtype_name == "DT_INT64" and contract.inputs[0].is_scalar
    assert contract.outputs[0].shape == (-1, 3)


def test_json_uses_numbers_for_dims_and_enum_names() -> None:
    out = contract_to_json(CONTRACT)
    assert out["inputs"][1] == {"name": "pixels", "profile": "IMAGE", "shape": {"dims": [-1, 2, 2]},
                                "dtype": "DT_FLOAT"}
    assert out["inputs"][2]["subfields"]["tag"]["dtype"] == "DT_STRING"


def _with(side: str, **changes: Any) -> dict[str, Any]:
    signature = {**HYDROSDK_SIGNATURE, side: [{**HYDROSDK_SIGNATURE[side][0], **changes}]}
    return signature


@pytest.mark.parametrize(("signature", "field"), [
    ("not an object", "sig"),
    (_with("inputs", dtype="DT_INT65"), "sig"),
    (_with("inputs", dtype="DT_INVALID"), "sig.inputs.x.dtype"),
    (_with("inputs", shape={"dims": [2, -1]}), "sig.inputs.x.shape"),
    ({**HYDROSDK_SIGNATURE, "outputs": []}, "sig.outputs"),
    ({**HYDROSDK_SIGNATURE, "inputs": "x"}, "sig.inputs"),
])
def test_bad_signature_names_the_field(signature: Any, field: str) -> None:
    with pytest.raises(InvalidResource) as caught:
        contract_from_json(signature, "sig")
    assert caught.value.field == field
