"""Small field readers shared by the resource parsers: each error names the dotted path."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from controller.errors import InvalidResource

NAME_PATTERN = re.compile(r"^[a-z0-9]([a-z0-9_.-]{0,251}[a-z0-9])?$")


def mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidResource(path, f"must be a mapping, got {type(value).__name__}")
    return value


def check_keys(spec: Mapping[str, Any], allowed: set[str], path: str) -> None:
    """Reject keys outside `allowed`, accepting kebab-case, snake_case and camelCase spellings."""
    for key in spec:
        if normalise_key(key) not in allowed:
            where = f"{path}.{key}" if path else str(key)
            raise InvalidResource(where, f"unknown field; allowed: {', '.join(sorted(allowed))}")


def normalise_key(key: Any) -> str:
    """`install-command`, `install_command` and `installCommand` all read as `install_command`."""
    text = str(key).replace("-", "_")
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "_" + m.group(1).lower(), text)


def get(spec: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """Read a field by its snake_case name under any of its accepted spellings."""
    for key, value in spec.items():
        if normalise_key(key) == name:
            return value
    return default


def string(value: Any, path: str, *, required: bool = True) -> str | None:
    if value is None:
        if required:
            raise InvalidResource(path, "is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidResource(path, f"must be a non-empty string, got {value!r}")
    if not storable(value):
        raise InvalidResource(path, f"must be UTF-8 text without NUL characters, got {value!r}")
    return value


def storable(text: str) -> bool:
    """Whether the catalog can store `text`: PostgreSQL refuses NUL, and a lone surrogate (which JSON
    `"\\ud800"` decodes to) has no UTF-8 encoding."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def name(value: Any, path: str) -> str:
    text = string(value, path)
    assert text is not None
    if not NAME_PATTERN.match(text):
        raise InvalidResource(
            path, f"{text!r} is not a valid name: lowercase letters, digits, '-', '_' and '.', "
            "starting and ending with a letter or digit"
        )
    return text


INT32_MAX = 2**31 - 1
"""No integer a request carries may exceed this: the catalog's columns and Kubernetes' counts are int32."""


def integer(value: Any, path: str, *, minimum: int | None = None, maximum: int = INT32_MAX) -> int:
    if type(value) is not int:
        raise InvalidResource(path, f"must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise InvalidResource(path, f"must be >= {minimum}, got {value}")
    if value > maximum:
        raise InvalidResource(path, f"must be <= {maximum}, got {value}")
    return value


def number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidResource(path, f"must be a number, got {value!r}")
    return float(value)


def string_map(value: Any, path: str) -> dict[str, str]:
    """A map of strings; scalar values are stringified (YAML reads `1` and `true` as non-strings)."""
    if value is None:
        return {}
    spec = mapping(value, path)
    out: dict[str, str] = {}
    for key, item in spec.items():
        if isinstance(item, Mapping | list) or item is None:
            raise InvalidResource(f"{path}.{key}", f"must be a string, got {item!r}")
        out[str(key)] = str(item).lower() if isinstance(item, bool) else str(item)
    return out


def model_ref(value: Any, path: str) -> tuple[str, int]:
    """`name:version` -> (name, version)."""
    text = string(value, path)
    assert text is not None
    model_name, sep, version = text.rpartition(":")
    if not sep or not model_name or not version.isdigit() or int(version) < 1:
        raise InvalidResource(path, f"must be 'model-name:version' with a version >= 1, got {text!r}")
    return model_name, int(version)
