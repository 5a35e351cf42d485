"""Choosing a profile for a contract field, and rebuilding stored profiles of any kind."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from functions.stats.categorical import CategoricalProfile
from functions.stats.errors import BadProfile
from functions.stats.image import ImageProfile
from functions.stats.numerical import NumericalProfile
from functions.stats.profile import Profile
from functions.stats.text import TextProfile
from protos import dtypes
from protos.contract import Field
from protos.errors import ContractError
from protos.hydrosphere.serving.contract import types_pb2

PROFILE_TYPES: dict[str, type[Profile]] = {
    cls.kind: cls for cls in (NumericalProfile, CategoricalProfile, TextProfile, ImageProfile)
}
_CATEGORICAL = {types_pb2.CATEGORICAL, types_pb2.NOMINAL, types_pb2.ORDINAL}
_NUMERICAL = {types_pb2.NUMERICAL, types_pb2.CONTINUOUS, types_pb2.INTERVAL, types_pb2.RATIO}


def profile_for(field: Field) -> Profile | None:
    """A new, empty profile for a contract field, or None when the field is not profiled.

    The declared profile type decides (categorical/nominal/ordinal, numerical/continuous/interval/
    ratio, text, image). Video, audio and map fields are not profiled. A field declared `none` is
    profiled only when it is a scalar: strings and booleans as categorical, numbers as numerical.
    A declared type the dtype cannot carry (numerical strings, text numbers) is a ContractError
    naming the field.
    """
    if field.dtype is None or field.profile in (types_pb2.VIDEO, types_pb2.AUDIO):
        return None
    kind = dtypes.from_proto(field.dtype).numpy.kind
    if field.profile == types_pb2.NONE:
        if not field.is_scalar or kind == "c":
            return None
        return CategoricalProfile() if kind in "bO" else NumericalProfile()
    if field.profile in _CATEGORICAL:
        return CategoricalProfile()
    expected = "O" if field.profile == types_pb2.TEXT else "biuf"
    if kind not in expected:
        problem = f"a {field.profile_name} profile does not fit type {field.dtype_name}"
        raise ContractError(f"{field.name}.profile", problem)
    if field.profile in _NUMERICAL:
        return NumericalProfile()
    if field.profile == types_pb2.TEXT:
        return TextProfile()
    return ImageProfile()


def profile_from_dict(data: Mapping[str, Any]) -> Profile:
    """Rebuild any stored profile from its `to_dict()` form; BadProfile names the bad key."""
    if not isinstance(data, Mapping):
        raise BadProfile("profile", f"expected a mapping, got {type(data).__name__}")
    kind = data.get("kind")
    if kind not in PROFILE_TYPES:
        raise BadProfile("kind", f"unknown profile kind {kind!r}; one of {sorted(PROFILE_TYPES)}")
    return PROFILE_TYPES[kind].from_dict(data)
