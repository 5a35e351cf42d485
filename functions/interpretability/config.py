"""Building the per-request configuration dataclasses from plain JSON-like mappings.

Each method has a frozen config dataclass with defaults; `config_from_dict` fills it from the
mapping a request carries, rejecting unknown keys and wrong types with the key's path
(`config.threshold: must be a number, got 'high'`). Range checks live in each dataclass's
`__post_init__` through `require`, so a config built in code is checked the same way.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from functions.interpretability.errors import InvalidArgument

T = TypeVar("T")


def config_from_dict(cls: type[T], data: Mapping[str, Any] | None, path: str = "config") -> T:
    """An instance of the dataclass `cls` from `data`; None or {} gives the defaults."""
    if data is None:
        return cls()
    if not isinstance(data, Mapping):
        raise InvalidArgument(path, f"must be a mapping of settings, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    known = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    unknown = sorted(str(key) for key in data if key not in known)
    if unknown:
        raise InvalidArgument(f"{path}.{unknown[0]}", f"unknown key; allowed: {', '.join(known)}")
    values = {key: _coerce(value, hints[key], f"{path}.{key}") for key, value in data.items()}
    return cls(**values)


def require(condition: bool, key: str, problem: str) -> None:
    """Raise `InvalidArgument` for `config.<key>` unless `condition` holds."""
    if not condition:
        raise InvalidArgument(f"config.{key}", problem)


def _coerce(value: Any, hint: Any, path: str) -> Any:
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if value is None:
        if type(None) in options:
            return None
        raise InvalidArgument(path, "must not be null")
    hint = next(option for option in options if option is not type(None))
    if typing.get_origin(hint) is tuple:
        if not isinstance(value, list | tuple):
            raise InvalidArgument(path, f"must be a list, got {value!r}")
        item = typing.get_args(hint)[0]
        return tuple(_coerce(v, item, f"{path}[{i}]") for i, v in enumerate(value))
    if typing.get_origin(hint) is typing.Literal:
        if value not in typing.get_args(hint):
            raise InvalidArgument(path, f"must be one of {list(typing.get_args(hint))}, got {value!r}")
        return value
    return _coerce_scalar(value, hint, path)


def _coerce_scalar(value: Any, hint: Any, path: str) -> Any:
    if hint is bool:
        if not isinstance(value, bool):
            raise InvalidArgument(path, f"must be true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidArgument(path, f"must be an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidArgument(path, f"must be a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise InvalidArgument(path, f"must be a string, got {value!r}")
        return value
    raise TypeError(f"{path}: unsupported config type {hint!r}")
