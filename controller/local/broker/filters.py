"""Trigger filters: Knative's `spec.filter.attributes` and the SubscriptionsAPI `spec.filters`.

A filter is a frozen tree evaluated against an event's attributes rendered as strings.
CESQL expressions are not supported by the local engine and are rejected when parsed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from controller.errors import InvalidResource

Attributes = Callable[[str], "str | None"]


@dataclass(frozen=True)
class AttributesFilter:
    """Legacy exact match; an empty value matches any value, as in Knative (TriggerAnyFilter)."""

    attributes: tuple[tuple[str, str], ...] = ()

    def __call__(self, get: Attributes) -> bool:
        return all(value == "" or get(name) == value for name, value in self.attributes)


@dataclass(frozen=True)
class Compare:
    """`exact`, `prefix` or `suffix`: every named attribute present and comparing true."""

    op: str
    attributes: tuple[tuple[str, str], ...]

    def __call__(self, get: Attributes) -> bool:
        for name, expected in self.attributes:
            actual = get(name)
            if actual is None:
                return False
            if self.op == "exact" and actual != expected:
                return False
            if self.op == "prefix" and not actual.startswith(expected):
                return False
            if self.op == "suffix" and not actual.endswith(expected):
                return False
        return True


@dataclass(frozen=True)
class Combine:
    """`all` (every child true), `any` (one child true) or `not` (its single child false)."""

    op: str
    children: tuple[Filter, ...]

    def __call__(self, get: Attributes) -> bool:
        if self.op == "all":
            return all(child(get) for child in self.children)
        if self.op == "any":
            return any(child(get) for child in self.children)
        return not self.children[0](get)


Filter = AttributesFilter | Compare | Combine


def _string_map(value: Any, path: str, *, allow_empty: bool) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping):
        raise InvalidResource(path, "must be a map of attribute name to string value")
    for name, expected in value.items():
        if not isinstance(expected, str):
            raise InvalidResource(f"{path}.{name}", "must be a string (only string values are supported)")
        if not allow_empty and (not name or not expected):
            raise InvalidResource(f"{path}.{name}", "attribute name and value must not be empty")
    return tuple(sorted(value.items()))


def _expression(spec: Any, path: str) -> Filter:
    if not isinstance(spec, Mapping) or len(spec) != 1:
        raise InvalidResource(path, "must hold exactly one of exact, prefix, suffix, all, any, not")
    (op, body), = spec.items()
    where = f"{path}.{op}"
    if op in ("exact", "prefix", "suffix"):
        return Compare(op, _string_map(body, where, allow_empty=False))
    if op in ("all", "any"):
        if not isinstance(body, list) or not body:
            raise InvalidResource(where, "must be a non-empty list of filter expressions")
        return Combine(op, tuple(_expression(child, f"{where}[{i}]") for i, child in enumerate(body)))
    if op == "not":
        return Combine("not", (_expression(body, where),))
    if op == "cesql":
        raise InvalidResource(where, "CESQL filters are not supported by the local broker")
    raise InvalidResource(where, "unknown filter dialect")


def parse_filter(spec: Mapping[str, Any], path: str = "spec") -> Filter:
    """The filter of a Trigger spec; `filters` overrides `filter` as in Knative."""
    filters = spec.get("filters")
    if filters:
        if not isinstance(filters, list):
            raise InvalidResource(f"{path}.filters", "must be a list of filter expressions")
        return Combine("all", tuple(_expression(f, f"{path}.filters[{i}]") for i, f in enumerate(filters)))
    legacy = spec.get("filter") or {}
    if not isinstance(legacy, Mapping):
        raise InvalidResource(f"{path}.filter", "must be a map")
    return AttributesFilter(_string_map(legacy.get("attributes") or {}, f"{path}.filter.attributes",
                                        allow_empty=True))
