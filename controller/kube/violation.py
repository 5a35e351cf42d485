"""One problem found in a manifest, naming the object and the field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Violation:
    kind: str
    name: str
    field: str
    """Dotted path inside the object, e.g. `spec.traffic[1].tag`."""
    problem: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}: {self.field}: {self.problem}"

    @classmethod
    def of(cls, manifest: dict[str, Any], field: str, problem: str) -> Violation:
        name = (manifest.get("metadata") or {}).get("name", "?")
        return cls(str(manifest.get("kind", "?")), str(name), field, problem)
