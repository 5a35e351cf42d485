"""The one table of Hydrosphere data types: YAML aliases, numpy dtypes and Tensor value fields."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from protos.hydrosphere.serving.contract import types_pb2


@dataclass(frozen=True)
class DTypeInfo:
    """How one Hydrosphere `DataType` is spelled, stored in numpy, and carried in a Tensor."""

    proto: int
    numpy: np.dtype
    tensor_field: str
    aliases: tuple[str, ...]


def _info(name: str, numpy_type: str, field: str, *aliases: str) -> DTypeInfo:
    return DTypeInfo(types_pb2.DataType.Value(name), np.dtype(numpy_type), field, aliases)


# Quantised types travel as plain integers (as in TensorFlow's TensorProto, which Hydrosphere
# mirrors); numpy has no quantised dtypes, so they use the matching integer width.
DTYPES: tuple[DTypeInfo, ...] = (
    _info("DT_BOOL", "bool", "bool_val", "bool"),
    _info("DT_STRING", "object", "string_val", "string", "str"),
    _info("DT_HALF", "float16", "half_val", "half", "float16"),
    _info("DT_FLOAT", "float32", "float_val", "float32", "single"),
    _info("DT_DOUBLE", "float64", "double_val", "double", "float64", "float"),
    _info("DT_INT8", "int8", "int_val", "int8", "byte"),
    _info("DT_INT16", "int16", "int_val", "int16", "short"),
    _info("DT_INT32", "int32", "int_val", "int32"),
    _info("DT_INT64", "int64", "int64_val", "int64", "int"),
    _info("DT_UINT8", "uint8", "int_val", "uint8", "ubyte"),
    _info("DT_UINT16", "uint16", "int_val", "uint16", "ushort"),
    _info("DT_UINT32", "uint32", "uint32_val", "uint32"),
    _info("DT_UINT64", "uint64", "uint64_val", "uint64"),
    _info("DT_QINT8", "int8", "int_val", "qint8"),
    _info("DT_QUINT8", "uint8", "int_val", "quint8"),
    _info("DT_QINT16", "int16", "int_val", "qint16"),
    _info("DT_QUINT16", "uint16", "int_val", "quint16"),
    _info("DT_QINT32", "int32", "int_val", "qint32"),
    _info("DT_COMPLEX64", "complex64", "scomplex_val", "complex64"),
    _info("DT_COMPLEX128", "complex128", "dcomplex_val", "complex128", "complex"),
)

BY_PROTO: dict[int, DTypeInfo] = {info.proto: info for info in DTYPES}
BY_ALIAS: dict[str, DTypeInfo] = {alias: info for info in DTYPES for alias in info.aliases}
ALIASES: tuple[str, ...] = tuple(sorted(BY_ALIAS))

# numpy kind -> proto, for arrays that arrive without a declared dtype (model outputs).
_BY_NUMPY: dict[np.dtype, int] = {}
for _info_row in DTYPES:
    _BY_NUMPY.setdefault(_info_row.numpy, _info_row.proto)


def from_alias(alias: str) -> DTypeInfo:
    """Look up a YAML type name (`int64`, `double`, ...) or a proto name (`DT_INT64`)."""
    key = alias.strip()
    if key in BY_ALIAS:
        return BY_ALIAS[key]
    try:
        return BY_PROTO[types_pb2.DataType.Value(key)]
    except ValueError:
        raise KeyError(alias) from None


def from_proto(proto: int) -> DTypeInfo:
    """The entry for a proto `DataType` value; KeyError for DT_INVALID, DT_ANY and DT_MAP."""
    return BY_PROTO[proto]


def proto_for_numpy(dtype: np.dtype) -> int:
    """The proto `DataType` that carries arrays of this numpy dtype (strings -> DT_STRING)."""
    if dtype.kind in ("U", "S", "O"):
        return types_pb2.DT_STRING
    try:
        return _BY_NUMPY[np.dtype(dtype)]
    except KeyError:
        raise KeyError(f"numpy dtype {dtype} has no Hydrosphere DataType") from None


def proto_name(proto: int) -> str:
    """`DT_INT64` for 9; the numeric value when it is not a known DataType."""
    try:
        return types_pb2.DataType.Name(proto)
    except ValueError:
        return str(proto)
