"""Our generated descriptors against Hydrosphere 3.0.3's real ones (PyPI hydro-serving-grpc).

Each message, enum and service is its own test case, so a failure names exactly what differs.
Items are enumerated from our descriptors; `test_same_definitions` catches anything only they have.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format

from protos import codec
from protos.hydrosphere.monitoring.sonar import entities_pb2
from protos.hydrosphere.serving.contract import field_pb2, signature_pb2, tensor_pb2, types_pb2
from protos.hydrosphere.serving.gateway import api_pb2 as gateway_pb2
from protos.hydrosphere.serving.runtime import api_pb2 as runtime_pb2

FDP = descriptor_pb2.FieldDescriptorProto
# Dependency order, so a DescriptorPool can be filled front to back.
MODULES: dict[str, ModuleType] = {
    "serving/contract/types.proto": types_pb2,
    "serving/contract/tensor.proto": tensor_pb2,
    "serving/contract/field.proto": field_pb2,
    "serving/contract/signature.proto": signature_pb2,
    "serving/runtime/api.proto": runtime_pb2,
    "serving/gateway/api.proto": gateway_pb2,
    "monitoring/sonar/entities.proto": entities_pb2,
}
NEVER_PACKED = {FDP.TYPE_STRING, FDP.TYPE_BYTES, FDP.TYPE_MESSAGE, FDP.TYPE_GROUP}  # never packed


def ours(relative: str) -> descriptor_pb2.FileDescriptorProto:
    proto = descriptor_pb2.FileDescriptorProto()
    MODULES[relative].DESCRIPTOR.CopyToProto(proto)
    return proto


def theirs(files: dict[str, descriptor_pb2.FileDescriptorProto], relative: str) -> Any:
    name = f"hydro_serving_grpc/{relative}"
    assert name in files, f"{name} is not in hydro-serving-grpc 3.0.3"
    return files[name]


def walk_messages(scope: str, messages: Any) -> Iterator[tuple[str, descriptor_pb2.DescriptorProto]]:
    for message in messages:
        full_name = f"{scope}.{message.name}"
        yield full_name, message
        yield from walk_messages(full_name, message.nested_type)


def walk_enums(proto: descriptor_pb2.FileDescriptorProto) -> Iterator[tuple[str, Any]]:
    for enum in proto.enum_type:
        yield f"{proto.package}.{enum.name}", enum
    for full_name, message in walk_messages(proto.package, proto.message_type):
        for enum in message.enum_type:
            yield f"{full_name}.{enum.name}", enum


def messages_of(proto: descriptor_pb2.FileDescriptorProto) -> dict[str, descriptor_pb2.DescriptorProto]:
    return dict(walk_messages(proto.package, proto.message_type))


def packed(field: descriptor_pb2.FieldDescriptorProto, syntax: str) -> bool:
    """Effective packing: proto3 packs repeated scalars unless `[packed = false]`."""
    if field.label != FDP.LABEL_REPEATED or field.type in NEVER_PACKED:
        return False
    if field.options.HasField("packed"):
        return field.options.packed
    return syntax == "proto3"


def message_summary(message: descriptor_pb2.DescriptorProto, syntax: str) -> dict[str, Any]:
    oneofs = [oneof.name for oneof in message.oneof_decl]
    fields = {
        field.name: {
            "number": field.number,
            "type": FDP.Type.Name(field.type),
            "label": FDP.Label.Name(field.label),
            "type_name": field.type_name,
            "oneof": oneofs[field.oneof_index] if field.HasField("oneof_index") else None,
            "packed": packed(field, syntax),
        }
        for field in message.field
    }
    return {
        "fields": fields,
        "nested": sorted(nested.name for nested in message.nested_type),
        "enums": sorted(enum.name for enum in message.enum_type),
        "oneofs": oneofs,
        "map_entry": message.options.map_entry,
    }


def service_summary(service: descriptor_pb2.ServiceDescriptorProto) -> dict[str, Any]:
    return {
        method.name: (method.input_type, method.output_type, method.client_streaming, method.server_streaming)
        for method in service.method
    }


def cases(kind: str) -> list[Any]:
    params = []
    for relative in MODULES:
        proto = ours(relative)
        if kind == "message":
            names = list(messages_of(proto))
        elif kind == "enum":
            names = [name for name, _ in walk_enums(proto)]
        else:
            names = [f"{proto.package}.{service.name}" for service in proto.service]
        params += [pytest.param(relative, name, id=f"{relative}:{name}") for name in names]
    return params


@pytest.mark.parametrize("relative", list(MODULES))
def test_same_package_and_definitions(hydrosphere_files: dict[str, Any], relative: str) -> None:
    mine, reference = ours(relative), theirs(hydrosphere_files, relative)
    assert mine.package == reference.package
    assert mine.syntax == reference.syntax == "proto3"
    assert sorted(messages_of(mine)) == sorted(messages_of(reference))
    assert sorted(name for name, _ in walk_enums(mine)) == sorted(name for name, _ in walk_enums(reference))
    assert sorted(s.name for s in mine.service) == sorted(s.name for s in reference.service)


@pytest.mark.parametrize(("relative", "full_name"), cases("message"))
def test_message_matches(hydrosphere_files: dict[str, Any], relative: str, full_name: str) -> None:
    mine, reference = ours(relative), theirs(hydrosphere_files, relative)
    their_messages = messages_of(reference)
    assert full_name in their_messages, f"{full_name} does not exist in Hydrosphere 3.0.3"
    expected = message_summary(their_messages[full_name], reference.syntax)
    assert message_summary(messages_of(mine)[full_name], mine.syntax) == expected


@pytest.mark.parametrize(("relative", "full_name"), cases("enum"))
def test_enum_matches(hydrosphere_files: dict[str, Any], relative: str, full_name: str) -> None:
    mine, reference = ours(relative), theirs(hydrosphere_files, relative)
    their_enums = dict(walk_enums(reference))
    assert full_name in their_enums, f"{full_name} does not exist in Hydrosphere 3.0.3"
    expected = {value.name: value.number for value in their_enums[full_name].value}
    assert {value.name: value.number for value in dict(walk_enums(mine))[full_name].value} == expected


@pytest.mark.parametrize(("relative", "full_name"), cases("service"))
def test_service_matches(hydrosphere_files: dict[str, Any], relative: str, full_name: str) -> None:
    mine, reference = ours(relative), theirs(hydrosphere_files, relative)
    name = full_name.rsplit(".", 1)[1]
    their_services = {service.name: service for service in reference.service}
    assert name in their_services, f"{full_name} does not exist in Hydrosphere 3.0.3"
    my_service = next(service for service in mine.service if service.name == name)
    assert service_summary(my_service) == service_summary(their_services[name])


@pytest.fixture(scope="module")
def their_pool(hydrosphere_files: dict[str, Any]) -> descriptor_pool.DescriptorPool:
    """A separate pool holding their files (their names are hydro_serving_grpc/..., ours protos/...)."""
    pool = descriptor_pool.DescriptorPool()
    for relative in MODULES:
        pool.Add(theirs(hydrosphere_files, relative))
    return pool


def their_class(pool: descriptor_pool.DescriptorPool, full_name: str) -> Any:
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(full_name))


def sample_request() -> runtime_pb2.PredictRequest:
    arrays = {
        "doubles": [[1.5, -2.25], [3.0, 4.0]],
        "ints": [1, -2, 3],
        "text": ["héllo", "wörld"],
        "flag": True,
        "half": np.array([0.5, -1.0], dtype="float16"),
        "cplx": np.array([1 + 2j], dtype="complex64"),
        "user": {"age": 42, "tags": ["a", "b"]},
    }
    request = runtime_pb2.PredictRequest()
    for name, tensor in codec.arrays_to_tensors(arrays).items():
        request.inputs[name].CopyFrom(tensor)
    return request


def test_our_predict_request_parses_identically_with_their_descriptors(their_pool: Any) -> None:
    request = sample_request()
    wire = request.SerializeToString(deterministic=True)
    parsed = their_class(their_pool, "hydrosphere.serving.runtime.PredictRequest").FromString(wire)
    assert text_format.MessageToString(parsed) == text_format.MessageToString(request)
    assert parsed.SerializeToString(deterministic=True) == wire
    assert parsed.inputs["doubles"].double_val == [1.5, -2.25, 3.0, 4.0]
    assert parsed.inputs["user"].map_val[0].subtensors["tags"].string_val == [b"a", b"b"]


def test_their_gateway_request_parses_identically_with_ours(their_pool: Any) -> None:
    request = their_class(their_pool, "hydrosphere.serving.gateway.GatewayPredictRequest")()
    request.name = "my-app"
    tensor_wire = codec.array_to_tensor([[1.5, -2.25], [3.0, 4.0]]).SerializeToString()
    request.data["x"].CopyFrom(their_class(their_pool, "hydrosphere.serving.contract.Tensor").FromString(tensor_wire))
    parsed = gateway_pb2.GatewayPredictRequest.FromString(request.SerializeToString())
    assert parsed.name == "my-app"
    assert codec.tensor_to_array(parsed.data["x"]).tolist() == [[1.5, -2.25], [3.0, 4.0]]
    assert text_format.MessageToString(parsed) == text_format.MessageToString(request)


def test_execution_information_round_trips_through_their_descriptors(their_pool: Any) -> None:
    info = entities_pb2.ExecutionInformation(
        request=sample_request(),
        response=runtime_pb2.PredictResponse(outputs={"y": codec.array_to_tensor([0.25])}),
        metadata=entities_pb2.ExecutionMetadata(
            request_id="r1", model_version_id=7, model_name="m", model_version=2,
            signature_name="predict", servable_name="m-2", latency=1.5,
            app_info=entities_pb2.ApplicationInfo(application_name="a", stage_id="s0"),
        ),
    )
    wire = info.SerializeToString(deterministic=True)
    parsed = their_class(their_pool, "hydrosphere.monitoring.sonar.ExecutionInformation").FromString(wire)
    assert parsed.WhichOneof("response_or_error") == "response"
    assert text_format.MessageToString(parsed) == text_format.MessageToString(info)
    assert parsed.SerializeToString(deterministic=True) == wire
