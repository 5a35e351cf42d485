"""Check a request (or a model's outputs) against its contract before any model runs.

Every failure is an `InvalidInput` naming the field (dotted for map subfields, with an index for
maps that have dimensions: `user[1].age`), what was expected and what came. The rules:

- Names: every declared field must be present; undeclared fields are rejected.
- Types: JSON numbers (ints or floats) fill float and complex fields; integer fields take whole
  numbers only (`2` or `2.0`, never `1.5`); booleans never pass for numbers nor numbers for
  booleans; string fields take strings only (numbers are not stringified). Values must fit the
  declared type (300 is not a uint8, 1e39 is not a float32). Complex values are `[re, im]` pairs.
- Non-finite numbers: rejected in JSON bodies (JSON cannot carry NaN or Infinity, although
  Python's parser accepts the literals); accepted in Tensor inputs of float and complex types.
- Shapes: the rank must match; -1 (first dimension only) takes any length, including 0; a scalar
  field takes a scalar only. Nested lists must be rectangular. An empty JSON list `[]` is an
  empty batch for a field whose shape starts with -1.
- Tensor inputs: `tensor.dtype` must equal the declared dtype exactly.
- Model outputs (`validate_arrays`) are cast to the declared dtype with the same range checks.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from protos import codec, dtypes
from protos.contract import Contract, Field
from protos.errors import InvalidInput
from protos.hydrosphere.serving.contract import tensor_pb2, types_pb2

_JSON_TYPES = {str: "string", bool: "boolean", int: "number", float: "number", type(None): "null"}
_NUMBER_KINDS = frozenset({int, float})
"""Exact types (`bool` is not one of them): items of only these kinds are JSON numbers."""


def decode_json_inputs(body: Any, contract: Contract) -> dict[str, np.ndarray]:
    """Hydrosphere's JSON body `{"field": scalar | nested lists}` as arrays of the declared types."""
    if not isinstance(body, Mapping):
        raise InvalidInput("body", "a JSON object mapping input names to values", _json_type(body))
    return validate_arrays(_from_json(body, contract.inputs, ""), contract.inputs)


def decode_tensor_inputs(
    tensors: Mapping[str, tensor_pb2.Tensor], contract: Contract
) -> dict[str, np.ndarray]:
    """A gRPC request's Tensors as arrays; each tensor's dtype must be exactly the declared one."""
    by_name = {f.name: f for f in contract.inputs}
    arrays: dict[str, Any] = {}
    for name, tensor in tensors.items():
        declared = by_name.get(name)
        if declared is not None:
            _check_tensor_dtype(tensor, declared, name)
            arrays[name] = codec.tensor_to_array(tensor, name)
        else:
            arrays[name] = tensor  # reported as unknown by validate_arrays
    return validate_arrays(arrays, contract.inputs)


def validate_arrays(
    arrays: Mapping[str, Any], fields: Sequence[Field], *, path: str = ""
) -> dict[str, np.ndarray]:
    """Check names, types and shapes; return arrays of exactly the declared numpy dtypes.

    `path` prefixes field names in errors (used for map subfields). Map fields yield object
    arrays of dicts (0-d for a scalar map), as in `protos.codec`.
    """
    declared = [f.name for f in fields]
    for name in arrays:
        if name not in declared:
            raise InvalidInput(path + name, f"one of the declared fields {declared}", "an undeclared field")
    for f in fields:
        if f.name not in arrays:
            expected = f"a {f.dtype_name} value of shape {f.shape_text()}"
            raise InvalidInput(path + f.name, expected, "no value (missing)")
    return {f.name: _validate(arrays[f.name], f, path + f.name) for f in fields}


def _validate(value: Any, field: Field, path: str) -> np.ndarray:
    if field.dtype is None:
        grid = codec.map_array(value, path)
        for index, item in enumerate(grid.ravel().tolist()):
            grid.flat[index] = validate_arrays(item, field.subfields, path=_item_path(path, index, grid))
        arr = grid
    else:
        arr = codec.cast_array(value, field.dtype, path)
    _check_shape(arr.shape, field, path)
    return arr


def _check_shape(shape: tuple[int, ...], field: Field, path: str) -> None:
    if field.is_scalar:
        if shape:
            raise InvalidInput(path, "a scalar", f"shape {list(shape)}")
        return
    expected = field.shape or ()
    fits = len(shape) == len(expected) and all(
        want in (-1, got) for want, got in zip(expected, shape, strict=True)
    )
    if not fits:
        raise InvalidInput(path, f"shape {list(expected)}", f"shape {list(shape)}")


def _item_path(path: str, index: int, grid: np.ndarray) -> str:
    """`m.` for a scalar map, `m[3].` for the fourth map of a map field with dimensions."""
    return f"{path}[{index}]." if grid.ndim else f"{path}."


def _check_tensor_dtype(tensor: tensor_pb2.Tensor, field: Field, path: str) -> None:
    expected = types_pb2.DT_MAP if field.dtype is None else field.dtype
    if tensor.dtype != expected:
        got = dtypes.proto_name(tensor.dtype)
        raise InvalidInput(path, f"dtype {dtypes.proto_name(expected)}", f"dtype {got}")
    subfields = {sub.name: sub for sub in field.subfields}
    for index, entry in enumerate(tensor.map_val):
        prefix = f"{path}[{index}]." if tensor.tensor_shape.dims else f"{path}."
        for key, sub_tensor in entry.subtensors.items():
            if key in subfields:
                _check_tensor_dtype(sub_tensor, subfields[key], prefix + key)


