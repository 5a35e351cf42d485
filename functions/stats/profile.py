"""The interface every field profile implements, and the JSON helpers they share."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Self, TypeVar

from functions.stats.errors import BadProfile

FORMAT_VERSION = 1
T = TypeVar("T")


class Profile(ABC):
    """A streaming, mergeable summary of one field's values, with memory bounded per field.

    `update()` takes chunks of any length; `merge()` of chunk profiles equals profiling all the
    chunks at once (up to sketch error); `to_dict()` / `from_dict()` store it as JSON.
    """

    kind: ClassVar[str]

    @property
    @abstractmethod
    def count(self) -> int:
        """Non-missing values seen (documents for text, images for images)."""

    @property
    @abstractmethod
    def missing(self) -> int:
        """Missing values seen (None, NaN)."""

    @abstractmethod
    def update(self, values: Any) -> None:
        """Add a chunk of this field's values; None and NaN count as missing."""

    @abstractmethod
    def merge(self, other: Self) -> Self:
        """A new profile of both inputs' data; neither input changes."""

    @abstractmethod
    def empty_like(self) -> Self:
        """An empty profile with the same settings and reference bins (for production data)."""

    @abstractmethod
    def with_reference_bins(self, bins: int = 10) -> Self:
        """A copy whose histograms use edges derived from its own data, for others to share."""

    @abstractmethod
    def summary(self) -> dict[str, Any]:
        """The figures users see, JSON-able, with None for what is undefined."""

    @abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """The whole state as JSON-able values (no NaN or infinity)."""

    @classmethod
    @abstractmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild a profile stored by `to_dict()`; BadProfile names the bad key."""

    def _check_mergeable(self, other: Profile) -> None:
        if type(other) is not type(self):
            raise BadProfile("kind", f"cannot merge a {self.kind} profile with a {other.kind} profile")


def finite(value: float | None) -> float | None:
    """The value as a float, or None when it is missing, NaN or infinite (JSON has neither)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def header(kind: str) -> dict[str, Any]:
    return {"kind": kind, "version": FORMAT_VERSION}


def check_header(data: Any, kind: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise BadProfile("profile", f"expected a mapping, got {type(data).__name__}")
    if data.get("kind") != kind:
        raise BadProfile("kind", f"expected {kind!r}, got {data.get('kind')!r}")
    if data.get("version") != FORMAT_VERSION:
        raise BadProfile("version", f"unsupported format version {data.get('version')!r}")
    return data


def field_of(data: Mapping[str, Any], key: str, kind: type) -> Any:
    """data[key] checked against a type, with an error naming the key."""
    if key not in data:
        raise BadProfile(key, "is required")
    value = data[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BadProfile(key, f"expected {kind.__name__}, got {value!r}")
    return value


def nested(data: Mapping[str, Any], key: str, loader: Callable[[Any], T]) -> T:
    """Load data[key] with `loader`, naming the full key path in any BadProfile."""
    try:
        return loader(data.get(key))
    except BadProfile as exc:
        if exc.key == key or exc.key.startswith(f"{key}."):
            raise
        inner = "" if exc.key == "profile" else f".{exc.key}"
        raise BadProfile(f"{key}{inner}", exc.problem) from None
