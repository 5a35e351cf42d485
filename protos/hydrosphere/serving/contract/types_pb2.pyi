from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class DataType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DT_INVALID: _ClassVar[DataType]
    DT_FLOAT: _ClassVar[DataType]
    DT_DOUBLE: _ClassVar[DataType]
    DT_INT32: _ClassVar[DataType]
    DT_UINT8: _ClassVar[DataType]
    DT_INT16: _ClassVar[DataType]
    DT_INT8: _ClassVar[DataType]
    DT_STRING: _ClassVar[DataType]
    DT_COMPLEX64: _ClassVar[DataType]
    DT_INT64: _ClassVar[DataType]
    DT_BOOL: _ClassVar[DataType]
    DT_QINT8: _ClassVar[DataType]
    DT_QUINT8: _ClassVar[DataType]
    DT_QINT32: _ClassVar[DataType]
    DT_QINT16: _ClassVar[DataType]
    DT_QUINT16: _ClassVar[DataType]
    DT_UINT16: _ClassVar[DataType]
    DT_COMPLEX128: _ClassVar[DataType]
    DT_HALF: _ClassVar[DataType]
    DT_UINT32: _ClassVar[DataType]
    DT_UINT64: _ClassVar[DataType]
    DT_ANY: _ClassVar[DataType]
    DT_MAP: _ClassVar[DataType]

class DataProfileType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NONE: _ClassVar[DataProfileType]
    CATEGORICAL: _ClassVar[DataProfileType]
    NOMINAL: _ClassVar[DataProfileType]
    ORDINAL: _ClassVar[DataProfileType]
    NUMERICAL: _ClassVar[DataProfileType]
    CONTINUOUS: _ClassVar[DataProfileType]
    INTERVAL: _ClassVar[DataProfileType]
    RATIO: _ClassVar[DataProfileType]
    IMAGE: _ClassVar[DataProfileType]
    VIDEO: _ClassVar[DataProfileType]
    AUDIO: _ClassVar[DataProfileType]
    TEXT: _ClassVar[DataProfileType]
DT_INVALID: DataType
DT_FLOAT: DataType
DT_DOUBLE: DataType
DT_INT32: DataType
DT_UINT8: DataType
DT_INT16: DataType
DT_INT8: DataType
DT_STRING: DataType
DT_COMPLEX64: DataType
DT_INT64: DataType
DT_BOOL: DataType
DT_QINT8: DataType
DT_QUINT8: DataType
DT_QINT32: DataType
DT_QINT16: DataType
DT_QUINT16: DataType
DT_UINT16: DataType
DT_COMPLEX128: DataType
DT_HALF: DataType
DT_UINT32: DataType
DT_UINT64: DataType
DT_ANY: DataType
DT_MAP: DataType
NONE: DataProfileType
CATEGORICAL: DataProfileType
NOMINAL: DataProfileType
ORDINAL: DataProfileType
NUMERICAL: DataProfileType
CONTINUOUS: DataProfileType
INTERVAL: DataProfileType
RATIO: DataProfileType
IMAGE: DataProfileType
VIDEO: DataProfileType
AUDIO: DataProfileType
TEXT: DataProfileType
