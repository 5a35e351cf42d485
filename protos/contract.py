"""Model contracts: Hydrosphere's `contract:` section of serving.yaml as typed, frozen values.

A contract is parsed once at the boundary (`Contract.from_dict`, `Contract.from_proto`) and is
valid from then on. Errors name the path of the offending field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from protos import dtypes
from protos.errors import ContractError
from protos.hydrosphere.serving.contract import field_pb2, signature_pb2, tensor_pb2, types_pb2

DEFAULT_SIGNATURE = "predict"
PROFILES: dict[str, int] = {name.lower(): value for name, value in types_pb2.DataProfileType.items()}
_FIELD_KEYS = {"shape", "type", "profile", "fields"}


@dataclass(frozen=True)
class Field:
    """One named input or output. `shape` is None for a scalar; -1 marks a variable first dim.

    A field has either a `dtype` (a proto DataType value) or `subfields` (a map of fields).
    """

    name: str
    dtype: int | None
    shape: tuple[int, ...] | None = None
    profile: int = types_pb2.NONE
    subfields: tuple[Field, ...] = ()

    @property
    def is_scalar(self) -> bool:
        return self.shape is None or len(self.shape) == 0

    @property
    def dtype_name(self) -> str:
        return "map" if self.dtype is None else dtypes.proto_name(self.dtype)

    @property
    def profile_name(self) -> str:
        return types_pb2.DataProfileType.Name(self.profile).lower()

    def shape_text(self) -> str:
        return "scalar" if self.is_scalar else str(list(self.shape or ()))

    @classmethod
    def from_dict(cls, name: str, spec: Any, path: str) -> Field:
        if not isinstance(spec, Mapping):
            raise ContractError(path, f"must be a mapping with shape, type and profile, got {spec!r}")
        unknown = sorted(set(spec) - _FIELD_KEYS)
        if unknown:
            raise ContractError(f"{path}.{unknown[0]}", f"unknown key; allowed: {sorted(_FIELD_KEYS)}")
        shape = parse_shape(spec.get("shape", "scalar"), f"{path}.shape")
        profile = parse_profile(spec.get("profile", "none"), f"{path}.profile")
        if "fields" in spec:
            if "type" in spec:
                raise ContractError(path, "a field has either a type or nested fields, not both")
            subfields = _parse_fields(spec["fields"], f"{path}.fields")
            return cls(name, None, shape, profile, subfields)
        if "type" not in spec:
            raise ContractError(f"{path}.type", f"is required; one of {', '.join(dtypes.ALIASES)}")
        return cls(name, parse_dtype(spec["type"], f"{path}.type"), shape, profile)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"shape": "scalar" if self.is_scalar else list(self.shape or ())}
        if self.dtype is None:
            out["fields"] = {sub.name: sub.to_dict() for sub in self.subfields}
        else:
            out["type"] = dtypes.from_proto(self.dtype).aliases[0]
        out["profile"] = self.profile_name
        return out

    def to_proto(self) -> field_pb2.ModelField:
        shape = tensor_pb2.TensorShape(dims=list(self.shape or ()))
        profile = cast("types_pb2.DataProfileType", self.profile)
        message = field_pb2.ModelField(name=self.name, shape=shape, profile=profile)
        if self.dtype is None:
            message.subfields.data.extend(sub.to_proto() for sub in self.subfields)
        else:
            message.dtype = cast("types_pb2.DataType", self.dtype)
        return message

    @classmethod
    def from_proto(cls, message: field_pb2.ModelField, path: str = "") -> Field:
        where = f"{path}{message.name}"
        shape = tuple(message.shape.dims) if message.HasField("shape") else None
        shape = parse_shape(list(shape) if shape else "scalar", f"{where}.shape")
        if message.WhichOneof("type_or_subfields") == "subfields":
            subs = tuple(cls.from_proto(sub, f"{where}.") for sub in message.subfields.data)
            return cls(message.name, None, shape, message.profile, subs)
        if message.dtype not in dtypes.BY_PROTO:
            raise ContractError(f"{where}.dtype", f"unsupported data type {dtypes.proto_name(message.dtype)}")
        return cls(message.name, message.dtype, shape, message.profile)


@dataclass(frozen=True)
class Contract:
    """A model signature: its name and ordered input and output fields."""

    name: str = DEFAULT_SIGNATURE
    inputs: tuple[Field, ...] = field(default_factory=tuple)
    outputs: tuple[Field, ...] = field(default_factory=tuple)

    def input(self, name: str) -> Field | None:
        return next((f for f in self.inputs if f.name == name), None)

    def output(self, name: str) -> Field | None:
        return next((f for f in self.outputs if f.name == name), None)

    @classmethod
    def from_dict(cls, spec: Any, path: str = "contract") -> Contract:
        """Parse Hydrosphere's YAML contract: `{name, inputs: {field: {shape, type, profile}}, outputs}`."""
        if not isinstance(spec, Mapping):
            raise ContractError(path, f"must be a mapping with inputs and outputs, got {spec!r}")
        unknown = sorted(set(spec) - {"name", "signature_name", "inputs", "outputs"})
        if unknown:
            raise ContractError(f"{path}.{unknown[0]}", "unknown key; allowed: name, inputs, outputs")
        name = spec.get("name", spec.get("signature_name", DEFAULT_SIGNATURE))
        if not isinstance(name, str) or not name.isidentifier():
            raise ContractError(f"{path}.name", f"must be an identifier, got {name!r}")
        inputs = _parse_fields(spec.get("inputs"), f"{path}.inputs")
        outputs = _parse_fields(spec.get("outputs"), f"{path}.outputs")
        if not inputs:
            raise ContractError(f"{path}.inputs", "at least one input is required")
        if not outputs:
            raise ContractError(f"{path}.outputs", "at least one output is required")
        return cls(name, inputs, outputs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "inputs": {f.name: f.to_dict() for f in self.inputs},
            "outputs": {f.name: f.to_dict() for f in self.outputs},
        }

    def to_proto(self) -> signature_pb2.ModelSignature:
        return signature_pb2.ModelSignature(
            signature_name=self.name,
            inputs=[f.to_proto() for f in self.inputs],
            outputs=[f.to_proto() for f in self.outputs],
        )

    @classmethod
    def from_proto(cls, message: signature_pb2.ModelSignature) -> Contract:
        inputs = tuple(Field.from_proto(f, "inputs.") for f in message.inputs)
        outputs = tuple(Field.from_proto(f, "outputs.") for f in message.outputs)
        return cls(message.signature_name or DEFAULT_SIGNATURE, inputs, outputs)


