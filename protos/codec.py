"""The one codec between Hydrosphere Tensors, numpy arrays and JSON values.

Representation (the same for every deployable):
- Shapes are row-major. A Tensor with empty `tensor_shape.dims` is a scalar (a 0-d array).
- Numbers use the Tensor value field named in `protos.dtypes.DTYPES`; float16 travels as its
  IEEE 754 bit patterns in `half_val`; complex numbers as (real, imaginary) pairs.
- Strings travel as UTF-8 bytes in `string_val` and come back as a numpy object array of `str`;
  bytes that are not valid UTF-8 stay `bytes`. In JSON they become base64 text (JSON has no
  bytes), so such values do not round-trip through JSON.
- Complex values are `[re, im]` pairs in JSON (one extra trailing dimension of 2).
- Non-finite floats are returned to JSON as Python floats; writing them is the transport's call.
- DT_MAP: one `MapTensorData` per element of the tensor shape, row-major. In numpy a map is an
  object array of that shape whose elements are `dict[str, np.ndarray]` (0-d for a scalar map);
  `array_to_tensor` also accepts a plain dict (a scalar map) or a list of dicts. In JSON a map is
  an object of JSON values (or nested lists of such objects).
- `binary_val` is not used by Hydrosphere's clients for any of these types and is ignored.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np

from protos import dtypes
from protos.contract import Field
from protos.errors import InvalidInput
from protos.hydrosphere.serving.contract import tensor_pb2, types_pb2

_DT_MAP = types_pb2.DT_MAP
# Value fields that carry complex numbers as (real, imaginary) pairs, with the part's type.
_PAIR_FIELDS = {"scomplex_val": np.float32, "dcomplex_val": np.float64}
# Which numpy kinds may be converted to which: real types never take complex values.
_NUMERIC_SOURCES = {"i": "iuf", "u": "iuf", "f": "iuf", "c": "iufc"}
_KIND_TEXT = {"b": "booleans", "i": "integers", "u": "integers", "f": "floats", "c": "complex numbers"}


def tensor_to_array(tensor: tensor_pb2.Tensor, field: str = "tensor") -> np.ndarray:
    """Decode a Tensor into an array of its dtype's numpy type; `field` names it in errors."""
    shape = tuple(tensor.tensor_shape.dims)
    if any(dim < 0 for dim in shape):
        raise InvalidInput(field, "a tensor shape of non-negative dimensions", f"shape {list(shape)}")
    if tensor.dtype == _DT_MAP:
        return _map_to_array(tensor, shape, field)
    info = _info(tensor.dtype, field)
    values = getattr(tensor, info.tensor_field)
    count = math.prod(shape) * (2 if info.tensor_field in _PAIR_FIELDS else 1)
    if len(values) != count:
        raise InvalidInput(field, f"{count} values for shape {list(shape)}", f"{len(values)} values")
    return _read_values(values, info, field).reshape(shape)


def array_to_tensor(value: Any, dtype: int | None = None) -> tensor_pb2.Tensor:
    """Encode an array, numpy scalar, Python scalar, nested list or map into a Tensor.

    `dtype` (a proto DataType) forces the type, with the checked conversion of `cast_array`;
    otherwise it follows the numpy dtype (`dtypes.proto_for_numpy`).
    """
    return _to_tensor(value, dtype, (), "tensor")


def tensors_to_arrays(tensors: Mapping[str, tensor_pb2.Tensor]) -> dict[str, np.ndarray]:
    """Decode every Tensor of a request or response map; errors name the entry."""
    return {name: tensor_to_array(tensor, name) for name, tensor in tensors.items()}


def arrays_to_tensors(
    arrays: Mapping[str, Any], fields: Sequence[Field] | None = None
) -> dict[str, tensor_pb2.Tensor]:
    """Encode named arrays; a value whose name is among `fields` gets that field's declared type."""
    return _encode_named(arrays, fields or (), "")


def array_to_json(value: Any) -> Any:
    """An array (or numpy scalar, map, plain value) as JSON-able Python: scalars or nested lists."""
    if isinstance(value, Mapping):
        return {str(key): array_to_json(item) for key, item in value.items()}
    arr = np.asarray(value)
    kind = arr.dtype.kind
    if kind in "biuf":
        return arr.tolist()
    if kind == "c":
        return np.stack([arr.real, arr.imag], axis=-1).tolist()
    if kind in "OSU":
        flat = [_json_object(item) for item in arr.ravel().tolist()]
        return _reshape_objects(flat, arr.shape).tolist()
    raise InvalidInput("value", "a numeric, boolean, string or map array", f"numpy dtype {arr.dtype}")


def arrays_to_json(arrays: Mapping[str, Any]) -> dict[str, Any]:
    """`array_to_json` for every entry of a mapping of named arrays."""
    return {name: array_to_json(value) for name, value in arrays.items()}