def _from_json(body: Mapping[str, Any], fields: Sequence[Field], path: str) -> dict[str, Any]:
    by_name = {f.name: f for f in fields}
    return {
        name: _json_value(value, by_name[name], path + name) if name in by_name else value
        for name, value in body.items()
    }


def _json_value(value: Any, field: Field, path: str) -> Any:
    if field.dtype is None:
        grid = codec.map_array(value, path)
        for index, item in enumerate(grid.ravel().tolist()):
            grid.flat[index] = _from_json(item, field.subfields, _item_path(path, index, grid))
        return grid
    grid, flat, kinds = _json_grid(value, path)
    info = dtypes.from_proto(field.dtype)
    if grid.size == 0:
        return np.empty(_empty_shape(grid.shape, field), dtype=info.numpy)
    if kinds <= _NUMBER_KINDS and info.numpy.kind in "iufc":
        # Plain JSON numbers (the usual body): the per-item checks below cannot fail.
        numbers = _json_numbers(flat, info, path, has_floats=float in kinds).reshape(grid.shape)
        return _json_complex(numbers, path) if info.numpy.kind == "c" else numbers
    name = _proto_name(info.proto)
    if info.numpy.kind == "O":
        _expect(flat, lambda item: isinstance(item, str), f"{name}: strings", path)
        return grid
    if info.numpy.kind == "b":
        _expect(flat, lambda item: isinstance(item, bool), f"{name}: booleans (true or false)", path)
        return np.array(flat, dtype=bool).reshape(grid.shape)
    _expect(flat, _is_number, f"{name}: numbers", path)
    numbers = _json_numbers(flat, info, path).reshape(grid.shape)
    return _json_complex(numbers, path) if info.numpy.kind == "c" else numbers


def _json_grid(value: Any, path: str) -> tuple[np.ndarray, list[Any], set[type]]:
    """Nested lists as an object array, its items flat, and their exact types; ragged lists
    leave lists among the items."""
    try:
        grid = np.array(value, dtype=object)
    except ValueError:
        grid = None
    if grid is None:
        raise InvalidInput(path, "a rectangular nested list (rows of equal length)", "ragged nested lists")
    flat = grid.ravel().tolist()
    kinds = set(map(type, flat))
    if not kinds <= _NUMBER_KINDS and any(isinstance(item, list | tuple) for item in flat):
        raise InvalidInput(path, "a rectangular nested list (rows of equal length)", "ragged nested lists")
    return grid, flat, kinds


def _empty_shape(shape: tuple[int, ...], field: Field) -> tuple[int, ...]:
    """`[]` for a field shaped [-1, 3] is an empty batch of shape (0, 3)."""
    declared = field.shape or ()
    if shape == (0,) and len(declared) > 1 and declared[0] == -1:
        return (0, *declared[1:])
    return shape


def _is_number(item: Any) -> bool:
    return isinstance(item, int | float) and not isinstance(item, bool)


def _expect(flat: list[Any], accepts: Callable[[Any], bool], expected: str, path: str) -> None:
    for item in flat:
        if not accepts(item):
            raise InvalidInput(path, expected, f"{item!r} ({_json_type(item)})")


def _json_numbers(flat: list[Any], info: dtypes.DTypeInfo, path: str, has_floats: bool | None = None) -> np.ndarray:
    """`has_floats`, when the caller knows it, saves a pass over the items."""
    name = _proto_name(info.proto)
    if has_floats is None:
        has_floats = any(isinstance(item, float) for item in flat)
    if info.numpy.kind in "iu" and not has_floats:
        # Python ints are exact: check the range before numpy could wrap or widen to float.
        limits = np.iinfo(info.numpy)
        low, high = min(flat), max(flat)
        if low < limits.min or high > limits.max:
            worst = low if low < limits.min else high
            raise InvalidInput(path, f"{name} values in [{limits.min}, {limits.max}]", repr(worst))
        return np.array(flat, dtype=info.numpy)
    try:
        numbers = np.array(flat, dtype=np.float64)
    except OverflowError:
        raise InvalidInput(path, f"{name} values", "an integer too large for any number type") from None
    finite = np.isfinite(numbers)
    if not finite.all():
        got = repr(numbers[~finite][0].item())
        raise InvalidInput(path, "finite numbers (JSON cannot carry NaN or Infinity)", got)
    return numbers


@functools.cache
def _proto_name(proto: int) -> str:
    return dtypes.proto_name(proto)


def _json_complex(numbers: np.ndarray, path: str) -> np.ndarray:
    if numbers.ndim == 0 or numbers.shape[-1] != 2:
        raise InvalidInput(path, "complex numbers as [re, im] pairs", f"shape {list(numbers.shape)}")
    return np.ascontiguousarray(numbers).view(np.complex128)[..., 0]


def _json_type(value: Any) -> str:
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "an array"
    return _JSON_TYPES.get(type(value), type(value).__name__)
