from protos.hydrosphere.serving.contract import field_pb2 as _field_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ModelSignature(_message.Message):
    __slots__ = ("signature_name", "inputs", "outputs")
    SIGNATURE_NAME_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    signature_name: str
    inputs: _containers.RepeatedCompositeFieldContainer[_field_pb2.ModelField]
    outputs: _containers.RepeatedCompositeFieldContainer[_field_pb2.ModelField]
    def __init__(self, signature_name: _Optional[str] = ..., inputs: _Optional[_Iterable[_Union[_field_pb2.ModelField, _Mapping]]] = ..., outputs: _Optional[_Iterable[_Union[_field_pb2.ModelField, _Mapping]]] = ...) -> None: ...