def map_array(value: Any, field: str = "tensor") -> np.ndarray:
    """A map value (a dict, nested lists of dicts or an object array of dicts) as a new object
    array of those dicts; `InvalidInput` naming `field` when an element is not a mapping."""
    if isinstance(value, Mapping):
        grid = np.empty((), dtype=object)
        grid[()] = value
    else:
        try:
            grid = np.array(value, dtype=object)
        except ValueError:
            raise InvalidInput(field, "a rectangular nested list of maps", "ragged nested lists") from None
    for item in grid.ravel().tolist():
        if not isinstance(item, Mapping):
            raise InvalidInput(field, "a map (an object of named values)", type(item).__name__)
    return grid


def cast_array(value: Any, dtype: int, field: str = "tensor") -> np.ndarray:
    """Convert `value` to the numpy type of proto `dtype` without losing or inventing information.

    Rejects (with `InvalidInput` naming `field`): booleans as numbers or numbers as booleans,
    strings as numbers or numbers as strings, fractional or non-finite floats for integer types,
    values outside the type's range, complex values for real types and ragged nested lists.
    Non-finite floats are kept for float and complex types.
    """
    info = _info(dtype, field)
    arr = _as_array(value, field)
    if arr.dtype == info.numpy and arr.dtype.kind != "O":
        return arr
    if arr.size == 0 and arr.dtype.kind in "biufcOSU":  # `[]` parses as float64: fine for any type
        return arr.astype(info.numpy)
    target = info.numpy.kind
    if target == "O":
        return _strings(arr, field)
    if arr.dtype.kind == "O":
        arr = _as_array(arr.tolist(), field)  # object arrays of numbers: let numpy infer again
    source = arr.dtype.kind
    name = dtypes.proto_name(dtype)
    if target == "b" or source == "b":
        if target != source:
            raise InvalidInput(field, f"{name} values", _got(arr))
        return arr.astype(info.numpy)
    if source not in _NUMERIC_SOURCES[target]:
        raise InvalidInput(field, f"{name} values", _got(arr))
    if target in "iu":
        return _to_integers(arr, info.numpy, name, field)
    return _to_floats(arr, info.numpy, name, field)



def _got(arr: np.ndarray) -> str:
    """What an array holds, for error messages: its kind, or its first non-number."""
    if arr.dtype.kind in _KIND_TEXT:
        return _KIND_TEXT[arr.dtype.kind]
    if arr.dtype.kind in "OSU" and arr.size:
        item = arr.ravel()[0]
        item = item.item() if isinstance(item, np.generic) else item
        return f"{item!r} ({type(item).__name__})"
    return f"numpy dtype {arr.dtype}"


def _info(dtype: int, field: str) -> dtypes.DTypeInfo:
    try:
        return dtypes.from_proto(dtype)
    except KeyError:
        supported = ", ".join(dtypes.proto_name(info.proto) for info in dtypes.DTYPES)
        raise InvalidInput(field, f"a data type among {supported}", dtypes.proto_name(dtype)) from None


def _as_array(value: Any, field: str) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    try:
        return np.asarray(value)
    except (ValueError, OverflowError) as error:
        raise InvalidInput(field, "a rectangular (non-ragged) nested list", f"{error}") from None


def _to_integers(arr: np.ndarray, numpy_type: np.dtype, name: str, field: str) -> np.ndarray:
    if arr.size == 0:
        return arr.astype(numpy_type)
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            raise InvalidInput(field, f"{name} values (whole numbers)", repr(arr[bad][0].item()))
    limits = np.iinfo(numpy_type)
    low, high = arr.min().item(), arr.max().item()
    if low < limits.min or high > limits.max:
        worst = low if low < limits.min else high
        raise InvalidInput(field, f"{name} values in [{limits.min}, {limits.max}]", repr(worst))
    return arr.astype(numpy_type)


def _to_floats(arr: np.ndarray, numpy_type: np.dtype, name: str, field: str) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        out = arr.astype(numpy_type)
    overflow = np.isinf(out) & np.isfinite(arr)
    if overflow.any():
        limit = np.finfo(numpy_type).max.item()
        raise InvalidInput(field, f"{name} values within +/-{limit:g}", repr(arr[overflow][0].item()))
    return out


def _strings(arr: np.ndarray, field: str) -> np.ndarray:
    if arr.dtype.kind not in "OSU":
        raise InvalidInput(field, "DT_STRING values (strings)", _got(arr))
    flat = arr.ravel().tolist()
    for item in flat:
        if not isinstance(item, str | bytes):
            raise InvalidInput(field, "DT_STRING values (strings)", f"{item!r} ({type(item).__name__})")
    return arr if arr.dtype.kind == "O" else _reshape_objects(flat, arr.shape)


def _reshape_objects(flat: list[Any], shape: tuple[int, ...]) -> np.ndarray:
    # np.array(list_of_objects) would try to nest lists/dicts; fill an object array instead.
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(shape)


