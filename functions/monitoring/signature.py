"""Hydrosphere's JSON form of a model signature (what the manager API writes), to and from `Contract`.

`{"signatureName", "inputs": [{"name", "dtype": "DT_DOUBLE", "shape": {"dims": [...]},
"profile": "NUMERICAL"}], "outputs": [...]}`; a map field carries `subfields`, either an object
keyed by name (the manager's form) or protobuf JSON's `{"data": [...]}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format

from functions.monitoring.errors import BadRequest
from protos.contract import Contract, Field
from protos.errors import ContractError
from protos.hydrosphere.serving.contract import signature_pb2, types_pb2


def contract_to_json(contract: Contract) -> dict[str, Any]:
    return {
        "signatureName": contract.name,
        "inputs": [_field_to_json(f) for f in contract.inputs],
        "outputs": [_field_to_json(f) for f in contract.outputs],
    }


def contract_from_json(value: Any, path: str = "modelSignature") -> Contract:
    """Parse a signature; `BadRequest` names `path` and what is wrong."""
    if not isinstance(value, Mapping):
        raise BadRequest(f"{path}: must be an object with inputs and outputs, got {value!r}", path)
    document = {"signatureName": value.get("signatureName") or "predict",
                "inputs": [_normalise(f) for f in value.get("inputs") or []],
                "outputs": [_normalise(f) for f in value.get("outputs") or []]}
    try:
        return Contract.from_proto(json_format.ParseDict(document, signature_pb2.ModelSignature()))
    except (json_format.ParseError, ContractError, TypeError) as error:
        raise BadRequest(f"{path}: not a valid model signature: {error}", path) from None


def _field_to_json(field: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"name": field.name, "profile": types_pb2.DataProfileType.Name(field.profile),
                           "shape": {"dims": list(field.shape or ())}}
    if field.dtype is None:
        out["subfields"] = {sub.name: _field_to_json(sub) for sub in field.subfields}
    else:
        out["dtype"] = types_pb2.DataType.Name(field.dtype)
    return out


def _normalise(field: Any) -> Any:
    if not isinstance(field, Mapping):
        return field
    out = {key: value for key, value in field.items() if value is not None}
    if isinstance(out.get("profile"), str):
        out["profile"] = out["profile"].upper()
    subfields = out.get("subfields")
    if isinstance(subfields, Mapping) and "data" not in subfields:
        out["subfields"] = {"data": [_normalise({"name": name, **sub}) for name, sub in subfields.items()]}
    elif isinstance(subfields, Mapping):
        out["subfields"] = {"data": [_normalise(sub) for sub in subfields["data"]]}
    return out
