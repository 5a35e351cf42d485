from protos.hydrosphere.serving.contract import types_pb2 as _types_pb2
from protos.hydrosphere.serving.contract import tensor_pb2 as _tensor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ModelField(_message.Message):
    __slots__ = ("name", "shape", "subfields", "dtype", "profile")
    class Subfield(_message.Message):
        __slots__ = ("data",)
        DATA_FIELD_NUMBER: _ClassVar[int]
        data: _containers.RepeatedCompositeFieldContainer[ModelField]
        def __init__(self, data: _Optional[_Iterable[_Union[ModelField, _Mapping]]] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    SHAPE_FIELD_NUMBER: _ClassVar[int]
    SUBFIELDS_FIELD_NUMBER: _ClassVar[int]
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    name: str
    shape: _tensor_pb2.TensorShape
    subfields: ModelField.Subfield
    dtype: _types_pb2.DataType
    profile: _types_pb2.DataProfileType
    def __init__(self, name: _Optional[str] = ..., shape: _Optional[_Union[_tensor_pb2.TensorShape, _Mapping]] = ..., subfields: _Optional[_Union[ModelField.Subfield, _Mapping]] = ..., dtype: _Optional[_Union[_types_pb2.DataType, str]] = ..., profile: _Optional[_Union[_types_pb2.DataProfileType, str]] = ...) -> None: ...
