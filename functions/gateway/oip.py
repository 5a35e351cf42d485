"""Open Inference Protocol v2 (KServe/MLServer/Triton REST) <-> the gateway's arrays. No I/O.

Request: `{"id"?, "inputs": [{"name", "shape", "datatype", "data"}], ...}` with `data` flat
(row-major) or nested. Each input is built with its OIP datatype (checked conversion, as in
`protos.codec.cast_array`), then the pipeline casts it to the contract's type with range checks.
A scalar contract field accepts shape `[]` or `[1]`. Response: `{"model_name", "id", "outputs"}`
with flat `data`.

Datatypes: BOOL, UINT8..64, INT8..64, FP16/32/64 and BYTES (strings). Complex and map fields have
no OIP datatype: metadata names them `COMPLEX64`, `COMPLEX128` or `MAP` (a Hydro extension), and
`infer` refuses applications that use them, before any model runs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from functions.gateway.errors import InvalidRequest
from functions.gateway.routing import Application
from protos import codec, dtypes
from protos.contract import Contract, Field
from protos.errors import InvalidInput
from protos.hydrosphere.serving.contract import types_pb2 as t

PLATFORM = "hydro"
PROTO_BY_OIP: dict[str, int] = {
    "BOOL": t.DT_BOOL, "BYTES": t.DT_STRING, "FP16": t.DT_HALF, "FP32": t.DT_FLOAT, "FP64": t.DT_DOUBLE,
    "INT8": t.DT_INT8, "INT16": t.DT_INT16, "INT32": t.DT_INT32, "INT64": t.DT_INT64,
    "UINT8": t.DT_UINT8, "UINT16": t.DT_UINT16, "UINT32": t.DT_UINT32, "UINT64": t.DT_UINT64,
}
OIP_BY_PROTO: dict[int, str] = {
    **{proto: name for name, proto in PROTO_BY_OIP.items()},
    t.DT_QINT8: "INT8", t.DT_QUINT8: "UINT8", t.DT_QINT16: "INT16", t.DT_QUINT16: "UINT16", t.DT_QINT32: "INT32",
}
_UNSUPPORTED: dict[int, str] = {t.DT_COMPLEX64: "COMPLEX64", t.DT_COMPLEX128: "COMPLEX128"}


def datatype(field: Field) -> str:
    """The OIP datatype of a contract field (or the extension name of one OIP cannot carry)."""
    if field.dtype is None:
        return "MAP"
    return OIP_BY_PROTO.get(field.dtype) or _UNSUPPORTED.get(field.dtype, dtypes.proto_name(field.dtype))


def model_metadata(app: Application) -> dict[str, Any]:
    """`GET /v2/models/<name>`: the application's contract as OIP tensor metadata."""
    def tensors(fields: tuple[Field, ...]) -> list[dict[str, Any]]:
        return [{"name": f.name, "datatype": datatype(f), "shape": list(f.shape or ())} for f in fields]
    return {"name": app.name, "versions": [], "platform": PLATFORM,
            "inputs": tensors(app.contract.inputs), "outputs": tensors(app.contract.outputs)}


def decode_request(body: Any, contract: Contract) -> tuple[dict[str, np.ndarray], str | None]:
    """The request's inputs as arrays by name, and its `id`; `InvalidRequest` naming the field."""
    if not isinstance(body, Mapping):
        raise InvalidRequest("the body must be a JSON object with an 'inputs' list", field="body")
    _check_representable(contract)
    request_id = body.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise InvalidRequest(f"'id' must be a string, got {type(request_id).__name__}", field="id")
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise InvalidRequest("'inputs' must be a non-empty list of {name, shape, datatype, data}", field="inputs")
    arrays: dict[str, np.ndarray] = {}
    for index, item in enumerate(inputs):
        name, array = _input(item, f"inputs[{index}]", contract)
        if name in arrays:
            raise InvalidRequest(f"input '{name}' is given twice", field=name)
        arrays[name] = array
    return arrays, request_id


def encode_response(model_name: str, request_id: str, outputs: Mapping[str, np.ndarray],
                    contract: Contract) -> dict[str, Any]:
    """`{"model_name", "id", "outputs": [{name, datatype, shape, data}]}` with flat data, in the
    contract's order (a response's protobuf map has none)."""
    order = {field.name: index for index, field in enumerate(contract.outputs)}
    encoded = []
    for name, array in sorted(outputs.items(), key=lambda item: order.get(item[0], len(order))):
        declared = contract.output(name)
        proto = declared.dtype if declared is not None and declared.dtype is not None else None
        kind = OIP_BY_PROTO.get(proto if proto is not None else dtypes.proto_for_numpy(array.dtype), "BYTES")
        encoded.append({"name": name, "datatype": kind, "shape": list(array.shape),
                        "data": codec.array_to_json(np.asarray(array).reshape(-1))})
    return {"model_name": model_name, "id": request_id, "outputs": encoded}


def _check_representable(contract: Contract) -> None:
    for field in (*contract.inputs, *contract.outputs):
        if field.dtype is None or field.dtype not in OIP_BY_PROTO:
            raise InvalidRequest(
                f"field '{field.name}' is {datatype(field)}, which the Open Inference Protocol cannot carry; "
                "use POST /gateway/application/<name> instead", field=field.name)


def _input(item: Any, path: str, contract: Contract) -> tuple[str, np.ndarray]:
    if not isinstance(item, Mapping):
        raise InvalidRequest(f"{path} must be an object with name, shape, datatype and data", field=path)
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise InvalidRequest(f"{path}.name must be a non-empty string, got {name!r}", field=f"{path}.name")
    kind = item.get("datatype")
    if kind not in PROTO_BY_OIP:
        raise InvalidRequest(f"input '{name}': datatype must be one of {', '.join(PROTO_BY_OIP)}, got {kind!r}",
                             field=name)
    shape = item.get("shape")
    if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
        raise InvalidRequest(f"input '{name}': shape must be a list of non-negative integers, got {shape!r}",
                             field=name)
    if "data" not in item:
        raise InvalidRequest(f"input '{name}': data is missing", field=name)
    try:
        array = codec.cast_array(item["data"], PROTO_BY_OIP[kind], name).reshape(-1)
    except InvalidInput as exc:
        raise InvalidRequest.from_input(exc) from None
    if array.size != math.prod(shape):
        raise InvalidRequest(f"input '{name}': shape {shape} needs {math.prod(shape)} values, got {array.size}",
                             field=name)
    declared = contract.input(name)
    if declared is not None and declared.is_scalar and shape == [1]:
        shape = []
    return name, array.reshape(shape)