def _parse_fields(spec: Any, path: str) -> tuple[Field, ...]:
    if spec is None:
        return ()
    if not isinstance(spec, Mapping):
        raise ContractError(path, f"must map field names to definitions, got {type(spec).__name__}")
    fields = []
    for name, field_spec in spec.items():
        if not isinstance(name, str) or not name:
            raise ContractError(path, f"field names must be non-empty strings, got {name!r}")
        fields.append(Field.from_dict(name, field_spec, f"{path}.{name}"))
    return tuple(fields)


def parse_dtype(value: Any, path: str) -> int:
    """A YAML type alias (or proto name) to its proto DataType value."""
    if not isinstance(value, str):
        raise ContractError(path, f"must be a type name, got {value!r}")
    try:
        return dtypes.from_alias(value).proto
    except KeyError:
        raise ContractError(path, f"unknown type {value!r}; one of {', '.join(dtypes.ALIASES)}") from None


def parse_shape(value: Any, path: str) -> tuple[int, ...] | None:
    """`scalar` (or an empty list) -> None; otherwise a list of ints where only the first may be -1."""
    if value == "scalar" or value == []:
        return None
    if isinstance(value, Mapping) and "dims" in value:
        value = value["dims"]
    if not isinstance(value, list | tuple) or not all(type(d) is int for d in value):
        raise ContractError(path, f"must be 'scalar' or a list of integers, got {value!r}")
    for index, dim in enumerate(value):
        if dim == -1 and index == 0:
            continue
        if dim < 1:
            where = "only the first dimension may be -1" if dim == -1 else "dimensions must be positive"
            raise ContractError(path, f"{where}, got {list(value)}")
    return tuple(value)


def parse_profile(value: Any, path: str) -> int:
    if not isinstance(value, str) or value.lower() not in PROFILES:
        raise ContractError(path, f"unknown profile {value!r}; one of {', '.join(sorted(PROFILES))}")
    return PROFILES[value.lower()]
