"""Hydrosphere's JSON form of a model signature, to and from our `Contract`.

hydrosdk 3.0.3 sends and reads `{"signatureName", "inputs": [{"name", "dtype": "DT_DOUBLE",
"shape": {"dims": [...]}, "profile": "NUMERICAL"}], "outputs": [...]}` (protobuf JSON of
`ModelSignature`). Map fields carry `subfields`, which hydrosdk reads as an object keyed by field
name; protobuf JSON writes `{"data": [...]}`. Both are accepted here. Pure: no Flask, so the CLI
can use it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format

from controller.errors import InvalidResource
from protos.contract import Contract, Field
from protos.errors import ContractError
from protos.hydrosphere.serving.contract import signature_pb2, types_pb2


def contract_to_json(contract: Contract) -> dict[str, Any]:
    """The signature as Hydrosphere's manager returns it (dims as numbers, names of enums)."""
    return {
        "signatureName": contract.name,
        "inputs": [field_to_json(f) for f in contract.inputs],
        "outputs": [field_to_json(f) for f in contract.outputs],
    }


def field_to_json(field: Field) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": field.name,
        "profile": types_pb2.DataProfileType.Name(field.profile),
        "shape": {"dims": list(field.shape or ())},
    }
    if field.dtype is None:
        out["subfields"] = {sub.name: field_to_json(sub) for sub in field.subfields}
    else:
        out["dtype"] = types_pb2.DataType.Name(field.dtype)
    return out


def contract_from_json(value: Any, path: str) -> Contract:
    """Parse a signature as hydrosdk serialises it; errors name `path` and the offending field."""
    if not isinstance(value, Mapping):
        raise InvalidResource(path, f"must be an object with signatureName, inputs and outputs, got {value!r}")
    try:
        message = json_format.ParseDict(_normalise_signature(value, path), signature_pb2.ModelSignature())
    except json_format.ParseError as error:
        raise InvalidResource(path, f"not a valid ModelSignature: {error}") from None
    try:
        contract = Contract.from_proto(message)
    except ContractError as error:
        raise InvalidResource(f"{path}.{error.path}", error.problem) from None
    for side in ("inputs", "outputs"):
        if not getattr(contract, side):
            raise InvalidResource(f"{path}.{side}", "at least one field is required")
    return contract


def _normalise_signature(value: Mapping[str, Any], path: str) -> dict[str, Any]:
    out = dict(value)
    for side in ("inputs", "outputs"):
        fields = out.get(side) or []
        if not isinstance(fields, list):
            raise InvalidResource(f"{path}.{side}", f"must be a list of fields, got {fields!r}")
        out[side] = [_normalise_field(f, f"{path}.{side}[{i}]") for i, f in enumerate(fields)]
    return out


def _normalise_field(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidResource(path, f"must be an object, got {value!r}")
    out = dict(value)
    if out.get("shape") is None:
        out.pop("shape", None)
    if "type" in out and "dtype" not in out:
        out["dtype"] = out.pop("type")
    if isinstance(out.get("profile"), str):
        out["profile"] = out["profile"].upper()
    subfields = out.get("subfields")
    if isinstance(subfields, Mapping) and "data" not in subfields:
        named = [{"name": name, **dict(sub)} if isinstance(sub, Mapping) else sub
                 for name, sub in subfields.items()]
        out["subfields"] = {"data": named}
    if isinstance(out.get("subfields"), Mapping):
        data = out["subfields"].get("data") or []
        out["subfields"] = {"data": [_normalise_field(s, f"{path}.subfields[{i}]") for i, s in enumerate(data)]}
        out.pop("dtype", None)
    return out

