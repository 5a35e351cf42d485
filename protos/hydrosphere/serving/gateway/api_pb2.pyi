from protos.hydrosphere.serving.contract import tensor_pb2 as _tensor_pb2
from protos.hydrosphere.serving.runtime import api_pb2 as _api_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GatewayPredictRequest(_message.Message):
    __slots__ = ("name", "data")
    class DataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _tensor_pb2.Tensor
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_tensor_pb2.Tensor, _Mapping]] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    name: str
    data: _containers.MessageMap[str, _tensor_pb2.Tensor]
    def __init__(self, name: _Optional[str] = ..., data: _Optional[_Mapping[str, _tensor_pb2.Tensor]] = ...) -> None: ...