def _read_values(values: Any, info: dtypes.DTypeInfo, field: str) -> np.ndarray:
    if info.tensor_field == "string_val":
        return _reshape_objects([_text(item) for item in values], (len(values),))
    if info.tensor_field in _PAIR_FIELDS:
        pairs = np.fromiter(values, _PAIR_FIELDS[info.tensor_field], count=len(values))
        return pairs.view(info.numpy)
    if info.tensor_field == "half_val":
        bits = np.fromiter(values, np.int32, count=len(values))
        return _narrow(bits, np.dtype(np.uint16), "DT_HALF bit patterns", field).view(np.float16)
    if info.tensor_field == "int_val" and info.numpy != np.int32:
        wide = np.fromiter(values, np.int32, count=len(values))
        return _narrow(wide, info.numpy, f"{dtypes.proto_name(info.proto)} values", field)
    return np.fromiter(values, info.numpy, count=len(values))


def _narrow(arr: np.ndarray, numpy_type: np.dtype, what: str, field: str) -> np.ndarray:
    limits = np.iinfo(numpy_type)
    if arr.size and (arr.min() < limits.min or arr.max() > limits.max):
        raise InvalidInput(field, f"{what} in [{limits.min}, {limits.max}]", f"{arr.min()}..{arr.max()}")
    return arr.astype(numpy_type)


def _text(raw: bytes) -> str | bytes:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


def _json_object(item: Any) -> Any:
    if isinstance(item, bytes):
        text = _text(item)
        return text if isinstance(text, str) else base64.b64encode(item).decode("ascii")
    if isinstance(item, Mapping | np.ndarray | np.generic):
        return array_to_json(item)
    return item


def _encode_named(arrays: Mapping[str, Any], fields: Sequence[Field], prefix: str) -> dict[str, Any]:
    by_name = {f.name: f for f in fields}
    out = {}
    for name, value in arrays.items():
        declared = by_name.get(name)
        if declared is None:
            out[name] = _to_tensor(value, None, (), prefix + name)
        else:
            dtype = _DT_MAP if declared.dtype is None else declared.dtype
            out[name] = _to_tensor(value, dtype, declared.subfields, prefix + name)
    return out


def _to_tensor(value: Any, dtype: int | None, subfields: Sequence[Field], field: str) -> tensor_pb2.Tensor:
    if dtype == _DT_MAP or isinstance(value, Mapping) or _holds_maps(value):
        return _map_tensor(value, subfields, field)
    arr = _as_array(value, field) if dtype is None else cast_array(value, dtype, field)
    if dtype is None:
        try:
            dtype = dtypes.proto_for_numpy(arr.dtype)
        except KeyError as error:
            raise InvalidInput(field, "an array of a Hydrosphere data type", str(error)) from None
        if dtype == types_pb2.DT_STRING:
            arr = _strings(arr, field)
    tensor = tensor_pb2.Tensor(dtype=cast("types_pb2.DataType", dtype))
    tensor.tensor_shape.dims.extend(arr.shape)
    getattr(tensor, dtypes.from_proto(dtype).tensor_field).extend(_wire_values(arr))
    return tensor


def _wire_values(arr: np.ndarray) -> list[Any]:
    flat = arr.ravel()
    kind = arr.dtype.kind
    if kind == "O":
        return [item.encode("utf-8") if isinstance(item, str) else item for item in flat.tolist()]
    if kind == "c":
        return flat.view(flat.real.dtype).tolist()
    if arr.dtype == np.float16:
        return flat.view(np.uint16).tolist()
    return flat.tolist()


def _holds_maps(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return value.dtype.kind == "O" and value.size > 0 and isinstance(value.flat[0], Mapping)
    return isinstance(value, list) and bool(value) and isinstance(value[0], Mapping)


def _map_tensor(value: Any, subfields: Sequence[Field], field: str) -> tensor_pb2.Tensor:
    grid = map_array(value, field)
    tensor = tensor_pb2.Tensor(dtype=_DT_MAP)
    tensor.tensor_shape.dims.extend(grid.shape)
    for index, item in enumerate(grid.ravel().tolist()):
        where = f"{field}[{index}]" if grid.ndim else field
        subtensors = tensor.map_val.add().subtensors
        for key, sub in _encode_named(item, subfields, f"{where}.").items():
            subtensors[key].CopyFrom(sub)
    return tensor


def _map_to_array(tensor: tensor_pb2.Tensor, shape: tuple[int, ...], field: str) -> np.ndarray:
    if len(tensor.map_val) != math.prod(shape):
        expected = f"{math.prod(shape)} maps for shape {list(shape)}"
        raise InvalidInput(field, expected, f"{len(tensor.map_val)} maps")
    items = []
    for index, entry in enumerate(tensor.map_val):
        where = f"{field}[{index}]" if shape else field
        items.append({key: tensor_to_array(sub, f"{where}.{key}") for key, sub in entry.subtensors.items()})
    return _reshape_objects(items, shape)
