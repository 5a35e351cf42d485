from protos.hydrosphere.serving.runtime import api_pb2 as _api_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ApplicationInfo(_message.Message):
    __slots__ = ("application_name", "stage_id")
    APPLICATION_NAME_FIELD_NUMBER: _ClassVar[int]
    STAGE_ID_FIELD_NUMBER: _ClassVar[int]
    application_name: str
    stage_id: str
    def __init__(self, application_name: _Optional[str] = ..., stage_id: _Optional[str] = ...) -> None: ...

class ExecutionMetadata(_message.Message):
    __slots__ = ("request_id", "model_version_id", "model_name", "model_version", "signature_name", "servable_name", "latency", "app_info")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSION_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_NAME_FIELD_NUMBER: _ClassVar[int]
    SERVABLE_NAME_FIELD_NUMBER: _ClassVar[int]
    LATENCY_FIELD_NUMBER: _ClassVar[int]
    APP_INFO_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    model_version_id: int
    model_name: str
    model_version: int
    signature_name: str
    servable_name: str
    latency: float
    app_info: ApplicationInfo
    def __init__(self, request_id: _Optional[str] = ..., model_version_id: _Optional[int] = ..., model_name: _Optional[str] = ..., model_version: _Optional[int] = ..., signature_name: _Optional[str] = ..., servable_name: _Optional[str] = ..., latency: _Optional[float] = ..., app_info: _Optional[_Union[ApplicationInfo, _Mapping]] = ...) -> None: ...

class ExecutionInformation(_message.Message):
    __slots__ = ("request", "error", "response", "metadata")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    request: _api_pb2.PredictRequest
    error: str
    response: _api_pb2.PredictResponse
    metadata: ExecutionMetadata
    def __init__(self, request: _Optional[_Union[_api_pb2.PredictRequest, _Mapping]] = ..., error: _Optional[str] = ..., response: _Optional[_Union[_api_pb2.PredictResponse, _Mapping]] = ..., metadata: _Optional[_Union[ExecutionMetadata, _Mapping]] = ...) -> None: ...
